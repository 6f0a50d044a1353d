"""Edit history (django-simple-history) and the public corrections log.

Who changed what and when is recorded for edits in the admin, the results grid, the CSV
upload and the import command; an earlier version can be restored from the admin's history;
figures changed after a race was final are listed on its public page."""

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article
from candidates.models import (
    Candidacy,
    Candidate,
    Office,
    Race,
    ReportingUnit,
    ResultsCorrection,
    VoteCount,
)
from tests.articles.factories import make_article
from tests.articles.test_admin import article_form
from tests.candidates.factories import (
    make_candidacy,
    make_candidate,
    make_district_5_general,
    make_race,
    make_race_with_votes,
    make_unit,
    record_votes,
)

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
CORRECTION_DAY = datetime.datetime(2021, 11, 5, 15, 0, tzinfo=NEW_YORK)

DISTRICT_5_FULTON_CSV = """county,office,district,candidate,votes
Fulton,Atlanta City Council District 5,5,Samuel Bacote,1300
Fulton,Atlanta City Council District 5,5,Liliana Bakhtiari,4000
Fulton,Atlanta City Council District 5,5,Katie Kissell,548
Fulton,Atlanta City Council District 5,5,Mandy Mahoney,1244
Fulton,Atlanta City Council District 5,5,Doug Williams,442
"""


def grid_url(race):
    return reverse("admin:candidates_race_results", args=[race.pk])


def grid_data(race, votes, *, status=None):
    """The grid's POST ("Publish these figures"): ``votes`` maps (candidate name, county) to a
    count; others blank."""
    data = {"status": status or race.status, "_publish": "Publish these figures"}
    units = list(race.reporting_units.all())
    for unit in units:
        data[f"reporting_{unit.pk}"] = (
            "" if unit.precincts_reporting is None else str(unit.precincts_reporting)
        )
    for candidacy in race.candidacies.select_related("candidate"):
        for unit in units:
            count = votes.get((candidacy.candidate.name, unit.name))
            data[f"votes_{candidacy.pk}_{unit.pk}"] = "" if count is None else str(count)
    return data


