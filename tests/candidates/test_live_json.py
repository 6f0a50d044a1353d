"""Pages that update themselves (candidates/race_data.py, candidates/static/candidates/live.js):
the race JSON they fetch, the interval the server sets, short cache lifetimes while a race is
counted, conditional requests, the marks the script reads, and the page weight of both."""

import gzip
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from candidates.models import Race
from civicsite.core import pagecache
from tests.candidates.factories import make_district_5_general, make_unit

pytestmark = pytest.mark.django_db

SCRIPT = Path(settings.BASE_DIR) / "candidates" / "static" / "candidates" / "live.js"


def json_url(race):
    return reverse(
        "candidates:race-results-json",
        kwargs={"election_slug": race.election.slug, "slug": race.slug},
    )


def counting(race):
    Race.objects.filter(pk=race.pk).update(status=Race.Status.COUNTING)
    pagecache.invalidate()
    race.refresh_from_db()
    return race


def max_age(response):
    return int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1))


def test_the_json_keeps_its_fields_and_adds_what_live_pages_need(client, settings):
    settings.RESULTS_REFRESH_SECONDS = 15
    race = counting(make_district_5_general())
    data = client.get(json_url(race)).json()
    # The fields other newsrooms already read are all still there.
    for name in (
        "race", "office", "election", "status", "updated_at", "source", "source_url", "total",
        "counties_on_file", "counties_expected", "majority_needed", "totals_on_file",
        "reported_margin", "precincts_reporting", "precincts_total", "candidacies", "units",
    ):  # fmt: skip
        assert name in data, name
    assert data["candidacies"][0]["votes"] == 5134 and data["candidacies"][0]["share"] == "49.50"
    assert data["state"] == "counting"
    assert data["refresh"] == 15
    assert data["display"]["summary_label"] == "Leading:"
    assert data["display"]["summary"] == "Liliana Bakhtiari, 49.50%, by 3,240 votes"
    assert data["display"]["precincts"] == "14 of 14 precincts"
    assert data["display"]["announce"] == (
        "Atlanta City Council District 5: Leading: Liliana Bakhtiari, 49.50%, by 3,240 votes. "
        "14 of 14 precincts reporting."
    )
    assert {unit["name"]: unit["precincts"] for unit in data["units"]} == {
        "DeKalb": "6 of 6 precincts",
        "Fulton": "8 of 8 precincts",
    }


def test_a_final_race_is_not_polled_and_keeps_the_usual_cache_lifetime(client, settings):
    race = make_district_5_general()  # unofficial final
    response = client.get(json_url(race))
    assert response.json()["refresh"] is None
    assert max_age(response) == settings.CACHE_MAX_AGE
    html = client.get(race.get_absolute_url()).content.decode()
    assert "data-live-url" not in html and "live.js" not in html
    assert "aria-live" not in html


@pytest.mark.parametrize("page", ["race", "json", "election", "home", "embed"])
def test_live_pages_are_kept_only_a_few_seconds_by_caches(client, settings, page):
    settings.RESULTS_LIVE_MAX_AGE = 10
    race = counting(make_district_5_general())
    url = {
        "race": race.get_absolute_url(),
        "json": json_url(race),
        "election": race.election.get_absolute_url(),
        "home": reverse("home"),
        "embed": reverse(
            "candidates:embed-race",
            kwargs={"election_slug": race.election.slug, "slug": race.slug},
        ),
    }[page]
    response = client.get(url)
    assert response.status_code == 200
    assert max_age(response) == 10
    assert "public" in response["Cache-Control"]
    # The page cache stores it with the same header (a hit is as short-lived).
    again = client.get(url)
    assert again["X-Page-Cache"] == "hit" and max_age(again) == 10


def test_a_poll_with_the_same_etag_gets_a_304(client):
    race = counting(make_district_5_general())
    first = client.get(json_url(race))
    etag = first["ETag"]
    assert etag
    unchanged = client.get(json_url(race), HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b""

    race.reporting_units.filter(name="Fulton").update(precincts_reporting=7)
    pagecache.invalidate()  # what the importer does after its bulk writes
    changed = client.get(json_url(race), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json()["display"]["precincts"] == "13 of 14 precincts"


def test_the_race_page_marks_its_figures_for_the_script_and_loads_it_as_a_file(client):
    race = counting(make_district_5_general())
    response = client.get(race.get_absolute_url())
    html = response.content.decode()
    data = client.get(json_url(race)).json()
    assert f'data-live-url="{json_url(race)}"' in html
    assert f'data-live-layout="{data["layout"]}"' in html
    assert 'data-live-refresh="15"' in html
    assert html.count('aria-live="polite"') == 1
    assert '<script src="/static/candidates/live.js" defer></script>' in html
    # Every row, cell and sentence the JSON updates is marked.
    for candidacy in data["candidacies"]:
        assert f'data-live-row="{candidacy["slug"]}"' in html
    for unit in data["units"]:
        assert f'data-live-unit="{unit["id"]}:precincts"' in html
        assert f'data-live-cell="liliana-bakhtiari:{unit["id"]}"' in html
    for key in ("status", "precincts", "threshold", "standing", "call", "guard", "total"):
        assert f'data-live-text="{key}"' in html, key
    # No inline script anywhere, and the policy allows none.
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)", html)
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_the_layout_key_changes_when_the_markup_cannot_hold_the_figures(client):
    race = counting(make_district_5_general())
    before = client.get(json_url(race)).json()["layout"]
    make_unit(race, "Clayton", precincts_total=3, precincts_reporting=0)
    assert client.get(json_url(race)).json()["layout"] != before


def test_with_scripts_off_the_page_reads_the_same_with_its_time(client):
    race = counting(make_district_5_general())
    Race.objects.filter(pk=race.pk).update(
        results_updated_at="2021-11-03T01:42:00+00:00", status=Race.Status.COUNTING
    )
    pagecache.invalidate()
    html = client.get(race.get_absolute_url()).content.decode()
    assert "Nov. 2, 2021, 9:42 p.m. EDT" in html  # the "as of" time of the whole race
    assert "Bakhtiari has 5,134 and needs 52 more votes for a majority." in html


def test_page_weight_of_the_script_and_of_one_race_json(client, capsys):
    """The issue's budget: the script under 4 KB gzipped, one race's JSON under 5 KB."""
    race = counting(make_district_5_general())
    body = client.get(json_url(race)).content
    script = SCRIPT.read_bytes()
    figures = {
        "live.js": (len(script), len(gzip.compress(script, 9))),
        "race JSON (District 5, 5 candidates, 2 counties)": (len(body), len(gzip.compress(body))),
    }
    with capsys.disabled():
        for name, (raw, packed) in figures.items():
            print(f"\npage weight: {name}: {raw:,} bytes, {packed:,} gzipped")
    assert figures["live.js"][1] < 4096
    assert figures["race JSON (District 5, 5 candidates, 2 counties)"][1] < 5120
    assert json.loads(body)["race"]["slug"] == race.slug
