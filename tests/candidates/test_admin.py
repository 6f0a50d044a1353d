"""The editors' admin: every page opens, changelists stay at a fixed number of queries, the
results grid saves or refuses, and the CSV upload previews before it writes."""

import io
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from candidates.models import Candidate, Race, VoteCount
from tests.candidates.factories import (
    make_candidacy,
    make_candidate,
    make_district_5_general,
    make_office,
    make_race,
    make_race_with_votes,
    make_unit,
)

pytestmark = pytest.mark.django_db


def grid_url(race):
    return reverse("admin:candidates_race_results", args=[race.pk])


def upload_url(election):
    return reverse("admin:candidates_election_upload_results", args=[election.pk])


def staff_user(*permissions, username="desk"):
    user = get_user_model().objects.create_user(username, password="a-long-passphrase")
    user.is_staff = True
    user.save()
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def district_5():
    return make_district_5_general()


@pytest.mark.parametrize("model", ["candidate", "office", "election", "race"])
def test_every_changelist_change_and_add_page_answers_200_for_a_superuser(
    admin_client, district_5, model
):
    objects = {
        "candidate": district_5.candidacies.first().candidate,
        "office": district_5.office,
        "election": district_5.election,
        "race": district_5,
    }
    for url in (
        reverse(f"admin:candidates_{model}_changelist"),
        reverse(f"admin:candidates_{model}_add"),
        reverse(f"admin:candidates_{model}_change", args=[objects[model].pk]),
    ):
        assert admin_client.get(url).status_code == 200, url


