"""The results desk's admin (issue 18): races named by office, election and year in every
picker, and the results grid's totals, threshold sentence, confirmation step and "mark final".

Names and figures are invented for these tests."""

import datetime
import re

import pytest
from django.urls import reverse

from articles.events.admin import EventAdmin
from articles.events.models import Event
from articles.forms import ArticleAdminForm
from candidates.models import Race, VoteCount
from tests.articles.factories import make_article
from tests.articles.test_events import make_event
from tests.candidates.factories import (
    make_candidacy,
    make_election,
    make_office,
    make_race,
    make_unit,
)

pytestmark = pytest.mark.django_db


# --- Readable race names ------------------------------------------------------------------------


@pytest.fixture
def three_district_5_races():
    """The same seat in 2013, 2017 and 2021: one slug, three races."""
    office = make_office(name="Springfield City Council District 5")
    return [
        make_race(
            office=office,
            election=make_election(
                name="Springfield municipal general election", date=datetime.date(year, 11, 7)
            ),
        )
        for year in (2013, 2017, 2021)
    ]


def autocomplete(client, term="District 5", field="runoff_of", model="race"):
    return client.get(
        reverse("admin:autocomplete"),
        {"term": term, "app_label": "candidates", "model_name": model, "field_name": field},
    )


@pytest.mark.parametrize("extra", [0, 6])
def test_race_autocomplete_names_office_election_and_year_in_a_fixed_query_count(
    admin_client, three_district_5_races, django_assert_num_queries, extra
):
    """The label reads the office and the election from the search's own join: no query per
    race (a __str__ following relations would cost two per row)."""
    for _ in range(extra):
        make_race(office=make_office(name="Springfield City Council District 5 (at large)"))
    autocomplete(admin_client)
    with django_assert_num_queries(4):
        results = autocomplete(admin_client).json()["results"]
    texts = [result["text"] for result in results]
    assert len({race.slug for race in three_district_5_races}) == 1
    for year in (2013, 2017, 2021):
        assert (
            "Springfield City Council District 5 — Springfield municipal general election "
            f"(Nov. 7, {year})"
        ) in texts


def test_every_race_picker_shows_the_readable_name(admin_client, three_district_5_races):
    race_2013, race_2017, race_2021 = three_district_5_races
    race_2021.runoff_of = race_2017
    race_2021.save()
    label = "Springfield City Council District 5 — Springfield municipal general election"

    # A race's own page: the runoff picker, the breadcrumbs and the title.
    page = admin_client.get(reverse("admin:candidates_race_change", args=[race_2021.pk]))
    html = page.content.decode()
    assert f'<option value="{race_2017.pk}" selected>{label} (Nov. 7, 2017)</option>' in html
    assert f"&rsaquo; {label} (Nov. 7, 2021)" in html
    assert race_2021.slug not in re.search(r"<title>(.*?)</title>", html, re.S)[1]

    # A voter guide's race, an article's races, an event's races and its filter.
    guide_add = admin_client.get(reverse("admin:candidates_questionnaire_add")).content.decode()
    assert 'id="id_race"' in guide_add
    article = make_article(slug="three-races")
    article.races.set([race_2013])
    form_html = str(ArticleAdminForm(instance=article)["races"])
    assert f"{label} (Nov. 7, 2013)" in form_html
    event = make_event(races=[race_2017])
    event_page = admin_client.get(reverse("admin:articles_event_change", args=[event.pk]))
    assert f"{label} (Nov. 7, 2017)" in event_page.content.decode()
    changelist = admin_client.get(reverse("admin:articles_event_changelist")).content.decode()
    assert f"{label} (Nov. 7, 2017)" in changelist  # the race filter
    assert ("races", EventAdmin.list_filter[-1][1]) == EventAdmin.list_filter[-1]
    assert Event.objects.count() == 1

    # The race list names the race, not its slug.
    races = admin_client.get(reverse("admin:candidates_race_changelist")).content.decode()
    assert "Springfield City Council District 5</a>" in races


# --- The results grid ---------------------------------------------------------------------------


@pytest.fixture
def race():
    """A majority race in two counties, counting: Able 500 + 300, Baker 450 + 250."""
    race = make_race(
        office=make_office(name="Springfield Mayor"),
        status=Race.Status.COUNTING,
        expected_units=2,
    )
    make_unit(race, "Fulton", precincts_total=8, precincts_reporting=3)
    make_unit(race, "DeKalb", precincts_total=6, precincts_reporting=2)
    make_candidacy(race, name="Ann Able", ballot_order=1)
    make_candidacy(race, name="Bo Baker", ballot_order=2)
    return race


def grid_url(race, suffix=""):
    return reverse("admin:candidates_race_results", args=[race.pk]) + suffix


