"""Coverage and the finish in a real browser, on the demo content, at desktop and phone widths:
a profile with its coverage, the voter-guide Q&A inside the reading column with its link to
the side-by-side guide, the About page and the 404 page's links. Screenshots in
tests/browser/screenshots/."""

from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)

PROFILE = "/candidates/liliana-bakhtiari/"
QA = "/articles/runoff-voter-guide-liliana-bakhtiari-district-5/"
PROFILE_STORY = "/articles/liliana-bakhtiari-2017-campaign-profile/"
WIDTHS = ({"width": 1280, "height": 900}, {"width": 390, "height": 844})


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def border_left(page, selector):
    return page.locator(selector).first.evaluate("el => getComputedStyle(el).borderLeftWidth")


def inside_the_column(page, selector, column=".article__body"):
    """Every ``selector`` box lies within the reading column's left and right edges."""
    return page.evaluate(
        """([selector, column]) => {
            const edge = document.querySelector(column).getBoundingClientRect();
            return [...document.querySelectorAll(selector)].every(el => {
                const box = el.getBoundingClientRect();
                return box.left >= edge.left - 1 && box.right <= edge.right + 1;
            });
        }""",
        [selector, column],
    )


def test_coverage_the_qa_column_and_the_site_pages_read_well_at_both_widths(
    live_server, page, screenshot, csp_violations
):
    call_command("load_demo", stdout=StringIO())

    page.goto(live_server.url + PROFILE)
    coverage = page.locator(".coverage")
    assert coverage.get_by_role("heading", name="Coverage", level=2).is_visible()
    titles = coverage.locator(".coverage__title a").all_inner_texts()
    assert len(titles) == 4 and titles[0].startswith("Runoff voter guide")
    for size in WIDTHS:
        page.set_viewport_size(size)
        assert no_horizontal_scroll(page)
    coverage.scroll_into_view_if_needed()
    screenshot("profile-coverage")

    page.goto(live_server.url + QA)
    guide_link = page.get_by_role("link", name="Compare every candidate's answers side by side")
    assert guide_link.is_visible()
    for size in WIDTHS:
        page.set_viewport_size(size)
        assert no_horizontal_scroll(page)
        assert inside_the_column(page, ".candidacy-answers__item, .candidacy-answers__guide")
    assert page.locator(".article__lead figure").count() == 1
    assert page.locator(".article__photo-credit").count() == 1
    screenshot("qa-article")
    guide_link.click()
    assert "/guide/" in page.url

    page.goto(live_server.url + "/")
    page.locator(".site-footer").get_by_role("link", name="About us").click()
    assert page.get_by_role("heading", level=1).inner_text() == "About us"
    assert page.locator(".prose h2").count() >= 1 and page.locator(".prose h1").count() == 0
    screenshot("about-page")
    # Markdown quotes are set off; a pull quote (a blockquote of its own) keeps its own look.
    page.goto(live_server.url + "/corrections-policy/")
    assert border_left(page, ".prose > blockquote") == "4px"
    page.goto(live_server.url + PROFILE_STORY)
    assert border_left(page, ".pull-quote blockquote") == "0px"

    response = page.goto(live_server.url + "/candidates/liliana-bakhtiar/")
    assert response.status == 404
    main = page.locator("main")
    assert main.get_by_role("link", name="Elections").is_visible()
    search = main.get_by_role("link", name="Search the site for “liliana bakhtiar”")
    assert search.is_visible()
    screenshot("not-found")
    search.click()
    assert "q=liliana+bakhtiar" in page.url

    assert page.request.get(live_server.url + "/favicon.ico").status == 200
    assert csp_violations == []
