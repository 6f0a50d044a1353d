"""Tags: a results write empties only the pages that show what it changed (core/pagetags.py).

The views here are the smallest pages that say what they show; the real pages record their tags
through candidates/results.py and are tested with real imports in tests/candidates/.
"""

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import include, path

from civicsite.core import pagecache, pagekeys, pagetags
from tests.articles.factories import make_article

pytestmark = pytest.mark.django_db

figures = {"race:1": "100", "race:2": "200"}


def race_page(request, number):
    tag = f"race:{number}"
    pagetags.shows(tag)
    return HttpResponse(f"<p>{figures[tag]} votes</p>")


def race_changed_mid_render(request):
    # The figures are read first; then a change commits; then the page says what it shows.
    body = f"<p>{figures['race:1']} votes</p>"
    if request.GET.get("change") == "1":
        pagetags.invalidate_tags("race:1")
    pagetags.shows("race:1")
    return HttpResponse(body)


def plain_page(request):
    return HttpResponse("<p>About the newsroom</p>")


urlpatterns = [
    path("races/<int:number>/", race_page),
    path("mid-render/", race_changed_mid_render),
    path("about/", plain_page),
    path("", include("civicsite.urls")),
]


@pytest.fixture(autouse=True)
def _pages(settings):
    settings.CACHE_PAGES = True
    settings.CACHE_STALE_SECONDS = 5
    settings.ROOT_URLCONF = __name__
    yield
    figures.update({"race:1": "100", "race:2": "200"})


def get(url):
    return Client().get(url)


def state(url):
    return get(url)["X-Page-Cache"]


def test_new_figures_for_one_race_empty_its_pages_only():
    for url in ("/races/1/", "/races/2/", "/about/"):
        get(url)
    figures["race:1"] = "150"
    pagetags.invalidate_tags("race:1")
    response = get("/races/1/")
    assert response["X-Page-Cache"] == "miss"
    assert b"150 votes" in response.content
    assert state("/races/2/") == "hit"
    assert state("/about/") == "hit"


def test_emptying_everything_still_empties_tagged_pages():
    get("/races/1/")
    pagecache.invalidate()
    assert state("/races/1/") == "miss"


@pytest.mark.django_db(transaction=True)  # a change that really commits
def test_a_change_that_commits_while_a_page_renders_is_never_hidden_by_it():
    assert state("/mid-render/?change=1") == "miss"
    # Stored, but from figures older than the change: the next reader gets a new render.
    assert state("/mid-render/?change=1") == "miss"
    assert state("/mid-render/") == "miss"
    assert state("/mid-render/") == "hit"


def test_a_write_covered_by_tags_does_not_empty_the_whole_cache():
    article = make_article(title="Counting continues", slug="counting-continues")
    get("/about/")
    get("/races/1/")
    with pagetags.changing("race:1"):
        article.title = "A save inside a results write"
        article.save()  # its signal would empty everything; the write says what it changed
    assert state("/about/") == "hit"
    assert state("/races/1/") == "miss"


def someone_is_rendering(url):
    request = RequestFactory().get(url)
    pagecache.cache.add(pagecache.render_lock(pagekeys.page_key(request)), 1)


def test_while_one_request_renders_a_tagged_page_the_others_get_its_last_copy():
    first = get("/races/1/")
    figures["race:1"] = "150"
    pagetags.invalidate_tags("race:1")
    someone_is_rendering("/races/1/")
    response = get("/races/1/")
    assert response["X-Page-Cache"] == "stale"
    assert response.content == first.content


def test_a_tagged_page_two_changes_old_is_never_served():
    get("/races/1/")
    pagetags.invalidate_tags("race:1")
    pagetags.invalidate_tags("race:1")
    someone_is_rendering("/races/1/")
    assert state("/races/1/") == "miss"


@pytest.mark.django_db(transaction=True)
def test_a_transaction_bumps_its_tags_at_commit_naming_the_versions_before_it():
    first = get("/races/1/")
    before = pagetags.versions({"race:1"}).get("race:1")
    with transaction.atomic():
        pagetags.invalidate_tags("race:1")
        pagetags.invalidate_tags("race:1", "race:2")
    after = pagetags.versions({"race:1", "race:2"})
    assert after["race:1"].previous == (before.stamp if before else 0.0)
    assert after["race:2"].previous == 0.0
    someone_is_rendering("/races/1/")
    response = get("/races/1/")
    assert response["X-Page-Cache"] == "stale"
    assert response.content == first.content


def test_stamps_only_grow():
    stamps = [pagetags._tick() for _ in range(5)]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps) or not pagetags.counts_in_redis()


def test_a_tick_that_redis_does_not_answer_is_still_later_than_every_stamp(monkeypatch):
    if not pagetags.counts_in_redis():
        pytest.skip("stamps are the clock's without Redis (REDIS_URL=redis://...)")
    page = pagetags.stamp_from(pagecache.cache.get_many([pagetags.CLOCK_KEY]))
    store = pagetags.shared()
    # What the resilient cache gives when Redis times out (civicsite/core/redis_cache.py).
    monkeypatch.setattr(type(store), "incr", lambda self, key, delta=1, version=None: delta)
    assert pagetags._tick() > page
