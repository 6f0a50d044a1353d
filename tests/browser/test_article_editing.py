"""An editor writes an interview with figures in the admin, previews it, publishes it, and a
reader sees it: the issue's end-to-end check, with screenshots at desktop and phone widths."""

import re

import pytest
from django.contrib.auth import get_user_model
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from articles.models import Article
from tests.articles.factories import make_author

pytestmark = pytest.mark.django_db(transaction=True)

BODY = """Liliana Bakhtiari and Mandy Mahoney meet again in the runoff on Nov. 30.

[figure: forum]

# What the candidates said

Both spoke at a forum on Wednesday.

[pullquote: majority]

[figure: canvass]

The interview below is a paraphrase written for this demo.
"""


def placeholder_jpeg(path, color, accent):
    """A 1600 x 1000 placeholder picture with a couple of shapes, like the demo images."""
    image = Image.new("RGB", (1600, 1000), color)
    draw = ImageDraw.Draw(image)
    draw.ellipse((200, 200, 800, 800), fill=accent)
    draw.rectangle((900, 300, 1400, 700), fill=(245, 245, 240))
    image.save(path, "JPEG", quality=85)
    return str(path)


def add_inline(page, name):
    page.get_by_role("button", name=re.compile(f"^Add another {name}$", re.IGNORECASE)).click()


def test_an_editor_writes_previews_and_publishes_an_interview_that_readers_then_see(
    live_server, page, browser, screenshot, csp_violations, tmp_path
):
    get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-passphrase")
    make_author(name="Demo Desk")
    forum = placeholder_jpeg(tmp_path / "forum.jpg", (30, 70, 120), (230, 160, 40))
    canvass = placeholder_jpeg(tmp_path / "canvass.jpg", (40, 110, 70), (200, 60, 60))

    page.goto(live_server.url + "/admin/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Log in").click()

    # Write the article.
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.fill("#id_title", "District 5 runoff: the candidates in their own words")
    page.press("#id_title", "Tab")  # the admin fills the slug as the editor leaves the title
    assert page.input_value("#id_slug") == "district-5-runoff-the-candidates-in-their-own-words"
    page.fill("#id_dek", "Two candidates, one seat, and a runoff on Nov. 30.")
    page.select_option("#id_kind", "interview")
    page.fill("#id_body", BODY)

    # Byline: the author autocomplete (select2, served by the admin under the CSP).
    page.locator("#bylines-0 .select2-selection").click()
    page.locator(".select2-dropdown .select2-search__field").fill("Demo")
    page.locator(".select2-results__option", has_text="Demo Desk").click()

    # Two figures with real JPEG files.
    page.fill("#id_figures-0-key", "forum")
    page.set_input_files("#id_figures-0-image", forum)
    page.fill("#id_figures-0-alt_text", "Placeholder: a gold circle on blue")
    page.fill("#id_figures-0-caption", "The candidates' forum, in placeholder form.")
    page.fill("#id_figures-0-credit", "Illustration")
    add_inline(page, "Figure")
    page.fill("#id_figures-1-key", "canvass")
    page.set_input_files("#id_figures-1-image", canvass)
    page.fill("#id_figures-1-alt_text", "Placeholder: a red circle on green")
    page.fill("#id_figures-1-credit", "Illustration")
    page.fill("#id_figures-1-order", "1")

    add_inline(page, "Pull quote")
    page.fill("#id_pull_quotes-0-key", "majority")
    page.fill("#id_pull_quotes-0-text", "A majority is half the votes plus one.")
    page.fill("#id_pull_quotes-0-source", "Georgia election rules")

    add_inline(page, "Interview turn")
    page.fill("#id_exchanges-0-order", "0")
    page.fill("#id_exchanges-0-speaker", "Demo Desk")
    page.check("#id_exchanges-0-is_question")
    page.fill("#id_exchanges-0-text", "What will you do first if elected?")
    add_inline(page, "Interview turn")
    page.fill("#id_exchanges-1-order", "1")
    page.fill("#id_exchanges-1-speaker", "Candidate (paraphrased)")
    page.fill("#id_exchanges-1-text", "Paraphrase: start with housing and transit.")

    # A plain save keeps a new article a draft (publishing is its own button).
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")

    article = Article.objects.get(slug="district-5-runoff-the-candidates-in-their-own-words")
    assert article.status == Article.Status.DRAFT
    assert article.body_html.count("<picture>") == 2
    screenshot("admin-article-form")

    # Staff preview at the public address.
    page.get_by_role("link", name="Preview (not published)").click()
    page.wait_for_url(re.compile(r"/articles/district-5-runoff-the-candidates-in-their-own-words/"))
    expect(page.get_by_role("status").filter(has_text="not published")).to_be_visible()
    screenshot("staff-preview")

    # Anonymous readers cannot see the draft yet.
    reader = browser.new_context()
    reader_page = reader.new_page()
    public_url = live_server.url + article.get_absolute_url()
    assert reader_page.goto(public_url).status == 404

    # Publish with the changelist action.
    page.goto(live_server.url + "/admin/articles/article/")
    page.locator(f'input[name="_selected_action"][value="{article.pk}"]').check()
    page.select_option('select[name="action"]', "publish_now")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("Published 1 article(s)")).to_be_visible()

    # The reader, in a fresh browser context, now sees the story with both figures.
    response = reader_page.goto(public_url)
    assert response.status == 200
    assert reader_page.get_by_role(
        "heading", level=1, name="District 5 runoff: the candidates in their own words"
    ).is_visible()
    assert reader_page.locator("article picture").count() >= 2
    assert reader_page.locator("aside.pull-quote").is_visible()
    assert reader_page.get_by_text("What will you do first if elected?").is_visible()
    assert reader_page.get_by_role("status").filter(has_text="not published").count() == 0
    images_loaded = reader_page.evaluate(
        "Array.from(document.querySelectorAll('article img'))"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    reader.close()

    page.goto(public_url)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # load the lazy images
    screenshot("public-article")
    assert images_loaded or page.locator("article img").count() >= 2
    assert csp_violations == []
