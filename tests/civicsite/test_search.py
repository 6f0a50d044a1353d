"""Site search (/search/?q=): what it finds, in what order, and that no input breaks it.

Runs on both databases: PostgreSQL uses full-text search (ranked, stemmed, highlighted);
SQLite a whole-word fallback. Tests that need the PostgreSQL behaviour skip on SQLite.
"""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Article
from candidates.models import Candidate
from civicsite import search
from tests.articles import factories
from tests.candidates.factories import make_candidate, make_election, make_office, make_race

pytestmark = pytest.mark.django_db

needs_postgres = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="full-text ranking, stemming and the GIN index exist on PostgreSQL only",
)


def make_article(**fields):
    """An article whose dek says nothing searchable unless the test gives one."""
    fields.setdefault("dek", "")
    return factories.make_article(**fields)


def article_titles(response):
    return [article.title for article in response.context["page_obj"].object_list]


def test_a_whole_word_is_found_in_titles_and_bodies(client):
    make_article(title="Turnout rises in District 5", body="Lines were short.")
    make_article(title="Council notes", body="Early turnout was high at every precinct.")
    make_article(title="Unrelated", body="The returnout of the season.")  # not a whole word

    response = client.get("/search/", {"q": "turnout"})

    assert response.status_code == 200
    assert sorted(article_titles(response)) == ["Council notes", "Turnout rises in District 5"]


def test_part_of_a_word_does_not_match_on_either_database(client):
    make_article(title="She embraced the crowd", body="A warm evening.")

    response = client.get("/search/", {"q": "race"})

    assert article_titles(response) == []


def test_every_word_of_the_query_must_match(client):
    make_article(title="Runoff in District 5", body="Two candidates remain.")
    make_article(title="Runoff in District 3", body="Two candidates remain.")

    response = client.get("/search/", {"q": "runoff district 5"})

    assert article_titles(response) == ["Runoff in District 5"]


def test_drafts_and_scheduled_articles_are_never_found(client):
    make_article(title="Published turnout story")
    make_article(title="Draft turnout story", status=Article.Status.DRAFT)
    make_article(
        title="Scheduled turnout story",
        status=Article.Status.SCHEDULED,
        publish_at=timezone.now() + datetime.timedelta(days=1),
    )

    response = client.get("/search/", {"q": "turnout"})

    assert article_titles(response) == ["Published turnout story"]


def test_an_article_is_found_by_its_tag(client):
    article = make_article(title="A story", body="Nothing about the topic in the text.")
    article.tags.add("Ballot access")

    response = client.get("/search/", {"q": "ballot access"})

    assert article_titles(response) == ["A story"]


@needs_postgres
def test_a_title_match_ranks_above_a_body_match_on_postgresql(client):
    make_article(
        title="Council notes",
        body="Absentee ballots were counted on Friday, and absentee totals rose.",
        publish_at=timezone.now() - datetime.timedelta(minutes=5),  # the newer one
    )
    make_article(
        title="Absentee ballots decide the race",
        body="The count ended late.",
        publish_at=timezone.now() - datetime.timedelta(days=3),
    )

    response = client.get("/search/", {"q": "absentee"})

    assert article_titles(response) == ["Absentee ballots decide the race", "Council notes"]


@needs_postgres
def test_runoff_finds_an_article_about_runoffs_by_stemming_on_postgresql(client):
    make_article(title="Why cities hold runoffs", body="Majority rules explained.")

    response = client.get("/search/", {"q": "runoff"})

    assert article_titles(response) == ["Why cities hold runoffs"]


@needs_postgres
def test_snippets_highlight_the_match_and_keep_no_markup_from_the_body(client):
    make_article(
        title="Council notes",
        body="The <script>alert(1)</script> recount of <b>absentee</b> ballots <i>ended</i>.",
    )

    response = client.get("/search/", {"q": "absentee"})

    html = response.content.decode()
    assert "<mark>absentee</mark>" in html
    assert "<script>alert(1)" not in html
    assert "<i>ended" not in html


def test_sqlite_snippets_are_escaped_with_matches_marked():
    snippet = search.highlight_snippet("A <b>runoff</b> & a recount", ["runoff"])
    assert snippet == "A &lt;b&gt;<mark>runoff</mark>&lt;/b&gt; &amp; a recount"


