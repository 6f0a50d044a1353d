"""A reader comments, an editor approves it in the admin, the reader sees it published."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from articles.models import Comment
from tests.articles.factories import make_article, make_author

pytestmark = pytest.mark.django_db(transaction=True)


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_a_reader_comments_an_editor_approves_and_the_comment_is_published(
    live_server, page, screenshot, csp_violations, settings
):
    # The signed form time normally needs 3 seconds; the browser is faster than a person.
    settings.COMMENTS_MIN_SECONDS = 0
    settings.EDITORS_EMAIL = ["desk@example.com"]
    article = make_article(
        title="District 5 heads to a runoff",
        dek="No candidate reached a majority; the top two meet again on Nov. 30.",
        body="The count finished late on election night.\n\nTurnout was modest in both counties.",
        authors=[make_author(name="Demo Desk")],
    )
    get_user_model().objects.create_superuser("editor", "editor@example.com", "a-passphrase")
    url = live_server.url + article.get_absolute_url()

    page.goto(url)
    assert page.get_by_text("Your email address will not be published.").is_visible()
    trap = page.locator(".comment-form__trap")
    box = trap.bounding_box()
    assert box["x"] + box["width"] <= 0  # off-screen for people; aria-hidden for readers
    assert trap.get_attribute("aria-hidden") == "true"
    page.get_by_label("Name").fill("Dana Reader")
    page.get_by_label("Email").fill("dana@example.org")
    page.get_by_label("Website").fill("https://dana.example.org")
    page.get_by_role("textbox", name="Comment").fill(
        "Thanks for the county-by-county numbers.\n\nWill there be a forum before the runoff?"
    )
    # The counter follows the text (reader-forms.js); the box stops at COMMENTS_MAX_LENGTH.
    expect(page.locator("#id_text_count")).to_have_text("82 of 5,000 characters")
    assert page.get_by_role("textbox", name="Comment").get_attribute("maxlength") == "5000"
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("Thanks: your comment is awaiting moderation.")).to_be_visible()
    assert page.locator(".comment").count() == 0
    screenshot("form-with-message")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(live_server.url + "/admin/login/?next=/admin/articles/comment/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".comment-status-counts")).to_contain_text("Pending 1")
    screenshot("admin-queue")
    comment = Comment.objects.get()
    page.locator(f'input[name="_selected_action"][value="{comment.pk}"]').check()
    page.locator('select[name="action"]').select_option("approve")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("Approved 1 comment(s)")).to_be_visible()

    page.context.clear_cookies()
    page.goto(url + f"#comment-{comment.pk}")
    published = page.locator(f"#comment-{comment.pk}")
    expect(published.get_by_text("Will there be a forum before the runoff?")).to_be_visible()
    assert published.get_by_role("link", name="Dana Reader", exact=True).get_attribute("rel") == (
        "nofollow ugc noopener"
    )
    assert page.get_by_role("heading", name="1 comment").is_visible()
    assert "dana@example.org" not in page.content()
    screenshot("published")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)
    assert csp_violations == []
