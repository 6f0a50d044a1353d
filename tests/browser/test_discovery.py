"""Home, search and tag pages in a real browser: demo content, desktop and phone, under the CSP."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from candidates.models import Questionnaire, Race
from tests.candidates.factories import make_election, make_office, make_race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo():
    call_command("load_demo", stdout=StringIO())


@pytest.fixture
def election_week(demo):
    """The demo, seen on an election week: the 2021 general race still being counted and a
    (test-only) election twelve days away with a published voter guide."""
    race = Race.objects.get(election__slug="2021-11-02-atlanta-municipal-general-election")
    race.status = Race.Status.COUNTING
    race.results_updated_at = timezone.now()
    race.save()
    election = make_election(
        name="Test special election", date=timezone.localdate() + datetime.timedelta(days=12)
    )
    upcoming = make_race(
        election=election,
        office=make_office(name="Test City Council District 9", body="Test council"),
        status=Race.Status.UPCOMING,
    )
    Questionnaire.objects.create(race=upcoming, title="District 9 voter guide", published=True)


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def settle(page):
    for image in page.locator("img").all():
        image.scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_load_state("networkidle")


def test_home_page_on_election_week_reads_well(
    live_server, page, screenshot, csp_violations, election_week
):
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", name="Now counting").is_visible()
    assert page.get_by_text("Liliana Bakhtiari").first.is_visible()
    assert page.get_by_text("in 12 days").is_visible()
    assert page.get_by_role("link", name="District 9 voter guide").is_visible()
    assert page.get_by_role("heading", name="Latest news").is_visible()
    settle(page)
    screenshot("home")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)
    assert csp_violations == []


def test_demo_home_page_without_an_upcoming_election(
    live_server, page, screenshot, csp_violations, demo
):
    page.goto(live_server.url + "/")
    assert page.get_by_text("No upcoming election is on file yet.").is_visible()
    settle(page)
    screenshot("home-demo")
    assert csp_violations == []


def test_search_finds_the_candidate_first_then_articles(
    live_server, page, screenshot, csp_violations, demo
):
    page.goto(live_server.url + "/search/")
    page.get_by_label("Search the site").fill("Bakhtiari")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    assert "q=Bakhtiari" in page.url
    headings = page.locator("main h2").all_inner_texts()
    assert headings[0] == "Candidates"
    assert headings[-1].startswith("Articles")
    assert page.get_by_role("link", name="Liliana Bakhtiari").first.is_visible()
    screenshot("search")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)
    page.goto(live_server.url + "/search/?q=Bakhtiarri")
    # A misspelt name still leads to her: offered as the spelling, or listed as a similar
    # name when stories matched too (PostgreSQL's stemmer finds more of them).
    assert page.get_by_role("link", name="Liliana Bakhtiari").first.is_visible()
    suggestion = page.locator(".search-did-you-mean")
    assert (
        "Bakhtiari" in suggestion.inner_text()
        if suggestion.count()
        else (page.get_by_text("Similar name").first.is_visible())
    )
    screenshot("search-suggestion")
    assert csp_violations == []


def test_tag_page_lists_the_demo_stories(live_server, page, screenshot, csp_violations, demo):
    page.goto(live_server.url + "/articles/district-5-heads-to-runoff-bakhtiari-mahoney/")
    page.get_by_role("link", name="District 5", exact=True).click()
    page.wait_for_load_state()
    assert page.url.endswith("/tags/district-5/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("District 5")
    assert page.locator(".article-list > li").count() == 4
    settle(page)
    screenshot("tag")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)
    assert csp_violations == []
