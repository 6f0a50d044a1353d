"""Pages made from real result files, in a real browser: a two-party primary, a race loaded
from part of its area, and a ballot measure (desktop and phone, under the CSP)."""

import datetime
from pathlib import Path

import pytest

from candidates.importing import import_results
from candidates.models import BallotMeasure, Election, Race
from tests.candidates.factories import make_measure, make_office, make_race, make_unit

pytestmark = pytest.mark.django_db(transaction=True)

DATA = Path(__file__).parents[1] / "candidates" / "data"


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def look(page, screenshot, name):
    screenshot(name)
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)


def test_a_two_party_primary_from_a_real_file_reads_as_two_races(
    live_server, page, screenshot, csp_violations
):
    election = Election.objects.create(
        name="Georgia presidential primary", date=datetime.date(2016, 3, 1), kind="primary"
    )
    path = DATA / "openelections" / "ga_2016_primary_president_glascock_precinct.csv"
    import_results(path.read_bytes(), election=election, create=True, final=True)

    page.goto(live_server.url + election.get_absolute_url())
    assert page.get_by_role("link", name="President, Republican primary", exact=True).is_visible()
    assert page.get_by_role("link", name="President, Democratic primary", exact=True).is_visible()
    look(page, screenshot, "primary-election")
    assert csp_violations == []


def test_a_race_from_part_of_its_area_says_so_and_names_no_winner(
    live_server, page, screenshot, csp_violations
):
    office = make_office(name="President of the United States", body="President")
    earlier = make_race(
        office=office,
        election=Election.objects.create(name="General 2016", date=datetime.date(2016, 11, 8)),
    )
    for n in range(159):
        make_unit(earlier, f"County {n}")
    election = Election.objects.create(name="General 2020", date=datetime.date(2020, 11, 3))
    path = DATA / "clarity" / "ga_atkinson_2020_general_precincts.xml"
    import_results(path.read_bytes(), election=election, create=True)
    race = Race.objects.get(election=election)

    page.goto(live_server.url + race.get_absolute_url())
    assert page.get_by_text("Results for 1 of 159 counties").first.is_visible()
    assert page.locator(".outcome--won").count() == 0
    look(page, screenshot, "partial-race")
    assert csp_violations == []


def test_a_ballot_measure_shows_yes_and_no_and_whether_it_passed(
    live_server, page, screenshot, csp_violations
):
    measure = make_measure(
        [("Fulton", 6100, 3900), ("DeKalb", 4100, 2900)],
        title="Amendment 1",
        question="Shall the Constitution be amended to allow a state income tax cap?",
        pass_rule=BallotMeasure.PassRule.THREE_FIFTHS,
        expected_units=2,
    )

    page.goto(live_server.url + measure.get_absolute_url())
    assert page.get_by_role("heading", level=1, name="Amendment 1").is_visible()
    assert page.get_by_text("Passed").first.is_visible()
    look(page, screenshot, "measure")
    page.goto(live_server.url + measure.election.get_absolute_url())
    assert page.get_by_text("Ballot questions").first.is_visible()
    look(page, screenshot, "measure-election")
    assert csp_violations == []
