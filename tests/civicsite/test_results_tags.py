"""New results empty the pages that show the changed races, and only those (core/pagetags.py).

Real pages, real writes: the importer (bulk writes, deletes whose row signals are silenced),
the results grid and a measure import. Every page that shows a changed race must show the new
figure on the next request after the write commits; pages that do not show it stay cached.
"""

import pytest
from django.test import Client
from django.urls import reverse

from candidates.importing import import_results
from candidates.models import Race
from candidates.services import race_save_results
from tests.articles.factories import make_article
from tests.candidates.factories import (
    make_district_5_general,
    make_election,
    make_measure,
    make_office,
    make_race_with_votes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.CACHE_PAGES = True
    settings.CACHE_STALE_SECONDS = 5


def race_urls(race):
    kwargs = {"election_slug": race.election.slug, "slug": race.slug}
    return [
        reverse("candidates:race-detail", kwargs=kwargs),
        reverse("candidates:race-results-json", kwargs=kwargs),
        reverse("candidates:embed-race", kwargs=kwargs),
        reverse("candidates:election-detail", kwargs={"slug": race.election.slug}),
    ]


@pytest.fixture
def night():
    """District 5 (counting), a race of another election, a story with District 5's results
    box, a story with no results, and the lists of races."""
    d5 = make_district_5_general()
    Race.objects.filter(pk=d5.pk).update(status=Race.Status.COUNTING)
    other = make_race_with_votes(
        [("Ada Lovelace", 10), ("Alan Turing", 12)],
        election=make_election(name="2017 general", slug="2017-general"),
        office=make_office(name="School Board Seat 2"),
        status=Race.Status.UNOFFICIAL_FINAL,
    )
    boxed = make_article(title="District 5 counts", slug="district-5-counts")
    boxed.races.add(d5)
    plain = make_article(title="A new library branch", slug="library-branch")
    shows_d5 = [*race_urls(d5), boxed.get_absolute_url(), "/", reverse("search") + "?q=Bacote"]
    elsewhere = [*race_urls(other), plain.get_absolute_url()]
    for url in shows_d5 + elsewhere:
        Client().get(url)
    assert all(Client().get(url)["X-Page-Cache"] == "hit" for url in shows_d5 + elsewhere)
    return d5, shows_d5, elsewhere


def after_change(urls):
    return {url: Client().get(url) for url in urls}


def test_an_import_of_one_race_empties_its_pages_and_keeps_the_others(night):
    d5, shows_d5, elsewhere = night
    import_results(
        f"county,office,candidate,votes\nFulton,{d5.office.name},Samuel Bacote,99999\n",
        election=d5.election,
    )
    for url, response in after_change(shows_d5).items():
        assert response["X-Page-Cache"] == "miss", url
        if "search" not in url:
            assert "100,599" in response.content.decode() or b"100599" in response.content, url
    for url, response in after_change(elsewhere).items():
        assert response["X-Page-Cache"] == "hit", url


def test_an_import_that_adds_a_candidate_empties_every_page(night):
    d5, _, elsewhere = night
    import_results(
        f"county,office,candidate,votes\nFulton,{d5.office.name},Write In Hopeful,3\n",
        election=d5.election,
        create=True,
    )
    for url, response in after_change(elsewhere).items():
        assert response["X-Page-Cache"] == "miss", url


def test_a_results_grid_save_empties_the_race_pages_and_keeps_the_others(night):
    d5, shows_d5, elsewhere = night
    candidacy = d5.candidacies.get(candidate__name="Samuel Bacote")
    units = list(d5.reporting_units.order_by("name"))
    race_save_results(
        race=d5,
        votes={(candidacy, unit): 50000 for unit in units},
        reporting={unit: unit.precincts_reporting for unit in units},
        status=d5.status,
    )
    for url, response in after_change(shows_d5[:4]).items():
        assert "100,000" in response.content.decode() or b"100000" in response.content, url
    for url, response in after_change(elsewhere).items():
        assert response["X-Page-Cache"] == "hit", url


def test_a_measure_import_empties_the_measure_page_and_keeps_the_races(night):
    d5, _, elsewhere = night
    measure = make_measure(counts=[("Fulton", 10, 20)], election=d5.election, title="Parks bond")
    url = reverse(
        "candidates:measure-detail",
        kwargs={"election_slug": measure.election.slug, "slug": measure.slug},
    )
    Client().get(url)
    Client().get(elsewhere[0])
    import_results(
        "county,office,candidate,votes\nFulton,Parks bond,Yes,4321\nFulton,Parks bond,No,20\n",
        election=d5.election,
    )
    response = Client().get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "4,321" in response.content.decode()
    assert Client().get(elsewhere[0])["X-Page-Cache"] == "hit"


def test_a_page_showing_a_counting_race_is_kept_seconds_and_a_finished_one_longer(night, settings):
    d5, shows_d5, elsewhere = night
    settings.RESULTS_LIVE_MAX_AGE = 10
    for url in (shows_d5[0], shows_d5[4], "/"):  # the race page, the story with its box, home
        control = Client().get(url)["Cache-Control"]
        assert "max-age=10" in control and "stale-while-revalidate=5" in control, url
    control = Client().get(elsewhere[0])["Cache-Control"]
    assert f"max-age={settings.CACHE_MAX_AGE}" in control
