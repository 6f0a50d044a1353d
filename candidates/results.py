"""The results rules, in one place.

Views, templates, the JSON feed and the importer's summary all read results through
``race_results()``; nothing else decides who won. The rules:

- A majority is ``votes * 2 > total``, decided in integers, never from rounded shares.
- Shares are truncated to two decimals by default, as county election offices print them
  (5,134 / 10,370 = 49.508...% shows 49.50%). With RESULTS_SHARE_ROUNDING = "half_up" they
  are rounded, but a candidate short of a majority never shows 50.00%.
- Withdrawn candidacies keep their votes (they count in the total) but never win or advance.
- Ties are shown as ties: nobody is declared the winner of a tied place.
- While a race is counting every outcome is pending; a race with no votes has no results yet.
- While counties a race expects are missing (``Coverage``), every outcome is pending and the
  race cannot be marked final: a race loaded from part of its area never shows a winner.
- What every page, list, box, feed and JSON says about a race as a whole is one ``RaceState``
  (upcoming, today, counting, called, final, certified; cancelled, reported only, results not
  on file), derived by ``race_state`` from its status, its election's day and what is on
  file, never from the hand-set status alone; templates switch on it. An election's
  ``ElectionState`` follows from its day and its races' states (``election_state``).

Election night (``RaceResults.call``, ``shares_hidden``, the sentences):

- The desk may call a race before it is final (candidates/calls.py): a winner, or the two who
  advance to a runoff. Readers see a call ("Winner (called)", "Called by <site> at 9:42
  p.m.", state CALLED) only while the figures on file bear it out: every expected county on
  file, shares no longer held back, the called candidates exactly the leaders with nobody
  tied with them at the cut, none withdrawn, and for a runoff call nobody holding a majority.
  Otherwise the call is kept from readers and the desk is told why (``DeskCall.conflict``).
- Once a race is final the figures alone decide it, as above; a call they contradict is
  never shown and the desk is warned.
- Shares (and the majority math, which is a share) are held back while fewer than
  RESULTS_SHARE_GUARD_PERCENT of the race's precincts report, saying why: the first precinct
  in is no guide to the race. Votes are shown from the first.

Ballot measures (``measure_results()``) follow the same rules where they apply (shares, coverage,
final), and decide passed or failed with ``measure_passes()``:

- Counted among the Yes and No votes cast on the measure (blank ballots and undervotes are not
  votes on it), in integers, never from rounded shares.
- Simple majority: more Yes than No (``yes > no``); a tie fails.
- Three-fifths and two-thirds: *at least* that fraction Yes (``yes * 5 >= total * 3``,
  ``yes * 3 >= total * 2``), as constitutions word them ("three-fifths of those voting"):
  3 Yes of 5 passes a three-fifths measure, 2 Yes of 3 a two-thirds one.
- Passed or failed only when the measure is final and no expected county is missing; pending
  otherwise.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.dateformat import format as date_format

from candidates.models import BallotMeasure, Race, RaceCall, ReportingUnit
from civicsite.core import pagetags

# What a page shows, for the page cache (civicsite/core/pagetags.py). Every page, box, embed and
# JSON that shows a race's figures or state reads them here, so recording the tags here tags
# them all. RACES_TAG: pages that pick races by their state or show races' states in a list
# (the home page, the elections list, search); every results write changes it.
RACES_TAG = "races"


def race_tag(race_id):
    return f"race:{race_id}"


def measure_tag(measure_id):
    return f"measure:{measure_id}"


WON = "won"
RUNOFF = "runoff"
LOST = "lost"
TIED = "tied"
PENDING = "pending"
PASSED = "passed"
FAILED = "failed"
# The desk's call, shown while the race is counted (never once it is final).
CALLED_WON = "called_won"
CALLED_RUNOFF = "called_runoff"

OUTCOME_LABELS = {
    WON: "Won",
    RUNOFF: "Advances to runoff",
    LOST: "Lost",
    TIED: "Tied",
    PENDING: "Pending",
    PASSED: "Passed",
    FAILED: "Failed",
    CALLED_WON: "Winner (called)",
    CALLED_RUNOFF: "Advances to runoff (called)",
}


def share_percent(votes, total, *, rounding=None):
    """A candidate's share as a Decimal percentage with two places (see module docstring)."""
    if not total:
        return None
    rounding = rounding or getattr(settings, "RESULTS_SHARE_ROUNDING", "truncate")
    if rounding == "half_up":
        share = (Decimal(votes) * 100 / Decimal(total)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        if share >= 50 and votes * 2 <= total:
            share = Decimal("49.99")  # never show a majority that is not there
        return share
    return Decimal(votes * 10000 // total) / 100


class RaceState(models.TextChoices):
    """Where a race stands for readers: the one state every page, list, box, feed and JSON
    shows, decided by ``race_state`` (the labels are the words readers see)."""

    UPCOMING = "upcoming", "Upcoming"
    TODAY = "today", "Election day; no votes reported yet"
    NO_RESULTS = "no_results", "Results not on file"
    COUNTING = "counting", "Counting"
    CALLED = "called", "Called; counting continues"
    FINAL = "final", "Unofficial final"
    CERTIFIED = "certified", "Certified"
    CANCELLED = "cancelled", "Cancelled"
    REPORTED_ONLY = "reported_only", "Final, as reported"

    @property
    def is_cancelled(self):
        return self == RaceState.CANCELLED

    @property
    def no_results_yet(self):
        """No figures to show: before, on or after election day."""
        return self in {RaceState.UPCOMING, RaceState.TODAY, RaceState.NO_RESULTS}

    @property
    def no_results_words(self):
        """What readers are told when there are no figures: "yet" only until the day is over
        (a past race whose results this site never had will not get them tonight)."""
        return "No results on file" if self == RaceState.NO_RESULTS else "No results yet"

    @property
    def is_reported_only(self):
        return self == RaceState.REPORTED_ONLY

    @property
    def is_called(self):
        return self == RaceState.CALLED

    @property
    def is_counting(self):
        """Figures are in and may still change (a called race is still being counted)."""
        return self in {RaceState.COUNTING, RaceState.CALLED}

    @property
    def is_decided(self):
        return self in {RaceState.FINAL, RaceState.CERTIFIED, RaceState.REPORTED_ONLY}

    @property
    def is_live(self):
        """Figures may arrive or change now: election day, or votes being counted."""
        return self == RaceState.TODAY or self.is_counting

    @property
    def shows_votes(self):
        """The vote table, shares and majority math are shown."""
        return self.is_counting or self in {RaceState.FINAL, RaceState.CERTIFIED}


def race_state(
    *,
    status,
    election_date,
    has_votes,
    cancelled=False,
    reported_only=False,
    call_shown=False,
    today=None,
):
    """The RaceState of a race (or ballot measure) from its hand-set status, its election's
    date and what is on file. The one rule, in this order:

    - Cancelled is cancelled, whatever is on file; an old race known only by its reported
      outcome is REPORTED_ONLY.
    - With votes on file the figures are shown: CERTIFIED or FINAL when the desk set that
      status, else CALLED while readers see the desk's call, else COUNTING, whatever the
      status says (figures that are in are being counted).
    - With no votes on file the status is not believed: the election's day in the newsroom's
      time zone (TIME_ZONE) decides: UPCOMING before it, TODAY on it, NO_RESULTS after it.
    """
    if cancelled:
        return RaceState.CANCELLED
    if reported_only:
        return RaceState.REPORTED_ONLY
    if has_votes:
        if status == Race.Status.CERTIFIED:
            return RaceState.CERTIFIED
        if status in Race.FINAL_STATUSES:
            return RaceState.FINAL
        return RaceState.CALLED if call_shown else RaceState.COUNTING
    today = today or timezone.localdate()
    if election_date > today:
        return RaceState.UPCOMING
    if election_date == today:
        return RaceState.TODAY
    return RaceState.NO_RESULTS


def listed_race_state(race, *, today=None):
    """The RaceState of a race from ``Race.objects.with_state_facts()`` (no query), for lists
    that group races or elections by state. The desk's call is not read here, so a called
    race is COUNTING: the same family (``is_counting``), never another group."""
    return race_state(
        status=race.status,
        election_date=race.election.date,
        cancelled=race.cancelled,
        has_votes=race.has_votes,
        reported_only=race.is_final and not race.has_votes and race.has_reported_outcome,
        today=today,
    )


class ElectionState(models.TextChoices):
    """Where an election stands, from its day and its races' states (``election_state``)."""

    COUNTING = "counting", "Now counting"
    TODAY = "today", "Today"
    UPCOMING = "upcoming", "Upcoming"
    PAST = "past", "Past"


def election_state(election_date, race_states, *, today=None):
    """COUNTING while any of its races is counted, whatever the day; otherwise the day
    decides, and an election is PAST only once its day is over (a race marked final on
    election day leaves its election under TODAY, never UPCOMING)."""
    if any(state.is_counting for state in race_states):
        return ElectionState.COUNTING
    today = today or timezone.localdate()
    if election_date > today:
        return ElectionState.UPCOMING
    if election_date == today:
        return ElectionState.TODAY
    return ElectionState.PAST


@dataclass
class ResultRow:
    candidacy: object
    votes: int
    share: Decimal | None
    outcome: str = PENDING
    margin: int | None = None  # won by / lost by, in votes, when the race is decided

    @property
    def outcome_label(self):
        return OUTCOME_LABELS[self.outcome]

    @property
    def bar_width(self):
        """Share as a whole percentage for a CSS bar width (a display aid, not a figure)."""
        return int(self.share or 0)


@dataclass(frozen=True)
class Coverage:
    """How much of a race's area has figures on file: counties with votes / counties expected.

    The rule: no outcome (won, runoff, lost) while expected counties are missing, and a race
    cannot be marked final then (``final_refusal``). ``expected`` is None when not known.
    """

    on_file: int
    expected: int | None
    whole: str = "race"  # what the counties make up, for the sentence ("race", "measure")

    @property
    def is_partial(self):
        return self.expected is not None and self.on_file < self.expected

    @property
    def sentence(self):
        """ "Results for 2 of 159 counties; the result for the whole race is not on file here." """
        if not self.is_partial:
            return ""
        noun = "county" if self.expected == 1 else "counties"
        return (
            f"Results for {self.on_file:,} of {self.expected:,} {noun}; the result for the "
            f"whole {self.whole} is not on file here."
        )


def precinct_units(units):
    """The top-level ``units`` whose precinct counts add up to the race's: the counties that
    know their count, or, when none does, the "all counties combined" unit, so the same
    precincts are never added twice."""
    with_counts = [unit for unit in units if unit.precincts_total is not None]
    counties = [unit for unit in with_counts if unit.kind == ReportingUnit.Kind.COUNTY]
    return counties or with_counts


def precincts_in(units):
    """(precincts reporting, precincts in all) over a race's top-level units, or None when no
    unit knows its count (``precinct_units``)."""
    counted = precinct_units(units)
    if not counted:
        return None
    return (
        sum(unit.precincts_reporting or 0 for unit in counted),
        sum(unit.precincts_total for unit in counted),
    )


def race_coverage(race, units):
    """The Coverage of ``race`` from its top-level ``units`` (counties, or the one "all
    counties combined" unit, which covers the whole race)."""
    units = list(units)
    if any(unit.kind == "combined" for unit in units):
        return Coverage(on_file=race.expected_units or 1, expected=race.expected_units)
    # A county set up with 0 precincts reporting has nothing on file yet.
    on_file = sum(1 for unit in units if unit.precincts_reporting != 0)
    return Coverage(on_file=on_file, expected=race.expected_units)


def final_refusal(race, units):
    """Why ``race`` cannot be marked final with these top-level units, or "" when it can."""
    return _partial_refusal(race.heading, race_coverage(race, units))


def _partial_refusal(name, coverage):
    if coverage.is_partial:
        return (
            f"{name} cannot be marked final: figures are on file for "
            f"{coverage.on_file:,} of its {coverage.expected:,} counties"
        )
    return ""


def local_time(moment):
    """ "9:42 p.m." in the newsroom's time zone (TIME_ZONE)."""
    return date_format(timezone.localtime(moment), "P")


@dataclass
class DeskCall:
    """The race's standing call (candidates.models.RaceCall) as the figures judge it.

    ``conflict`` says, for the desk, why readers are not shown the call ("" when they are).
    Read from the candidacies' ``called_at`` / ``call_outcome`` (``with_call()``), no query.
    """

    outcome: str  # RaceCall.Outcome
    called_at: datetime.datetime
    rows: list  # the ResultRows called
    conflict: str = ""

    @property
    def shown(self):
        return not self.conflict

    @property
    def names(self):
        return and_list([row.candidacy.display_name for row in self.rows])

    @property
    def sentence(self):
        """What was called, for the desk: "Bakhtiari and Mahoney advance to a runoff"."""
        if self.outcome == RaceCall.Outcome.RUNOFF:
            return f"{self.names} advance to a runoff"
        return f"{self.names} {'wins' if len(self.rows) == 1 else 'win'}"


def and_list(names):
    """["A", "B", "C"] -> "A, B and C"."""
    if len(names) <= 2:
        return " and ".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass
class RaceResults:
    race: Race
    rows: list = field(default_factory=list)
    total: int = 0
    call: DeskCall | None = None
    # (precincts reporting, in all) over the race's counties, when loaded and known.
    precincts: tuple | None = None
    shares_hidden: bool = False

    @property
    def has_votes(self):
        return self.total > 0

    @property
    def totals_not_on_file(self):
        """A decided race known only by its reported outcome (see _use_reported_outcomes)."""
        return (
            not self.has_votes
            and self.race.is_final
            and any(row.candidacy.reported_outcome for row in self.rows)
        )

    @property
    def state(self):
        """The race's RaceState (``race_state``), from the race and these rows (no query)."""
        race = self.race
        return race_state(
            status=race.status,
            election_date=race.election.date,
            cancelled=race.cancelled,
            has_votes=self.has_votes,
            reported_only=self.totals_not_on_file,
            call_shown=self.call is not None and self.call.shown,
        )

    @property
    def coverage(self):
        """Coverage from the race's prefetched ``top_units``, or None when not loaded."""
        units = getattr(self.race, "top_units", None)
        return None if units is None else race_coverage(self.race, units)

    @property
    def is_uncontested(self):
        active = [row for row in self.rows if not row.candidacy.withdrawn]
        return 0 < len(active) <= self.race.seats

    @property
    def majority_needed(self):
        """The smallest vote count that is a majority: total // 2 + 1."""
        return self.total // 2 + 1 if self.total else None

    @property
    def leader(self):
        return self.rows[0] if self.rows and self.has_votes else None

    @property
    def winners(self):
        return [row for row in self.rows if row.outcome == WON]

    @property
    def advancing(self):
        return [row for row in self.rows if row.outcome == RUNOFF]

    @property
    def called_rows(self):
        """The rows readers see as called (outcome CALLED_WON or CALLED_RUNOFF)."""
        return [row for row in self.rows if row.outcome in {CALLED_WON, CALLED_RUNOFF}]

    @property
    def is_live(self):
        """Figures may still change on election night (``RaceState.is_live``: election day
        before the first figures, or counting). The pages poll the race JSON and tell caches
        to keep them only a few seconds while this holds."""
        return self.state.is_live

    @property
    def threshold_sentence(self):
        """Plain-words majority math for a majority race, or "" when it does not apply: while
        counting, how far the leader is from a majority of the votes counted so far ("Bakhtiari
        needs 52 more votes for a majority"); once final, the rule's verdict."""
        race = self.race
        if race.decision_rule != Race.DecisionRule.MAJORITY or not self.leader:
            return ""
        if self.shares_hidden:
            return ""  # a share in other words: held back with the shares
        leader = self.leader
        name = leader.candidacy.candidate.name.split()[-1]
        needed = self.majority_needed
        if not race.is_final:
            opening = f"A majority of the {self.total:,} votes counted so far is {needed:,}"
            if leader.votes >= needed:
                spare = leader.votes - needed
                return f"{opening}; {name} has {leader.votes:,}, {spare:,} to spare."
            short = needed - leader.votes
            return (
                f"{opening}; {name} has {leader.votes:,} and needs {short:,} more "
                f"vote{'' if short == 1 else 's'} for a majority."
            )
        opening = f"A majority needed {needed:,} of {self.total:,} votes"
        if leader.votes >= needed:
            return f"{opening}; {name} has {leader.votes:,}, {leader.votes - needed:,} to spare."
        sentence = f"{opening}; {name} was {needed - leader.votes:,} short"
        if self.advancing:
            runoff = getattr(race, "runoff", None)
            when = f" on {date_format(runoff.election.date, 'N j')}" if runoff else ""
            return f"{sentence}, so the top two meet in a runoff{when}."
        return f"{sentence}."

    @property
    def standing_sentence(self):
        """Who leads and by how much while the race is counted, or "" once it is decided:
        "Bakhtiari leads Mahoney by 3,240 votes." Ties are said as ties."""
        if self.race.is_final or not self.has_votes or len(self.rows) < 2:
            return ""
        first, second = self.rows[0], self.rows[1]
        if first.votes == second.votes:
            tied = [row for row in self.rows if row.votes == first.votes]
            names = and_list([row.candidacy.display_name for row in tied])
            return f"{names} are tied with {first.votes:,} votes each."
        margin = first.votes - second.votes
        return (
            f"{first.candidacy.display_name} leads {second.candidacy.display_name} by "
            f"{margin:,} vote{'' if margin == 1 else 's'}."
        )

    @property
    def guard_sentence(self):
        """Why shares are not shown yet, or ""."""
        if not self.shares_hidden:
            return ""
        reporting, total = self.precincts
        noun = "precinct" if total == 1 else "precincts"
        verb = "is" if 1 in (reporting, total) else "are"  # "1 of 14 precincts is in"
        return (
            f"Shares are shown once {settings.RESULTS_SHARE_GUARD_PERCENT}% of precincts are "
            f"reporting; {reporting:,} of {total:,} {noun} {verb} in, too few to tell how the "
            "race is going."
        )

    @property
    def expected_sentence(self):
        """The desk's estimate of the whole vote against what is counted, while counting."""
        race = self.race
        if not race.expected_votes or race.is_final or race.cancelled:
            return ""
        opening = (
            f"The desk expects about {race.expected_votes:,} votes in all "
            f"({race.expected_votes_basis})"
        )
        if not self.has_votes:
            return f"{opening}."
        if self.total > race.expected_votes:
            return f"{opening}; {self.total:,} are counted, more than expected."
        counted = self.total * 100 // race.expected_votes
        return f"{opening}; {self.total:,} are counted, about {counted}%."

    @property
    def call_sentence(self):
        """ "Called by civicsite at 9:42 p.m." when readers see the call (and, once final,
        when the figures bore it out); the day is added when it is not election day."""
        call = self.call
        if call is None or not call.shown:
            return ""
        when = timezone.localtime(call.called_at)
        day = "" if when.date() == self.race.election.date else f" on {date_format(when, 'N j')}"
        sentence = f"Called by {settings.SITE_NAME} at {local_time(when)}{day}"
        return sentence if sentence.endswith(".") else f"{sentence}."


def race_results(race, candidacies=None):
    """The race's rows in result order with shares and outcomes.

    ``candidacies`` may be passed when the caller prefetched them with
    ``Candidacy.objects.for_results()`` (the election page does, for every race at once); they
    must be all of the race's candidacies, since the race's total is their sum.
    """
    if candidacies is None:
        candidacies = race.candidacies.for_results()
    rows_in_order = sorted(candidacies, key=lambda c: (-(c.votes or 0), c.ballot_order, c.pk))
    total = sum(c.votes or 0 for c in rows_in_order)
    rows = [
        ResultRow(candidacy=c, votes=c.votes or 0, share=share_percent(c.votes or 0, total))
        for c in rows_in_order
    ]
    results = RaceResults(race=race, rows=rows, total=total)
    _guard_shares(results)
    _decide(results)
    _judge_call(results)
    pagetags.shows(race_tag(race.pk))
    if results.is_live:
        pagetags.shows(pagetags.LIVE_TAG)
    return results


def _guard_shares(results):
    """Hold back shares while too few precincts report (module docstring)."""
    units = getattr(results.race, "top_units", None)
    results.precincts = precincts_in(units) if units is not None else None
    if results.race.is_final or not results.has_votes or not results.precincts:
        return
    reporting, total = results.precincts
    if total and reporting * 100 < settings.RESULTS_SHARE_GUARD_PERCENT * total:
        results.shares_hidden = True
        for row in results.rows:
            row.share = None


def _decide(results):
    race, rows = results.race, results.rows
    if not results.has_votes and race.is_final:
        _use_reported_outcomes(results)
        return
    if not race.is_final or not results.has_votes:
        return  # every row stays pending
    coverage = results.coverage
    if coverage is not None and coverage.is_partial:
        return  # part of the race's area: nobody has won or lost what is not on file
    eligible = [row for row in rows if not row.candidacy.withdrawn]
    for row in rows:
        row.outcome = LOST
    if race.decision_rule == Race.DecisionRule.MAJORITY and race.seats == 1:
        top = eligible[0] if eligible else None
        if top and top.votes * 2 > results.total:
            top.outcome = WON
        else:
            _fill_places(eligible, places=2, outcome=RUNOFF)
    else:
        _fill_places(eligible, places=race.seats, outcome=WON)
    _set_margins(results, eligible)


def _judge_call(results):
    """Read the standing call from the rows and decide whether readers see it (module
    docstring); when they do and the race is not final, the called rows say so."""
    called = [row for row in results.rows if getattr(row.candidacy, "called_at", None)]
    if not called:
        return
    call = results.call = DeskCall(
        outcome=called[0].candidacy.call_outcome,
        called_at=called[0].candidacy.called_at,
        rows=called,
    )
    call.conflict = _call_conflict(results, call)
    if call.shown and not results.race.is_final:
        outcome = CALLED_RUNOFF if call.outcome == RaceCall.Outcome.RUNOFF else CALLED_WON
        for row in called:
            row.outcome = outcome


def _call_conflict(results, call):
    """Why the figures on file do not bear ``call`` out, or "" when they do."""
    race = results.race
    if race.cancelled:
        return "The race is cancelled."
    if not results.has_votes:
        return "No figures are on file for this race yet."
    coverage = results.coverage
    if coverage is not None and coverage.is_partial:
        return f"{coverage.sentence} Readers see the call once every county is on file."
    if race.is_final:
        return _final_conflict(results, call)
    if results.shares_hidden:
        return f"{results.guard_sentence} Readers see the call once shares are shown."
    withdrawn = [row for row in call.rows if row.candidacy.withdrawn]
    if withdrawn:
        return f"{withdrawn[0].candidacy.display_name} has withdrawn."
    eligible = [row for row in results.rows if not row.candidacy.withdrawn]
    places = len(call.rows)
    leaders, rest = eligible[:places], eligible[places:]
    if {id(row) for row in leaders} != {id(row) for row in call.rows}:
        leading = and_list([row.candidacy.display_name for row in leaders])
        verb = "leads" if len(leaders) == 1 else "lead"
        return f"The figures on file do not bear the call out: {leading} {verb} the count."
    if rest and rest[0].votes == leaders[-1].votes:
        return (
            f"{rest[0].candidacy.display_name} is tied with "
            f"{leaders[-1].candidacy.display_name} in the figures on file."
        )
    if call.outcome == RaceCall.Outcome.RUNOFF and leaders[0].votes * 2 > results.total:
        return (
            f"{leaders[0].candidacy.display_name} has a majority of the votes counted so far, "
            "so the figures do not bear a runoff call out."
        )
    return ""


def _final_conflict(results, call):
    """A final race: the rule's outcome against the call (the figures decide)."""
    expected = RUNOFF if call.outcome == RaceCall.Outcome.RUNOFF else WON
    decided = [row for row in results.rows if row.outcome == expected]
    if {id(row) for row in decided} == {id(row) for row in call.rows}:
        return ""
    outcome = results.winners or results.advancing
    if outcome and outcome[0].outcome == RUNOFF:
        verdict = f"{and_list([r.candidacy.display_name for r in outcome])} advance to a runoff"
    elif outcome:
        verdict = f"{and_list([r.candidacy.display_name for r in outcome])} won"
    else:
        verdict = "no outcome (a tie, or part of the race missing)"
    return (
        f"The final figures contradict the call ({call.sentence}): they give {verdict}. "
        "Readers see the figures' outcome; withdraw the call."
    )


def _use_reported_outcomes(results):
    """Older races whose totals are not on file: the outcome and margin as publicly reported."""
    reported = {"won": WON, "lost": LOST, "runoff": RUNOFF}
    for row in results.rows:
        outcome = reported.get(row.candidacy.reported_outcome)
        if outcome:
            row.outcome = outcome
            row.margin = results.race.reported_margin


def _fill_places(eligible, *, places, outcome):
    """Give ``outcome`` to the top ``places`` rows; rows tied across the cut-off are TIED."""
    if len(eligible) <= places:
        for row in eligible:
            row.outcome = outcome
        return
    cutoff_votes = eligible[places - 1].votes
    tied_at_cutoff = [row for row in eligible if row.votes == cutoff_votes]
    above = [row for row in eligible if row.votes > cutoff_votes]
    for row in above:
        row.outcome = outcome
    if len(above) + len(tied_at_cutoff) <= places:
        for row in tied_at_cutoff:
            row.outcome = outcome
    else:
        for row in tied_at_cutoff:
            row.outcome = TIED


def _set_margins(results, eligible):
    winners = [row for row in eligible if row.outcome == WON]
    if len(winners) != 1 or results.race.seats != 1:
        return
    winner = winners[0]
    others = [row for row in eligible if row is not winner]
    if others:
        winner.margin = winner.votes - others[0].votes
    for row in others:
        row.margin = winner.votes - row.votes


# --- Ballot measures ------------------------------------------------------------------------

# The supermajorities as (Yes part, of whole): at least three of every five votes, or two of
# every three.
SUPERMAJORITIES = {
    BallotMeasure.PassRule.THREE_FIFTHS: (3, 5),
    BallotMeasure.PassRule.TWO_THIRDS: (2, 3),
}


def measure_passes(pass_rule, *, yes, no):
    """Whether ``yes`` against ``no`` passes under ``pass_rule`` (module docstring): a simple
    majority needs more Yes than No; a supermajority at least its fraction of Yes + No."""
    if pass_rule in SUPERMAJORITIES:
        part, whole = SUPERMAJORITIES[pass_rule]
        return yes * whole >= (yes + no) * part
    return yes > no


def measure_coverage(measure, counts):
    """The Coverage of ``measure`` from its county counts; as for a race, a county set up with
    0 precincts reporting has nothing on file yet."""
    on_file = sum(1 for count in counts if count.precincts_reporting != 0)
    return Coverage(on_file=on_file, expected=measure.expected_units, whole="measure")


def measure_final_refusal(measure, counts):
    """Why ``measure`` cannot be marked final with these county counts, or "" when it can."""
    return _partial_refusal(measure.title, measure_coverage(measure, counts))


@dataclass
class MeasureCountyRow:
    """One county of a measure with its shares (the measure page's table)."""

    count: object  # MeasureCount
    yes_share: Decimal | None
    no_share: Decimal | None

    @property
    def total(self):
        return self.count.yes_votes + self.count.no_votes


@dataclass
class MeasureResults:
    measure: BallotMeasure
    yes: int
    no: int
    coverage: Coverage
    counties: list = field(default_factory=list)  # MeasureCountyRow, A to Z
    outcome: str = PENDING

    @property
    def total(self):
        return self.yes + self.no

    @property
    def has_votes(self):
        return self.total > 0

    @property
    def yes_share(self):
        return share_percent(self.yes, self.total)

    @property
    def no_share(self):
        return share_percent(self.no, self.total)

    @property
    def sides(self):
        """[("Yes", votes, share), ("No", votes, share)], for the results table."""
        return [("Yes", self.yes, self.yes_share), ("No", self.no, self.no_share)]

    @property
    def is_decided(self):
        return self.outcome in {PASSED, FAILED}

    @property
    def outcome_label(self):
        return OUTCOME_LABELS[self.outcome]

    @property
    def state(self):
        """The measure's RaceState by the races' rule (``race_state``): a measure is never
        cancelled, called or known only by a reported outcome."""
        return race_state(
            status=self.measure.status,
            election_date=self.measure.election.date,
            has_votes=self.has_votes,
        )


def measure_results(measure, counts=None):
    """Yes and No totals, shares and outcome of ``measure`` (module docstring).

    ``counts`` defaults to ``measure.counts.all()``, which costs no query when the measure comes
    from ``BallotMeasure.objects.with_counts()``.
    """
    counts = list(measure.counts.all() if counts is None else counts)
    yes = sum(count.yes_votes for count in counts)
    no = sum(count.no_votes for count in counts)
    results = MeasureResults(
        measure=measure,
        yes=yes,
        no=no,
        coverage=measure_coverage(measure, counts),
        counties=[
            MeasureCountyRow(
                count=count,
                yes_share=share_percent(count.yes_votes, count.yes_votes + count.no_votes),
                no_share=share_percent(count.no_votes, count.yes_votes + count.no_votes),
            )
            for count in counts
        ],
    )
    if measure.is_final and results.has_votes and not results.coverage.is_partial:
        passed = measure_passes(measure.pass_rule, yes=yes, no=no)
        results.outcome = PASSED if passed else FAILED
    pagetags.shows(measure_tag(measure.pk))
    if results.state.is_live:
        pagetags.shows(pagetags.LIVE_TAG)
    return results
