"""Embeddable results boxes (candidates/embeds.py): framing only for the editors' allow-list,
light pages that refresh themselves while live, the snippet on the race admin, and the
``[results: race-slug]`` line that places a race's box in an article body."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles.rendering import render_body
from articles.services import article_render
from candidates.embeds import snippet_height
from candidates.models import EmbedOrigin, Race, normalize_origin
from civicsite.core import pagecache
from tests.articles.factories import make_article
from tests.candidates.factories import (
    make_candidacy,
    make_district_5_general,
    make_election,
    make_race,
    make_unit,
    record_votes,
)

pytestmark = pytest.mark.django_db


def embed_url(race):
    return reverse(
        "candidates:embed-race", kwargs={"election_slug": race.election.slug, "slug": race.slug}
    )


def frame_ancestors(response):
    policy = response["Content-Security-Policy"]
    return re.search(r"frame-ancestors ([^;]*)", policy).group(1).split()


def test_only_the_embeds_may_be_framed_and_only_by_listed_active_origins(client):
    race = make_district_5_general()
    EmbedOrigin.objects.create(origin="https://www.partner-news.org", name="Partner News")
    EmbedOrigin.objects.create(origin="https://old-partner.example", name="Old", active=False)

    for url in (embed_url(race), reverse("candidates:embed-election", args=[race.election.slug])):
        response = client.get(url)
        assert response.status_code == 200
        assert frame_ancestors(response) == ["'self'", "https://www.partner-news.org"]
        assert "X-Frame-Options" not in response
        assert "unsafe-inline" not in response["Content-Security-Policy"]

    for url in (race.get_absolute_url(), race.election.get_absolute_url(), reverse("home")):
        response = client.get(url)
        assert frame_ancestors(response) == ["'none'"]
        assert response["X-Frame-Options"] == "DENY"


def test_a_change_to_the_list_applies_at_once_despite_the_page_cache(client):
    race = make_district_5_general()
    assert frame_ancestors(client.get(embed_url(race))) == ["'self'"]
    assert client.get(embed_url(race))["X-Page-Cache"] == "hit"
    partner = EmbedOrigin.objects.create(origin="http://127.0.0.1:8123", name="Test partner")
    response = client.get(embed_url(race))
    assert response["X-Page-Cache"] == "miss"
    assert frame_ancestors(response) == ["'self'", "http://127.0.0.1:8123"]
    partner.active = False
    partner.save()
    assert frame_ancestors(client.get(embed_url(race))) == ["'self'"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("https://www.partner-news.org", "https://www.partner-news.org"),
        ("  HTTPS://Partner-News.ORG/ ", "https://partner-news.org"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
    ],
)
def test_an_origin_is_stored_in_one_form(typed, stored):
    assert normalize_origin(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "partner-news.org",
        "https://partner-news.org/results",
        "https://partner-news.org?x=1",
        "https://*.partner-news.org",
        "https://partner-news.org; script-src *",
        "https://a.org https://b.org",
        "javascript:alert(1)",
        "https://user:pw@partner-news.org",
        "ftp://partner-news.org",
        "https://partner-news.org:99999",
        "https://",
        "'self'",
    ],
)
def test_anything_but_a_bare_origin_is_refused(typed):
    with pytest.raises(ValidationError):
        normalize_origin(typed)
    with pytest.raises(ValidationError):
        EmbedOrigin(origin=typed, name="x").save()


def test_the_admin_form_says_what_an_origin_must_look_like(admin_client):
    url = reverse("admin:candidates_embedorigin_add")
    response = admin_client.post(url, {"origin": "https://x.org/page", "name": "X", "active": "on"})
    assert response.status_code == 200
    assert "no path" in response.context["adminform"].form.errors["origin"][0]
    response = admin_client.post(url, {"origin": "HTTPS://X.org", "name": "X", "active": "on"})
    assert response.status_code == 302
    assert EmbedOrigin.objects.get().origin == "https://x.org"


def test_the_race_box_is_light_links_to_the_top_window_and_refreshes_only_while_live(client):
    race = make_district_5_general()  # final
    html = client.get(embed_url(race)).content.decode()
    assert '<base target="_top">' in html
    assert f'<a href="{race.get_absolute_url()}" target="_top">Full results at civicsite</a>' in (
        html
    )
    assert "site.css" not in html and "masthead" not in html  # no site chrome
    assert "http-equiv" not in html and "live.js" not in html  # final: nothing refreshes
    assert "Advances to runoff" in html and "5,134" in html
    assert len(html.encode()) < 12_000

    Race.objects.filter(pk=race.pk).update(status=Race.Status.COUNTING)
    pagecache.invalidate()
    html = client.get(embed_url(race)).content.decode()
    # Scripts on: the race page's script; scripts off: a meta refresh at the same interval.
    assert '<noscript><meta http-equiv="refresh" content="15"></noscript>' in html
    assert '<script src="/static/candidates/live.js" defer></script>' in html
    assert "data-live-url=" in html


def test_the_election_box_lists_each_race_with_its_summary(client):
    race = make_district_5_general()
    other = make_race(election=race.election, status=Race.Status.COUNTING)
    unit = make_unit(other, precincts_total=4, precincts_reporting=1)
    record_votes(make_candidacy(other, name="Ann Able"), unit, 30)
    html = client.get(reverse("candidates:embed-election", args=[race.election.slug])).content
    html = html.decode()
    assert "Advance to runoff:" in html and "Leading:" in html
    assert html.count('class="embed__race"') == 2
    assert html.count("data-live-url=") == 1  # only the race being counted polls


def race_with(n, election):
    race = make_race(election=election)
    units = [make_unit(race, name, precincts_total=2, precincts_reporting=2) for name in "AB"]
    for i in range(n):
        candidacy = make_candidacy(race, name=f"Runner {race.pk}-{i}")
        for unit in units:
            record_votes(candidacy, unit, 10 + i)
    return race


@pytest.mark.parametrize("size", [5, 50])
def test_the_embeds_take_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    """Prevents an N+1 over candidacies, counties and races. The race box: allow-list, race,
    candidacies with votes and call, counties, vote counts (5). The election box: allow-list,
    election, races, candidacies, counties (5), however many races."""
    election = make_election()
    races = [race_with(5, election) for _ in range(size // 5)]
    with django_assert_num_queries(5):
        assert client.get(embed_url(races[0])).status_code == 200
    pagecache.invalidate()
    with django_assert_num_queries(5):
        client.get(reverse("candidates:embed-election", args=[election.slug]))


def test_the_race_admin_shows_the_snippet_to_copy(admin_client):
    race = make_district_5_general()
    html = admin_client.get(reverse("admin:candidates_race_change", args=[race.pk])).content
    html = html.decode()
    assert "Snippet to copy" in html
    assert (
        f"&lt;iframe src=&quot;http://testserver{embed_url(race)}&quot; "
        "title=&quot;Results: Atlanta City Council District 5&quot;"
    ) in html


# --- [results: race-slug] in an article body -------------------------------------------------


def test_a_results_line_places_the_race_box_in_the_body():
    race = make_district_5_general()
    article = make_article(body=f"Before.\n\n[results: {race.slug}]\n\nAfter.")
    assert article_render(article=article) == []
    html = article.body_html
    assert (
        f'<p class="results-frame"><iframe src="{embed_url(race)}" title="Live results: '
        f'Atlanta City Council District 5, Nov. 2, 2021" width="100%" '
        f'height="{snippet_height(race.candidacies.count())}"'
    ) in html
    assert html.index("Before.") < html.index("<iframe") < html.index("After.")


def test_a_bare_slug_is_the_newest_race_and_an_election_slug_picks_an_older_one():
    old = make_race(election=make_election(date=datetime.date(2017, 11, 7)))
    new = make_race(election=make_election(date=datetime.date(2021, 11, 2)), office=old.office)
    assert old.slug == new.slug
    assert embed_url(new) in render_body(f"[results: {old.slug}]").html
    html = render_body(f"[results: {old.election.slug}/{old.slug}]").html
    assert embed_url(old) in html and embed_url(new) not in html


def test_an_unknown_race_is_reported_and_nothing_is_placed(admin_client):
    rendered = render_body("Intro.\n\n[results: no-such-race]\n\nOutro.")
    assert rendered.unknown == [("results", "no-such-race")]
    assert "iframe" not in rendered.html
    # An election part is for results lines only: a figure key with a slash places nothing.
    assert render_body("[figure: a/b]").unknown == [("figure", "a/b")]


def test_an_iframe_an_editor_writes_is_still_removed():
    race = make_district_5_general()
    forged = render_body(
        f'<iframe src="{embed_url(race)}"></iframe>\n\nresults-box-0000000000000000-0\n'
    ).html
    assert "<iframe" not in forged
    assert "results-box-0000000000000000-0" in forged  # a guessed marker stays plain text
