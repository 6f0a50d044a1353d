"""The demo content (candidates/demo.py through `manage.py load_demo`): seed facts, loaded once."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from PIL import Image

from candidates.models import (
    Candidacy,
    Candidate,
    Election,
    Office,
    Race,
    ReportingUnit,
    VoteCount,
)
from candidates.results import LOST, RUNOFF, WON, race_results

pytestmark = pytest.mark.django_db

MODELS = [Office, Candidate, Election, Race, Candidacy, ReportingUnit, VoteCount]
GENERAL_2021 = "2021-11-02-atlanta-municipal-general-election"


def load():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def race_in(election_slug):
    return Race.objects.select_related("election", "office").get(election__slug=election_slug)


def test_loading_the_demo_twice_leaves_one_copy_of_everything():
    output = load()
    first = counts()
    photos = dict(Candidate.objects.values_list("slug", "photo"))
    load()
    assert counts() == first
    assert dict(Candidate.objects.values_list("slug", "photo")) == photos
    # With the rehearsal night of candidates/live/demo.py: one more election, its race, its
    # five candidacies and two counties, and no votes until it is replayed.
    assert first == {
        "Office": 1,
        "Candidate": 6,
        "Election": 4,
        "Race": 4,
        "Candidacy": 14,
        "ReportingUnit": 5,
        "VoteCount": 5,
    }
    assert "Candidates: 6 people" in output


def test_the_2021_general_gives_the_seed_figures():
    load()
    results = race_results(race_in(GENERAL_2021))
    assert results.total == 10370
    by_name = {row.candidacy.candidate.name: row for row in results.rows}
    assert by_name["Liliana Bakhtiari"].votes == 5134
    assert by_name["Liliana Bakhtiari"].share == Decimal("49.50")
    assert {name for name, row in by_name.items() if row.outcome == RUNOFF} == {
        "Liliana Bakhtiari",
        "Mandy Mahoney",
    }
    assert [row.votes for row in results.rows] == [5134, 1894, 1852, 848, 642]
    assert by_name["Katie Kissell"].candidacy.display_name == 'Katrina "Katie" Kissell'


def test_the_2021_votes_sit_on_one_combined_unit_and_the_counties_carry_only_precincts():
    load()
    race = race_in(GENERAL_2021)
    units = {unit.name: unit for unit in race.reporting_units.all()}
    assert units["All counties"].kind == ReportingUnit.Kind.COMBINED
    assert (units["DeKalb"].precincts_reporting, units["DeKalb"].precincts_total) == (6, 6)
    assert (units["Fulton"].precincts_reporting, units["Fulton"].precincts_total) == (8, 8)
    assert not VoteCount.objects.filter(unit__kind=ReportingUnit.Kind.COUNTY).exists()


def test_the_demo_race_page_shows_the_seed_figures(client):
    load()
    html = client.get(race_in(GENERAL_2021).get_absolute_url()).content.decode()
    assert "5,134" in html
    assert "49.50%" in html
    assert "Advances to runoff" in html
    assert "6 of 6 precincts" in html
    assert "14 of 14 precincts" in html
    assert "Per-county vote figures are not on file" in html
    assert "Fulton County and DeKalb County" in html
    assert "runoff on Nov. 30, 2021" in html


def test_the_2017_race_has_the_reported_outcome_and_no_vote_counts():
    load()
    race = race_in("2017-11-07-atlanta-municipal-general-election")
    assert race.reported_margin == 252
    assert race.status == Race.Status.CERTIFIED
    assert not VoteCount.objects.filter(candidacy__race=race).exists()
    outcomes = {row.candidacy.candidate.name: row for row in race_results(race).rows}
    assert outcomes["Natalyn Archibong"].outcome == WON
    assert outcomes["Natalyn Archibong"].candidacy.incumbent
    assert outcomes["Liliana Bakhtiari"].outcome == LOST
    assert outcomes["Liliana Bakhtiari"].margin == 252


def test_the_runoff_follows_the_general_and_invents_no_results():
    load()
    runoff = race_in("2021-11-30-atlanta-municipal-runoff-election")
    general = race_in(GENERAL_2021)
    assert runoff.runoff_of == general
    assert runoff.election.runoff_of == general.election
    assert runoff.election.kind == Election.Kind.RUNOFF
    assert set(runoff.candidacies.values_list("candidate__name", flat=True)) == {
        "Liliana Bakhtiari",
        "Mandy Mahoney",
    }
    assert not VoteCount.objects.filter(candidacy__race=runoff).exists()
    assert not runoff.candidacies.exclude(reported_outcome="").exists()


def test_candidates_get_placeholder_photos_credited_as_illustrations(settings):
    load()
    for candidate in Candidate.objects.all():
        assert candidate.photo_credit == "Illustration"
        assert candidate.photo_alt.startswith("Placeholder illustration with the initials ")
        with Image.open(settings.MEDIA_ROOT / candidate.photo.name) as image:
            assert image.format == "JPEG"
            assert image.size == (600, 600)
    bakhtiari = Candidate.objects.get(slug="liliana-bakhtiari")
    assert bakhtiari.photo_alt == "Placeholder illustration with the initials LB"
    assert bakhtiari.website == ""


def test_the_office_carries_its_open_civic_data_id():
    load()
    office = Office.objects.get()
    assert office.name == "Atlanta City Council District 5"
    assert office.ocd_division_id == (
        "ocd-division/country:us/state:ga/place:atlanta/council_district:5"
    )
