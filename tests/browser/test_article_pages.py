"""The article pages in a real browser: demo content, desktop and phone, under the CSP."""

from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)

PROFILE = "/articles/liliana-bakhtiari-2017-campaign-profile/"
NEWS_2017 = "/articles/archibong-keeps-district-5-seat-by-252-votes/"
RESULTS_2021 = "/articles/district-5-heads-to-runoff-bakhtiari-mahoney/"
NEWS_SECTION = "/articles/section/news/"


@pytest.fixture
def demo():
    """The demo content, with its generated images (served by the site's media route)."""
    call_command("load_demo", stdout=StringIO())


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def scroll_through(page):
    """Bring every lazy image into view once, so full-page screenshots show them."""
    for image in page.locator("img").all():
        image.scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_load_state("networkidle")


def images_loaded(page):
    """Every <img> on the page decoded (no broken placeholder)."""
    return page.evaluate("[...document.images].every(img => img.complete && img.naturalWidth > 0)")


def test_demo_profile_reads_well_with_figures_and_pull_quote(
    live_server, page, screenshot, csp_violations, demo
):
    page.goto(live_server.url + PROFILE)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Liliana Bakhtiari")
    assert page.get_by_role("link", name="Demo Desk").is_visible()
    assert page.locator(".article__body figure").count() == 2
    assert page.get_by_text("Politico, 2014").is_visible()
    scroll_through(page)
    assert images_loaded(page)
    screenshot("profile")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)
    assert csp_violations == []


def test_demo_news_article_shows_the_post_and_the_interview(
    live_server, page, screenshot, csp_violations, demo
):
    page.goto(live_server.url + NEWS_2017)
    post = page.locator(".embed-post")
    assert post.get_by_text("In or out of office, I'm ready to get to it.").is_visible()
    assert post.get_by_role("link", name="View the original post").is_visible()
    interview = page.get_by_role("region", name="The interview")
    assert interview.get_by_text("The Iranian (paraphrased)").is_visible()
    assert interview.locator(".exchange--question").count() == 1
    # The 2017 race is known only by its reported outcome: the box says so.
    assert page.get_by_text("by 252 votes").first.is_visible()
    scroll_through(page)
    assert images_loaded(page)
    screenshot("news-2017")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)
    assert csp_violations == []


def test_demo_results_story_shows_the_result_box(
    live_server, page, screenshot, csp_violations, demo
):
    page.goto(live_server.url + RESULTS_2021)
    box = page.locator(".race-box")
    assert box.get_by_role("cell", name="49.50%").is_visible()
    assert box.get_by_role("cell", name="Advances to runoff").count() == 2
    assert box.get_by_text("DeKalb 6 of 6 precincts").is_visible()
    scroll_through(page)
    assert images_loaded(page)
    screenshot("results-2021")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)
    assert csp_violations == []


def test_news_section_list_reads_well_on_desktop_and_phone(
    live_server, page, screenshot, csp_violations, demo
):
    page.goto(live_server.url + NEWS_SECTION)
    assert page.get_by_role("heading", level=1, name="News").is_visible()
    assert page.locator(".article-card").count() == 2
    sections = page.get_by_role("navigation", name="Sections")
    assert sections.get_by_role("link", name="News").get_attribute("aria-current") == "page"
    scroll_through(page)
    assert images_loaded(page)
    screenshot("news-section")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)
    assert csp_violations == []
