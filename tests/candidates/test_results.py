"""The results rules (candidates/results.py): majority, shares, ties, withdrawals."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from candidates.models import Race
from candidates.results import (
    LOST,
    PENDING,
    RUNOFF,
    TIED,
    WON,
    ElectionState,
    RaceState,
    election_state,
    race_results,
    race_state,
    share_percent,
)
from tests.candidates.factories import (
    make_candidacy,
    make_district_5_general,
    make_election,
    make_race,
    make_race_with_votes,
)

pytestmark = pytest.mark.django_db


def outcomes(results):
    return {row.candidacy.candidate.name: row.outcome for row in results.rows}


def test_share_is_truncated_not_rounded():
    assert share_percent(5134, 10370) == Decimal("49.50")
    assert share_percent(1894, 10370) == Decimal("18.26")
    assert share_percent(642, 10370) == Decimal("6.19")


def test_a_share_under_a_majority_never_displays_as_fifty_percent_even_when_rounding():
    assert share_percent(49999, 100000) == Decimal("49.99")
    assert share_percent(49999, 100000, rounding="half_up") == Decimal("49.99")
    assert share_percent(499996, 1000000, rounding="half_up") == Decimal("49.99")


def test_district_5_leader_advances_to_runoff_with_49_50_percent():
    results = race_results(make_district_5_general())
    assert results.total == 10370
    leader = results.rows[0]
    assert leader.candidacy.candidate.name == "Liliana Bakhtiari"
    assert leader.votes == 5134
    assert leader.share == Decimal("49.50")
    assert results.majority_needed == 5186
    assert outcomes(results) == {
        "Liliana Bakhtiari": RUNOFF,
        "Mandy Mahoney": RUNOFF,
        "Samuel Bacote": LOST,
        "Katie Kissell": LOST,
        "Doug Williams": LOST,
    }
    assert results.threshold_sentence == (
        "A majority needed 5,186 of 10,370 votes; Bakhtiari was 52 short, "
        "so the top two meet in a runoff."
    )


def test_threshold_sentence_names_the_runoff_date_when_the_runoff_race_exists():
    general = make_district_5_general()
    runoff_election = make_election(name="Runoff", date=general.election.date.replace(day=30))
    make_race(election=runoff_election, office=general.office, runoff_of=general)
    general = Race.objects.get(pk=general.pk)
    assert race_results(general).threshold_sentence.endswith("meet in a runoff on Nov. 30.")


def test_5000_of_10001_is_not_a_majority():
    results = race_results(make_race_with_votes([("A", 5000), ("B", 4000), ("C", 1001)]))
    assert outcomes(results) == {"A": RUNOFF, "B": RUNOFF, "C": LOST}


def test_5001_of_10001_is_a_majority_and_wins_outright():
    results = race_results(make_race_with_votes([("A", 5001), ("B", 5000)]))
    assert outcomes(results) == {"A": WON, "B": LOST}
    assert results.rows[1].margin == 1


def test_a_tie_for_second_place_is_shown_as_a_tie():
    results = race_results(make_race_with_votes([("A", 400), ("B", 300), ("C", 300)]))
    assert outcomes(results) == {"A": RUNOFF, "B": TIED, "C": TIED}


def test_a_tie_for_first_in_a_plurality_race_declares_no_winner():
    race = make_race_with_votes(
        [("A", 300), ("B", 300), ("C", 10)], decision_rule=Race.DecisionRule.PLURALITY
    )
    assert outcomes(race_results(race)) == {"A": TIED, "B": TIED, "C": LOST}


def test_a_withdrawn_candidate_keeps_votes_but_never_advances():
    race = make_race_with_votes([("A", 400), ("B", 350), ("C", 250)])
    race.candidacies.filter(candidate__name="B").update(withdrawn=True)
    results = race_results(race)
    assert results.total == 1000
    assert [row.votes for row in results.rows] == [400, 350, 250]
    assert outcomes(results) == {"A": RUNOFF, "B": LOST, "C": RUNOFF}


def test_outcomes_are_pending_while_counting():
    race = make_race_with_votes([("A", 900), ("B", 100)], status=Race.Status.COUNTING)
    assert set(outcomes(race_results(race)).values()) == {PENDING}


def test_a_race_with_no_votes_has_no_results_yet():
    race = make_race()
    make_candidacy(race, name="A")
    make_candidacy(race, name="B")
    results = race_results(race)
    assert not results.has_votes
    assert set(outcomes(results).values()) == {PENDING}


def test_an_uncontested_race_is_stated_as_such():
    race = make_race()
    make_candidacy(race, name="Only")
    assert race_results(race).is_uncontested


def test_a_race_without_totals_on_file_shows_the_reported_outcome_and_margin():
    race = make_race(reported_margin=252)
    make_candidacy(race, name="Incumbent", incumbent=True, reported_outcome="won")
    make_candidacy(race, name="Challenger", reported_outcome="lost")
    results = race_results(race)
    assert not results.has_votes
    assert outcomes(results) == {"Incumbent": WON, "Challenger": LOST}
    assert [row.margin for row in results.rows] == [252, 252]


def test_a_cancelled_race_is_cancelled_whatever_votes_are_on_file():
    race = make_race_with_votes([("A", 900), ("B", 100)], cancelled=True)
    assert race_results(race).state == RaceState.CANCELLED


def test_an_upcoming_race_with_candidates_but_no_votes_has_no_results_yet():
    race = make_race(status=Race.Status.UPCOMING)
    make_candidacy(race, name="A")
    make_candidacy(race, name="B")
    assert race_results(race).state == RaceState.NO_RESULTS


def test_a_counting_race_before_its_first_votes_has_no_results_yet():
    race = make_race(status=Race.Status.COUNTING)
    make_candidacy(race, name="A")
    assert race_results(race).state == RaceState.NO_RESULTS


def test_a_final_race_with_neither_votes_nor_a_reported_outcome_has_no_results_yet():
    race = make_race(status=Race.Status.CERTIFIED)
    make_candidacy(race, name="A")
    assert race_results(race).state == RaceState.NO_RESULTS


def test_a_final_race_known_only_by_its_reported_outcome_is_reported_only():
    race = make_race(status=Race.Status.CERTIFIED, reported_margin=252)
    make_candidacy(race, name="Incumbent", reported_outcome="won")
    make_candidacy(race, name="Challenger", reported_outcome="lost")
    results = race_results(race)
    assert results.totals_not_on_file
    assert results.state == RaceState.REPORTED_ONLY


ELECTION_DAY = datetime.date(2021, 11, 2)
DAY_BEFORE, DAY_AFTER = (
    ELECTION_DAY - datetime.timedelta(days=1),
    ELECTION_DAY + datetime.timedelta(days=1),
)
UPCOMING, COUNTING = Race.Status.UPCOMING, Race.Status.COUNTING
FINAL, CERTIFIED = Race.Status.UNOFFICIAL_FINAL, Race.Status.CERTIFIED


@pytest.mark.parametrize(
    ("status", "today", "on_file", "state"),
    [
        # No votes on file: the day decides, whatever the hand-set status says.
        (UPCOMING, DAY_BEFORE, "nothing", RaceState.UPCOMING),
        (COUNTING, DAY_BEFORE, "nothing", RaceState.UPCOMING),
        (FINAL, DAY_BEFORE, "nothing", RaceState.UPCOMING),
        (UPCOMING, ELECTION_DAY, "nothing", RaceState.TODAY),
        (COUNTING, ELECTION_DAY, "nothing", RaceState.TODAY),
        (CERTIFIED, ELECTION_DAY, "nothing", RaceState.TODAY),
        (UPCOMING, DAY_AFTER, "nothing", RaceState.NO_RESULTS),
        (COUNTING, DAY_AFTER, "nothing", RaceState.NO_RESULTS),
        # Votes on file: counted until the desk marks them final or certified.
        (UPCOMING, ELECTION_DAY, "votes", RaceState.COUNTING),
        (COUNTING, ELECTION_DAY, "votes", RaceState.COUNTING),
        (COUNTING, DAY_AFTER, "votes", RaceState.COUNTING),
        (COUNTING, ELECTION_DAY, "votes and a call", RaceState.CALLED),
        (FINAL, ELECTION_DAY, "votes", RaceState.FINAL),
        (FINAL, ELECTION_DAY, "votes and a call", RaceState.FINAL),
        (FINAL, DAY_AFTER, "votes", RaceState.FINAL),
        (CERTIFIED, DAY_AFTER, "votes", RaceState.CERTIFIED),
        # The nuances: cancelled whatever is on file; an outcome known only as reported.
        (COUNTING, ELECTION_DAY, "votes, cancelled", RaceState.CANCELLED),
        (CERTIFIED, DAY_AFTER, "a reported outcome", RaceState.REPORTED_ONLY),
    ],
)
def test_one_race_state_from_status_election_day_and_what_is_on_file(status, today, on_file, state):
    assert (
        race_state(
            status=status,
            election_date=ELECTION_DAY,
            has_votes="votes" in on_file,
            cancelled="cancelled" in on_file,
            reported_only="reported" in on_file,
            call_shown="call" in on_file,
            today=today,
        )
        == state
    )


@pytest.mark.parametrize(
    ("today", "race_states", "state"),
    [
        (DAY_BEFORE, [RaceState.UPCOMING], ElectionState.UPCOMING),
        (ELECTION_DAY, [RaceState.TODAY], ElectionState.TODAY),
        (ELECTION_DAY, [RaceState.FINAL, RaceState.CERTIFIED], ElectionState.TODAY),
        (ELECTION_DAY, [RaceState.FINAL, RaceState.COUNTING], ElectionState.COUNTING),
        (DAY_AFTER, [RaceState.FINAL, RaceState.CALLED], ElectionState.COUNTING),
        (DAY_AFTER, [RaceState.FINAL, RaceState.NO_RESULTS], ElectionState.PAST),
        (DAY_AFTER, [], ElectionState.PAST),
    ],
)
def test_an_election_is_past_only_once_its_day_is_over_and_counting_while_a_race_counts(
    today, race_states, state
):
    assert election_state(ELECTION_DAY, race_states, today=today) == state


@time_machine.travel(datetime.datetime(2021, 11, 2, 23, 30, tzinfo=ZoneInfo("America/New_York")))
def test_election_day_is_the_newsrooms_day_not_utcs():
    """At 11:30 p.m. in Atlanta it is already Nov. 3 in UTC; the race is still today's."""
    race = make_race(election=make_election(date=ELECTION_DAY), status=COUNTING)
    make_candidacy(race, name="A")
    assert race_results(race).state == RaceState.TODAY


def test_a_race_state_follows_the_figures_a_race_is_loaded_with():
    race = make_race_with_votes([("A", 900), ("B", 100)], status=Race.Status.UPCOMING)
    assert race_results(race).state == RaceState.COUNTING
    race.status = Race.Status.CERTIFIED
    assert race_results(race).state == RaceState.CERTIFIED


def test_the_race_state_is_decided_from_the_loaded_rows_without_a_query(
    django_assert_num_queries,
):
    results = race_results(make_race_with_votes([("A", 900)], status=Race.Status.COUNTING))
    with django_assert_num_queries(0):
        assert results.state == RaceState.COUNTING
