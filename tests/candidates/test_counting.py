"""What readers see while a race is counted: each county's "as of" time and "no update since"
when it goes quiet (candidates/counting.py, stamped by the importer), the desk's expected vote,
live runoff math, who leads and by how much, and shares held back until enough precincts are
in (candidates/results.py). No winner label while counting."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError
from django.urls import reverse

from candidates.importing import import_results
from candidates.models import Candidacy, Candidate, Election, Office, Race, ReportingUnit
from candidates.results import PENDING, race_results
from civicsite.core import pagecache
from tests.candidates.factories import make_district_5_general, make_race_with_votes

pytestmark = pytest.mark.django_db


def update_race(race, **fields):
    """Change the race's row directly, and empty the page cache as a save would."""
    Race.objects.filter(pk=race.pk).update(**fields)
    pagecache.invalidate()


NEW_YORK = ZoneInfo("America/New_York")
NIGHT = datetime.datetime(2021, 11, 2, 21, 5, tzinfo=NEW_YORK)  # 9:05 p.m.
NAMES = ["Samuel Bacote", "Liliana Bakhtiari", "Katie Kissell", "Mandy Mahoney", "Doug Williams"]
# The seed's final totals split by county (the split is invented; see tests/candidates/factories).
FINAL = {"DeKalb": [600, 1700, 300, 650, 200], "Fulton": [1252, 3434, 548, 1244, 442]}
PRECINCTS = {"DeKalb": 6, "Fulton": 8}


def text_of(html):
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return re.sub(r" ([.,:;)])", r"\1", text)