@needs_postgres
def test_article_search_uses_the_gin_index_on_postgresql():
    """The migration's index expression must be the one the query uses (search.py)."""
    from django.contrib.postgres.search import SearchQuery

    query = SearchQuery("runoff", search_type="websearch", config=search.SEARCH_CONFIG)
    articles = Article.objects.alias(document=search.article_document()).filter(document=query)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = articles.explain()
    assert search.ARTICLE_SEARCH_INDEX in plan


def test_a_candidate_whose_name_matches_is_listed_first(client):
    make_candidate(name="Liliana Bakhtiari", bio="Runs for District 5.")
    make_article(title="Bakhtiari leads the count", body="Bakhtiari had 49.50%.")

    response = client.get("/search/", {"q": "Bakhtiari"})

    html = response.content.decode()
    results = response.context["results"]
    assert [c.name for c in results.candidates] == ["Liliana Bakhtiari"]
    assert html.index('id="search-candidates"') < html.index('id="search-articles"')
    assert article_titles(response) == ["Bakhtiari leads the count"]


def test_a_candidate_is_found_by_ballot_name_and_bio(client):
    make_candidate(name="Katie Kissell", ballot_name='Katrina "Katie" Kissell', bio="A nurse.")
    make_candidate(name="Doug Williams", bio="A retired nurse and neighbourhood organizer.")

    by_ballot_name = client.get("/search/", {"q": "Katrina"}).context["results"]
    by_bio = client.get("/search/", {"q": "organizer"}).context["results"]

    assert [c.name for c in by_ballot_name.candidates] == ["Katie Kissell"]
    assert [c.name for c in by_bio.candidates] == ["Doug Williams"]


def test_a_candidate_named_by_the_query_comes_before_one_whose_bio_mentions_it(client):
    make_candidate(name="Aaron Mentioned", bio="Endorsed by Doug Williams.")
    make_candidate(name="Doug Williams", bio="A retired nurse.")

    results = client.get("/search/", {"q": "Williams"}).context["results"]

    assert [c.name for c in results.candidates] == ["Doug Williams", "Aaron Mentioned"]


def test_a_renamed_candidate_is_found_by_the_new_name_at_once():
    """On PostgreSQL the stored search document is rewritten by a trigger (migration civicsite
    0005) on every write path: create, save() and a queryset update() that bypasses save().
    (search() directly: update() sends no signal, so the page cache would not be emptied.)"""
    candidate = make_candidate(name="Liliana Bakhtiari", bio="Runs for District 5.")
    assert names_found("Bakhtiari") == ["Liliana Bakhtiari"]

    candidate.name = "Liliana Okafor"
    candidate.save()
    assert names_found("Okafor") == ["Liliana Okafor"]
    assert names_found("Bakhtiari") == []

    Candidate.objects.filter(pk=candidate.pk).update(name="Liliana Mahoney", bio="A nurse.")
    assert names_found("Mahoney") == ["Liliana Mahoney"]
    assert names_found("Okafor") == []
    assert names_found("nurse") == ["Liliana Mahoney"]


@needs_postgres
def test_the_trigger_fills_the_candidate_document_on_bulk_insert_and_update_on_postgresql():
    """bulk_create and update() never call save(): only a database trigger keeps up."""
    (candidate,) = Candidate.objects.bulk_create(
        [Candidate(name="Katie Kissell", slug="katie-kissell", bio="A nurse.")]
    )
    assert "'kissel':2A" in stored_candidate_document(candidate.pk)
    assert "'nurs':" in stored_candidate_document(candidate.pk)

    Candidate.objects.filter(pk=candidate.pk).update(ballot_name='Katrina "Katie" Kissell')
    assert "'katrina':" in stored_candidate_document(candidate.pk)
    Candidate.objects.filter(pk=candidate.pk).update(bio="")
    assert "'nurs':" not in stored_candidate_document(candidate.pk)


def names_found(query):
    return [candidate.name for candidate in search.search(query).candidates]


