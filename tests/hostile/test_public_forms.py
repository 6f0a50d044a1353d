"""Hostile input through the public forms: the comment form and the editors' sign-in form.

For every post: the answer is never a 5xx; a refused post writes no row; an accepted one is
stored as plain text, and once approved it shows on the article page with nothing live in it
(tests/hostile/inert.py); a refused one draws the page again, with the reader's text, inert.
"""

import itertools
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from articles.comments import make_form_token
from articles.models import Comment
from tests.articles.factories import make_article
from tests.hostile.inert import assert_inert, injected
from tests.hostile.payloads import PAYLOADS
from tests.hostile.strategies import hostile_settings, hostile_text, page_value, payload

pytestmark = pytest.mark.django_db

_serial = itertools.count()
TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)")


@pytest.fixture(autouse=True)
def _fast_comments(settings):
    # The timing and flood rules have tests of their own (tests/articles/test_comments.py);
    # here every post is judged on its content alone.
    settings.COMMENTS_MIN_SECONDS = 0
    settings.COMMENTS_FLOOD_SECONDS = 0


@pytest.fixture
def article(db):
    article = make_article(title="District 5 heads to a runoff", slug="district-5-runoff")
    Comment.objects.create(
        article=article,
        name="Earlier Reader",
        email="earlier@example.org",
        text="An earlier comment.",
        status=Comment.Status.APPROVED,
    )
    return article


def page(client, article, **params):
    cache.clear()  # drawn from the database, never a cached copy
    response = client.get(article.get_absolute_url(), params)
    assert response.status_code == 200
    return response


def send(client, article, fields):
    data = {
        "name": "Dana Reader",
        "email": f"dana{next(_serial)}@example.org",
        "website": "",
        "text": f"Turnout looked low this year ({next(_serial)}).",
        "url_confirm": "",
        "parent": "",
        "form_token": make_form_token(article.pk),
        **fields,
    }
    cache.clear()
    return client.post(
        reverse("articles:comment-post", kwargs={"slug": article.slug}),
        data,
        REMOTE_ADDR="203.0.113.10",
    )


def check_post(client, article, fields, baseline, count_case):
    """Send one comment; check the answer, the rows and, once approved, the page.

    Returns the stored comment's text_html, or None when the post was refused."""
    before = Comment.objects.count()
    response = send(client, article, fields)
    assert response.status_code < 500, (fields, response.status_code)
    count_case("stored" if response.status_code == 302 else f"refused {response.status_code}")
    if response.status_code != 302:
        assert response.status_code in (400, 409, 429), fields
        assert Comment.objects.count() == before, f"a refused post wrote a row: {fields!r}"
        assert_inert(response, baseline, payload=fields)
        return None
    assert Comment.objects.count() == before + 1
    comment = Comment.objects.latest("pk")
    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.APPROVED)
    # What is stored for display has only the markup the site adds itself: paragraphs, line
    # breaks and nofollow links to http(s) addresses.
    assert not injected(comment.text_html), (fields, comment.text_html)
    assert set(TAG.findall(comment.text_html)) <= {"p", "br", "a"}, comment.text_html
    shown = page(client, article, replyto=comment.pk)
    assert_inert(shown, baseline, payload=fields)
    text_html = comment.text_html
    # Keep the page to one reader comment at a time, so the run stays fast.
    comment.delete()
    return text_html


def test_every_known_payload_in_each_comment_field_is_stored_as_text_or_refused(
    client, article, count_case
):
    baseline = page(client, article).content.decode()
    for value in PAYLOADS:
        for fields in (
            # Most of these are stored: the name and text are shown again as text.
            {"name": value, "text": f"See {value} and https://example.org/{value}"},
            # Most of these are refused (a bad address, email or parent): the form is drawn
            # again with everything the reader typed in it.
            {"name": value, "email": value, "website": value, "parent": value, "text": value},
        ):
            check_post(client, article, fields, baseline, count_case)


def test_generated_comments_are_stored_as_text_or_refused_and_never_run(
    client, article, count_case
):
    baseline = page(client, article).content.decode()
    first = Comment.objects.get()
    comment_fields = st.fixed_dictionaries(
        {},
        optional={
            "name": hostile_text,
            "email": st.one_of(hostile_text, payload.map(lambda p: f"{p}@example.org")),
            "website": st.one_of(hostile_text, payload.map(lambda p: f"https://example.org/{p}")),
            "text": hostile_text,
            "parent": st.one_of(st.just(str(first.pk)), page_value),
            "url_confirm": st.one_of(st.just(""), hostile_text),
        },
    )

    @hostile_settings
    @given(fields=comment_fields)
    def check(fields):
        stored = check_post(client, article, fields, baseline, count_case)
        if stored is not None and fields.get("url_confirm"):
            pytest.fail(f"a filled honeypot was accepted: {fields!r}")

    check()


def test_hostile_sign_in_attempts_are_refused_without_error(client, count_case):
    login = reverse("admin:login")
    baseline = client.get(login).content.decode()

    @hostile_settings
    @given(username=hostile_text, password=hostile_text)
    def check(username, password):
        count_case()
        response = client.post(login, {"username": username, "password": password})
        assert response.status_code in (200, 400, 403, 429), response.status_code
        assert_inert(response, baseline, payload=username)

    check()


def test_a_username_longer_than_the_lockout_log_holds_is_refused_and_logged(client):
    """django-axes' column holds 255 characters; PostgreSQL refused longer ones with a 500."""
    from axes.models import AccessAttempt

    response = client.post(reverse("admin:login"), {"username": "A" * 1000, "password": "x"})
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()
    assert AccessAttempt.objects.get().username == "A" * 255
