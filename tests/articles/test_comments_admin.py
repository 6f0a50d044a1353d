"""The moderation queue in the admin: order, counts, bulk actions, the article's inline."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from articles.models import Comment
from tests.articles.factories import make_article

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/articles/comment/"


@pytest.fixture
def editor_client(client):
    user = get_user_model().objects.create_superuser("editor", "editor@example.com", "pw")
    client.force_login(user)
    return client


def make_comment(article, **fields):
    n = Comment.objects.count() + 1
    fields.setdefault("name", f"Reader {n}")
    fields.setdefault("email", f"reader{n}@example.org")
    fields.setdefault("text", f"Comment number {n}.")
    return Comment.objects.create(article=article, **fields)


def test_the_queue_shows_pending_comments_first_then_newest(editor_client):
    article = make_article(title="Runoff set")
    approved = make_comment(article, status=Comment.Status.APPROVED, text="Old approved")
    pending = make_comment(article, status=Comment.Status.PENDING, text="Needs a look")
    newer_approved = make_comment(article, status=Comment.Status.APPROVED, text="New approved")
    response = editor_client.get(CHANGELIST)
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown[0] == pending
    assert shown.index(newer_approved) < shown.index(approved)
    html = response.content.decode()
    assert "Runoff set" in html and "Needs a look" in html and "127.0.0.1" not in html


def test_the_queue_shows_the_count_per_status(editor_client):
    article = make_article()
    for status, count in (("pending", 3), ("approved", 2), ("spam", 1)):
        for _ in range(count):
            make_comment(article, status=status)
    html = editor_client.get(CHANGELIST).content.decode()
    counts = re.sub(
        r"<[^>]+>", "", html.split('class="comment-status-counts">')[1].split("</h2>")[0]
    )
    assert counts == "Pending 3 · Approved 2 · Spam 1 · Removed 0"


@pytest.mark.parametrize(
    ("action", "status"),
    [("approve", "approved"), ("mark_spam", "spam"), ("remove", "removed")],
)
def test_bulk_actions_set_the_status_of_the_selected_comments(editor_client, action, status):
    article = make_article()
    chosen = [make_comment(article), make_comment(article)]
    other = make_comment(article)
    response = editor_client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [str(c.pk) for c in chosen]},
        follow=True,
    )
    assert response.status_code == 200
    assert set(Comment.objects.filter(status=status)) == set(chosen)
    other.refresh_from_db()
    assert other.status == Comment.Status.PENDING


def test_an_approved_comment_appears_to_readers(editor_client, client):
    article = make_article()
    comment = make_comment(article, text="Worth publishing.")
    assert "Worth publishing." not in client.get(article.get_absolute_url()).content.decode()
    editor_client.post(CHANGELIST, {"action": "approve", "_selected_action": [str(comment.pk)]})
    assert "Worth publishing." in client.get(article.get_absolute_url()).content.decode()


def test_search_finds_comments_by_email(editor_client):
    article = make_article()
    make_comment(article, email="needle@example.org", text="Found me")
    make_comment(article, text="Not me")
    html = editor_client.get(CHANGELIST, {"q": "needle@"}).content.decode()
    assert "Found me" in html and "Not me" not in html


def test_the_article_change_page_lists_its_comments_read_only(editor_client):
    article = make_article()
    comment = make_comment(article, name="Pat Voter", text="A remark on the runoff.")
    html = editor_client.get(
        reverse("admin:articles_article_change", args=[article.pk])
    ).content.decode()
    assert "Pat Voter" in html and "A remark on the runoff." in html
    assert reverse("admin:articles_comment_change", args=[comment.pk]) in html
    assert 'name="comments-0-text"' not in html  # read-only: no editable fields


def test_the_comment_change_page_shows_the_text_as_readers_see_it(editor_client):
    comment = make_comment(make_article(), text="<script>alert(1)</script>")
    html = editor_client.get(
        reverse("admin:articles_comment_change", args=[comment.pk])
    ).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html


@pytest.mark.parametrize("count", [3, 30])
def test_the_queue_costs_the_same_queries_for_3_and_30_comments(
    editor_client, django_assert_num_queries, count
):
    """Prevents an N+1 per row on the comment's article (list_select_related)."""
    for _ in range(count):
        make_comment(make_article())
    # session, user, status counts, two row counts (filtered, total), the page of comments
    # with their articles, the date hierarchy's range and its dates
    with django_assert_num_queries(8):
        response = editor_client.get(CHANGELIST)
    assert response.status_code == 200


def test_editing_a_comment_into_a_duplicate_is_a_form_error_not_a_500(editor_client):
    article = make_article(title="Runoff set")
    make_comment(article, name="Ann", email="ann@example.org", text="Same words.")
    other = make_comment(article, name="Ann", email="ann@example.org", text="Other words.")
    response = editor_client.post(
        f"/admin/articles/comment/{other.pk}/change/",
        {
            "article": article.pk,
            "parent": "",
            "status": Comment.Status.APPROVED,
            "name": "Ann",
            "email": "ann@example.org",
            "website": "",
            "text": "Same words.",
        },
    )
    assert response.status_code == 200
    assert "Another comment on this article has the same name, email and text." in (
        response.content.decode()
    )
    other.refresh_from_db()
    assert other.text == "Other words."