def stored_candidate_document(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_document::text FROM candidates_candidate WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_races_and_elections_are_found_by_office_and_election_name(client):
    election = make_election(name="Atlanta municipal runoff election")
    office = make_office(name="Atlanta City Council District 5", body="Council", district="5")
    make_race(election=election, office=office)
    make_race(election=make_election(name="County primary"), office=make_office())

    results = client.get("/search/", {"q": "District 5 runoff"}).context["results"]

    assert [race.office.name for race in results.races] == ["Atlanta City Council District 5"]
    elections = client.get("/search/", {"q": "runoff election"}).context["results"].elections
    assert [e.name for e in elections] == ["Atlanta municipal runoff election"]


def test_results_are_paginated_with_page_numbers(client):
    for n in range(search.ARTICLES_PER_PAGE + 5):
        make_article(
            title=f"Turnout report {n}", publish_at=timezone.now() - datetime.timedelta(hours=n)
        )

    first = client.get("/search/", {"q": "turnout"})
    second = client.get("/search/", {"q": "turnout", "page": 2})

    assert len(article_titles(first)) == search.ARTICLES_PER_PAGE
    assert len(article_titles(second)) == 5
    assert set(article_titles(first)).isdisjoint(article_titles(second))
    first_html, second_html = first.content.decode(), second.content.decode()
    assert 'rel="next" href="http://testserver/search/?q=turnout&amp;page=2"' in first_html
    assert 'rel="prev" href="http://testserver/search/?q=turnout"' in second_html
    assert '<a href="?q=turnout&amp;page=2"><span class="visually-hidden">Page' in first_html


def make_turnout_articles(n):
    """``n`` articles about turnout, one hour apart, the newest first."""
    return [
        make_article(
            title=f"Turnout report {i}", publish_at=timezone.now() - datetime.timedelta(hours=i + 1)
        )
        for i in range(n)
    ]


@needs_postgres
def test_a_common_word_gets_a_capped_count_that_says_more_than(client, monkeypatch):
    """On PostgreSQL only the newest MAX_RANKED_ARTICLES matches are ranked and counted."""
    monkeypatch.setattr(search, "MAX_RANKED_ARTICLES", 3)
    make_turnout_articles(5)

    response = client.get("/search/", {"q": "turnout"})

    html = response.content.decode()
    results = response.context["results"]
    assert results.article_count == 3
    assert results.article_count_capped
    assert article_titles(response) == ["Turnout report 0", "Turnout report 1", "Turnout report 2"]
    assert '<span class="meta">(more than 3)</span>' in html
    assert "More than 3 results for “turnout”." in html
    assert "More than 3 articles matched; the best matches among the most recent" in html


@needs_postgres
def test_a_count_at_the_cap_is_exact_on_postgresql(client, monkeypatch):
    monkeypatch.setattr(search, "MAX_RANKED_ARTICLES", 3)
    make_turnout_articles(3)

    response = client.get("/search/", {"q": "turnout"})

    html = response.content.decode()
    assert not response.context["results"].article_count_capped
    assert '<span class="meta">(3)</span>' in html
    assert 'role="status">3 results for “turnout”.' in html
    assert "more than 3" not in html.lower()


@needs_postgres
def test_capped_results_rank_the_newest_matches_title_first_on_postgresql(client, monkeypatch):
    """The newest MAX_RANKED_ARTICLES + 1 matches (the one more tells that there are more)
    are ranked; an older title match is left out."""
    monkeypatch.setattr(search, "MAX_RANKED_ARTICLES", 3)
    make_article(title="Council notes", body="Turnout was high.")  # an hour old
    make_article(
        title="Turnout sets a record",
        body="Lines were long.",
        publish_at=timezone.now() - datetime.timedelta(hours=2),
    )
    make_article(
        title="Older notes",
        body="Turnout was low.",
        publish_at=timezone.now() - datetime.timedelta(hours=3),
    )
    make_article(
        title="Oldest notes",
        body="Turnout was low.",
        publish_at=timezone.now() - datetime.timedelta(hours=4),
    )
    make_article(
        title="Turnout in 2017",  # a title match, but older than the newest four matches
        body="Turnout was average.",
        publish_at=timezone.now() - datetime.timedelta(days=400),
    )

    response = client.get("/search/", {"q": "turnout"})

    assert article_titles(response) == ["Turnout sets a record", "Council notes", "Older notes"]


@needs_postgres
def test_an_article_found_only_by_its_tag_is_counted_with_the_text_matches(client, monkeypatch):
    monkeypatch.setattr(search, "MAX_RANKED_ARTICLES", 3)
    make_turnout_articles(2)
    tagged = make_article(title="A story", body="Nothing about it in the text.")
    tagged.tags.add("Turnout")

    response = client.get("/search/", {"q": "turnout"})

    assert response.context["results"].article_count == 3
    assert not response.context["results"].article_count_capped
    assert article_titles(response)[-1] == "A story"  # no text match: ranked last


def test_without_a_query_the_page_explains_what_can_be_searched(client):
    response = client.get("/search/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "What you can search" in html
    assert '<a href="/search/?q=Bakhtiari">Bakhtiari</a>' in html


def test_no_result_suggests_the_spelling_of_a_close_name(client):
    make_candidate(name="Liliana Bakhtiari")

    response = client.get("/search/", {"q": "Bakhtiarri"})

    html = response.content.decode()
    assert "No articles matched “Bakhtiarri”." in html
    assert 'Did you mean <a href="/search/?q=Bakhtiari">Bakhtiari</a>?' in html
    assert '<a class="search-hit__title" href="/candidates/liliana-bakhtiari/">' in html


def test_no_result_without_a_similar_name_still_helps(client):
    response = client.get("/search/", {"q": "zzzzqx"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing matched “zzzzqx”." in html
    assert "Check the spelling" in html
    assert "Did you mean" not in html


HOSTILE_QUERIES = [
    '"',
    "'",
    '"unbalanced quote',
    "-",
    "- - -",
    "-runoff",
    "|",
    "runoff | recount",
    "&",
    "& & !",
    "!",
    "!!runoff",
    ":*",
    "run:*",
    "(",
    ")(",
    "<->",
    "%",
    "_",
    "%_%",
    "100%",
    "\\",
    "OR",
    "or or or",
    "the",
    "a an the",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "انتخابات المجلس",  # RTL
    "\u202eevil\u202c",
    "🗳️ vote 🗳️",
    "日本語",
    "a" * 200,
    " ".join(["runoff"] * 25),
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_get_an_answer_not_an_error(client, query):
    make_article(title="Runoff recount", body="A runoff and a recount.")
    make_candidate(name="Liliana Bakhtiari")

    response = client.get("/search/", {"q": query})

    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_a_nul_byte_gets_a_400_with_a_message(client):
    response = client.get("/search/", {"q": "run\x00off"})

    assert response.status_code == 400
    assert "Search terms cannot contain null characters." in response.content.decode()


def test_a_10_kb_query_is_searched_cut_to_200_characters_with_a_message(client):
    response = client.get("/search/", {"q": "x" * 10_000})

    assert response.status_code == 200
    assert "only its first 200 were searched" in response.content.decode()
    assert response.context["results"].query == "x" * 200


@pytest.mark.parametrize("page", ["0", "-1", "two", "1.5", "99999999999999999999"])
def test_a_bad_page_number_is_a_404_like_on_every_list(client, page):
    """civicsite/core/pagination.py: a page that does not exist is not found (it was a 400)."""
    response = client.get("/search/", {"q": "runoff", "page": page})

    assert response.status_code == 404


def test_a_page_past_the_end_is_a_404(client):
    """It used to show the last page: a second address for it."""
    make_article(title="Turnout report")

    assert client.get("/search/", {"q": "turnout", "page": 1}).status_code == 200
    assert client.get("/search/", {"q": "turnout", "page": 2}).status_code == 404


def make_searchable_site(n):
    for i in range(n):
        article = make_article(title=f"Runoff report {i}", body="The runoff count went on.")
        article.tags.add("runoff")
        make_candidate(name=f"Runoff Person {i}")
        make_race(
            election=make_election(name=f"Runoff election {i}"),
            office=make_office(name=f"Runoff district {i}"),
        )


@pytest.mark.parametrize("size", [2, 12])
def test_search_results_take_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    """Prevents a query per article (bylines, figures) or per race (guide, election)."""
    make_searchable_site(size)
    # Both: matching tags, bylines, candidates, races, elections, the races' candidacies and
    # reporting units (their state). PostgreSQL: the ranked ids (bounded, so they count too)
    # + the page's articles with their highlights. SQLite: candidate rows, the tagged ids,
    # the page's articles. No close-name query: "runoff" starts the names found.
    expected = 9 if connection.vendor == "postgresql" else 10
    with django_assert_num_queries(expected):
        response = client.get("/search/", {"q": "runoff"})
    assert response.status_code == 200
