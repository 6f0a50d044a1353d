"""RSS and Atom feeds: they parse, they carry only published articles, no comment data."""

import datetime

import feedparser
import pytest
from django.apps import apps
from django.utils import timezone

from articles.models import Article
from candidates.models import Race
from tests.articles.factories import make_article, make_author, make_figure
from tests.candidates.factories import (
    make_candidate,
    make_election,
    make_race_with_votes,
)

pytestmark = pytest.mark.django_db

COMMENTER_EMAIL = "distinctive-commenter-h7@example.org"
COMMENTER_NAME = "Distinctive Commenter Zyx"


@pytest.fixture
def site():
    """Published, draft and scheduled articles sharing a tag, a candidate and an election."""
    election = make_election(name="Atlanta municipal general")
    race = make_race_with_votes([("A", 30), ("B", 20)], election=election)
    race.results_updated_at = timezone.now() - datetime.timedelta(minutes=30)
    race.status = Race.Status.COUNTING
    race.save()
    candidate = make_candidate(name="Liliana Bakhtiari")
    author = make_author(name="Demo Desk")
    published = make_article(
        title="Published story", dek="Why it <matters> & more", authors=[author]
    )
    make_figure(published, width=1700, height=1000)
    published.lead_figure = published.figures.get()
    published.save()
    draft = make_article(title="Draft story", status=Article.Status.DRAFT)
    scheduled = make_article(
        title="Scheduled story",
        status=Article.Status.SCHEDULED,
        publish_at=timezone.now() + datetime.timedelta(days=1),
    )
    for article in (published, draft, scheduled):
        article.tags.add("District 5")
        article.candidates.add(candidate)
        article.elections.add(election)
    add_approved_comment(published)
    return {"election": election, "candidate": candidate, "race": race, "published": published}


def add_approved_comment(article):
    """An approved comment with a distinctive name and email (articles.Comment, H6's model)."""
    try:
        comment_model = apps.get_model("articles", "Comment")
    except LookupError:  # comments not built yet: the feeds are checked on article data only
        return None
    return comment_model.objects.create(
        article=article,
        name=COMMENTER_NAME,
        email=COMMENTER_EMAIL,
        text="A distinctive comment text qwv.",
        status="approved",
    )


def feed_urls(site):
    tag, candidate, election = "district-5", site["candidate"].slug, site["election"].slug
    return [
        "/feeds/latest/",
        "/feeds/latest/atom/",
        f"/feeds/tags/{tag}/",
        f"/feeds/tags/{tag}/atom/",
        f"/feeds/candidates/{candidate}/",
        f"/feeds/candidates/{candidate}/atom/",
        f"/feeds/elections/{election}/",
        f"/feeds/elections/{election}/atom/",
    ]


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode(), feedparser.parse(response.content)


def test_every_feed_parses_as_rss_2_or_atom(client, site):
    for url in feed_urls(site):
        _, feed = fetch(client, url)
        assert not feed.bozo, (url, feed.get("bozo_exception"))
        assert feed.version == ("atom10" if url.endswith("/atom/") else "rss20"), url
        assert feed.feed.title


def test_feeds_carry_published_articles_only(client, site):
    for url in feed_urls(site):
        _, feed = fetch(client, url)
        titles = [entry.title for entry in feed.entries]
        assert "Published story" in titles, url
        assert "Draft story" not in titles, url
        assert "Scheduled story" not in titles, url


def test_no_feed_carries_any_comment_data(client, site):
    for url in feed_urls(site):
        xml, _ = fetch(client, url)
        assert COMMENTER_EMAIL not in xml, url
        assert COMMENTER_NAME not in xml, url
        assert "qwv" not in xml, url


def test_an_item_has_its_escaped_dek_authors_and_lead_image_enclosure(client, site):
    xml, feed = fetch(client, "/feeds/latest/")
    entry = feed.entries[0]

    # The dek is HTML-escaped before it goes in: a reader shows the markup as text.
    assert "Why it &amp;lt;matters&amp;gt; &amp;amp; more" in xml
    assert entry.author == "Demo Desk"
    enclosure = entry.enclosures[0]
    assert enclosure.type == "image/jpeg"
    assert enclosure.href.startswith("http://testserver/media/renditions/")
    assert enclosure.href.endswith("1600w.jpg")
    assert int(enclosure.length) > 0


def test_the_election_feed_lists_result_updates(client, site):
    _, feed = fetch(client, f"/feeds/elections/{site['election'].slug}/")

    titles = [entry.title for entry in feed.entries]
    assert f"Results: {site['race'].office.name} (Counting)" in titles
    assert "Published story" in titles


def test_unknown_feed_objects_are_404(client):
    assert client.get("/feeds/tags/no-such-tag/").status_code == 404
    assert client.get("/feeds/candidates/nobody/").status_code == 404
    assert client.get("/feeds/elections/never/").status_code == 404


def test_pages_link_their_feeds_in_the_head(client, site):
    home = client.get("/").content.decode()
    assert '<link rel="alternate" type="application/rss+xml"' in home
    assert 'href="/feeds/latest/"' in home
    assert 'href="/feeds/latest/atom/"' in home
    tag_page = client.get("/tags/district-5/").content.decode()
    assert 'href="/feeds/tags/district-5/"' in tag_page
    candidate_page = client.get(site["candidate"].get_absolute_url()).content.decode()
    assert f'href="/feeds/candidates/{site["candidate"].slug}/"' in candidate_page
    election_page = client.get(site["election"].get_absolute_url()).content.decode()
    assert f'href="/feeds/elections/{site["election"].slug}/"' in election_page


@pytest.mark.parametrize("size", [2, 8])
def test_the_latest_feed_takes_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    """Prevents a query per item for its bylines or lead figure."""
    author = make_author()
    for i in range(size):
        make_article(title=f"Story {i}", authors=[author])
    with django_assert_num_queries(2):
        client.get("/feeds/latest/")
