"""The articles' sections of /sitemap.xml list published articles, and only the tags that
carry one."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.contrib.sitemaps.views import sitemap
from django.utils import timezone

from articles.models import Article
from articles.sitemaps import SITEMAPS
from tests.articles.factories import make_article

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def listed_paths(rf):
    """The paths this app's sections list, rendered as /sitemap.xml renders them."""
    response = sitemap(rf.get("/sitemap.xml"), sitemaps=SITEMAPS)
    root = ET.fromstring(response.render().content)
    return {loc.text.removeprefix("http://testserver") for loc in root.findall("s:url/s:loc", NS)}


def test_the_articles_sections_list_published_articles_and_their_tags_only(rf):
    published = make_article(title="Published")
    published.tags.add("Shared topic")
    draft = make_article(title="Draft", status=Article.Status.DRAFT)
    draft.tags.add("Draft-only topic", "Shared topic")
    scheduled = make_article(
        title="Scheduled",
        status=Article.Status.SCHEDULED,
        publish_at=timezone.now() + datetime.timedelta(days=1),
    )
    scheduled.tags.add("Scheduled-only topic")

    assert listed_paths(rf) == {published.get_absolute_url(), "/tags/shared-topic/"}


def test_articles_carry_their_last_modified_date(client):
    make_article(title="Published")

    root = ET.fromstring(client.get("/sitemap.xml").content)

    lastmods = [
        url.find("s:lastmod", NS).text
        for url in root.findall("s:url", NS)
        if "/articles/council" in url.find("s:loc", NS).text
    ]
    assert lastmods == [timezone.localdate().isoformat()]