def grid(race, votes, *, reporting=(3, 2), status="counting", **buttons):
    """The grid's POST: ``votes`` is {(candidate name, county): count}."""
    units = {unit.name: unit for unit in race.reporting_units.order_by("name")}
    data = {"status": status, **buttons}
    for candidacy in race.candidacies.select_related("candidate"):
        for unit in units.values():
            data[f"votes_{candidacy.pk}_{unit.pk}"] = votes.get(
                (candidacy.candidate.name, unit.name), ""
            )
    for unit, value in zip((units["Fulton"], units["DeKalb"]), reporting, strict=True):
        data[f"reporting_{unit.pk}"] = value
    return data


VOTES = {
    ("Ann Able", "Fulton"): 500,
    ("Ann Able", "DeKalb"): 300,
    ("Bo Baker", "Fulton"): 450,
    ("Bo Baker", "DeKalb"): 250,
}


def test_the_grid_shows_row_county_and_grand_totals(admin_client, race):
    admin_client.post(grid_url(race), grid(race, VOTES, _publish="1"))
    html = admin_client.get(grid_url(race)).content.decode()
    assert re.search(r"data-row-total>800<", html)  # Able
    assert re.search(r"data-row-total>700<", html)  # Baker
    column_totals = re.findall(r'data-column-total="\d">([\d,]+)<', html)
    assert sorted(column_totals) == ["550", "950"]  # DeKalb, Fulton
    assert re.search(r"data-grand-total>1,500<", html)
    assert "results-grid.js" in html


def test_checking_totals_shows_the_threshold_sentence_and_saves_nothing(admin_client, race):
    response = admin_client.post(grid_url(race), grid(race, VOTES, _check="1"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "A majority of the 1,500 votes counted so far is 751" in html
    assert "Able has 800, 49 to spare." in html
    assert not VoteCount.objects.exists()


def test_the_script_s_check_answers_the_threshold_sentence_without_writing(admin_client, race):
    answer = admin_client.post(grid_url(race, "check/"), grid(race, VOTES)).json()
    assert "A majority of the 1,500 votes counted so far is 751" in answer["table"]
    assert answer["final_ready"] is False
    assert answer["errors"] == []
    bad = admin_client.post(grid_url(race, "check/"), grid(race, {("Ann Able", "Fulton"): -1}))
    assert bad.json()["errors"] == ["Enter 0 or more; counts cannot be negative."]
    assert admin_client.get(grid_url(race, "check/")).status_code == 405
    assert not VoteCount.objects.exists()


def test_publishing_asks_to_confirm_on_its_own_page_first(admin_client, race):
    response = admin_client.post(grid_url(race), grid(race, VOTES))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Publish these figures" in html
    assert "What changes" in html
    assert "Votes for Ann Able in Fulton" in html and ">500<" in html
    assert "A majority of the 1,500 votes counted so far is 751" in html
    assert not VoteCount.objects.exists()  # nothing until confirmed

    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    hidden.pop("csrfmiddlewaretoken", None)
    confirmed = admin_client.post(grid_url(race), {**hidden, "_publish": "1"})
    assert confirmed.status_code == 302
    assert VoteCount.objects.count() == 4


def test_mark_final_is_offered_once_every_precinct_is_in_and_goes_through_confirmation(
    admin_client, race
):
    admin_client.post(grid_url(race), grid(race, VOTES, _publish="1"))
    assert 'id="results-mark-final" hidden' in admin_client.get(grid_url(race)).content.decode()
    check = admin_client.post(grid_url(race, "check/"), grid(race, VOTES, reporting=(8, 6)))
    assert check.json()["final_ready"] is True
    admin_client.post(grid_url(race), grid(race, VOTES, reporting=(8, 6), _publish="1"))
    html = admin_client.get(grid_url(race)).content.decode()
    assert 'id="results-mark-final" hidden' not in html
    assert "Every precinct of every county is in" in html

    confirm = admin_client.post(
        grid_url(race), grid(race, VOTES, reporting=(8, 6), _mark_final="1")
    )
    page = confirm.content.decode()
    assert "Unofficial final" in page
    assert 'name="status" value="unofficial_final"' in page
    race.refresh_from_db()
    assert race.status == Race.Status.COUNTING  # still only asked
    admin_client.post(
        grid_url(race), grid(race, VOTES, reporting=(8, 6), status="unofficial_final", _publish="1")
    )
    race.refresh_from_db()
    assert race.status == Race.Status.UNOFFICIAL_FINAL


def test_mark_final_with_precincts_missing_is_refused_by_the_server(admin_client, race):
    response = admin_client.post(
        grid_url(race), grid(race, VOTES, reporting=(8, ""), _mark_final="1")
    )
    assert "Publish these figures" not in response.content.decode()
    race.refresh_from_db()
    assert race.status == Race.Status.COUNTING
