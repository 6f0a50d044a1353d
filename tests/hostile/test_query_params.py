"""Hostile query parameters on every public page: no 500, nothing injected, nothing written.

Each property runs known payloads (tests/hostile/payloads.py) and generated text through one
parameter: ?q= and ?page= on search, ?page= on every paginated list, ?compare= on the voter
guide, ?replyto= on an article, ?p= on the sitemap, and any made-up parameter on any page
(some pages echo the full address back in og:url and canonical links).
"""

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from articles.models import Article, Comment
from candidates.models import Answer
from tests.articles.factories import make_article, make_author
from tests.candidates.factories import make_district_5_general
from tests.candidates.test_guides import make_guide
from tests.hostile.inert import assert_inert
from tests.hostile.strategies import hostile_settings, hostile_text, page_value

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    """A little of everything a reader can page through, filter or search."""
    author = make_author(name="Demo Desk", slug="demo-desk")
    articles = []
    for n in range(3):
        article = make_article(
            title=f"District 5 runoff story {n}",
            slug=f"district-5-runoff-story-{n}",
            kind=Article.Kind.NEWS,
            authors=[author],
        )
        article.tags.add("District 5")
        articles.append(article)
    race = make_district_5_general()
    guide = make_guide(race, questions=2)
    candidacies = list(race.candidacies.all())
    for candidacy in candidacies[:2]:
        for question in guide.questions.all():
            Answer.objects.create(question=question, candidacy=candidacy, text="An answer.")
    Comment.objects.create(
        article=articles[0],
        name="Earlier Reader",
        email="earlier@example.org",
        text="An earlier comment.",
        status=Comment.Status.APPROVED,
    )
    guide_url = reverse(
        "candidates:race-guide", kwargs={"election_slug": race.election.slug, "slug": race.slug}
    )
    return {
        "article": articles[0].get_absolute_url(),
        "guide": guide_url,
        "candidacy_ids": [str(c.pk) for c in candidacies],
        "lists": {
            "articles": reverse("articles:index"),
            "section": reverse("articles:section", kwargs={"kind": "news"}),
            "author": author.get_absolute_url(),
            "tag": reverse("tag-detail", kwargs={"slug": "district-5"}),
            "candidates": reverse("candidates:candidate-list"),
            "search": reverse("search") + "?q=runoff",
        },
        "pages": [
            reverse("home"),
            articles[0].get_absolute_url(),
            reverse("articles:index"),
            author.get_absolute_url(),
            reverse("tag-detail", kwargs={"slug": "district-5"}),
            reverse("search"),
            reverse("candidates:candidate-list"),
            reverse("candidates:election-list"),
            race.election.get_absolute_url(),
            race.get_absolute_url(),
            guide_url,
            reverse("candidates:guide-list"),
            reverse("feed-latest"),
            reverse("sitemap"),
        ],
    }


def get(client, path, params):
    # Pages are drawn from the database every time: a cached copy must not hide anything.
    cache.clear()
    response = client.get(path, params)
    assert response.status_code < 500, (path, params, response.status_code)
    return response


def baseline(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def unchanged_rows():
    return Article.objects.count(), Comment.objects.count(), Answer.objects.count()


def answers_for_a_one_page_list(page):
    """Page 1 (or no number) is the only page of a one-page list; anything else is a 404
    (civicsite/core/pagination.py). Page 1 written with leading zeros may be either."""
    if page in ("", "1"):
        return {200}
    if page.isascii() and page.isdigit() and page.lstrip("0") == "1":
        return {200, 404}
    return {404}


@pytest.mark.parametrize("name", ["articles", "section", "author", "tag", "candidates", "search"])
def test_any_page_number_on_any_list_is_the_page_or_a_404_without_injection(
    client, site, name, count_case
):
    path = site["lists"][name]
    plain = baseline(client, path)
    base_path, _, query = path.partition("?")
    extra = dict([query.split("=")]) if query else {}
    rows = unchanged_rows()

    @hostile_settings
    @given(page=page_value)
    def check(page):
        count_case()
        response = get(client, base_path, {**extra, "page": page})
        assert response.status_code in answers_for_a_one_page_list(page), (name, page)
        assert_inert(response, plain, payload=page)

    check()
    assert unchanged_rows() == rows


def test_any_search_text_is_answered_without_error_or_injection(client, site, count_case):
    plain = baseline(client, reverse("search") + "?q=runoff")

    @hostile_settings
    @given(q=hostile_text, page=st.one_of(st.none(), page_value))
    def check(q, page):
        count_case()
        params = {"q": q} if page is None else {"q": q, "page": page}
        response = get(client, reverse("search"), params)
        # 400 for a query that cannot be searched, 404 for a page that does not exist.
        assert response.status_code in (200, 400, 404), (q, page)
        assert_inert(response, plain, payload=q)
        if response.status_code == 400:
            assert b'class="errorlist' in response.content or b"search-error" in response.content

    check()


def test_any_compare_filter_on_the_voter_guide_shows_the_guide_or_a_message(
    client, site, count_case
):
    plain = baseline(client, site["guide"])
    compare = st.lists(
        st.one_of(st.sampled_from(site["candidacy_ids"]), hostile_text, page_value), max_size=4
    )

    @hostile_settings
    @given(values=compare)
    def check(values):
        count_case()
        response = get(client, site["guide"], {"compare": values})
        assert response.status_code == 200
        assert_inert(response, plain, payload=values)

    check()


def test_any_replyto_on_an_article_is_answered_without_error_or_injection(client, site, count_case):
    plain = baseline(client, site["article"])

    @hostile_settings
    @given(value=st.one_of(hostile_text, page_value))
    def check(value):
        count_case()
        response = get(client, site["article"], {"replyto": value})
        assert response.status_code == 200
        assert_inert(response, plain, payload=value)

    check()


def test_any_sitemap_page_parameter_is_a_sitemap_or_a_404(client, site, count_case):
    @hostile_settings
    @given(value=page_value)
    def check(value):
        count_case()
        response = get(client, reverse("sitemap"), {"p": value})
        assert response.status_code in (200, 404)

    check()


def test_made_up_parameters_on_every_public_page_change_nothing_and_inject_nothing(
    client, site, count_case
):
    plains = {path: baseline(client, path) for path in site["pages"]}
    rows = unchanged_rows()

    @hostile_settings
    @given(
        path=st.sampled_from(site["pages"]),
        name=st.one_of(hostile_text, st.sampled_from(["utm_source", "next", "callback"])),
        value=hostile_text,
    )
    def check(path, name, value):
        count_case()
        response = get(client, path, {name: value})
        assert_inert(response, plains[path], payload=(name, value))

    check()
    assert unchanged_rows() == rows


@pytest.mark.parametrize("value", ["¹", "²", "١", "𝟙"])
def test_a_replyto_of_digits_that_are_not_ascii_is_ignored_not_a_500(client, value):
    """Found by the property test above: "¹".isdigit() is True but int("¹") raises."""
    article = make_article()
    response = client.get(article.get_absolute_url(), {"replyto": value})
    assert response.status_code == 200
