"""A stored page's key holds only the query parameters its view reads (civicsite/core/pagekeys.py).

A link from a social post carries ``?fbclid=`` (a new value per click); a newsletter link
``?utm_source=``. Neither may cost a render. Parameters a view reads (``?page=``, ``?q=``,
``?replyto=``) still make pages of their own.
"""

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import path, reverse

from civicsite.core import pagekeys
from tests.articles.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.CACHE_PAGES = True


def get(url):
    return Client().get(url)


def test_tracking_parameters_never_make_a_new_stored_page():
    url = make_article(title="Runoff set for District 5").get_absolute_url()
    first = get(url)
    assert first["X-Page-Cache"] == "miss"
    for query in ("?fbclid=IwAR0abc", "?utm_source=newsletter&utm_medium=email", "?gclid=x&_ga=1"):
        response = get(url + query)
        assert response["X-Page-Cache"] == "hit", query
        assert response.content == first.content


def test_a_parameter_the_view_never_reads_is_one_render_then_hits_whatever_its_value():
    url = make_article(title="Polls close at 7").get_absolute_url()
    get(url)
    assert get(url + "?from=homepage")["X-Page-Cache"] == "miss"  # learns what the view reads
    assert get(url + "?from=sidebar")["X-Page-Cache"] == "hit"
    assert get(url + "?x=1&from=elsewhere")["X-Page-Cache"] == "hit"


def test_parameters_the_view_reads_keep_pages_of_their_own():
    for number in range(25):
        make_article(title=f"Story number {number}", slug=f"story-{number}")
    url = reverse("articles:index")
    page_one, page_two = get(url), get(url + "?page=2")
    assert page_two["X-Page-Cache"] == "miss"
    assert page_two.content != page_one.content
    again = get(url + "?page=2&utm_campaign=night")
    assert again["X-Page-Cache"] == "hit"
    assert again.content == page_two.content
    assert get(url + "?page=1")["X-Page-Cache"] == "miss"


def test_search_pages_differ_by_query_and_ignore_tracking():
    make_article(title="Turnout in Fulton", slug="turnout-fulton")
    make_article(title="Turnout in DeKalb", slug="turnout-dekalb")
    url = reverse("search")
    fulton = get(url + "?q=Fulton")
    dekalb = get(url + "?q=DeKalb")
    assert dekalb["X-Page-Cache"] == "miss"
    assert "Turnout in Fulton" in fulton.content.decode()
    assert "Turnout in Fulton" not in dekalb.content.decode()
    assert get(url + "?q=DeKalb&fbclid=1").content == dekalb.content


def test_a_repeated_parameter_keeps_its_order():
    request = RequestFactory().get("/x/?page=2&page=1&a=1")
    assert pagekeys.meaningful_parameters(request) == [("a", "1"), ("page", "2"), ("page", "1")]
    other = RequestFactory().get("/x/?page=1&page=2")
    assert pagekeys.page_key(request, [("page", "2"), ("page", "1")]) != pagekeys.page_key(
        other, pagekeys.meaningful_parameters(other)
    )


def test_reading_the_whole_query_makes_every_parameter_part_of_the_key():
    recorder = pagekeys.ReadRecorder(RequestFactory().get("/x/?a=1&b=2").GET)
    recorder.get("a")
    assert recorder.read() == {"a"}
    recorder.urlencode()
    assert recorder.read() == pagekeys.EVERY_PARAMETER


def echo_query(request):
    # A view that prints its whole query: every parameter must be part of the key.
    return HttpResponse(", ".join(f"{name}={value}" for name, value in request.GET.items()))


urlpatterns = [path("echo/", echo_query)]


def test_a_view_that_reads_the_whole_query_is_never_served_another_querys_page(settings):
    settings.ROOT_URLCONF = __name__
    assert get("/echo/?a=1").content == b"a=1"
    assert get("/echo/?a=2").content == b"a=2"
    assert get("/echo/?a=2")["X-Page-Cache"] == "hit"
    # Tracking parameters are still left out of the key (the view would print them).
    assert get("/echo/?a=2&utm_source=x").content == b"a=2"


@pytest.mark.parametrize(
    ("name", "tracking"),
    [("utm_source", True), ("UTM_Medium", True), ("fbclid", True), ("page", False), ("q", False)],
)
def test_which_parameters_count_as_tracking(name, tracking):
    assert pagekeys.is_tracking(name) is tracking


def test_no_stored_page_prints_a_query_its_view_did_not_read():
    article = make_article(title="Early voting opens", slug="early-voting-opens")
    pages = [reverse("home"), reverse("search"), article.get_absolute_url()]
    pages += [reverse("articles:index"), reverse("candidates:election-list")]
    for url in pages:
        body = get(url + "?from=homepage&fbclid=abc").content.decode()
        assert "from=homepage" not in body, url
        assert "fbclid" not in body, url