def test_changelist_search_finds_a_candidate_by_ballot_name(admin_client):
    make_candidate(name="Katie Kissell", ballot_name='Katrina "Katie" Kissell')
    make_candidate(name="Doug Williams")
    response = admin_client.get(reverse("admin:candidates_candidate_changelist"), {"q": "Katrina"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == list(
        Candidate.objects.filter(name="Katie Kissell")
    )


def changelist_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("model", ["candidate", "office", "election", "race"])
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model):
    """Prevents an N+1 per row: the race list shows each race's office and election
    (list_select_related) and the election list its race count (an annotation)."""
    url = reverse(f"admin:candidates_{model}_changelist")

    def add_races(n):
        for _ in range(n):
            race = make_race()
            make_candidacy(race)

    add_races(2)
    small = changelist_queries(admin_client, url)
    add_races(8)
    large = changelist_queries(admin_client, url)
    assert small == large


def test_race_page_shows_the_results_as_the_public_page_will(admin_client, district_5):
    response = admin_client.get(reverse("admin:candidates_race_change", args=[district_5.pk]))
    html = response.content.decode()
    assert "Liliana Bakhtiari" in html
    assert "5,134" in html
    assert "49.50%" in html  # truncated, as the county prints it; never rounded to 49.51
    assert "10,370" in html
    assert "Advances to runoff" in html
    assert grid_url(district_5) in html  # the "Enter results" object tool


def test_results_grid_shows_candidacies_in_ballot_order_with_stored_counts(
    admin_client, district_5
):
    response = admin_client.get(grid_url(district_5))
    assert response.status_code == 200
    form = response.context["form"]
    assert [c.display_name for c, _ in form.rows()] == [
        "Samuel Bacote",
        "Liliana Bakhtiari",
        "Katie Kissell",
        "Mandy Mahoney",
        "Doug Williams",
    ]
    html = response.content.decode()
    assert 'value="3434"' in html
    assert "Votes for Liliana Bakhtiari in Fulton" in html  # every input has a label


def grid_data(race, votes, *, status=Race.Status.COUNTING, reporting=None):
    """POST data for the grid's "Publish these figures" (its confirmation page's button):
    votes maps (candidate name, county) to a value ('' = blank)."""
    data = {"status": status, "_publish": "Publish these figures"}
    units = {unit.name: unit for unit in race.reporting_units.all()}
    for candidacy in race.candidacies.select_related("candidate"):
        for unit in units.values():
            value = votes.get((candidacy.candidate.name, unit.name), "")
            data[f"votes_{candidacy.pk}_{unit.pk}"] = value
    for name, value in (reporting or {}).items():
        data[f"reporting_{units[name].pk}"] = value
    return data


def test_results_grid_saves_every_count_and_stamps_the_race(admin_client):
    race = make_race(status=Race.Status.UPCOMING)
    fulton = make_unit(race, "Fulton", precincts_total=8)
    dekalb = make_unit(race, "DeKalb", precincts_total=6)
    make_candidacy(race, name="Ann Able")
    make_candidacy(race, name="Bo Baker")
    votes = {
        ("Ann Able", "Fulton"): "300",
        ("Ann Able", "DeKalb"): "200",
        ("Bo Baker", "Fulton"): "100",
        ("Bo Baker", "DeKalb"): "0",
    }
    data = grid_data(
        race, votes, status=Race.Status.UNOFFICIAL_FINAL, reporting={"Fulton": 8, "DeKalb": 6}
    )

    response = admin_client.post(grid_url(race), data)

    assert response.status_code == 302
    race.refresh_from_db()
    assert race.status == Race.Status.UNOFFICIAL_FINAL
    assert race.results_updated_at is not None
    stored = {
        (vc.candidacy.candidate.name, vc.unit.name): vc.votes
        for vc in VoteCount.objects.select_related("candidacy__candidate", "unit")
    }
    assert stored == {key: int(value) for key, value in votes.items()}
    fulton.refresh_from_db()
    dekalb.refresh_from_db()
    assert (fulton.precincts_reporting, dekalb.precincts_reporting) == (8, 6)
    page = admin_client.get(grid_url(race)).content.decode()
    assert "Results saved" in page
    assert "Won" in page


def test_results_grid_updates_changed_counts_and_clears_blank_cells(admin_client):
    race = make_race_with_votes([("Ann Able", 10), ("Bo Baker", 20)])
    data = grid_data(race, {("Ann Able", "Fulton"): "15"})

    assert admin_client.post(grid_url(race), data).status_code == 302

    assert list(VoteCount.objects.values_list("candidacy__candidate__name", "votes")) == [
        ("Ann Able", 15)
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5", "counts cannot be negative"),
        ("abc", "Enter a whole number"),
        ("1,234", "Enter a whole number"),
        ("99999999999", "too large"),
    ],
)
def test_results_grid_refuses_bad_input_with_a_form_error_and_saves_nothing(
    admin_client, value, message
):
    race = make_race_with_votes([("Ann Able", 10), ("Bo Baker", 20)], status="counting")
    data = grid_data(
        race,
        {("Ann Able", "Fulton"): "11", ("Bo Baker", "Fulton"): value},
        status=Race.Status.UNOFFICIAL_FINAL,
    )

    response = admin_client.post(grid_url(race), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert message in html
    assert sorted(VoteCount.objects.values_list("votes", flat=True)) == [10, 20]
    race.refresh_from_db()
    assert race.status == Race.Status.COUNTING


def test_results_grid_refuses_more_precincts_reporting_than_exist(admin_client):
    race = make_race_with_votes([("Ann Able", 10)])  # Fulton has 10 precincts
    data = grid_data(race, {("Ann Able", "Fulton"): "10"}, reporting={"Fulton": "11"})

    response = admin_client.post(grid_url(race), data)

    assert response.status_code == 200
    assert "Fulton has 10 precincts; 11 cannot be reporting" in response.content.decode()


def test_results_grid_asks_for_counties_before_it_shows_inputs(admin_client):
    race = make_race()
    make_candidacy(race)
    response = admin_client.get(grid_url(race))
    assert response.status_code == 200
    assert "at least one county" in response.content.decode()


def test_results_grid_for_a_missing_race_redirects_with_a_message(admin_client):
    response = admin_client.get(reverse("admin:candidates_race_results", args=[999999]))
    assert response.status_code == 302


def test_staff_without_change_race_permission_get_403_from_grid_and_upload(client, district_5):
    client.force_login(staff_user("view_race", "view_election"))
    assert client.get(grid_url(district_5)).status_code == 403
    assert client.post(grid_url(district_5), {"status": "certified"}).status_code == 403
    assert client.get(upload_url(district_5.election)).status_code == 403
    district_5.refresh_from_db()
    assert district_5.status == Race.Status.UNOFFICIAL_FINAL


def test_staff_with_change_race_permission_can_enter_results(client):
    race = make_race_with_votes([("Ann Able", 10)])
    client.force_login(staff_user("view_race", "change_race"))
    data = grid_data(race, {("Ann Able", "Fulton"): "12"})
    assert client.post(grid_url(race), data).status_code == 302
    assert VoteCount.objects.get().votes == 12


def test_anonymous_visitor_is_sent_to_the_admin_login(client, district_5):
    response = client.get(grid_url(district_5))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_results_grid_post_without_csrf_token_is_refused(district_5):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(get_user_model().objects.create_superuser("boss", password="x"))
    assert csrf_client.post(grid_url(district_5), {"status": "certified"}).status_code == 403


def png_upload(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "#0b4f8a").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def test_candidate_photo_without_alt_text_is_refused(admin_client):
    response = admin_client.post(
        reverse("admin:candidates_candidate_add"),
        {"name": "Ann Able", "slug": "ann-able", "photo": png_upload(), "photo_alt": " "},
    )
    assert response.status_code == 200
    assert "required with a photo" in response.content.decode()
    assert not Candidate.objects.exists()


def test_candidate_photo_with_alt_text_is_saved(admin_client):
    response = admin_client.post(
        reverse("admin:candidates_candidate_add"),
        {
            "name": "Ann Able",
            "slug": "ann-able",
            "photo": png_upload(),
            "photo_alt": "Ann Able at a forum",
            "photo_credit": "Illustration",
        },
    )
    assert response.status_code == 302
    assert Candidate.objects.get().photo_alt == "Ann Able at a forum"


def test_election_page_links_to_the_upload_and_its_races(admin_client, district_5):
    election = district_5.election
    html = admin_client.get(
        reverse("admin:candidates_election_change", args=[election.pk])
    ).content.decode()
    assert upload_url(election) in html
    assert reverse("admin:candidates_race_change", args=[district_5.pk]) in html


def test_election_with_a_race_can_be_added_in_one_form(admin_client):
    office = make_office(name="Atlanta City Council District 5")
    data = {
        "name": "Atlanta municipal general election",
        "slug": "2021-11-02-atlanta-municipal-general-election",
        "kind": "general",
        "date": "2021-11-02",
        "races-TOTAL_FORMS": "1",
        "races-INITIAL_FORMS": "0",
        "races-MIN_NUM_FORMS": "0",
        "races-MAX_NUM_FORMS": "1000",
        "races-0-office": office.pk,
        "races-0-seats": "1",
        "races-0-decision_rule": "majority",
        "races-0-status": "upcoming",
    }
    response = admin_client.post(reverse("admin:candidates_election_add"), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    race = Race.objects.get()
    assert race.slug == "atlanta-city-council-district-5"
    assert race.election.slug == "2021-11-02-atlanta-municipal-general-election"


# --- The CSV upload ---------------------------------------------------------------------------

DISTRICT_5_CSV = """county,office,district,candidate,votes
Fulton,Atlanta City Council District 5,5,Samuel Bacote,1300
Fulton,Atlanta City Council District 5,5,Liliana Bakhtiari,4000
Fulton,Atlanta City Council District 5,5,Katie Kissell,548
Fulton,Atlanta City Council District 5,5,Mandy Mahoney,1244
Fulton,Atlanta City Council District 5,5,Doug Williams,442
"""


def csv_upload(text, name="results.csv"):
    upload = io.BytesIO(text.encode() if isinstance(text, str) else text)
    upload.name = name
    return upload


def stored_counts():
    return sorted(
        VoteCount.objects.values_list("candidacy__candidate__name", "unit__name", "votes")
    )


def test_upload_preview_shows_summary_and_totals_and_writes_nothing(admin_client, district_5):
    before = stored_counts()
    updated_at = district_5.results_updated_at

    response = admin_client.post(
        upload_url(district_5.election), {"file": csv_upload(DISTRICT_5_CSV)}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Dry run: nothing was saved" in html
    assert "Confirm import" in html
    # DeKalb is untouched (1,700) and Fulton becomes 4,000: 5,700 of 10,984 is a majority.
    assert "5,700" in html
    assert "10,984" in html
    assert "Won" in html
    assert stored_counts() == before
    district_5.refresh_from_db()
    assert district_5.results_updated_at == updated_at


def test_upload_preview_lists_every_problem_by_line_and_writes_nothing(admin_client, district_5):
    bad = (
        DISTRICT_5_CSV.replace("Bacote,1300", "Bacote,-4")
        .replace("Kissell,548", "Kissell,lots")
        .replace("Doug Williams", "Nobody Known")
    )
    before = stored_counts()

    response = admin_client.post(upload_url(district_5.election), {"file": csv_upload(bad)})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert "line 2: votes is negative" in html
    assert "line 4: votes is not a number" in html
    assert "Confirm import" not in html
    assert stored_counts() == before


def test_upload_of_a_file_that_is_not_utf8_is_a_form_error(admin_client, district_5):
    latin1 = "county,office,candidate,votes\nFulton,Council,Jos\xe9,3\n".encode("latin-1")
    response = admin_client.post(upload_url(district_5.election), {"file": csv_upload(latin1)})
    assert response.status_code == 200
    assert "line 2: the file is not UTF-8 text" in response.content.decode()


def preview_payload(client, election, text, **extra):
    response = client.post(upload_url(election), {"file": csv_upload(text), **extra})
    assert response.status_code == 200
    return response.context["confirm_form"]["payload"].value()


def test_confirm_applies_the_previewed_file(admin_client, district_5):
    payload = preview_payload(admin_client, district_5.election, DISTRICT_5_CSV)

    response = admin_client.post(upload_url(district_5.election), {"payload": payload})

    assert response.status_code == 302
    assert ("Liliana Bakhtiari", "Fulton", 4000) in stored_counts()
    assert ("Liliana Bakhtiari", "DeKalb", 1700) in stored_counts()
    follow = admin_client.get(response["Location"]).content.decode()
    assert "Counties updated: 1" in follow


def test_confirm_with_create_adds_the_missing_race(admin_client):
    election = make_race().election  # an election without District 9
    text = "county,office,district,candidate,votes\nFulton,Council District 9,9,Ann Able,12\n"
    payload = preview_payload(admin_client, election, text, create="on")
    assert not Race.objects.filter(office__name="Council District 9").exists()

    response = admin_client.post(upload_url(election), {"payload": payload})

    assert response.status_code == 302
    race = Race.objects.get(office__name="Council District 9")
    assert race.election == election
    assert VoteCount.objects.get(candidacy__race=race).votes == 12


def test_a_tampered_or_foreign_payload_is_refused_and_writes_nothing(admin_client, district_5):
    election = district_5.election
    payload = preview_payload(admin_client, election, DISTRICT_5_CSV)
    before = stored_counts()

    tampered = admin_client.post(upload_url(election), {"payload": payload[:-3] + "abc"})
    assert tampered.status_code == 200
    assert "could not be verified" in tampered.content.decode()

    other = make_race().election
    foreign = admin_client.post(upload_url(other), {"payload": payload})
    assert "belongs to another upload" in foreign.content.decode()

    assert stored_counts() == before


def test_staff_without_change_race_cannot_confirm_an_upload(admin_client, client, district_5):
    payload = preview_payload(admin_client, district_5.election, DISTRICT_5_CSV)
    before = stored_counts()
    client.force_login(staff_user("view_election", "change_election"))
    response = client.post(upload_url(district_5.election), {"payload": payload})
    assert response.status_code == 403
    assert stored_counts() == before


DATA = Path(__file__).parent / "data"


def test_a_clarity_zip_uploads_previews_and_applies_like_a_csv(admin_client):
    """A real Clarity export (tests/candidates/data/README.md), zipped as county sites serve it."""
    xml = (
        Path(__file__).parent / "data/clarity/ga_atkinson_2020_general_precincts.xml"
    ).read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("detail.xml", xml)
    election = make_race().election
    upload = SimpleUploadedFile("detailxml.zip", buffer.getvalue(), "application/zip")

    preview = admin_client.post(upload_url(election), {"file": upload, "create": "on"})
    assert "Dry run: nothing was saved" in preview.content.decode()
    payload = preview.context["confirm_form"]["payload"].value()
    response = admin_client.post(upload_url(election), {"payload": payload})

    assert response.status_code == 302
    race = Race.objects.get(election=election, office__name="President of the United States")
    assert (
        VoteCount.objects.get(candidacy__race=race, candidacy__ballot_name="Jo Jorgensen").votes
        == 30
    )
