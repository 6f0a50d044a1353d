"""The comment form's minimum-time check on cached pages, and the length limit (issue 18).

The article page is cached and shared, so it carries no signed form time of its own: the form's
script asks /comments/token/ (never cached) when the reader starts on the form; without the
script, the first post comes back asking to confirm, with a fresh time. Time moves with
time-machine; names and texts are invented."""

import datetime
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from articles import comments
from articles.models import Comment
from tests.articles.factories import make_article

pytestmark = pytest.mark.django_db

START = datetime.datetime(2025, 11, 5, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _comment_settings(settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_MIN_SECONDS = 3
    settings.COMMENTS_MAX_LENGTH = 5000


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def article(clock):
    return make_article(title="District 5 heads to a runoff", slug="district-5-runoff")


def token_url(html):
    return re.search(r'data-token-url="([^"]+)"', html)[1].replace("&amp;", "&")


def page_token(html):
    return re.search(r'name="form_token" value="([^"]*)"', html)[1]


def post(client, article, token, **fields):
    data = {
        "name": "Dana Reader",
        "email": "dana@example.org",
        "website": "",
        "text": "Turnout in DeKalb looked low this year.",
        "url_confirm": "",
        "parent": "",
        "form_token": token,
        **fields,
    }
    return client.post(reverse("articles:comment-post", kwargs={"slug": article.slug}), data)


def test_two_loads_of_a_cached_article_2_s_apart_get_different_tokens_from_the_endpoint(
    article, clock
):
    first = Client().get(article.get_absolute_url())
    clock.shift(2)
    second = Client().get(article.get_absolute_url())
    assert second["X-Page-Cache"] == "hit"
    html = second.content.decode()
    assert html == first.content.decode()
    assert page_token(html) == ""  # no reader's time in the shared page

    clock.shift(-2)
    early = Client().get(token_url(html))
    clock.shift(2)
    late = Client().get(token_url(html))

    assert early.json()["token"] != late.json()["token"]
    for response in (early, late):
        assert "private" in response["Cache-Control"]
        assert "no-store" in response["Cache-Control"]
        assert "X-Page-Cache" not in response


def test_a_post_0_2_s_after_getting_the_token_is_refused_with_a_message(client, article, clock):
    html = Client().get(article.get_absolute_url()).content.decode()
    token = Client().get(token_url(html)).json()["token"]
    clock.shift(0.2)

    response = post(client, article, token)

    assert response.status_code == 400
    assert comments.REFUSED_MESSAGE in response.content.decode()
    assert not Comment.objects.exists()


def test_without_the_script_the_first_post_asks_to_confirm_and_the_second_goes_through(
    client, article, clock
):
    """No script: the cached page's empty token is refused, never dropped silently; the page
    drawn again keeps the text and carries a fresh time, so pressing again a few seconds
    later posts the comment."""
    html = Client().get(article.get_absolute_url()).content.decode()
    clock.shift(30)
    refused = post(client, article, page_token(html))
    assert refused.status_code == 400
    again = refused.content.decode()
    assert comments.REFUSED_MESSAGE in again
    assert "Turnout in DeKalb looked low this year." in again
    assert "no-store" in refused["Cache-Control"]  # the fresh time is never shared
    clock.shift(5)

    assert post(client, article, page_token(again)).status_code == 302
    assert Comment.objects.count() == 1


def test_a_20000_character_comment_is_refused_and_nothing_is_stored(client, article, clock):
    html = Client().get(article.get_absolute_url()).content.decode()
    assert 'maxlength="5000"' in html
    assert "Up to 5,000 characters." in html  # the counter's text without the script
    token = Client().get(token_url(html)).json()["token"]
    clock.shift(5)

    response = post(client, article, token, text="word " * 4000)

    assert response.status_code == 400
    assert "is 19,999 characters long; the limit is 5,000" in response.content.decode()
    assert not Comment.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 61, "12\x00", "<script>", "question event 4"])
def test_the_token_endpoint_refuses_a_form_it_does_not_know(client, key):
    response = client.get(reverse("articles:form-token"), {"for": key})
    assert response.status_code == 400
    assert "no-store" in response["Cache-Control"]
