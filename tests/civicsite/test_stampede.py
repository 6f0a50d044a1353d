"""No stampede: after a change one request renders a popular page, the others get its last copy.

When results change, every reader of the race page asks for it within the same second. The page
cache lets one request render it again (it takes the page's render turn, ``render_lock``) while
the others get the copy of the generation just replaced, for CACHE_STALE_SECONDS at most, with an
honest ``Age``; a render that fails keeps that copy. "Another request is rendering" is set up here
the way such a request leaves it: by holding the turn in the cache.
"""

import datetime

import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import path

from candidates.importing import import_results
from civicsite.core import pagecache, pagekeys
from tests.articles.factories import make_article
from tests.candidates.factories import make_district_5_general

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 3, 23, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.CACHE_PAGES = True
    settings.CACHE_STALE_SECONDS = 5


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def get(url):
    return Client().get(url)


def someone_is_rendering(url):
    """Hold the page's render turn, as a request rendering it at this moment does."""
    request = RequestFactory().get(url)
    pagecache.cache.add(pagecache.render_lock(pagekeys.page_key(request)), 1)


def test_while_one_request_renders_the_others_get_the_last_copy_with_its_age(clock):
    article = make_article(title="Polls close at 7", slug="polls-close")
    url = article.get_absolute_url()
    first = get(url)
    clock.shift(30)
    article.title = "Polls have closed"
    article.save()
    someone_is_rendering(url)
    clock.shift(2)
    response = get(url)
    assert response["X-Page-Cache"] == "stale"
    assert response.content == first.content
    assert response["Age"] == "32"


def test_the_last_copy_is_served_a_few_seconds_at_most(clock):
    article = make_article(title="Polls close at 7", slug="polls-close")
    url = article.get_absolute_url()
    get(url)
    article.title = "Polls have closed"
    article.save()
    someone_is_rendering(url)
    clock.shift(6)
    response = get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "Polls have closed" in response.content.decode()


@pytest.mark.django_db(transaction=True)  # a change that really commits
def test_the_request_that_takes_the_turn_renders_the_new_figures(clock):
    race = make_district_5_general()
    url = race.get_absolute_url()
    get(url)
    office = race.office.name
    import_results(
        f"county,office,candidate,votes\nFulton,{office},Samuel Bacote,99999\n",
        election=race.election,
    )
    clock.shift(1)  # a request after the import (the frozen clock would give it its stamp)
    response = get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "100,599" in response.content.decode()
    assert get(url)["X-Page-Cache"] == "hit"


@pytest.mark.django_db(transaction=True)
def test_a_page_two_changes_old_is_never_served(clock):
    article = make_article(title="First version", slug="versions")
    url = article.get_absolute_url()
    get(url)
    for title in ("Second version", "Third version"):
        article.title = title
        article.save()
    someone_is_rendering(url)
    response = get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "Third version" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_import_of_many_rows_leaves_other_pages_alone_and_keeps_the_last_copy(clock):
    race = make_district_5_general()
    url = race.get_absolute_url()
    first = get(url)
    before = pagecache.current_generation()
    office = race.office.name
    rows = "".join(
        f"{county},{office},{name},{votes}\n"
        for county in ("Fulton", "DeKalb")
        for name, votes in (("Samuel Bacote", 700), ("Liliana Bakhtiari", 800))
    )
    import_results("county,office,candidate,votes\n" + rows, election=race.election)
    # New figures only: the race's pages go stale through its tag, and the deletes' row
    # signals (one per row) no longer empty the whole cache.
    assert pagecache.current_generation() == before
    someone_is_rendering(url)
    response = get(url)
    assert response["X-Page-Cache"] == "stale"
    assert response.content == first.content


render_fails = {"now": False}


def flaky_page(request):
    if render_fails["now"]:
        raise RuntimeError("the database went away mid-render")
    return HttpResponse("<p>Counting continues</p>")


urlpatterns = [path("flaky/", flaky_page)]


def test_a_render_that_fails_keeps_the_previous_copy(clock, settings):
    settings.ROOT_URLCONF = __name__
    assert get("/flaky/")["X-Page-Cache"] == "miss"
    pagecache.invalidate()
    render_fails["now"] = True
    try:
        client = Client(raise_request_exception=False)
        response = client.get("/flaky/")
    finally:
        render_fails["now"] = False
    assert response.status_code == 200
    assert response["X-Page-Cache"] == "stale"
    assert response.content == b"<p>Counting continues</p>"


def test_hits_say_their_age():
    url = make_article(title="Age check", slug="age-check").get_absolute_url()
    get(url)
    response = get(url)
    assert response["X-Page-Cache"] == "hit"
    assert int(response["Age"]) >= 0
