"""/sitemap.xml lists every public page and nothing a reader could not open; robots.txt
points at it. Each app's own sections are tested in tests/<app>/test_sitemaps.py."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from articles.models import Article
from articles.sitemaps import SITEMAPS as ARTICLES_SITEMAPS
from candidates.models import Questionnaire
from candidates.sitemaps import SITEMAPS as CANDIDATES_SITEMAPS
from civicsite.sitemaps import SITEMAPS, SectionSitemap
from tests.articles.factories import make_article
from tests.candidates.factories import make_candidate, make_measure, make_race

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_paths(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return {loc.text.removeprefix("http://testserver") for loc in root.findall("s:url/s:loc", NS)}


def test_the_sitemap_lists_every_published_object_and_nothing_else(client):
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
    candidate = make_candidate(name="Liliana Bakhtiari")
    race = make_race()
    guide = Questionnaire.objects.create(race=race, title="Guide", published=True)
    other_race = make_race()
    Questionnaire.objects.create(race=other_race, title="Unpublished guide", published=False)

    paths = sitemap_paths(client)

    expected = {
        "/",
        "/articles/",
        "/elections/",
        "/candidates/",
        "/voter-guides/",
        "/about/",
        "/contact/",
        "/corrections-policy/",
        published.get_absolute_url(),
        candidate.get_absolute_url(),
        race.election.get_absolute_url(),
        other_race.election.get_absolute_url(),
        race.get_absolute_url(),
        other_race.get_absolute_url(),
        guide.get_absolute_url(),
        "/tags/shared-topic/",
    }
    assert paths == expected
    # Spelled out, the gates the set above already implies:
    assert draft.get_absolute_url() not in paths
    assert scheduled.get_absolute_url() not in paths
    assert f"{other_race.get_absolute_url()}guide/" not in paths
    assert "/tags/draft-only-topic/" not in paths
    assert "/tags/scheduled-only-topic/" not in paths


def test_robots_txt_names_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode().splitlines()
    assert "Disallow: /admin/" in response.content.decode()


@pytest.mark.parametrize("size", [2, 8])
def test_the_sitemap_takes_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    """Prevents a query per race or ballot measure (its election's slug) or per guide."""
    for i in range(size):
        make_article(title=f"Story {i}").tags.add(f"topic {i}")
        race = make_race()
        Questionnaire.objects.create(race=race, title=f"Guide {i}", published=True)
        make_measure(election=race.election)
        make_candidate()
    # Each of the eight model sitemaps (events among them, with none here: its list is skipped)
    # counts (paginator) and then lists its rows.
    with django_assert_num_queries(15):
        client.get("/sitemap.xml")


def test_the_sitemap_has_every_app_section_in_a_fixed_order():
    """An app's new section cannot be left out of /sitemap.xml by the composition."""
    every_section = {"sections": SectionSitemap, **ARTICLES_SITEMAPS, **CANDIDATES_SITEMAPS}

    assert every_section == SITEMAPS
    assert list(SITEMAPS) == [
        "sections",
        "articles",
        "events",
        "candidates",
        "elections",
        "races",
        "measures",
        "guides",
        "tags",
    ]
