"""The desk's race calls (candidates/calls.py, the call rules in candidates/results.py): call,
uncall, the public "Called by" line and call log, a call the figures do not bear out, and the
admin's Call race / Withdraw call pages."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from candidates.calls import call_race, uncall_race
from candidates.models import Race, RaceCall, ReportingUnit
from candidates.results import CALLED_RUNOFF, CALLED_WON, PENDING, RUNOFF, RaceState, race_results
from civicsite.core import pagecache
from civicsite.roles import CONTRIBUTOR, DATA_EDITOR
from tests.articles.factories import make_article
from tests.candidates.factories import (
    make_candidacy,
    make_district_5_general,
    make_race_with_votes,
)

pytestmark = pytest.mark.django_db


def update_race(race, **fields):
    """Change the race's row directly, and empty the page cache as a save would."""
    Race.objects.filter(pk=race.pk).update(**fields)
    pagecache.invalidate()


NEW_YORK = ZoneInfo("America/New_York")
# Election night of the seed's race (Nov. 2, 2021), 9:42 p.m. in Atlanta.
CALL_TIME = datetime.datetime(2021, 11, 2, 21, 42, tzinfo=NEW_YORK)


def text_of(html):
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return re.sub(r" ([.,:;)])", r"\1", text)


def page_text(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return text_of(response.content.decode())


def json_of(client, race):
    url = reverse(
        "candidates:race-results-json",
        kwargs={"election_slug": race.election.slug, "slug": race.slug},
    )
    return client.get(url).json()


def counting_district_5():
    """The seed's race (Bakhtiari 5,134 of 10,370) while it is still being counted."""
    race = make_district_5_general()
    update_race(race, status=Race.Status.COUNTING, final_at=None)
    race.refresh_from_db()
    return race


def candidacies(race, *names):
    return list(race.candidacies.filter(candidate__name__in=names))


def editor(username="desk", role=DATA_EDITOR):
    user = get_user_model().objects.create_user(username, password="a-long-passphrase")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user


def outcomes(results):
    return {row.candidacy.candidate.name: row.outcome for row in results.rows}


# --- Call and uncall -------------------------------------------------------------------------


def test_a_runoff_call_records_who_when_and_why_and_every_page_shows_it(client):
    race = counting_district_5()
    desk = editor()
    with time_machine.travel(CALL_TIME, tick=False):
        make_article(title="Election night in District 5").races.add(race)
        call = call_race(
            race=race,
            outcome=RaceCall.Outcome.RUNOFF,
            candidacies=candidacies(race, "Liliana Bakhtiari", "Mandy Mahoney"),
            user=desk,
            note="Every precinct is in; nobody can reach a majority.",
        )
        assert (call.called_by, call.called_at, call.uncalled_at) == (desk, CALL_TIME, None)

        results = race_results(Race.objects.with_results().get(pk=race.pk))
        assert results.state == RaceState.CALLED
        assert outcomes(results)["Liliana Bakhtiari"] == CALLED_RUNOFF
        assert outcomes(results)["Mandy Mahoney"] == CALLED_RUNOFF
        assert outcomes(results)["Samuel Bacote"] == PENDING
        assert results.call_sentence == "Called by civicsite at 9:42 p.m."

        race_page = page_text(client, race.get_absolute_url())
        assert "Called by civicsite at 9:42 p.m." in race_page
        assert race_page.count("Advances to runoff (called)") == 4  # 2 rows, phone + desktop
        assert "Called; counting continues" in race_page
        assert (
            "Nov. 2, 9:42 p.m.: Called: Liliana Bakhtiari and Mandy Mahoney advance to a runoff. "
            "Every precinct is in; nobody can reach a majority."
        ) in race_page

        election_page = page_text(client, race.election.get_absolute_url())
        assert "Called, advance to runoff: Liliana Bakhtiari, 49.50%; Mandy Mahoney" in (
            election_page
        )
        assert "Called by civicsite at 9:42 p.m." in page_text(client, reverse("home"))
        candidate = race.candidacies.get(candidate__name="Mandy Mahoney").candidate
        assert "Advances to runoff (called)" in page_text(client, candidate.get_absolute_url())
        article = race.articles.get()
        assert "Called by civicsite at 9:42 p.m." in page_text(client, article.get_absolute_url())

        data = json_of(client, race)
        assert data["state"] == "called"
        assert data["call"]["outcome"] == "runoff"
        assert data["call"]["candidacies"] == ["liliana-bakhtiari", "mandy-mahoney"]
        assert [c["outcome"] for c in data["candidacies"][:3]] == [
            "called_runoff",
            "called_runoff",
            "pending",
        ]
        assert data["display"]["call"] == "Called by civicsite at 9:42 p.m."


def test_a_call_on_a_later_day_names_the_day():
    race = make_race_with_votes([("Ann Able", 600), ("Bo Baker", 400)], status="counting")
    with time_machine.travel(CALL_TIME + datetime.timedelta(days=1), tick=False):
        call_race(race=race, outcome="won", candidacies=candidacies(race, "Ann Able"))
        results = race_results(Race.objects.with_results().get(pk=race.pk))
    assert results.call_sentence == "Called by civicsite at 9:42 p.m. on Nov. 3."


def test_uncalling_takes_the_call_off_every_page_and_the_log_keeps_both_lines(client):
    race = counting_district_5()
    with time_machine.travel(CALL_TIME, tick=False):
        call_race(
            race=race,
            outcome="runoff",
            candidacies=candidacies(race, "Liliana Bakhtiari", "Mandy Mahoney"),
        )
    with time_machine.travel(CALL_TIME + datetime.timedelta(minutes=8), tick=False):
        call = uncall_race(race=race, user=editor(), note="Absentee ballots still out.")
        assert call.uncalled_at == CALL_TIME + datetime.timedelta(minutes=8)
        results = race_results(Race.objects.with_results().get(pk=race.pk))
        assert results.state == RaceState.COUNTING and results.call is None
        assert set(outcomes(results).values()) == {PENDING}

        race_page = page_text(client, race.get_absolute_url())
        assert "Called by" not in race_page
        assert "(called)" not in race_page
        assert (
            "Nov. 2, 9:42 p.m.: Called: Liliana Bakhtiari and Mandy Mahoney advance to a runoff."
        ) in race_page
        assert "Nov. 2, 9:50 p.m.: Call withdrawn. Absentee ballots still out." in race_page
        assert json_of(client, race)["call"] is None

    # Called again afterwards: one standing call, three lines in the log.
    call_race(
        race=race,
        outcome="runoff",
        candidacies=candidacies(race, "Liliana Bakhtiari", "Mandy Mahoney"),
    )
    assert RaceCall.objects.filter(race=race, uncalled_at__isnull=True).count() == 1
    assert page_text(client, race.get_absolute_url()).count("Called: Liliana Bakhtiari") == 2


@pytest.mark.parametrize(
    ("setup", "outcome", "names", "reason"),
    [
        ("final", "runoff", ("Liliana Bakhtiari", "Mandy Mahoney"), "figures decide it"),
        ("cancelled", "won", ("Liliana Bakhtiari",), "cancelled"),
        ("called", "won", ("Liliana Bakhtiari",), "already called"),
        ("", "runoff", ("Liliana Bakhtiari",), "names the two"),
        ("", "won", ("Liliana Bakhtiari", "Mandy Mahoney"), "name one winner"),
        ("withdrawn", "won", ("Doug Williams",), "has withdrawn"),
        ("plurality", "runoff", ("Liliana Bakhtiari", "Mandy Mahoney"), "goes to a runoff"),
        ("", "maybe", ("Liliana Bakhtiari",), "Choose the winner"),
    ],
)
def test_a_call_that_cannot_stand_is_refused_with_its_reason(setup, outcome, names, reason):
    race = counting_district_5()
    if setup == "final":
        update_race(race, status=Race.Status.UNOFFICIAL_FINAL)
    if setup == "cancelled":
        update_race(race, cancelled=True)
    if setup == "called":
        call_race(race=race, outcome="won", candidacies=candidacies(race, "Liliana Bakhtiari"))
    if setup == "withdrawn":
        race.candidacies.filter(candidate__name="Doug Williams").update(withdrawn=True)
    if setup == "plurality":
        update_race(race, decision_rule=Race.DecisionRule.PLURALITY)
    before = RaceCall.objects.count()
    with pytest.raises(ValidationError, match=reason):
        call_race(race=race, outcome=outcome, candidacies=candidacies(race, *names))
    assert RaceCall.objects.count() == before


def test_a_candidate_of_another_race_cannot_be_called():
    race = counting_district_5()
    other = make_race_with_votes([("Ann Able", 10)], status="counting")
    with pytest.raises(ValidationError, match="this race's ballot"):
        call_race(race=race, outcome="won", candidacies=list(other.candidacies.all()))


def test_uncalling_a_race_with_no_call_is_refused():
    with pytest.raises(ValidationError, match="no call to withdraw"):
        uncall_race(race=counting_district_5())


def test_the_database_holds_one_standing_call_per_race():
    race = counting_district_5()
    RaceCall.objects.create(race=race, outcome="won")
    with pytest.raises(IntegrityError):
        RaceCall.objects.create(race=race, outcome="won")


# --- What the figures allow ------------------------------------------------------------------


def test_a_call_the_final_figures_contradict_shows_the_figures_and_warns_the_desk(
    client, admin_client
):
    """Bakhtiari called the winner while counting; the final figures leave her 52 votes short
    of a majority, so the rule sends the top two to a runoff and the call is never shown."""
    race = counting_district_5()
    with time_machine.travel(CALL_TIME, tick=False):
        call_race(race=race, outcome="won", candidacies=candidacies(race, "Liliana Bakhtiari"))
    counting = race_results(Race.objects.with_results().get(pk=race.pk))
    assert outcomes(counting)["Liliana Bakhtiari"] == CALLED_WON  # she leads: shown while counting

    update_race(race, status=Race.Status.UNOFFICIAL_FINAL)
    final = race_results(Race.objects.with_results().get(pk=race.pk))
    assert final.state == RaceState.FINAL
    assert outcomes(final)["Liliana Bakhtiari"] == RUNOFF
    assert not final.call.shown
    assert "The final figures contradict the call (Liliana Bakhtiari wins)" in final.call.conflict

    race_page = page_text(client, race.get_absolute_url())
    assert "Winner (called)" not in race_page and "Called by" not in race_page
    assert "Advances to runoff" in race_page
    assert "Called: Liliana Bakhtiari wins" not in race_page  # the log never names her either
    data = json_of(client, race)
    assert data["call"] is None and data["candidacies"][0]["outcome"] == "runoff"

    response = admin_client.get(reverse("admin:candidates_race_change", args=[race.pk]))
    warnings = [str(message) for message in response.context["messages"]]
    assert any("The final figures contradict the call" in message for message in warnings)
    html = response.content.decode()
    assert "Readers do not see this call." in html
    assert 'role="alert"' in html


@pytest.mark.parametrize(
    ("arrange", "called", "conflict"),
    [
        ("", ("Mandy Mahoney",), "Liliana Bakhtiari leads the count"),
        ("tie", ("Liliana Bakhtiari",), "is tied with Liliana Bakhtiari"),
        ("majority", ("Liliana Bakhtiari", "Mandy Mahoney"), "has a majority of the votes"),
        ("partial", ("Liliana Bakhtiari",), "Results for 2 of 3 counties"),
        ("few precincts", ("Liliana Bakhtiari",), "Shares are shown once 10%"),
    ],
)
def test_a_call_the_figures_on_file_do_not_bear_out_is_kept_from_readers(
    client, arrange, called, conflict
):
    race = counting_district_5()
    fulton = race.reporting_units.get(name="Fulton")
    if arrange == "tie":  # Mahoney level with Bakhtiari
        count = fulton.vote_counts.get(candidacy__candidate__name="Mandy Mahoney")
        count.votes += 5134 - 1894
        count.save()
    if arrange == "majority":  # Bakhtiari past 50%
        count = fulton.vote_counts.get(candidacy__candidate__name="Liliana Bakhtiari")
        count.votes += 200
        count.save()
    if arrange == "partial":
        update_race(race, expected_units=3)
    if arrange == "few precincts":
        ReportingUnit.objects.filter(race=race).update(precincts_reporting=0)
        fulton.precincts_reporting = 1
        fulton.save()
    outcome = "runoff" if len(called) == 2 else "won"
    call_race(race=race, outcome=outcome, candidacies=candidacies(race, *called))

    results = race_results(Race.objects.with_results().get(pk=race.pk))
    assert results.state == RaceState.COUNTING
    assert conflict in results.call.conflict
    assert not results.called_rows
    race_page = page_text(client, race.get_absolute_url())
    assert "Called by" not in race_page and "(called)" not in race_page
    assert "The desk's calls" not in race_page  # no log line names the call either


# --- The admin -------------------------------------------------------------------------------


def test_a_data_editor_calls_and_withdraws_a_call_in_the_admin(client):
    race = counting_district_5()
    client.force_login(editor())
    change_url = reverse("admin:candidates_race_change", args=[race.pk])
    call_url = reverse("admin:candidates_race_call", args=[race.pk])
    assert call_url in client.get(change_url).content.decode()

    # A runoff call naming one candidate re-renders the form with the reason.
    bakhtiari, mahoney = candidacies(race, "Liliana Bakhtiari", "Mandy Mahoney")
    response = client.post(call_url, {"outcome": "runoff", "candidacies": [bakhtiari.pk]})
    assert response.status_code == 200
    assert "A runoff call names the two candidates who advance." in response.content.decode()
    assert not RaceCall.objects.exists()

    response = client.post(
        call_url,
        {"outcome": "runoff", "candidacies": [bakhtiari.pk, mahoney.pk], "note": "All in."},
    )
    assert response.status_code == 302
    call = RaceCall.objects.get()
    assert (call.called_by.username, call.note) == ("desk", "All in.")
    page = client.get(change_url).content.decode()
    assert "Liliana Bakhtiari and Mandy Mahoney advance to a runoff" in page
    assert "Readers see it" in page

    uncall_url = reverse("admin:candidates_race_uncall", args=[race.pk])
    response = client.post(uncall_url, {"note": "Checking DeKalb."})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.uncalled_by.username == "desk" and call.uncall_note == "Checking DeKalb."
    # A second withdrawal has nothing to withdraw: the form says so.
    assert "no call to withdraw" in client.post(uncall_url, {}).content.decode()


def test_a_contributor_cannot_call_a_race(client):
    race = counting_district_5()
    client.force_login(editor("writer", role=CONTRIBUTOR))
    bakhtiari = candidacies(race, "Liliana Bakhtiari")[0]
    call_url = reverse("admin:candidates_race_call", args=[race.pk])
    assert client.get(call_url).status_code == 403
    response = client.post(call_url, {"outcome": "won", "candidacies": [bakhtiari.pk]})
    assert response.status_code == 403
    assert not RaceCall.objects.exists()


def test_a_withdrawn_candidate_is_not_offered_in_the_call_form(admin_client):
    race = counting_district_5()
    gone = make_candidacy(race, name="Gone Away", withdrawn=True)
    form = admin_client.get(reverse("admin:candidates_race_call", args=[race.pk])).context["form"]
    offered = {candidacy.pk for candidacy in form.fields["candidacies"].queryset}
    assert gone.pk not in offered and len(offered) == 5


def test_a_hostile_note_in_the_call_log_renders_inert(client):
    race = counting_district_5()
    call_race(
        race=race,
        outcome="runoff",
        candidacies=candidacies(race, "Liliana Bakhtiari", "Mandy Mahoney"),
        note='<script>alert(1)</script><img src=x onerror="alert(2)">',
    )
    html = client.get(race.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html and "<img src=x" not in html
