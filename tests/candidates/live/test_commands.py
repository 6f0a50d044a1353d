"""poll_results and its log, against the loopback server (tests/candidates/live/conftest.py).

The first test is the reviewers' run: ``poll_results --election SLUG --url URL --once``
against a Clarity export served from 127.0.0.1, then the export changes and they poll again.
"""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from candidates.live.models import FeedSource, Pull
from candidates.models import Election, Race
from tests.candidates.factories import make_election
from tests.candidates.live.conftest import (
    ATKINSON_DAY,
    WEST_VIRGINIA,
    clarity_scaled,
    clarity_text,
    clarity_totals,
    csv_text,
    serve_clarity_version,
    zipped,
)

pytestmark = pytest.mark.django_db


def poll_results(*args):
    out = StringIO()
    call_command("poll_results", *args, stdout=out)
    return out.getvalue()


def test_poll_results_once_against_the_test_server_logs_each_pull(feed_server, capsys):
    election = make_election(name="Atkinson general", date=datetime.date(2020, 11, 3))
    feed_server.serve("/atkinson/detailxml.zip", zipped(clarity_scaled(60)))
    url = feed_server.url("/atkinson/detailxml.zip")

    first = poll_results("--election", election.slug, "--url", url, "--once")
    source = FeedSource.objects.get(election=election)
    assert source.format == "clarity"  # told from the address (a .zip)
    assert f"New feed source #{source.pk} for {election}: {url}" in first
    assert f"[#{source.pk}]: applied, " in first
    assert "figures changed in 1 county: Atkinson, precincts reporting: none -> 4" in first

    again = poll_results("--election", election.slug, "--url", url, "--once")
    assert "New feed source" not in again  # the same source, reused
    # Asked for by name, a source is downloaded in full (a 304 is not trusted): same bytes.
    assert ": unchanged, " in again and "the same file as the last pull" in again

    feed_server.serve("/atkinson/detailxml.zip", zipped(clarity_text()))  # the export changes
    changed = poll_results("--election", election.slug, "--url", url, "--once")
    assert ": applied, " in changed
    early = clarity_totals(clarity_scaled(60))["Donald J. Trump (I) (Rep)"]
    assert f"Atkinson, Donald J. Trump: {early:,} -> 2,300 (President of the United States)" in (
        changed
    )
    assert source.pulls.filter(status=Pull.Status.APPLIED).count() == 2
    with capsys.disabled():  # the log, for the record (pytest -s shows it)
        print("\n" + first + again + changed)


def test_poll_results_told_a_current_ver_address_follows_the_version(feed_server):
    election = make_election(date=ATKINSON_DAY)
    url = serve_clarity_version(feed_server, 300, clarity_text())
    out = poll_results("--election", election.slug, "--url", url, "--once")
    source = FeedSource.objects.get(election=election)
    assert source.format == "clarity_version" and source.version == "300"
    assert f"[#{source.pk}] v300: applied" in out


def test_poll_results_tells_the_format_from_the_content_when_the_address_does_not(feed_server):
    election = make_election(kind="special")
    feed_server.serve("/feed", csv_text(), content_type="text/csv")
    poll_results("--election", election.slug, "--url", feed_server.url("/feed"), "--once")
    source = FeedSource.objects.get(election=election)
    assert source.format == "csv"
    assert Race.objects.filter(election=election, office__name="State House District 45").exists()


def test_poll_results_creates_a_missing_election_from_the_clarity_exports_own_header(
    feed_server,
):
    url = serve_clarity_version(feed_server, 12, clarity_text())
    out = poll_results("--election", "atkinson-2020", "--url", url, "--once")
    election = Election.objects.get(slug="atkinson-2020")
    assert election.name == "November 3,2020-General Election"
    assert election.date == datetime.date(2020, 11, 3)
    assert "from the export's own name and date" in out
    assert Race.objects.filter(election=election).count() == 1


def test_poll_results_without_the_election_or_a_name_for_it_says_what_to_do(feed_server):
    feed_server.serve("/f.csv", csv_text())
    url = feed_server.url("/f.csv")
    with pytest.raises(CommandError) as refused:
        poll_results("--election", "nowhere", "--url", url, "--once")
    # A CSV is a good feed that never names its election; it is not "not a Clarity export".
    assert str(refused.value) == (
        f"No election with the slug 'nowhere', and {url} answered with a CSV (it starts "
        "'county,precinct,office,district,party,ca'), which does not name its election. "
        "Create it in the admin, or give --name and --date (and --kind primary for a primary)."
    )
    assert not Election.objects.exists()


