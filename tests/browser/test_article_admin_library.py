"""The editor's path through the issue-18 admin: upload an image once, reuse it in a second
article, publish with one click, and read the revision diff; screenshots of the article form
(with its word count and publishing panel), the media library and the diff, at both widths."""

import re

import pytest
from django.contrib.auth import get_user_model
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from articles.models import Article, LibraryImage
from tests.articles.factories import make_author

pytestmark = pytest.mark.django_db(transaction=True)


def placeholder_jpeg(path):
    image = Image.new("RGB", (1600, 1000), (30, 70, 120))
    ImageDraw.Draw(image).ellipse((200, 200, 800, 800), fill=(230, 160, 40))
    image.save(path, "JPEG", quality=85)
    return str(path)


def write_article(page, url, title, body):
    page.goto(url + "/admin/articles/article/add/")
    page.fill("#id_title", title)
    page.press("#id_title", "Tab")
    page.fill("#id_dek", "Two candidates, one seat, and a runoff on Nov. 30.")
    page.fill("#id_body", body)


def test_an_editor_uploads_once_reuses_publishes_in_one_click_and_reads_the_diff(
    live_server, page, screenshot, csp_violations, tmp_path
):
    get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-passphrase")
    make_author(name="Demo Desk")
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Log in").click()

    # First article: the picture is uploaded in the figure row and ticked as the lead.
    write_article(
        page, live_server.url, "District 5 runoff: what to know", "Voters return on Nov. 30."
    )
    expect(page.locator("#id_body-word-count")).to_have_text("5 words")
    page.fill("#id_figures-0-key", "forum")
    page.set_input_files("#id_figures-0-image", placeholder_jpeg(tmp_path / "forum.jpg"))
    page.fill("#id_figures-0-alt_text", "Placeholder: a gold circle on blue")
    page.fill("#id_figures-0-caption", "The candidates' forum, in placeholder form.")
    page.fill("#id_figures-0-credit", "Illustration")
    page.check("#id_figures-0-is_lead")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    first = Article.objects.get(slug="district-5-runoff-what-to-know")
    assert first.lead_figure is not None and first.status == Article.Status.DRAFT
    screenshot("admin-article-form")

    page.goto(live_server.url + "/admin/articles/libraryimage/")
    expect(
        page.get_by_role("link", name="The candidates' forum, in placeholder form.")
    ).to_be_visible()
    screenshot("admin-media-library")

    # Second article: the same picture, picked from the library, then "Publish now".
    write_article(
        page, live_server.url, "District 5 runoff: the forum", "The candidates met on Wednesday."
    )
    page.fill("#id_figures-0-key", "forum")
    page.locator("#figures-0 .field-library_image .select2-selection").click()
    page.locator(".select2-dropdown .select2-search__field").fill("forum")
    page.locator(".select2-results__option", has_text="forum").first.click()
    page.check("#id_figures-0-is_lead")
    page.get_by_role("button", name="Publish now").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Published")
    second = Article.objects.get(slug="district-5-runoff-the-forum")
    assert second.is_public
    assert LibraryImage.objects.count() == 1
    assert second.lead_figure.image.name == first.lead_figure.image.name

    # An edit, then the diff from the History page.
    page.fill("#id_body", "The candidates met on Wednesday evening at a church in Kirkwood.")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    page.get_by_role("link", name="History").click()
    page.get_by_role("link", name="With the version before").first.click()
    page.wait_for_url(re.compile(r"/history/compare/"))
    expect(page.locator("ins", has_text="evening at a church in Kirkwood")).to_be_visible()
    screenshot("admin-revision-diff")
    assert csp_violations == []