def page_of(client, race):
    response = client.get(race.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def management(prefix):
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


# --- Who and when ------------------------------------------------------------------------------


def test_editing_a_candidate_in_the_admin_records_who_and_when(admin_client, admin_user):
    with time_machine.travel(CORRECTION_DAY - datetime.timedelta(days=3), tick=False):
        candidate = make_candidate(name="Ann Able")
    with time_machine.travel(CORRECTION_DAY, tick=False):
        response = admin_client.post(
            reverse("admin:candidates_candidate_change", args=[candidate.pk]),
            {"name": "Ann B. Able", "slug": candidate.slug},
        )
    assert response.status_code == 302
    latest = candidate.history.latest()
    assert (latest.name, latest.history_type, latest.history_user) == (
        "Ann B. Able",
        "~",
        admin_user,
    )
    assert latest.history_date == CORRECTION_DAY
    assert candidate.history.earliest().name == "Ann Able"


def test_editing_a_race_in_the_admin_records_who_and_what_changed(admin_client, admin_user):
    race = make_race(status=Race.Status.COUNTING)
    data = {
        "election": race.election_id,
        "office": race.office_id,
        "slug": race.slug,
        "seats": "1",
        "decision_rule": race.decision_rule,
        "status": Race.Status.CERTIFIED,
        "results_source": "Fulton County",
        **management("candidacies"),
        **management("reporting_units"),
    }
    response = admin_client.post(reverse("admin:candidates_race_change", args=[race.pk]), data)
    assert response.status_code == 302
    latest, previous = race.history.all()[:2]
    assert latest.history_user == admin_user
    changed = {
        change.field: (change.old, change.new) for change in latest.diff_against(previous).changes
    }
    assert changed["status"] == (Race.Status.COUNTING, Race.Status.CERTIFIED)
    assert changed["results_source"] == ("", "Fulton County")


def test_editing_an_article_in_the_admin_records_who_and_keeps_the_markdown(
    admin_client, admin_user
):
    article = make_article(status=Article.Status.DRAFT, slug="runoff-set-in-district-5")
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = article_form(title="Runoff set: Bakhtiari and Mahoney", **management("comments"))
    response = admin_client.post(url, data)
    assert response.status_code == 302
    latest = article.history.latest()
    assert (latest.title, latest.history_user) == ("Runoff set: Bakhtiari and Mahoney", admin_user)
    assert latest.body.startswith("Results are in.")
    assert not hasattr(latest, "body_html")  # derived, left out of the history


def test_the_history_page_lists_each_version_with_its_author(admin_client, admin_user):
    candidate = make_candidate(name="Ann Able")
    admin_client.post(
        reverse("admin:candidates_candidate_change", args=[candidate.pk]),
        {"name": "Ann B. Able", "slug": candidate.slug},
    )
    page = admin_client.get(reverse("admin:candidates_candidate_history", args=[candidate.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert admin_user.username in html
    assert "Changed" in html and "Created" in html


def test_reverting_through_the_admin_history_restores_the_old_value(admin_client, admin_user):
    candidate = make_candidate(name="Ann Able", party="Independent")
    change_url = reverse("admin:candidates_candidate_change", args=[candidate.pk])
    admin_client.post(change_url, {"name": "Ann Typo", "slug": candidate.slug, "party": ""})
    assert Candidate.objects.get(pk=candidate.pk).name == "Ann Typo"

    original = candidate.history.earliest()
    revert_url = reverse(
        "admin:candidates_candidate_simple_history", args=[candidate.pk, original.history_id]
    )
    form_page = admin_client.get(revert_url)
    assert form_page.status_code == 200
    assert form_page.context["adminform"].form.initial["name"] == "Ann Able"
    response = admin_client.post(
        revert_url, {"name": original.name, "slug": original.slug, "party": original.party}
    )

    assert response.status_code == 302
    candidate.refresh_from_db()
    assert (candidate.name, candidate.party) == ("Ann Able", "Independent")
    assert candidate.history.count() == 3
    assert candidate.history.latest().history_user == admin_user


# --- Bulk writes: the grid, the upload, the command ---------------------------------------------


def test_a_grid_save_is_in_the_history_with_the_editor(admin_client, admin_user):
    race = make_race_with_votes([("Ann Able", 300), ("Bo Baker", 200)])
    make_candidacy(race, name="Cy Cole")
    data = grid_data(
        race, {("Ann Able", "Fulton"): 310, ("Bo Baker", "Fulton"): 200, ("Cy Cole", "Fulton"): 5}
    )

    assert admin_client.post(grid_url(race), data).status_code == 302

    changed = VoteCount.history.filter(history_change_reason="Results grid")
    assert sorted((h.history_type, h.votes, h.history_user) for h in changed) == [
        ("+", 5, admin_user),
        ("~", 310, admin_user),
    ]
    assert race.history.latest().history_user == admin_user
    assert race.history.latest().history_change_reason == "Results grid"


def test_a_grid_save_that_clears_a_cell_records_the_removal(admin_client, admin_user):
    race = make_race_with_votes([("Ann Able", 300), ("Bo Baker", 200)])
    admin_client.post(grid_url(race), grid_data(race, {("Ann Able", "Fulton"): 300}))
    removed = VoteCount.history.get(history_type="-")
    assert (removed.votes, removed.history_user) == (200, admin_user)


def test_an_admin_upload_is_in_the_history_with_the_editor(admin_client, admin_user):
    race = make_district_5_general()
    upload_url = reverse("admin:candidates_election_upload_results", args=[race.election.pk])
    upload = StringIO(DISTRICT_5_FULTON_CSV)
    upload.name = "results.csv"
    preview = admin_client.post(upload_url, {"file": upload})
    payload = preview.context["confirm_form"]["payload"].value()

    assert admin_client.post(upload_url, {"payload": payload}).status_code == 302

    created = VoteCount.history.filter(history_type="+", history_change_reason__contains="upload")
    assert created.count() == 5
    assert {h.history_user for h in created} == {admin_user}
    # The county's old counts were replaced: their removal is recorded with the same editor.
    assert {h.history_user for h in VoteCount.history.filter(history_type="-")} == {admin_user}
    assert race.history.latest().history_user == admin_user


def test_the_import_command_records_import_results_as_the_reason(tmp_path):
    race = make_district_5_general()
    path = tmp_path / "fulton.csv"
    path.write_text(DISTRICT_5_FULTON_CSV)

    call_command("import_results", str(path), "--election", race.election.slug, stdout=StringIO())

    created = VoteCount.history.filter(history_type="+", history_change_reason="import_results")
    assert created.count() == 5
    assert {h.history_user for h in created} == {None}
    assert race.history.latest().history_change_reason == "import_results"


def test_an_import_that_creates_a_race_records_its_new_rows(tmp_path):
    election = make_race().election
    path = tmp_path / "new.csv"
    path.write_text("county,office,district,candidate,votes\nFulton,School Board,3,Dee Dunn,40\n")
    call_command(
        "import_results", str(path), "--election", election.slug, "--create", stdout=StringIO()
    )
    for model in (Office, Race, Candidate, Candidacy, ReportingUnit, VoteCount):
        created = model.history.filter(history_type="+", history_change_reason="import_results")
        assert created.count() == 1, model


# --- The public corrections log ------------------------------------------------------------------


def counting_race():
    race = make_race(status=Race.Status.COUNTING)
    unit = make_unit(race, "Fulton", precincts_total=8, precincts_reporting=8)
    record_votes(make_candidacy(race, name="Ann Able"), unit, 300)
    record_votes(make_candidacy(race, name="Bo Baker"), unit, 200)
    return race


def test_a_correction_after_final_appears_on_the_race_page_with_its_date(admin_client):
    race = counting_race()
    final = grid_data(
        race, {("Ann Able", "Fulton"): 300, ("Bo Baker", "Fulton"): 200}, status="unofficial_final"
    )
    admin_client.post(grid_url(race), final)  # declared final: not a correction
    race.refresh_from_db()
    assert race.final_at is not None
    assert "Corrections to these results" not in page_of(admin_client, race)

    with time_machine.travel(CORRECTION_DAY, tick=False):
        corrected = {("Ann Able", "Fulton"): 310, ("Bo Baker", "Fulton"): 200}
        admin_client.post(grid_url(race), grid_data(race, corrected))

    html = page_of(admin_client, race)
    assert "Corrections to these results" in html
    assert (
        '<time datetime="2021-11-05">Nov. 5, 2021</time>: '
        "Fulton votes for Ann Able changed from 300 to 310."
    ) in html
    assert "Bo Baker changed" not in html


def test_a_change_before_the_race_is_final_is_not_a_correction(admin_client):
    race = counting_race()
    admin_client.post(
        grid_url(race), grid_data(race, {("Ann Able", "Fulton"): 310, ("Bo Baker", "Fulton"): 200})
    )
    admin_client.post(
        grid_url(race),
        grid_data(
            race,
            {("Ann Able", "Fulton"): 310, ("Bo Baker", "Fulton"): 200},
            status="certified",
        ),
    )
    assert not ResultsCorrection.objects.exists()
    assert "Corrections to these results" not in page_of(admin_client, race)


def test_the_first_figures_of_a_race_created_final_are_not_corrections(admin_client):
    race = make_race(status=Race.Status.CERTIFIED)  # e.g. an old race entered afterwards
    make_unit(race, "Fulton")
    make_candidacy(race, name="Ann Able")
    admin_client.post(grid_url(race), grid_data(race, {("Ann Able", "Fulton"): 300}))
    assert not ResultsCorrection.objects.exists()


def test_an_import_that_changes_a_final_race_lists_each_changed_figure(admin_client, tmp_path):
    race = make_district_5_general()  # final, with DeKalb and Fulton figures
    path = tmp_path / "fulton.csv"
    path.write_text(DISTRICT_5_FULTON_CSV)
    with time_machine.travel(CORRECTION_DAY, tick=False):
        call_command(
            "import_results", str(path), "--election", race.election.slug, stdout=StringIO()
        )

    assert [c.sentence for c in race.corrections.all()] == [
        "Fulton votes for Samuel Bacote changed from 1,252 to 1,300.",
        "Fulton votes for Liliana Bakhtiari changed from 3,434 to 4,000.",
    ]
    html = page_of(admin_client, race)
    assert "Nov. 5, 2021</time>: Fulton votes for Liliana Bakhtiari changed" in html


def test_a_figure_removed_after_final_is_listed_as_removed(admin_client):
    race = make_race_with_votes([("Ann Able", 300), ("Bo Baker", 200)])
    admin_client.post(grid_url(race), grid_data(race, {("Ann Able", "Fulton"): 300}))
    assert [c.sentence for c in race.corrections.all()] == [
        "Fulton votes for Bo Baker removed (had been 200)."
    ]


@pytest.mark.parametrize("size", [1, 20])
def test_the_corrections_log_costs_one_query_at_any_length(client, django_assert_num_queries, size):
    """Prevents a query per correction: the log is one query on top of the race page's four."""
    race = make_race_with_votes([("Ann Able", 300), ("Bo Baker", 200)])
    ResultsCorrection.objects.bulk_create(
        ResultsCorrection(
            race=race,
            unit_name="Fulton",
            candidate_name="Ann Able",
            old_votes=300 + i,
            new_votes=301 + i,
            source=ResultsCorrection.Source.GRID,
        )
        for i in range(size)
    )
    # ... and one for the race's events (articles' race_events tag), one for the desk's call
    # log (candidates/calls.py), one for the stories about the race (its coverage list).
    with django_assert_num_queries(8):
        html = client.get(race.get_absolute_url()).content.decode()
    assert html.count("Fulton votes for Ann Able changed") == size