def test_url_without_election_is_refused():
    with pytest.raises(CommandError, match="--url and --election go together"):
        poll_results("--url", "http://127.0.0.1:9/x.csv", "--once")


def test_once_pulls_due_sources_and_all_pulls_every_active_one(feed_server):
    election = make_election(date=ATKINSON_DAY)
    url = serve_clarity_version(feed_server, 1, clarity_text())
    source = FeedSource.objects.create(
        election=election, name="Atkinson", url=url, format="clarity_version"
    )
    FeedSource.objects.create(election=election, name="Off", url=url + "?x", active=False)
    first = poll_results("--once")
    assert f"Atkinson [#{source.pk}] v1: applied" in first and "Off" not in first
    assert poll_results("--once").startswith("Nothing due: the next pull is Atkinson at ")
    assert f"Atkinson [#{source.pk}] v1: unchanged" in poll_results("--once", "--all")


def test_a_dry_run_fetches_and_stages_but_saves_nothing(feed_server):
    election = make_election(date=ATKINSON_DAY)
    url = serve_clarity_version(feed_server, 1, clarity_text())
    out = poll_results("--election", election.slug, "--url", url, "--once", "--dry-run")
    assert ": applied, " in out and out.rstrip().endswith("Dry run: nothing was saved.")
    assert not FeedSource.objects.exists() and not Race.objects.filter(election=election).exists()


def test_verbosity_zero_prints_nothing_and_two_prints_every_change(feed_server):
    election = make_election(date=ATKINSON_DAY)
    url = serve_clarity_version(feed_server, 1, clarity_text())
    assert poll_results("--election", election.slug, "--url", url, "--once", "-v", "0") == ""
    feed_server.serve("/GA/Atkinson/105369/2/reports/detailxml.zip", zipped(clarity_scaled(90)))
    feed_server.serve("/GA/Atkinson/105369/current_ver.txt", "2")
    loud = poll_results("--election", election.slug, "--url", url, "--once", "-v", "2")
    assert "held" in loud
    assert "    Atkinson, Donald J. Trump: 2,300 -> " in loud


def test_poll_results_given_a_clarity_results_page_address_follows_its_current_version(
    feed_server,
):
    """The address an editor copies from the browser: ``.../105369/Web02/en/summary.html``
    (or ``web.285569/#/summary``) is the election's Clarity site, not a file."""
    serve_clarity_version(feed_server, 41, clarity_text())
    feed_server.serve("/GA/Atkinson/105369/Web02/en/summary.html", "<!doctype html><html>")
    url = feed_server.url("/GA/Atkinson/105369/Web02/en/summary.html")

    out = poll_results("--election", "atkinson-web02", "--url", url, "--once")

    source = FeedSource.objects.get(election__slug="atkinson-web02")
    assert source.format == "clarity_version"
    assert f"[#{source.pk}] v41: applied" in out
    assert "/GA/Atkinson/105369/41/reports/detailxml.zip" in feed_server.paths_requested()
    # The pull that named the election is timed from its fetch (the log said "in 0.00 s").
    assert source.pulls.get().duration_ms is not None


def test_poll_results_says_a_web_page_came_when_no_election_can_be_made_from_it(feed_server):
    feed_server.serve("/results/latest.html", "<!DOCTYPE html><html><body>Results</body></html>")
    url = feed_server.url("/results/latest.html")

    with pytest.raises(CommandError) as refused:
        poll_results("--election", "nowhere", "--url", url, "--once")

    message = str(refused.value)
    assert f"{url} answered with a web page, not a Clarity export" in message
    assert "Create it in the admin, or give --name and --date" in message
    assert not Election.objects.exists()


def test_the_log_of_a_pull_with_many_races_counts_races_and_counties_apart(feed_server):
    """A county export has many contests in one county: "in 20 counties" was wrong."""
    election = make_election(name="West Virginia general", date=datetime.date(2020, 11, 3))
    feed_server.serve("/wv/detail.xml", WEST_VIRGINIA.read_bytes())
    url = feed_server.url("/wv/detail.xml")

    out = poll_results("--election", election.slug, "--url", url, "--once")

    # PRESIDENT and U.S. SENATOR in the 5 counties of the trimmed state export.
    assert " figures changed in 2 races in 5 counties: " in out
