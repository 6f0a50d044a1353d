"""Polling feeds from a loopback server: applied snapshots, held pulls, 304s, back-off, staleness.

Every figure a reader sees is read from the public race page (the page cache on, as in
production), before and after each pull. The files are real Clarity and OpenElections exports,
altered step by step as the docstring of tests/candidates/live/conftest.py describes.
"""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from candidates.live import services
from candidates.live.models import FeedSource, LiveSettings, Payload, Pull
from candidates.models import Race
from tests.candidates.factories import make_election
from tests.candidates.live.conftest import (
    ATKINSON_DAY,
    ATKINSON_TOTALS,
    HOUSE_45_TOTALS,
    clarity_scaled,
    clarity_text,
    clarity_totals,
    clarity_without_precinct,
    csv_scaled,
    csv_text,
    csv_totals,
    csv_without_county,
    serve_clarity_version,
)

pytestmark = pytest.mark.django_db


def race_page(client, heading):
    race = Race.objects.select_related("election", "office").get(office__name=heading)
    response = client.get(race.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def shows(page, figures):
    """Every figure of ``figures`` ({name: votes}) printed on the page, as readers read it."""
    return all(f"{votes:,}" in page for votes in figures.values())


def poll(source):
    source.refresh_from_db()
    return services.source_poll(source)


def test_a_polled_clarity_night_applies_snapshots_holds_the_bad_one_and_readers_never_see_it(
    client, feed_server, django_capture_on_commit_callbacks
):
    """The Must-show night: version 1 (60% of the count) is applied; version 2, a half-written
    export with the Axson precinct missing, is held with its reason while readers keep version
    1's figures; version 3 (the real, complete file) is applied and the held one superseded."""
    election = make_election(name="Atkinson general", date=datetime.date(2020, 11, 3))
    url = serve_clarity_version(feed_server, 1001, clarity_scaled(60))
    source = FeedSource.objects.create(
        election=election, name="Atkinson County", url=url, format="clarity_version"
    )

    first = poll(source)
    assert first.pull.status == Pull.Status.APPLIED, first.pull.error
    assert first.pull.version == "1001"
    heading = "President of the United States"
    before = race_page(client, heading)
    early = clarity_totals(clarity_scaled(60))
    assert shows(before, early)
    assert not shows(before, {"Trump": ATKINSON_TOTALS["Donald J. Trump"]})

    # Nothing new: current_ver.txt answers 304 to its ETag, and the zip is not asked for.
    unchanged = poll(source)
    assert unchanged.pull.status == Pull.Status.UNCHANGED
    assert unchanged.pull.http_status == 304
    assert feed_server.paths_requested()[-1].endswith("current_ver.txt")

    # Version 2: the export was written half-way (a precinct is missing).
    serve_clarity_version(feed_server, 1002, clarity_without_precinct("Axson"))
    with django_capture_on_commit_callbacks(execute=True):  # the desk's email goes on commit
        held = poll(source)
    assert held.pull.status == Pull.Status.HELD
    reasons = " ".join(held.pull.reasons)
    assert (
        "Atkinson (President of the United States): precincts reporting would fall from 4 to 3."
        in reasons
    )
    during = race_page(client, heading)
    assert shows(during, early)  # readers keep the last good figures...
    trump = "Donald J. Trump (I) (Rep)"
    held_trump = clarity_totals(clarity_without_precinct("Axson"))[trump]
    assert not shows(during, {"Trump": held_trump})  # ...never the held ones
    assert held.pull.payload is not None and held.pull.changes
    assert "held" in held.log_line() and "precincts reporting would fall" in held.log_line()
    assert mail.outbox[-1].to == ["desk@example.com"]
    assert "precincts reporting would fall from 4 to 3" in mail.outbox[-1].body

    # Version 3: the complete, real export.
    serve_clarity_version(feed_server, 1003, clarity_text())
    applied = poll(source)
    assert applied.pull.status == Pull.Status.APPLIED
    after = race_page(client, heading)
    assert shows(after, ATKINSON_TOTALS)
    held.pull.refresh_from_db()
    assert held.pull.status == Pull.Status.SUPERSEDED  # applying it now would go backwards

    # Every applied snapshot is kept: when, from which source, what changed, and the file.
    night = list(source.pulls.filter(status=Pull.Status.APPLIED).order_by("started_at"))
    assert [pull.version for pull in night] == ["1001", "1003"]
    assert all(pull.payload and pull.changes and pull.figures for pull in night)
    assert Payload.objects.count() == 3


def test_another_elections_export_is_held_and_writes_no_race_until_the_desk_applies_it(
    feed_server,
):
    """A feed of the 2021 general that answers with the 2020 Atkinson export (a mistyped
    address, last year's file left in place) would write 2020's presidential race into 2021's
    election: the pull is held, saying which election the file is, and nothing is created."""
    election = make_election(name="Municipal general election", date=datetime.date(2021, 11, 2))
    url = serve_clarity_version(feed_server, 1, clarity_text())
    source = FeedSource.objects.create(
        election=election, name="Atkinson County", url=url, format="clarity_version"
    )

    held = poll(source)

    assert held.pull.status == Pull.Status.HELD
    assert held.pull.reasons[0] == (
        "The file is the export of “November 3,2020-General Election”, held on November 3, "
        "2020; this feed's election is on November 2, 2021: check the feed's address."
    )
    assert not Race.objects.exists()
    # The desk decides: a file the county dated wrongly can still be applied.
    services.pull_apply(pull=held.pull)
    assert Race.objects.filter(election=election).count() == 1


def test_an_early_clarity_export_shows_the_precincts_it_says_are_in_not_the_ones_it_lists(
    client, feed_server
):
    """Clarity lists every precinct from the first export of the night, at zero until it
    reports. Counting the names showed readers "4 of 4 precincts" (and every share) while the
    export said none was in; a later export whose precincts reported fall is held."""
    election = make_election(name="Atkinson general", date=datetime.date(2020, 11, 3))
    early = clarity_scaled(60).replace('precinctsReported="4"', 'precinctsReported="0"')
    url = serve_clarity_version(feed_server, 1, early)
    source = FeedSource.objects.create(
        election=election, name="Atkinson County", url=url, format="clarity_version"
    )
    heading = "President of the United States"

    assert poll(source).pull.status == Pull.Status.APPLIED
    page = race_page(client, heading)
    assert "0 of 4 precincts" in page and "4 of 4 precincts" not in page
    assert "Shares are shown once 10% of precincts are reporting" in page
    assert shows(page, clarity_totals(early))  # the votes show from the first

    serve_clarity_version(feed_server, 2, clarity_text())
    assert poll(source).pull.status == Pull.Status.APPLIED
    page = race_page(client, heading)
    assert "4 of 4 precincts" in page and shows(page, ATKINSON_TOTALS)

    recount = clarity_text().replace('precinctsReported="4"', 'precinctsReported="3"')
    serve_clarity_version(feed_server, 3, recount)
    held = poll(source)
    assert held.pull.status == Pull.Status.HELD
    assert (
        "Atkinson (President of the United States): precincts reporting would fall from 4 to 3."
        in held.pull.reasons
    )
    assert "4 of 4 precincts" in race_page(client, heading)


def test_a_failing_feed_backs_off_exponentially_and_recovers(feed_server, settings):
    election = make_election(date=ATKINSON_DAY)
    url = serve_clarity_version(feed_server, 7, clarity_text())
    source = FeedSource.objects.create(
        election=election, name="Atkinson", url=url, format="clarity_version", interval=60
    )
    assert poll(source).pull.status == Pull.Status.APPLIED

    feed_server.serve("/GA/Atkinson/105369/current_ver.txt", status=500)
    failed = poll(source)
    source.refresh_from_db()
    assert failed.pull.status == Pull.Status.FAILED
    assert failed.pull.http_status == 500 and "answered HTTP 500" in source.last_error
    assert source.failures == 1
    wait = (source.next_poll_at - timezone.now()).total_seconds()
    assert 2 * 60 * 0.89 < wait < 2 * 60 * 1.11  # twice the interval, with jitter

    # A feed that answers too slowly: a timeout (settings.LIVE_FEED_TIMEOUT is 0.5 s here).
    feed_server.serve("/GA/Atkinson/105369/current_ver.txt", "8", delay=1.5)
    timed_out = poll(source)
    source.refresh_from_db()
    assert timed_out.pull.status == Pull.Status.FAILED
    assert "did not answer within 0.5 s (timeout)" in timed_out.pull.error
    assert source.failures == 2
    wait = (source.next_poll_at - timezone.now()).total_seconds()
    assert 4 * 60 * 0.89 < wait < 4 * 60 * 1.11
    assert "next pull in" in timed_out.log_line()

    # Back on its feet with the same version: unchanged, and the count of errors starts over.
    feed_server.serve("/GA/Atkinson/105369/current_ver.txt", "7", content_type="text/plain")
    recovered = poll(source)
    source.refresh_from_db()
    assert recovered.pull.status == Pull.Status.UNCHANGED
    assert source.failures == 0 and source.last_error == ""
    wait = (source.next_poll_at - timezone.now()).total_seconds()
    assert 60 * 0.89 < wait < 60 * 1.11


def test_the_wait_after_errors_stops_growing_at_fifteen_minutes():
    source = FeedSource(interval=60, failures=10)
    assert services.next_wait(source, failed=True) <= services.MAX_BACKOFF_SECONDS * 1.1


def test_a_polled_csv_night_holds_a_missing_county_until_the_next_good_pull(client, feed_server):
    """The CSV feed answers with Last-Modified only (no ETag): If-Modified-Since gets its 304.
    A pull that drops Fulton is held (this feed's last applied pull had it)."""
    election = make_election(name="District 45 special", kind="special")
    path = "/results/house45.csv"
    feed_server.serve(path, csv_scaled(60), content_type="text/csv", etag=False)
    source = FeedSource.objects.create(
        election=election, name="District 45", url=feed_server.url(path), format="csv"
    )
    assert poll(source).pull.status == Pull.Status.APPLIED
    source.refresh_from_db()
    assert source.etag == "" and source.last_modified

    again = poll(source)
    assert again.pull.status == Pull.Status.UNCHANGED and again.pull.http_status == 304
    assert "If-Modified-Since" in feed_server.requests[-1][1]

    feed_server.serve(
        path, csv_without_county("Fulton", csv_scaled(75)), content_type="text/csv", etag=False
    )
    held = poll(source)
    assert held.pull.status == Pull.Status.HELD
    assert (
        "Fulton (State House District 45) is missing from the file (this feed's last applied "
        "pull had it)." in held.pull.reasons
    )
    page = race_page(client, "State House District 45")
    assert shows(page, csv_totals(csv_scaled(60)))
    assert not shows(page, {"Kaye": csv_totals(csv_scaled(75))["Mitchell Kaye"]})

    feed_server.serve(path, csv_text(), content_type="text/csv", etag=False)
    assert poll(source).pull.status == Pull.Status.APPLIED
    assert shows(race_page(client, "State House District 45"), HOUSE_45_TOTALS)


def test_a_candidates_falling_votes_hold_a_csv_pull_with_the_reason(client, feed_server):
    election = make_election(kind="special")
    path = "/house45.csv"
    feed_server.serve(path, csv_text(), content_type="text/csv")
    source = FeedSource.objects.create(
        election=election, name="District 45", url=feed_server.url(path), format="csv"
    )
    assert poll(source).pull.status == Pull.Status.APPLIED
    feed_server.serve(path, csv_scaled(90), content_type="text/csv")
    held = poll(source)
    assert held.pull.status == Pull.Status.HELD
    assert any("Mitchell Kaye's votes would fall from" in reason for reason in held.pull.reasons)
    assert shows(race_page(client, "State House District 45"), HOUSE_45_TOTALS)


def test_a_county_total_that_jumps_past_the_set_share_is_held(feed_server):
    """Cobb shows 10% of its count, then the whole of it: +900%, past the 100% allowed."""
    election = make_election(kind="special")
    LiveSettings.objects.create(election=election, jump_percent=100, jump_floor=100)
    path = "/house45.csv"
    feed_server.serve(path, csv_scaled(10), content_type="text/csv")
    source = FeedSource.objects.create(
        election=election, name="District 45", url=feed_server.url(path), format="csv"
    )
    assert poll(source).pull.status == Pull.Status.APPLIED
    feed_server.serve(path, csv_text(), content_type="text/csv")
    held = poll(source)
    assert held.pull.status == Pull.Status.HELD
    assert any(
        reason.startswith("Cobb (State House District 45): the total would jump from")
        and "more than the 100% this election allows" in reason
        for reason in held.pull.reasons
    )


def test_an_election_set_to_review_every_pull_holds_even_a_normal_change(feed_server):
    election = make_election(kind="special")
    LiveSettings.objects.create(election=election, review_every_pull=True)
    feed_server.serve("/f.csv", csv_text(), content_type="text/csv")
    source = FeedSource.objects.create(
        election=election, name="District 45", url=feed_server.url("/f.csv"), format="csv"
    )
    held = poll(source)
    assert held.pull.status == Pull.Status.HELD
    assert held.pull.reasons == [
        "This election's pulls wait for an editor (review every pull is on)."
    ]
    assert not Race.objects.filter(election=election).exists()  # nothing reached the site


def test_an_error_page_served_with_a_200_fails_and_readers_keep_their_figures(client, feed_server):
    election = make_election(date=ATKINSON_DAY)
    url = serve_clarity_version(feed_server, 1, clarity_text())
    source = FeedSource.objects.create(
        election=election, name="Atkinson", url=url, format="clarity_version"
    )
    assert poll(source).pull.status == Pull.Status.APPLIED
    feed_server.serve("/GA/Atkinson/105369/2/reports/detailxml.zip", b"<html>Maintenance</html>")
    feed_server.serve("/GA/Atkinson/105369/current_ver.txt", "2")
    failed = poll(source)
    assert failed.pull.status == Pull.Status.FAILED
    assert "did not answer with a Clarity export" in failed.pull.error
    assert shows(race_page(client, "President of the United States"), ATKINSON_TOTALS)
    # The same bytes again are not parsed again: unchanged, on one row.
    feed_server.serve("/GA/Atkinson/105369/current_ver.txt", "2 ")
    assert poll(source).pull.status in (Pull.Status.UNCHANGED, Pull.Status.FAILED)


def test_one_failing_source_never_stops_the_others(feed_server):
    election = make_election(date=ATKINSON_DAY)
    good_url = serve_clarity_version(feed_server, 3, clarity_text())
    feed_server.serve("/broken/current_ver.txt", status=500)
    good = FeedSource.objects.create(
        election=election, name="Good", url=good_url, format="clarity_version"
    )
    bad = FeedSource.objects.create(
        election=election,
        name="Broken",
        url=feed_server.url("/broken/current_ver.txt"),
        format="clarity_version",
    )
    missing = FeedSource.objects.create(
        election=election, name="Nowhere", url="http://127.0.0.1:9/none.csv", format="csv"
    )
    results = {r.source.name: r.pull.status for r in services.sources_poll([bad, missing, good])}
    assert results == {"Good": "applied", "Broken": "failed", "Nowhere": "failed"}


def test_a_csv_pull_that_only_drops_a_county_is_held_not_unchanged(client, feed_server):
    """A county gone from the file changes no figure readers see (the importer leaves
    counties a file does not name alone), so it once passed as "unchanged" and the desk was
    never told; it is held with its reason, and once applied the same file is unchanged."""
    election = make_election(kind="special")
    path = "/house45.csv"
    feed_server.serve(path, csv_text(), content_type="text/csv")
    source = FeedSource.objects.create(
        election=election, name="District 45", url=feed_server.url(path), format="csv"
    )
    assert poll(source).pull.status == Pull.Status.APPLIED

    feed_server.serve(path, csv_without_county("Fulton"), content_type="text/csv")
    held = poll(source)
    assert held.pull.status == Pull.Status.HELD
    assert held.pull.reasons == [
        "Fulton (State House District 45) is missing from the file (this feed's last applied "
        "pull had it)."
    ]
    assert held.log_line().endswith(
        "no figure changed. Held: Fulton (State House District 45) is missing from the file "
        "(this feed's last applied pull had it)."
    )
    assert shows(race_page(client, "State House District 45"), HOUSE_45_TOTALS)

    services.pull_apply(pull=held.pull)
    assert poll(source).pull.status == Pull.Status.UNCHANGED
    assert shows(race_page(client, "State House District 45"), HOUSE_45_TOTALS)


def test_a_file_that_failed_is_tried_again_once_what_failed_it_is_gone(client, feed_server):
    """The same bytes as a failed pull are staged again, not waved through as unchanged: here
    the feed names a race the site does not have, and the editor then lets the feed add it.
    The same failure twice in a row is one row."""
    election = make_election(kind="special")
    path = "/house45.csv"
    feed_server.serve(path, csv_text(), content_type="text/csv")
    source = FeedSource.objects.create(
        election=election,
        name="District 45",
        url=feed_server.url(path),
        format="csv",
        create_missing=False,
    )
    first = services.source_poll(source, refresh=True)
    assert first.pull.status == Pull.Status.FAILED
    again = services.source_poll(source, refresh=True)
    assert (again.pull.pk, again.pull.status, again.pull.repeats) == (
        first.pull.pk,
        Pull.Status.FAILED,
        2,
    )
    assert not Race.objects.filter(election=election).exists()

    FeedSource.objects.filter(pk=source.pk).update(create_missing=True)
    source.refresh_from_db()
    applied = services.source_poll(source, refresh=True)
    assert applied.pull.status == Pull.Status.APPLIED, applied.pull.error
    assert shows(race_page(client, "State House District 45"), HOUSE_45_TOTALS)


def test_a_304_is_logged_as_not_modified_with_no_body(feed_server):
    """Unchanged pulls share a row whose size is the first one's; a 304 still brought none."""
    election = make_election(kind="special")
    feed_server.serve("/house45.csv", csv_text(), content_type="text/csv")
    source = FeedSource.objects.create(
        election=election, name="District 45", url=feed_server.url("/house45.csv"), format="csv"
    )
    assert poll(source).pull.status == Pull.Status.APPLIED
    full = services.source_poll(source, refresh=True)  # same bytes, downloaded in full
    assert "the same file as the last pull" in full.log_line()
    not_modified = poll(source)
    assert (not_modified.pull.pk, not_modified.pull.http_status) == (full.pull.pk, 304)
    assert ": unchanged, no body in " in not_modified.log_line()
    assert not_modified.log_line().endswith("; not modified (304)")


def test_unchanged_pulls_in_a_row_share_one_row(feed_server):
    election = make_election(date=ATKINSON_DAY)
    url = serve_clarity_version(feed_server, 5, clarity_text())
    source = FeedSource.objects.create(
        election=election, name="Atkinson", url=url, format="clarity_version"
    )
    poll(source)
    for _ in range(3):
        poll(source)
    unchanged = source.pulls.get(status=Pull.Status.UNCHANGED)
    assert unchanged.repeats == 3
    assert source.pulls.count() == 2


def test_a_new_etag_on_the_same_clarity_version_fetches_no_zip(feed_server):
    election = make_election(date=ATKINSON_DAY)
    url = serve_clarity_version(feed_server, 5, clarity_text())
    source = FeedSource.objects.create(
        election=election, name="Atkinson", url=url, format="clarity_version"
    )
    poll(source)
    feed_server.serve("/GA/Atkinson/105369/current_ver.txt", "5\n")  # new bytes, same number
    requests_before = len(feed_server.requests)
    assert poll(source).pull.status == Pull.Status.UNCHANGED
    assert len(feed_server.requests) == requests_before + 1  # current_ver.txt only


def test_a_clarity_page_address_finds_current_ver_txt(feed_server):
    """An editor may paste the address of the election's results page."""
    election = make_election(date=ATKINSON_DAY)
    serve_clarity_version(feed_server, 42, clarity_text())
    source = FeedSource.objects.create(
        election=election,
        name="Atkinson",
        url=feed_server.url("/GA/Atkinson/105369/web.264614/#/summary"),
        format="clarity_version",
    )
    assert poll(source).pull.status == Pull.Status.APPLIED
    assert "/GA/Atkinson/105369/42/reports/detailxml.zip" in feed_server.paths_requested()


def test_a_local_clarity_folder_is_pulled_like_a_site(tmp_path):
    from tests.candidates.live.conftest import zipped

    (tmp_path / "9" / "reports").mkdir(parents=True)
    (tmp_path / "9" / "reports" / "detailxml.zip").write_bytes(zipped(clarity_text()))
    (tmp_path / "current_ver.txt").write_text("9")
    election = make_election(date=ATKINSON_DAY)
    source = FeedSource.objects.create(
        election=election,
        name="Share",
        url=str(tmp_path / "current_ver.txt"),
        format="clarity_version",
    )
    assert poll(source).pull.status == Pull.Status.APPLIED
    assert poll(source).pull.status == Pull.Status.UNCHANGED  # same modification time


def test_a_source_is_stale_after_three_intervals_without_an_answer(feed_server):
    election = make_election(date=ATKINSON_DAY)
    url = serve_clarity_version(feed_server, 1, clarity_text())
    with time_machine.travel(
        datetime.datetime(2024, 11, 5, 21, 0, tzinfo=datetime.UTC), tick=False
    ):
        source = FeedSource.objects.create(
            election=election, name="Atkinson", url=url, format="clarity_version", interval=60
        )
        poll(source)
    source.refresh_from_db()
    at = source.last_ok_at
    assert not source.is_stale(at + datetime.timedelta(seconds=180))
    assert source.is_stale(at + datetime.timedelta(seconds=181))
    assert services.sources_stale(at + datetime.timedelta(seconds=181)) == [source]
    source.active = False
    source.save()
    assert services.sources_stale(at + datetime.timedelta(hours=1)) == []


def test_a_feed_larger_than_the_limit_is_refused_before_it_is_read(feed_server, settings):
    settings.LIVE_FEED_MAX_BYTES = 1000
    election = make_election(date=ATKINSON_DAY)
    url = serve_clarity_version(feed_server, 1, clarity_text())
    source = FeedSource.objects.create(
        election=election, name="Atkinson", url=url, format="clarity_version"
    )
    failed = poll(source)
    assert failed.pull.status == Pull.Status.FAILED
    assert "is larger than 1,000 bytes" in failed.pull.error


def test_a_refresh_catches_a_file_replaced_by_an_older_dated_copy(client, feed_server):
    """A copy that kept its old modification time answers 304 to If-Modified-Since: the poller
    downloads in full every FULL_REFRESH_SECONDS, and at once when asked for one source."""
    election = make_election(kind="special")
    path = "/house45.csv"
    feed_server.serve(path, csv_scaled(60), content_type="text/csv", etag=False)
    source = FeedSource.objects.create(
        election=election, name="District 45", url=feed_server.url(path), format="csv"
    )
    assert poll(source).pull.status == Pull.Status.APPLIED
    old_stamp = feed_server.stamps[path]
    feed_server.serve(path, csv_text(), content_type="text/csv", etag=False)
    feed_server.stamps[path] = old_stamp  # the new file carries the old date
    assert poll(source).pull.http_status == 304  # conditional: the change is not seen yet
    source.refresh_from_db()
    refreshed = services.source_poll(source, refresh=True)
    assert refreshed.pull.status == Pull.Status.APPLIED
    assert "If-Modified-Since" not in feed_server.requests[-1][1]
    assert shows(race_page(client, "State House District 45"), HOUSE_45_TOTALS)
    source.refresh_from_db()
    later = source.last_downloaded_at + datetime.timedelta(
        seconds=services.FULL_REFRESH_SECONDS + 1
    )
    assert services.needs_refresh(source, later) and not services.needs_refresh(source)