def page_text(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return text_of(response.content.decode())


def json_of(client, race):
    url = reverse(
        "candidates:race-results-json",
        kwargs={"election_slug": race.election.slug, "slug": race.slug},
    )
    return client.get(url).json()


def results_csv(counties):
    """An OpenElections-style county file: {county: (share of its final votes, precincts in)}."""
    lines = ["county,office,candidate,votes,precincts_reporting,precincts_total"]
    for county, (part, reporting) in counties.items():
        for name, votes in zip(NAMES, FINAL[county], strict=True):
            lines.append(
                f"{county},Atlanta City Council District 5,{name},{int(votes * part)},"
                f"{reporting},{PRECINCTS[county]}"
            )
    return "\n".join(lines) + "\n"


@pytest.fixture
def night():
    """The 2021 District 5 general on election night: candidates on the ballot, no figures."""
    election = Election.objects.create(name="Atlanta municipal general", date=NIGHT.date())
    office = Office.objects.create(
        name="Atlanta City Council District 5", body="Atlanta City Council", district="5"
    )
    race = Race.objects.create(election=election, office=office, expected_units=2)
    for order, name in enumerate(NAMES, start=1):
        Candidacy.objects.create(
            race=race, candidate=Candidate.objects.create(name=name), ballot_order=order
        )
    return race


def load(race, counties, when):
    with time_machine.travel(when, tick=False):
        import_results(results_csv(counties), election=race.election)


def changed_at(race):
    return dict(ReportingUnit.objects.filter(race=race).values_list("name", "figures_changed_at"))


# --- Each county's time ----------------------------------------------------------------------


def test_the_importer_stamps_a_county_only_when_its_figures_change(night):
    load(night, {"DeKalb": (0.5, 3), "Fulton": (0.25, 2)}, NIGHT)
    assert changed_at(night) == {"DeKalb": NIGHT, "Fulton": NIGHT}

    later = NIGHT + datetime.timedelta(minutes=20)
    load(night, {"DeKalb": (0.5, 3), "Fulton": (0.25, 2)}, later)  # the same pull again
    assert changed_at(night) == {"DeKalb": NIGHT, "Fulton": NIGHT}

    load(night, {"DeKalb": (0.5, 3), "Fulton": (0.5, 4)}, later)  # only Fulton moved
    assert changed_at(night) == {"DeKalb": NIGHT, "Fulton": later}

    last = later + datetime.timedelta(minutes=5)
    load(night, {"DeKalb": (0.5, 4), "Fulton": (0.5, 4)}, last)  # a precinct in, same votes
    assert changed_at(night) == {"DeKalb": last, "Fulton": later}


def test_a_county_that_stops_moving_says_no_update_since(client, night, settings):
    settings.RESULTS_QUIET_MINUTES = 30
    load(night, {"DeKalb": (0.5, 3), "Fulton": (0.25, 2)}, NIGHT)
    later = NIGHT + datetime.timedelta(minutes=37)  # 9:42 p.m.
    load(night, {"DeKalb": (0.5, 3), "Fulton": (0.5, 4)}, later)

    with time_machine.travel(later + datetime.timedelta(minutes=1), tick=False):
        race_page = page_text(client, night.get_absolute_url())
        data = json_of(client, night)
    assert "DeKalb" in race_page and "no update since 9:05 p.m." in race_page
    assert "as of 9:42 p.m." in race_page
    units = {unit["name"]: unit for unit in data["units"]}
    assert (units["DeKalb"]["quiet"], units["DeKalb"]["as_of"]) == (
        True,
        "no update since 9:05 p.m.",
    )
    assert (units["Fulton"]["quiet"], units["Fulton"]["as_of"]) == (False, "as of 9:42 p.m.")
    assert units["DeKalb"]["precincts"] == "3 of 6 precincts"

    # A county with every precinct in is done, not quiet; once final no county has a time.
    load(night, {"DeKalb": (1, 6), "Fulton": (0.5, 4)}, later)
    with time_machine.travel(later + datetime.timedelta(hours=2), tick=False):
        units = {unit["name"]: unit for unit in json_of(client, night)["units"]}
        assert units["DeKalb"]["as_of"] == "as of 9:42 p.m."
        assert units["Fulton"]["quiet"] is True
    load(night, {"DeKalb": (1, 6), "Fulton": (1, 8)}, later)
    update_race(night, status=Race.Status.UNOFFICIAL_FINAL)
    units = json_of(client, night)["units"]
    assert [unit["as_of"] for unit in units] == ["", ""]
    assert "Updated" not in page_text(client, night.get_absolute_url())


def test_a_county_typed_into_the_grid_is_as_of_the_race_update(client):
    race = make_race_with_votes([("Ann Able", 60), ("Bo Baker", 40)], status="counting")
    update_race(race, results_updated_at=NIGHT)
    ReportingUnit.objects.filter(race=race).update(precincts_reporting=3)
    with time_machine.travel(NIGHT + datetime.timedelta(minutes=5), tick=False):
        assert json_of(client, race)["units"][0]["as_of"] == "as of 9:05 p.m."


# --- The race while counting -----------------------------------------------------------------


def test_the_runoff_math_uses_the_seed_figures_while_counting(client):
    race = make_district_5_general()
    update_race(race, status=Race.Status.COUNTING)
    results = race_results(Race.objects.with_results().get(pk=race.pk))
    sentence = (
        "A majority of the 10,370 votes counted so far is 5,186; Bakhtiari has 5,134 and "
        "needs 52 more votes for a majority."
    )
    assert results.threshold_sentence == sentence
    assert results.standing_sentence == "Liliana Bakhtiari leads Mandy Mahoney by 3,240 votes."
    assert {row.outcome for row in results.rows} == {PENDING}  # no winner while counting

    race_page = page_text(client, race.get_absolute_url())
    assert "Bakhtiari has 5,134 and needs 52 more votes for a majority." in race_page
    assert "Liliana Bakhtiari leads Mandy Mahoney by 3,240 votes." in race_page
    assert "Advances to runoff" not in race_page and "Won" not in race_page
    data = json_of(client, race)
    assert data["display"]["threshold"] == sentence
    assert "Leading: Liliana Bakhtiari, 49.50%, by 3,240 votes" in page_text(
        client, race.election.get_absolute_url()
    )


def test_a_majority_while_counting_is_still_no_winner():
    race = make_race_with_votes([("Ann Able", 700), ("Bo Baker", 300)], status="counting")
    results = race_results(Race.objects.with_results().get(pk=race.pk))
    assert [row.outcome for row in results.rows] == [PENDING, PENDING]
    assert results.threshold_sentence == (
        "A majority of the 1,000 votes counted so far is 501; Able has 700, 199 to spare."
    )


def test_a_tie_for_the_lead_is_said_as_a_tie(client):
    race = make_race_with_votes([("Ann Able", 400), ("Bo Baker", 400), ("Cy Cole", 1)])
    update_race(race, status=Race.Status.COUNTING)
    results = race_results(Race.objects.with_results().get(pk=race.pk))
    assert results.standing_sentence == "Ann Able and Bo Baker are tied with 400 votes each."
    assert "Tied: Ann Able and Bo Baker, 400 votes each" in page_text(
        client, race.election.get_absolute_url()
    )


def test_the_desk_expected_vote_is_shown_with_its_basis(client, night):
    update_race(
        night, expected_votes=10400, expected_votes_basis="2017 turnout plus new registrations"
    )
    load(night, {"DeKalb": (1, 6), "Fulton": (0.5, 4)}, NIGHT)
    sentence = (
        "The desk expects about 10,400 votes in all (2017 turnout plus new registrations); "
        "6,910 are counted, about 66%."
    )
    assert sentence in page_text(client, night.get_absolute_url())
    data = json_of(client, night)
    assert (data["expected_votes"], data["display"]["expected"]) == (10400, sentence)

    load(night, {"DeKalb": (1, 6), "Fulton": (1, 8)}, NIGHT)
    update_race(night, expected_votes=10000)
    assert "10,370 are counted, more than expected." in page_text(client, night.get_absolute_url())
    update_race(night, status=Race.Status.UNOFFICIAL_FINAL)
    assert "The desk expects" not in page_text(client, night.get_absolute_url())


def test_an_expected_vote_needs_its_basis(night):
    with pytest.raises(IntegrityError):
        update_race(night, expected_votes=10400, expected_votes_basis="")


def test_the_race_admin_asks_for_the_basis_of_an_expected_vote(admin_client, night):
    url = reverse("admin:candidates_race_change", args=[night.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    for prefix in ("candidacies", "reporting_units"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update({"expected_votes": "10400", "expected_votes_basis": ""})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["expected_votes_basis"] == [
        "Say how the estimate was made: readers see it with it."
    ]
    data["expected_votes_basis"] = "2017 turnout"
    assert admin_client.post(url, data).status_code == 302
    night.refresh_from_db()
    assert (night.expected_votes, night.expected_votes_basis) == (10400, "2017 turnout")


def test_shares_wait_for_enough_precincts_and_the_page_says_why(client, night, settings):
    settings.RESULTS_SHARE_GUARD_PERCENT = 10
    load(night, {"DeKalb": (0.1, 1), "Fulton": (0.05, 0)}, NIGHT)  # 1 of 14 precincts: 7%
    results = race_results(Race.objects.with_results().get(pk=night.pk))
    assert results.shares_hidden and all(row.share is None for row in results.rows)
    assert results.threshold_sentence == ""
    reason = (
        "Shares are shown once 10% of precincts are reporting; 1 of 14 precincts is in, too "
        "few to tell how the race is going."
    )
    html = client.get(night.get_absolute_url()).content.decode()
    assert reason in text_of(html)
    assert html.count('data-live-field="share">–</td>') == 5
    data = json_of(client, night)
    assert data["shares_hidden"] is True
    assert {c["share"] for c in data["candidacies"]} == {None}
    assert data["candidacies"][0]["votes"] == 341  # votes are shown from the first

    load(night, {"DeKalb": (0.2, 2), "Fulton": (0.05, 0)}, NIGHT)  # 2 of 14: 14%
    data = json_of(client, night)
    assert data["shares_hidden"] is False and data["candidacies"][0]["share"] is not None
    assert reason not in page_text(client, night.get_absolute_url())

    settings.RESULTS_SHARE_GUARD_PERCENT = 0
    load(night, {"DeKalb": (0.1, 1), "Fulton": (0.05, 0)}, NIGHT)
    assert json_of(client, night)["shares_hidden"] is False
