"""The election pages in a real browser: demo content, desktop and phone, under the CSP."""

from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)

GENERAL = "/elections/2021-11-02-atlanta-municipal-general-election/"
RACE = GENERAL + "atlanta-city-council-district-5/"
PROFILE = "/candidates/liliana-bakhtiari/"


@pytest.fixture
def demo():
    """The demo content, with its generated photos (served by the site's media route)."""
    call_command("load_demo", stdout=StringIO())


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_demo_race_page_reads_well_on_desktop_and_phone(
    live_server, page, screenshot, csp_violations, demo
):
    page.goto(live_server.url + RACE)
    assert page.get_by_role("heading", level=1, name="Atlanta City Council District 5").is_visible()
    assert page.get_by_role("cell", name="49.50%").first.is_visible()
    assert page.get_by_text("Bakhtiari was 52 short").is_visible()
    screenshot("race")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)
    assert csp_violations == []


def test_demo_election_page_reads_well_on_desktop_and_phone(
    live_server, page, screenshot, csp_violations, demo
):
    page.goto(live_server.url + GENERAL)
    assert page.get_by_role("link", name="Atlanta City Council District 5").first.is_visible()
    screenshot("election")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)
    assert csp_violations == []


def test_demo_profile_reads_well_on_desktop_and_phone(
    live_server, page, screenshot, csp_violations, demo
):
    page.goto(live_server.url + PROFILE)
    assert page.get_by_role("heading", level=1, name="Liliana Bakhtiari").is_visible()
    assert page.get_by_text("Lost by 252 votes").is_visible()
    screenshot("profile")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)
    assert csp_violations == []


def test_candidate_index_and_election_list_fit_a_phone(
    live_server, page, screenshot, csp_violations, demo
):
    for path, label in (("/candidates/", "candidates"), ("/elections/", "elections")):
        page.goto(live_server.url + path)
        screenshot(label)
        page.set_viewport_size({"width": 390, "height": 844})
        assert no_horizontal_scroll(page)
    assert page.get_by_role("link", name="Atlanta municipal runoff election").is_visible()
    assert csp_violations == []
