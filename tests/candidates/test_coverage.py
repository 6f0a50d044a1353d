"""Coverage: a race loaded from part of its area never shows a winner, says so, and cannot be
marked final (candidates/results.py, Coverage)."""

import datetime
from pathlib import Path

import pytest
from django.urls import reverse

from candidates.forms import ResultsGridForm
from candidates.importing import ImportFailed, import_results
from candidates.models import Election, Race
from candidates.queries import race_page
from candidates.results import PENDING, RUNOFF, WON, race_results
from tests.candidates.factories import make_district_5_general, make_office, make_race, make_unit

pytestmark = pytest.mark.django_db

CLARITY = Path(__file__).parent / "data" / "clarity"


@pytest.fixture
def partial_race():
    """District 5 as final with both its counties on file, told it has three."""
    race = make_district_5_general()
    race.expected_units = 3
    race.save()
    return race


def page_of(race):
    return race_page(Race.objects.with_results().get(pk=race.pk))


def test_a_final_race_missing_an_expected_county_shows_no_outcome(partial_race):
    results = page_of(partial_race).results

    assert (results.coverage.on_file, results.coverage.expected) == (2, 3)
    assert {row.outcome for row in results.rows} == {PENDING}


def test_the_same_race_with_every_county_on_file_is_decided(partial_race):
    partial_race.expected_units = 2
    partial_race.save()

    # 2021: nobody had a majority, so the top two advance.
    assert RUNOFF in {row.outcome for row in page_of(partial_race).results.rows}


def test_the_race_page_and_json_say_the_race_is_only_part_of_its_area(client, partial_race):
    html = client.get(partial_race.get_absolute_url()).content.decode()
    assert "Results for 2 of 3 counties; the result for the whole race is not on file here." in (
        html
    )
    assert "outcome--won" not in html

    url = reverse(
        "candidates:race-results-json", args=[partial_race.election.slug, partial_race.slug]
    )
    data = client.get(url).json()
    assert (data["counties_on_file"], data["counties_expected"]) == (2, 3)
    assert {c["outcome"] for c in data["candidacies"]} == {PENDING}


def test_the_results_grid_refuses_a_final_status_while_counties_are_missing(partial_race):
    units = partial_race.reporting_units.filter(parent__isnull=True)
    candidacies = partial_race.candidacies.all()
    data = {"status": Race.Status.UNOFFICIAL_FINAL}
    form = ResultsGridForm(data, race=partial_race, candidacies=candidacies, units=units)

    assert not form.is_valid()
    assert form.errors["status"] == [
        "Atlanta City Council District 5 cannot be marked final: figures are on file for 2 of "
        "its 3 counties."
    ]


def test_the_race_admin_refuses_a_final_status_while_counties_are_missing(
    admin_client, partial_race
):
    url = reverse("admin:candidates_race_change", args=[partial_race.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update(
        {
            "status": Race.Status.CERTIFIED,
            "expected_units": 3,
            "candidacies-TOTAL_FORMS": 0,
            "candidacies-INITIAL_FORMS": 0,
            "reporting_units-TOTAL_FORMS": 0,
            "reporting_units-INITIAL_FORMS": 0,
        }
    )
    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "cannot be marked final: figures are on file for 2 of its 3 counties" in (
        response.content.decode()
    )


def test_an_import_with_final_is_refused_while_expected_counties_are_missing(partial_race):
    text = "county,office,candidate,votes\nFulton,Atlanta City Council District 5,Samuel Bacote,9\n"
    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=partial_race.election, final=True)

    assert str(failure.value.groups[0]) == (
        "Atlanta City Council District 5 cannot be marked final: figures are on file for 2 of "
        "its 3 counties; import the other counties first"
    )


def test_a_state_export_tells_each_race_how_many_counties_it_has():
    election = Election.objects.create(name="WV general", date=datetime.date(2020, 11, 3))
    import_results(
        (CLARITY / "wv_2020_general_counties_trimmed.xml").read_bytes(),
        election=election,
        create=True,
    )

    assert set(Race.objects.values_list("expected_units", flat=True)) == {5}


def test_a_county_file_for_a_statewide_race_learns_its_area_from_the_last_election():
    """The issue's case: a statewide race loaded from one county's file showed a winner."""
    office = make_office(name="President of the United States", body="President")
    earlier = make_race(
        office=office,
        election=Election.objects.create(name="General 2016", date=datetime.date(2016, 11, 8)),
    )
    for n in range(159):
        make_unit(earlier, f"County {n}")
    election = Election.objects.create(name="General 2020", date=datetime.date(2020, 11, 3))
    import_results(
        (CLARITY / "ga_atkinson_2020_general_precincts.xml").read_bytes(),
        election=election,
        create=True,
    )

    race = Race.objects.get(election=election)
    assert race.expected_units == 159
    race.status = Race.Status.UNOFFICIAL_FINAL
    race.save()
    results = page_of(race).results
    assert results.coverage.sentence == (
        "Results for 1 of 159 counties; the result for the whole race is not on file here."
    )
    assert WON not in {row.outcome for row in results.rows}
    assert race_results(Race.objects.with_results().get(pk=race.pk)).leader is not None


def test_a_profile_names_no_winner_of_a_race_missing_expected_counties(client, partial_race):
    bakhtiari = partial_race.candidacies.get(candidate__name="Liliana Bakhtiari").candidate
    html = client.get(bakhtiari.get_absolute_url()).content.decode()

    assert "Advanced to runoff" not in html
    assert "outcome--runoff" not in html
