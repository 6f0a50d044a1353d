"""Search as voters type (issue 18): the queries voters wrote that found nothing.

"district 5 runoff results", "Bakhtiarí", "Bakhtiary", "run off" and "runo" must find the
District 5 runoff of 2021 and Liliana Bakhtiari (the seeds' names) on both databases, and a
query of any length gets the site's own answer. civicsite/search.py says how.
"""

import datetime

import pytest
from django.utils import timezone

from civicsite import search
from tests.articles.factories import make_article
from tests.candidates.factories import (
    make_candidacy,
    make_candidate,
    make_election,
    make_office,
    make_race,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_5():
    """The seeds' District 5: the 2021 general and its runoff, two candidates, two stories."""
    office = make_office(name="Atlanta City Council District 5", body="Atlanta City Council")
    general = make_race(
        office=office,
        election=make_election(
            name="Atlanta municipal general election", date=datetime.date(2021, 11, 2)
        ),
    )
    runoff = make_race(
        office=office,
        election=make_election(
            name="Atlanta municipal runoff election", date=datetime.date(2021, 11, 30)
        ),
    )
    bakhtiari = make_candidate(name="Liliana Bakhtiari", bio="Led the 2021 field with 49.50%.")
    mahoney = make_candidate(name="Mandy Mahoney", ballot_name='Amanda "Mandy" Mahoney')
    for race in (general, runoff):
        make_candidacy(race, candidate=bakhtiari)
        make_candidacy(race, candidate=mahoney)
    make_article(
        title="District 5 heads to a runoff: Bakhtiari and Mahoney meet Nov. 30",
        dek="",
        body="No one passed 50 percent on Nov. 2, so the top two meet again.",
    )
    make_article(
        title="Archibong keeps District 5 seat by 252 votes",
        dek="",
        body="The incumbent held on in 2017.",
        publish_at=timezone.now() - datetime.timedelta(days=30),
    )
    make_article(title="Turnout in District 3", dek="", body="Lines were short.")
    return {"general": general, "runoff": runoff}


def found(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    results = response.context["results"]
    return {
        "articles": [article.title for article in response.context["page_obj"].object_list],
        "candidates": [candidate.name for candidate in results.candidates],
        "races": [(race.office.name, race.election.name) for race in results.races],
        "did_you_mean": results.did_you_mean,
        "html": response.content.decode(),
    }


RUNOFF_STORY = "District 5 heads to a runoff: Bakhtiari and Mahoney meet Nov. 30"
RUNOFF_RACE = ("Atlanta City Council District 5", "Atlanta municipal runoff election")


@pytest.mark.parametrize(
    "query", ["district 5 runoff results", "District 5 run off", "the district 5 runoff race"]
)
def test_district_5_runoff_results_finds_the_runoff_race_and_its_story(client, district_5, query):
    result = found(client, query)

    assert result["races"] == [RUNOFF_RACE]
    assert result["articles"] == [RUNOFF_STORY]


@pytest.mark.parametrize("query", ["Bakhtiarí", "BAKHTIARI", "bakhtiari", "bakh", "Bakh"])
def test_bakhtiari_is_found_whatever_the_accents_case_or_ending(client, district_5, query):
    result = found(client, query)

    assert result["candidates"] == ["Liliana Bakhtiari"]
    assert result["articles"] == [RUNOFF_STORY]
    assert result["did_you_mean"] == ""


def test_an_accented_name_in_the_database_is_found_without_the_accent(client):
    make_candidate(name="José Núñez", bio="Runs for the Board of Education.")
    make_article(title="Núñez enters the school board race", dek="", body="He filed Monday.")

    assert found(client, "jose nunez")["candidates"] == ["José Núñez"]
    assert found(client, "NUNEZ")["articles"] == ["Núñez enters the school board race"]


@pytest.mark.parametrize("query", ["runo", "run off", "Runoff"])
def test_runo_and_run_off_find_the_runoff(client, district_5, query):
    result = found(client, query)

    assert RUNOFF_STORY in result["articles"]
    assert RUNOFF_RACE in result["races"]


def test_a_word_typed_past_its_stem_still_finds(client):
    """PostgreSQL stores "elect" for "election": "electio" is tried a letter or two shorter."""
    make_article(title="Election day in District 5", dek="", body="Polls open at 7.")

    assert found(client, "electio")["articles"] == ["Election day in District 5"]


def test_bakhtiary_finds_bakhtiari_and_offers_the_right_spelling(client, district_5):
    result = found(client, "Bakhtiary")

    assert result["candidates"] == ["Liliana Bakhtiari"]
    assert result["did_you_mean"] == "Bakhtiari"
    assert 'Did you mean <a href="/search/?q=Bakhtiari">Bakhtiari</a>?' in result["html"]
    assert "Similar name" in result["html"]
    assert found(client, "Bakhtiari")["articles"] == [RUNOFF_STORY]


def test_a_name_spelled_right_is_not_corrected_to_a_longer_one(client):
    make_candidate(name="Doug Williams")
    make_candidate(name="Ann Williamson")

    result = found(client, "Williams")

    assert sorted(result["candidates"]) == ["Ann Williamson", "Doug Williams"]  # both start so
    assert result["did_you_mean"] == ""


def test_the_words_marked_in_a_snippet_keep_their_accents_and_whole_words():
    snippet = search.highlight_snippet(
        "Liliana Bakhtiarí leads the runoffs.", ["bakhtiari", "runo"]
    )

    assert snippet == "Liliana <mark>Bakhtiarí</mark> leads the <mark>runoffs</mark>."


def test_query_words_drop_noise_join_compounds_and_keep_noise_alone():
    assert search.query_terms("District 5 run off RESULTS") == (
        ["district", "5", "runoff"],
        ["results"],
    )
    assert search.query_terms("race results") == (["race", "results"], [])
    assert search.fold("Bakhtiarí ŒUVRE Straße") == "bakhtiari œuvre strasse"


def test_a_5000_character_query_is_cut_to_the_limit_and_the_page_says_so(client, settings):
    settings.SEARCH_QUERY_MAX_LENGTH = 200
    make_article(title="Runoff recount", dek="", body="A runoff and a recount.")

    response = client.get("/search/", {"q": "runoff " + "<b>x</b>" * 700})

    html = response.content.decode()
    assert response.status_code == 200
    assert "only its first 200 were searched" in html
    assert len(response.context["results"].query) <= 200
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


@pytest.mark.parametrize("size", [2, 12])
def test_a_mistyped_name_takes_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    """Prevents a query per candidate while the close names are found and respelled."""
    for n in range(size):
        make_candidate(name=f"Liliana Bakhtiari {n}")
    # Both databases: tags, articles (PostgreSQL: the ranked ids; no page to read), candidates,
    # races, elections, the close names.
    with django_assert_num_queries(6):
        response = client.get("/search/", {"q": "Bakhtiary"})
    assert response.context["results"].did_you_mean == "Bakhtiari"
