"""Metadata on public pages: title, description, canonical, Open Graph, Twitter card, and
schema.org JSON-LD that parses, names the right types and cannot be broken out of."""

import json
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import RequestFactory

from candidates.models import Questionnaire
from civicsite.core import metadata
from tests.articles.factories import make_article, make_author, make_figure
from tests.candidates.factories import make_candidacy, make_candidate, make_race

pytestmark = pytest.mark.django_db

HOSTILE = "</script><script>alert(1)</script>"


class HeadParser(HTMLParser):
    """Collects <title>, <meta>, <link> and every JSON-LD block (parsed with json)."""

    def __init__(self):
        super().__init__()
        self.title, self.meta, self.links, self.json_ld, self.scripts = "", {}, [], [], []
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title":
            self._in = "title"
        elif tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta[key] = attrs.get("content", "")
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script":
            self.scripts.append(attrs)
            self._in = "json" if attrs.get("type") == "application/ld+json" else "script"

    def handle_endtag(self, tag):
        if tag in ("title", "script"):
            self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "json":
            self.json_ld.append(json.loads(data))


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    parser = HeadParser()
    parser.feed(response.content.decode())
    return parser


def ld_types(parser):
    for block in parser.json_ld:
        assert block["@context"] == "https://schema.org"
    return {block["@type"] for block in parser.json_ld}


def ld_of(parser, type_name):
    return next(block for block in parser.json_ld if block["@type"] == type_name)


@pytest.fixture
def content():
    author = make_author(name="Demo Desk")
    article = make_article(title="District 5 heads to a runoff", authors=[author])
    article.lead_figure = make_figure(article, width=1300, height=800)
    article.save()
    race = make_race()
    candidate = make_candidate(
        name="Liliana Bakhtiari",
        bio="Runs for District 5.",
        website="https://example.org/liliana",
        x_handle="LilianaforATL",
    )
    make_candidacy(race, candidate=candidate)
    Questionnaire.objects.create(race=race, title="District 5 voter guide", published=True)
    return {"article": article, "race": race, "candidate": candidate}


def test_the_article_page_has_news_article_and_breadcrumbs(client, content):
    page = parse(client, content["article"].get_absolute_url())

    assert ld_types(page) == {"NewsArticle", "BreadcrumbList"}
    news = ld_of(page, "NewsArticle")
    assert news["headline"] == "District 5 heads to a runoff"
    assert news["author"][0]["name"] == "Demo Desk"
    assert news["datePublished"] and news["dateModified"]
    assert news["image"][0].startswith("http://testserver/media/renditions/")
    assert news["publisher"] == {"@type": "Organization", "name": "civicsite"}
    crumbs = ld_of(page, "BreadcrumbList")["itemListElement"]
    assert [c["name"] for c in crumbs] == ["Home", "News", "District 5 heads to a runoff"]
    assert crumbs[-1]["item"] == f"http://testserver{content['article'].get_absolute_url()}"


def test_the_article_page_has_a_large_social_card_with_the_rendition(client, content):
    page = parse(client, content["article"].get_absolute_url())

    assert page.meta["og:type"] == "article"
    assert page.meta["og:site_name"] == "civicsite"
    assert page.meta["og:image"].startswith("http://testserver/media/renditions/")
    assert page.meta["twitter:card"] == "summary_large_image"
    assert page.meta["twitter:title"] == "District 5 heads to a runoff"


def test_the_candidate_page_has_a_person_with_links(client, content):
    page = parse(client, content["candidate"].get_absolute_url())

    assert ld_types(page) == {"Person", "BreadcrumbList"}
    person = ld_of(page, "Person")
    assert person["name"] == "Liliana Bakhtiari"
    assert person["url"] == "http://testserver/candidates/liliana-bakhtiari/"
    assert person["sameAs"] == ["https://example.org/liliana", "https://x.com/LilianaforATL"]
    assert page.meta["og:type"] == "profile"
    assert page.meta["twitter:card"] == "summary"  # no photo


