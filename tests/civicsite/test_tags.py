"""Tag pages (/tags/<slug>/): published articles with one tag, paginated like the lists."""

import datetime

import pytest
from django.utils import timezone

from articles.models import Article
from civicsite.views import TAG_ARTICLES_PER_PAGE
from tests.articles.factories import make_article, make_author, make_figure

pytestmark = pytest.mark.django_db


def titles(response):
    return [article.title for article in response.context["articles"]]


def test_a_tag_page_lists_its_published_articles_newest_first(client):
    for title, hours in (("Older", 5), ("Newer", 1)):
        make_article(
            title=title, publish_at=timezone.now() - datetime.timedelta(hours=hours)
        ).tags.add("District 5")
    make_article(title="Draft", status=Article.Status.DRAFT).tags.add("District 5")
    make_article(
        title="Scheduled",
        status=Article.Status.SCHEDULED,
        publish_at=timezone.now() + datetime.timedelta(days=1),
    ).tags.add("District 5")
    make_article(title="Other topic").tags.add("Turnout")

    response = client.get("/tags/district-5/")

    assert response.status_code == 200
    assert titles(response) == ["Newer", "Older"]
    assert "<h1>District 5" in response.content.decode()


def test_the_article_page_links_its_tags_to_their_pages(client):
    article = make_article(title="Story")
    article.tags.add("District 5")

    html = client.get(article.get_absolute_url()).content.decode()

    assert '<a href="/tags/district-5/">District 5</a>' in html


def test_tag_pages_are_paginated_with_rel_prev_and_next(client):
    for n in range(TAG_ARTICLES_PER_PAGE + 3):
        make_article(
            title=f"Story {n}", publish_at=timezone.now() - datetime.timedelta(hours=n)
        ).tags.add("Runoff")

    first = client.get("/tags/runoff/")
    second = client.get("/tags/runoff/?page=2")

    assert len(titles(first)) == TAG_ARTICLES_PER_PAGE
    assert titles(second) == ["Story 20", "Story 21", "Story 22"]
    first_html, second_html = first.content.decode(), second.content.decode()
    assert '<link rel="canonical" href="http://testserver/tags/runoff/">' in first_html
    assert '<link rel="next" href="http://testserver/tags/runoff/?page=2">' in first_html
    assert '<link rel="canonical" href="http://testserver/tags/runoff/?page=2">' in second_html
    assert '<link rel="prev" href="http://testserver/tags/runoff/">' in second_html
    assert "page 2 of 2" in second_html


@pytest.mark.parametrize("page", ["3", "0", "x", "-1", "1e9"])
def test_a_page_that_does_not_exist_is_a_404(client, page):
    make_article(title="Story").tags.add("Runoff")

    assert client.get(f"/tags/runoff/?page={page}").status_code == 404


def test_an_unknown_tag_or_one_with_only_drafts_is_a_404(client):
    make_article(title="Draft", status=Article.Status.DRAFT).tags.add("Secret topic")

    assert client.get("/tags/no-such-tag/").status_code == 404
    assert client.get("/tags/secret-topic/").status_code == 404


@pytest.mark.parametrize("size", [2, 12])
def test_a_tag_page_takes_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    """Prevents a query per card for its bylines or lead figure."""
    author = make_author()
    for n in range(size):
        article = make_article(title=f"Story {n}", authors=[author])
        article.lead_figure = make_figure(article)
        article.save()
        article.tags.add("Runoff")
    # tag, count, page of articles (with lead figures), bylines
    with django_assert_num_queries(4):
        response = client.get("/tags/runoff/")
    assert len(titles(response)) == size
