"""One pagination for every list (civicsite/core/pagination.py), and one answer for a page
that does not exist: 404 Not Found, through the site's normal 404 page.

The lists: the article index, a section, an author's page, a tag page, the candidate index and
the search results.
"""

import pytest
from django.core.paginator import Paginator
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from articles.models import Article
from civicsite.core import pagination
from tests.articles.factories import make_article, make_author
from tests.candidates.factories import make_candidate

pytestmark = pytest.mark.django_db

LISTS = ["articles", "section", "author", "tag", "candidates", "search"]


@pytest.fixture
def lists(db):
    """Each list with one page: one article (news, by one author, tagged) and one candidate.
    Returns {name: (path, the parameters that say which list it is)}."""
    author = make_author(slug="demo-desk")
    article = make_article(title="Runoff night", kind=Article.Kind.NEWS, authors=[author])
    article.tags.add("District 5")
    make_candidate(name="Liliana Bakhtiari")
    return list_urls(author)


def list_urls(author):
    return {
        "articles": (reverse("articles:index"), {}),
        "section": (reverse("articles:section", kwargs={"kind": "news"}), {}),
        "author": (author.get_absolute_url(), {}),
        "tag": (reverse("tag-detail", kwargs={"slug": "district-5"}), {}),
        "candidates": (reverse("candidates:candidate-list"), {}),
        "search": (reverse("search"), {"q": "runoff"}),
    }


def get(client, lists, name, page):
    path, params = lists[name]
    return client.get(path, {**params, "page": page})


def is_the_sites_not_found_page(response):
    return response.status_code == 404 and "404.html" in [t.name for t in response.templates]


# --- The policy, on every list ---------------------------------------------------------------


@pytest.mark.parametrize("page", ["abc", "1.5", "\x00", "1\x00", " 2", "+1", "1e3", "0x1", "٢"])
@pytest.mark.parametrize("name", LISTS)
def test_a_page_number_that_is_not_a_whole_number_is_not_found_on_every_list(
    client, lists, name, page
):
    assert is_the_sites_not_found_page(get(client, lists, name, page))


@pytest.mark.parametrize("page", ["0", "-1", "-0", "00"])
@pytest.mark.parametrize("name", LISTS)
def test_a_page_number_below_one_is_not_found_on_every_list(client, lists, name, page):
    assert is_the_sites_not_found_page(get(client, lists, name, page))


@pytest.mark.parametrize("page", [str(10**7), "9" * 40, "9" * 10_000])
@pytest.mark.parametrize("name", LISTS)
def test_an_absurdly_large_page_number_is_not_found_on_every_list(client, lists, name, page):
    assert is_the_sites_not_found_page(get(client, lists, name, page))


@pytest.mark.parametrize("name", LISTS)
def test_a_page_past_the_last_is_not_found_on_every_list(client, lists, name):
    assert get(client, lists, name, "1").status_code == 200
    assert is_the_sites_not_found_page(get(client, lists, name, "2"))


@pytest.mark.parametrize("name", LISTS)
def test_an_empty_or_missing_page_number_is_the_first_page_on_every_list(client, lists, name):
    path, params = lists[name]
    first = client.get(path, params)
    empty = client.get(path, {**params, "page": ""})
    assert first.status_code == empty.status_code == 200
    assert first.context["page_obj"].number == empty.context["page_obj"].number == 1


@pytest.mark.parametrize("name", LISTS)
def test_a_repeated_page_number_counts_the_last_one_on_every_list(client, lists, name):
    """As QueryDict.get (and so Django's ListView) reads it; never a 500."""
    path, params = lists[name]
    assert client.get(path, {**params, "page": ["2", "1"]}).status_code == 200
    assert is_the_sites_not_found_page(client.get(path, {**params, "page": ["1", "2"]}))
    assert is_the_sites_not_found_page(client.get(path, {**params, "page": ["1", "abc"]}))


@pytest.mark.parametrize(
    ("name", "empty_message"),
    [
        ("articles", "Nothing published here yet."),
        ("section", "Nothing published here yet."),
        ("author", "No published articles yet."),
        ("candidates", "No candidates are on file yet."),
        ("search", "No articles matched"),
    ],
)
def test_page_one_of_an_empty_list_is_a_page_that_says_so(client, name, empty_message):
    urls = list_urls(make_author(slug="demo-desk"))
    path, params = urls[name]
    response = client.get(path, params)
    assert response.status_code == 200
    assert empty_message in response.content.decode()
    assert is_the_sites_not_found_page(client.get(path, {**params, "page": "2"}))


def test_a_tag_with_no_published_article_is_not_found_even_on_page_one(client):
    make_article(status=Article.Status.DRAFT).tags.add("District 5")
    assert is_the_sites_not_found_page(client.get(reverse("tag-detail", args=["district-5"])))


