"""The finish: the site's own pages (About, Contact, Corrections policy), the 404 page's
links, the favicon and touch icons, distinct titles, and no links to empty sections."""

import datetime
import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.staticfiles import finders
from django.urls import reverse

from articles.models import Article
from civicsite.models import Page
from civicsite.roles import EDITOR
from tests.articles.factories import make_article
from tests.candidates.factories import make_election, make_office, make_race

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _the_three_pages(db):
    """The rows migration 0007 creates; a transactional test elsewhere may have flushed them."""
    migration = importlib.import_module("civicsite.migrations.0007_site_pages")
    migration.create_pages(django_apps, None)


def html_of(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status
    return response.content.decode()


def head_value(html, pattern):
    return re.search(pattern, html).group(1)


def test_the_three_site_pages_exist_are_linked_in_every_footer_and_in_the_sitemap(client):
    html = html_of(client, "/")
    footer = html.split('class="site-footer"', 1)[1]
    sitemap = html_of(client, "/sitemap.xml")
    for slug in Page.Slug.values:
        url = reverse("page", kwargs={"slug": slug})
        assert f'href="{url}"' in footer
        assert f"<loc>http://testserver{url}</loc>" in sitemap
        assert "<h1" in html_of(client, url)


def test_a_page_body_is_markdown_sanitized_once_with_headings_from_h2(client):
    page = Page.objects.get(slug=Page.Slug.CORRECTIONS)
    page.body = (
        "# How we correct\n\n> Fix it in public.\n\n<script>alert(1)</script>"
        '<a href="javascript:alert(2)" onclick="x()">bad link</a>'
    )
    page.save()

    html = html_of(client, page.get_absolute_url())

    body = html.split('<div class="prose">', 1)[1].split("</div>", 1)[0]
    assert "<h2>How we correct</h2>" in body and "<blockquote>" in body
    assert "<script" not in body and "javascript:" not in body and "onclick" not in body


def test_editors_edit_the_pages_with_history_but_cannot_add_or_delete_them(client):
    editor = get_user_model().objects.create_user("ed", password="a-long-passphrase", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITOR))
    client.force_login(editor)
    page = Page.objects.get(slug=Page.Slug.ABOUT)
    change_url = reverse("admin:civicsite_page_change", args=[page.pk])

    response = client.post(
        change_url, {"title": "About the desk", "summary": "Who we are.", "body": "We report."}
    )

    assert response.status_code == 302
    page.refresh_from_db()
    assert page.title == "About the desk" and page.body_html == "<p>We report.</p>"
    assert page.history.first().history_user == editor  # who and when, revertible
    assert client.get(reverse("admin:civicsite_page_add")).status_code == 403
    assert client.get(reverse("admin:civicsite_page_delete", args=[page.pk])).status_code == 403


def test_the_404_page_suggests_links_and_a_search_for_the_words_of_the_address(client):
    html = html_of(client, "/candidates/liliana-bakhtiar/", status=404)

    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    for name in ("home", "candidates:election-list", "candidates:candidate-list", "search"):
        assert f'"{reverse(name)}' in main, name
    assert 'href="/search/?q=liliana+bakhtiar"' in main


def test_a_hostile_missing_address_is_escaped_on_the_404_page(client):
    html = html_of(client, "/%3Cscript%3Ealert(1)%3C%2Fscript%3E/", status=404)
    assert "<script>alert" not in html


def test_favicon_and_touch_icons_are_served_and_linked(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    html = html_of(client, "/")
    for href in (
        "/favicon.ico",
        "/static/icons/icon.svg",
        "/static/icons/apple-touch-icon.png",
    ):
        assert f'href="{href}"' in html
        if href.startswith("/static/"):
            assert finders.find(href.removeprefix("/static/")), href  # committed, collected


def test_the_2017_and_2021_race_pages_have_different_titles_and_social_titles(client):
    office = make_office(name="Atlanta City Council District 5")
    pages = [
        html_of(
            client,
            make_race(
                office=office,
                election=make_election(
                    name="Atlanta municipal general election", date=datetime.date(year, 11, day)
                ),
            ).get_absolute_url(),
        )
        for year, day in ((2017, 7), (2021, 2))
    ]
    titles = {head_value(page, r"<title>([^<]+)</title>") for page in pages}
    og_titles = {
        head_value(page, r'<meta property="og:title" content="([^"]+)">') for page in pages
    }
    assert len(titles) == 2 and len(og_titles) == 2
    assert any("2017" in title for title in og_titles)


def test_no_link_leads_to_a_section_with_nothing_published(client):
    make_article(kind=Article.Kind.NEWS)
    make_article(kind=Article.Kind.PROFILE)

    home = html_of(client, "/")
    articles = html_of(client, "/articles/")

    assert reverse("articles:section", kwargs={"kind": "profiles"}) in home
    assert reverse("articles:section", kwargs={"kind": "profiles"}) in articles
    for empty in ("interviews", "opinion", "voter-guide-qa"):
        url = reverse("articles:section", kwargs={"kind": empty})
        assert f'href="{url}"' not in home and f'href="{url}"' not in articles
