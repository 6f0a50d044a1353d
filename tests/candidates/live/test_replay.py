"""The demo's rehearsal night and replay_results: stored snapshots replayed in steps, with the
TEST banner on every public page while the replay runs."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from candidates import demo as candidates_demo
from candidates.live import demo
from candidates.live.models import Pull, Rehearsal
from candidates.live.rehearsal import banner, rehearsal_end, rehearsal_start
from candidates.live.replay import night_steps, plan_steps, replay_night
from candidates.models import Election, Race
from candidates.results import race_results
from tests.candidates.factories import make_district_5_general, make_election

pytestmark = pytest.mark.django_db

SEED_TOTALS = {
    "Samuel Bacote": 1852,
    "Liliana Bakhtiari": 5134,
    'Katrina "Katie" Kissell': 848,
    'Amanda "Mandy" Mahoney': 1894,
    "Doug Williams": 642,
}


@pytest.fixture
def night():
    """The demo's District 5 race and people, then the rehearsal night."""
    candidates_demo.load(stdout=StringIO(), verbosity=0)
    demo.load(stdout=StringIO(), verbosity=0)
    return Election.objects.get(slug=demo.ELECTION["slug"])


def rehearsal_race(election):
    race = Race.objects.select_related("election", "office").get(election=election)
    race.top_units = list(race.reporting_units.filter(parent=None))
    return race


def replay(*args):
    out = StringIO()
    call_command("replay_results", *args, stdout=out)
    return out.getvalue()


def test_the_demo_keeps_a_night_that_ends_on_the_seeds_totals_and_waits_uncounted(night):
    pulls = list(Pull.objects.filter(source__election=night).order_by("started_at"))
    assert [pull.status for pull in pulls].count(Pull.Status.APPLIED) == 8
    (typo,) = [pull for pull in pulls if pull.status == Pull.Status.REJECTED]
    assert typo.reasons == [
        "Fulton (Atlanta City Council District 5): Liliana Bakhtiari's votes would fall "
        "from 1,760 to 1,490."
    ]
    assert timezone.localtime(typo.started_at).strftime("%H:%M") == "21:52"
    # The last update of each county: together, the seed's district-wide totals.
    last = {}
    for pull in pulls:
        if pull.status == Pull.Status.APPLIED:
            (county,) = pull.figures
            last[county["county"]] = county
    totals = {}
    for county in last.values():
        for choice in county["choices"]:
            totals[choice["name"]] = totals.get(choice["name"], 0) + choice["votes"]
    assert totals == SEED_TOTALS
    assert {name: c["reporting"] for name, c in last.items()} == {"DeKalb": 6, "Fulton": 8}
    # Nothing is counted on the site until the night is replayed.
    race = rehearsal_race(night)
    assert race.status == Race.Status.UPCOMING and race_results(race).total == 0
    assert "Rehearsal" in night.name and "not a real count" in night.description


def test_loading_the_demo_again_starts_the_night_over_without_duplicates(night):
    replay("--election", night.slug, "--interval", "0")
    demo.load(stdout=StringIO(), verbosity=0)
    assert Pull.objects.filter(source__election=night).count() == 9
    assert race_results(rehearsal_race(night)).total == 0


def test_replay_results_plays_the_night_and_ends_on_the_real_totals(night, client):
    out = replay("--election", night.slug, "--interval", "0", "--note", "Desk drill")
    assert "Replaying 9 steps of Rehearsal night" in out
    assert (
        "Step 6 of 9: Fulton County (rehearsal feed), as pulled 2021-11-02 21:52 (rejected" in out
    )
    assert ": held, " in out and "Liliana Bakhtiari's votes would fall from 1,760 to 1,490" in out
    assert out.rstrip().endswith("the TEST banner is down.")
    results = race_results(rehearsal_race(night))
    assert results.total == 10370
    assert {row.candidacy.ballot_name: row.votes for row in results.rows} == SEED_TOTALS
    replayed = Pull.objects.filter(source__election=night, replay=True)
    assert replayed.count() == 9
    assert replayed.filter(status=Pull.Status.SUPERSEDED).count() == 1  # the typo, again
    page = client.get(rehearsal_race(night).get_absolute_url()).content.decode()
    assert "5,134" in page and "TEST" not in page
    (rehearsal,) = Rehearsal.objects.all()
    assert rehearsal.ended_at is not None and rehearsal.note == "Desk drill"
    # Replays are not replayed: the stored night is still its nine original pulls.
    assert len(night_steps(night)) == 9


def test_every_public_page_carries_the_test_banner_while_a_replay_runs(night, client):
    def queries(url):
        # A query string of its own: a page the cache has not stored, rendered in full.
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url).content.decode()
        return page, len(captured)

    home, quiet_queries = queries(reverse("home") + "?quiet")
    assert "TEST" not in home
    drill = rehearsal_start(until=timezone.now() + datetime.timedelta(minutes=1))
    home, banner_queries = queries(reverse("home") + "?banner")
    assert "<strong>TEST</strong>" in home
    assert banner_queries == quiet_queries  # the banner costs no query
    rehearsal_end(rehearsal=drill)

    steps = plan_steps(night_steps(night), interval=0)
    running = replay_night(election=night, steps=steps)
    try:
        next(running)  # the first step is on the site, the replay is running
        race_url = rehearsal_race(night).get_absolute_url()
        # Pages stored before the replay are not served again: the cache was emptied.
        for url in (reverse("home"), race_url, reverse("candidates:election-list")):
            page = client.get(url).content.decode()
            assert "<strong>TEST</strong>: the election desk is rehearsing" in page, url
        assert "180" in client.get(race_url).content.decode()  # DeKalb's first update
        for _ in running:
            pass
    finally:
        running.close()
    assert "TEST" not in client.get(reverse("home")).content.decode()
    assert banner() is None


def test_the_banner_goes_by_itself_when_its_time_is_up(night):
    rehearsal_start(until=timezone.now() + datetime.timedelta(seconds=30))
    assert banner() is not None
    rehearsal_start(until=timezone.now() - datetime.timedelta(seconds=1))
    assert banner() is None


def test_a_replay_refuses_an_election_with_a_final_race():
    race = make_district_5_general()
    race.status = Race.Status.UNOFFICIAL_FINAL
    race.save()
    with pytest.raises(CommandError, match="is final, or was: a replay would rewrite final"):
        replay("--election", race.election.slug)


def test_a_replay_of_an_election_without_stored_pulls_says_so():
    election = make_election()
    with pytest.raises(CommandError, match="has no stored pulls to replay"):
        replay("--election", election.slug)


def test_a_dry_run_lists_the_steps_and_replays_nothing(night):
    out = replay("--election", night.slug, "--speed", "60", "--dry-run")
    assert "Step 2 of 9: Fulton County (rehearsal feed), as pulled 2021-11-02 19:48" in out
    assert "after 16.0 s" in out  # 19:32 -> 19:48 at sixty times the speed
    assert "Dry run: 9 steps over 228 s; nothing replayed." in out
    assert not Pull.objects.filter(replay=True).exists() and not Rehearsal.objects.exists()