def test_the_race_page_has_breadcrumbs_through_its_election(client, content):
    race = content["race"]
    page = parse(client, race.get_absolute_url())

    assert ld_types(page) == {"BreadcrumbList"}
    crumbs = ld_of(page, "BreadcrumbList")["itemListElement"]
    assert [c["name"] for c in crumbs] == [
        "Home",
        "Elections",
        race.election.name,
        race.office.name,
    ]
    assert [c["position"] for c in crumbs] == [1, 2, 3, 4]


def test_the_election_page_has_a_polling_day_event(client, content):
    election = content["race"].election
    election.jurisdiction = "City of Atlanta"
    election.save()

    page = parse(client, election.get_absolute_url())

    assert ld_types(page) == {"Event", "BreadcrumbList"}
    event = ld_of(page, "Event")
    assert event["startDate"] == election.date.isoformat()
    assert event["location"] == {"@type": "Place", "name": "City of Atlanta"}
    assert event["eventStatus"] == "https://schema.org/EventScheduled"


def test_the_guide_page_has_breadcrumbs(client, content):
    race = content["race"]
    page = parse(client, f"{race.get_absolute_url()}guide/")

    crumbs = ld_of(page, "BreadcrumbList")["itemListElement"]
    assert [c["name"] for c in crumbs][-2:] == [race.office.name, "Voter guide"]


def test_a_hostile_title_cannot_break_out_of_the_json_ld_script(client):
    article = make_article(title=HOSTILE, dek=f"Dek {HOSTILE}")
    candidate = make_candidate(name=HOSTILE, bio=HOSTILE)

    for url in (article.get_absolute_url(), candidate.get_absolute_url()):
        html = client.get(url).content.decode()
        page = HeadParser()
        page.feed(html)
        assert "<script>alert(1)" not in html
        # The only inline script elements are the JSON-LD blocks, and they still parse; the
        # others are our own files (src, no body).
        inline = [s for s in page.scripts if not s.get("src")]
        assert all(s.get("type") == "application/ld+json" for s in inline)
        assert all(s["src"].startswith("/static/") for s in page.scripts if s.get("src"))
        assert any(HOSTILE in json.dumps(block) for block in page.json_ld)


def test_json_ld_escapes_the_characters_that_could_end_the_element():
    text = metadata.json_ld_dumps({"name": "<b> & </script>"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "<b> & </script>"}


def test_the_one_json_ld_filter_prints_what_json_ld_script_prints():
    template = engines["django"].from_string("{% load metadata %}{{ data|json_ld }}")
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    html = template.render({"data": {"@type": "Thing", "name": "</script>"}}, request)
    assert html == metadata.json_ld_script({"@type": "Thing", "name": "</script>"})


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/search/",
        "/search/?q=runoff",
        "/tags/district-5/",
        "/articles/",
        "/articles/section/news/",
        "/elections/",
        "/candidates/",
        "/voter-guides/",
    ],
)
def test_every_list_page_has_title_description_canonical_and_social_tags(client, url, content):
    content["article"].tags.add("District 5")

    page = parse(client, url)

    assert page.title.strip()
    assert page.meta["description"]
    canonical = [link["href"] for link in page.links if link.get("rel") == "canonical"]
    assert len(canonical) == 1 and canonical[0].startswith("http://testserver/")
    assert "?" not in canonical[0] or "page=" in canonical[0]
    for key in ("og:title", "og:url", "og:type", "og:site_name", "twitter:card"):
        assert page.meta.get(key), (url, key)


def test_titles_differ_from_page_to_page(client, content):
    content["article"].tags.add("District 5")
    race = content["race"]
    urls = [
        "/",
        "/search/",
        "/tags/district-5/",
        "/articles/",
        "/elections/",
        "/candidates/",
        "/voter-guides/",
        content["article"].get_absolute_url(),
        content["candidate"].get_absolute_url(),
        race.get_absolute_url(),
        race.election.get_absolute_url(),
        f"{race.get_absolute_url()}guide/",
    ]
    titles = [parse(client, url).title.strip() for url in urls]
    assert len(set(titles)) == len(titles), titles
