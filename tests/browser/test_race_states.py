"""Election night to the day after in a real browser: the race page counting, called and final,
and the home page on the night and the day after, at desktop and phone widths."""

import datetime
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.cache import caches
from django.db.models import F

from candidates.calls import call_race
from candidates.models import Candidacy, Race, RaceCall
from tests.browser.conftest import PHONE
from tests.candidates.factories import make_district_5_general

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "scripts/audit/node_modules/axe-core/axe.min.js"
# 10:30 p.m. in Atlanta on Nov. 2, 2021 (already Nov. 3 in UTC), then noon the day after.
ELECTION_NIGHT = datetime.datetime(2021, 11, 3, 3, 30, tzinfo=datetime.UTC)
DAY_AFTER = datetime.datetime(2021, 11, 3, 17, 0, tzinfo=datetime.UTC)


def fresh(page, url):
    """Load ``url`` as a new reader would after the change (no page cached before it)."""
    for alias in settings.CACHES:
        caches[alias].clear()
    page.goto(url)


def first_screen_shows_the_result(page):
    """At 390 x 844 the leading candidate's row and the outcome sentence end on screen."""
    page.set_viewport_size(PHONE)
    page.evaluate("window.scrollTo(0, 0)")
    row = page.locator(".results tbody tr").first.bounding_box()
    sentence = page.locator(".standing:visible, .threshold:visible").first.bounding_box()
    return row["y"] + row["height"] <= PHONE["height"] and (
        sentence["y"] + sentence["height"] <= PHONE["height"]
    )


def wide_tables_are_focusable_regions(page):
    """Every table region that scrolls is labelled and takes focus; axe agrees when present."""
    bad = page.evaluate(
        """() => [...document.querySelectorAll('.table-scroll')].filter(el =>
            el.scrollWidth > el.clientWidth && !(el.tabIndex === 0 &&
            el.getAttribute('role') === 'region' &&
            (document.getElementById(el.getAttribute('aria-labelledby')) || {}).textContent
        )).length"""
    )
    if bad or not AXE.exists():
        return not bad
    page.evaluate(AXE.read_text())  # run by the browser's debugger, so the CSP allows it
    result = page.evaluate(
        """() => axe.run(document, {runOnly: ['scrollable-region-focusable',
            'landmark-unique', 'aria-allowed-attr', 'duplicate-id-aria']})"""
    )
    return [violation["id"] for violation in result["violations"]] == []


def test_election_night_to_the_day_after_on_the_race_page_and_home(
    live_server, page, screenshot, csp_violations
):
    race = make_district_5_general()
    race.election.date = datetime.date(2021, 11, 2)
    race.election.save()
    # The county table's last row of times shows while counting: the table gets wide.
    race.reporting_units.update(precincts_reporting=5)
    url = live_server.url + race.get_absolute_url()

    with time_machine.travel(ELECTION_NIGHT):
        race.status = Race.Status.COUNTING
        race.results_updated_at = datetime.datetime.now(tz=datetime.UTC)
        race.save()
        fresh(page, url)
        assert page.locator(".race__state").first.inner_text() == "Counting"
        assert page.get_by_text(
            "Liliana Bakhtiari leads Mandy Mahoney by 3,240 votes."
        ).is_visible()
        screenshot("race-counting")
        assert first_screen_shows_the_result(page)
        assert wide_tables_are_focusable_regions(page)

        fresh(page, live_server.url + "/")
        assert page.get_by_role("heading", name="Now counting").is_visible()
        screenshot("home-night")

        leaders = Candidacy.objects.filter(
            race=race, candidate__name__in=["Liliana Bakhtiari", "Mandy Mahoney"]
        )
        call_race(race=race, outcome=RaceCall.Outcome.RUNOFF, candidacies=leaders)
        race.reporting_units.update(precincts_reporting=F("precincts_total"))  # all in
        fresh(page, url)
        assert page.locator(".race__state").first.inner_text() == "Called; counting continues"
        screenshot("race-called")

        race.status = Race.Status.UNOFFICIAL_FINAL
        race.save()
        fresh(page, url)
        assert page.locator(".race__state").first.inner_text() == "Unofficial final"
        assert page.get_by_text("so the top two meet in a runoff").is_visible()
        screenshot("race-final")
        assert first_screen_shows_the_result(page)
        assert wide_tables_are_focusable_regions(page)

    with time_machine.travel(DAY_AFTER):
        fresh(page, live_server.url + "/")
        assert page.get_by_role("heading", name="Latest results").is_visible()
        assert page.get_by_text("Advance to runoff:").first.is_visible()
        assert page.locator(".home-election__countdown").count() == 0
        screenshot("home-day-after")
    assert csp_violations == []