def test_an_over_long_search_is_cut_with_a_notice_and_its_missing_pages_are_404s(client):
    response = client.get(reverse("search"), {"q": "x" * 201})
    assert response.status_code == 200
    assert "longer than 200 characters" in response.content.decode()
    for page in ("2", "abc"):  # one page of nothing: no page 2, and "abc" is no page
        response = client.get(reverse("search"), {"q": "x" * 201, "page": page})
        assert response.status_code == 404


# --- Addresses -------------------------------------------------------------------------------


@pytest.fixture
def two_pages_of_everything(db):
    """Every list with more than one page: 21 articles (20 a page), 51 candidates (50)."""
    author = make_author(slug="demo-desk")
    for n in range(21):
        article = make_article(title=f"Runoff story {n}", kind=Article.Kind.NEWS, authors=[author])
        article.tags.add("District 5")
    for n in range(51):
        make_candidate(name=f"Person {n:03d}")
    return list_urls(author)


@pytest.mark.parametrize("name", LISTS)
def test_every_list_gives_each_page_one_address_and_links_its_neighbours(
    client, two_pages_of_everything, name
):
    path, params = two_pages_of_everything[name]
    query = "?q=runoff" if params else ""
    page_2 = f"{path}{query}{'&' if query else '?'}page=2"

    first = client.get(path, {**params, "utm_source": "feed"}).context
    second = client.get(path, {**params, "page": "2"}).context

    assert first["canonical_url"] == f"http://testserver{path}{query}"
    assert (first["prev_url"], first["next_url"]) == ("", f"http://testserver{page_2}")
    assert second["canonical_url"] == f"http://testserver{page_2}"
    assert (second["prev_url"], second["next_url"]) == (f"http://testserver{path}{query}", "")
    assert [(link.number, link.href, link.current) for link in second["page_links"]] == [
        (1, query or path, False),
        (2, page_2.removeprefix(path), True),
    ]


@pytest.mark.parametrize("name", LISTS)
def test_every_list_draws_the_one_page_nav(client, two_pages_of_everything, name):
    path, params = two_pages_of_everything[name]
    response = client.get(path, {**params, "page": "2"})
    assert "includes/pagination.html" in [t.name for t in response.templates]
    assert 'class="pagination__step" rel="prev"' in response.content.decode()


# --- The module itself -----------------------------------------------------------------------


def request(url):
    return RequestFactory().get(url)


@pytest.mark.parametrize(
    ("url", "number"),
    [("/articles/", 1), ("/articles/?page=", 1), ("/articles/?page=7", 7), ("/a/?page=0012", 12)],
)
def test_page_number_reads_whole_numbers_from_one(url, number):
    assert pagination.page_number(request(url)) == number


@pytest.mark.parametrize("value", ["0", "-3", "2.0", "two", "%00", "%EF%BC%92", "1000001"])
def test_page_number_is_a_404_for_anything_else(value):
    with pytest.raises(Http404):
        pagination.page_number(request(f"/articles/?page={value}"))


def test_a_list_page_has_absolute_addresses_and_relative_nav_links_with_gaps():
    listing = pagination.paginate(request("/articles/?page=10&utm_source=x"), range(600), 20)

    assert listing.page_obj.number == 10
    assert listing.canonical_url == "http://testserver/articles/?page=10"
    assert listing.prev_url == "http://testserver/articles/?page=9"
    assert listing.next_url == "http://testserver/articles/?page=11"
    links = [link.number for link in listing.page_links]
    assert links == [1, 2, None, 7, 8, 9, 10, 11, 12, 13, None, 29, 30]
    assert [link.href for link in listing.page_links[:2]] == ["/articles/", "?page=2"]
    assert [link.number for link in listing.page_links if link.current] == [10]


def test_the_list_s_own_parameters_are_kept_in_every_address_and_nothing_else():
    page = Paginator(range(50), 20).page(2)
    listing = pagination.list_page(
        request("/search/?q=x&page=2&utm_source=y"), page, query={"q": "district 5/runoff"}
    )

    assert listing.canonical_url == "http://testserver/search/?q=district%205/runoff&page=2"
    assert listing.prev_url == "http://testserver/search/?q=district%205/runoff"
    assert [link.href for link in listing.page_links] == [
        "?q=district%205/runoff",
        "?q=district%205/runoff&page=2",
        "?q=district%205/runoff&page=3",
    ]


def test_a_page_past_the_end_is_a_404_from_paginate():
    with pytest.raises(Http404):
        pagination.paginate(request("/articles/?page=3"), range(40), 20)
    assert pagination.paginate(request("/articles/"), [], 20).page_obj.object_list == []
