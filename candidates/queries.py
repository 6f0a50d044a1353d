"""The reads behind the public election pages, each in a fixed number of queries.

Every function here declares its own ``select_related`` / ``Prefetch`` so that a template can
loop over races, candidacies and reporting units without touching the database again. The
results rules themselves live in candidates/results.py; this module only fetches the rows
and groups the per-county figures for display.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Prefetch, Q, prefetch_related_objects
from django.utils import timezone

from candidates.models import (
    Answer,
    BallotMeasure,
    Candidacy,
    Candidate,
    Election,
    Race,
    ReportingUnit,
    VoteCount,
)
from candidates.results import (
    RACES_TAG,
    ElectionState,
    election_state,
    listed_race_state,
    measure_results,
    precinct_units,
    precincts_in,
    race_results,
)
from civicsite.core import pagetags


def elections_for_index():
    """Every election under its ElectionState (candidates/results.py): now counting, today,
    upcoming (soonest first) and past (newest first), each listed once. Two queries: the
    elections and their races with what the races' states need."""
    pagetags.shows(RACES_TAG)  # an election moves between groups with its races' states
    today = timezone.localdate()
    groups = {state: [] for state in ElectionState}
    for election in Election.objects.with_race_states().order_by("-date", "name"):
        states = [listed_race_state(race, today=today) for race in election.races.all()]
        groups[election_state(election.date, states, today=today)].append(election)
    return {
        "counting": groups[ElectionState.COUNTING],
        "today": groups[ElectionState.TODAY],
        "upcoming": groups[ElectionState.UPCOMING][::-1],
        "past": groups[ElectionState.PAST],
    }


# How many elections on or after today the home page looks through for the next one: only
# elections of today whose results are coming in are passed over.
NEXT_ELECTION_LOOKAHEAD = 5


def next_election():
    """The next election readers can still vote in, or None: the first whose day is still to
    come, or today's while none of its races has results (once they come in, the home page's
    results module shows them, so "Next election: today" does not stay beside the winners).
    Two queries."""
    pagetags.shows(RACES_TAG)
    today = timezone.localdate()
    for election in Election.objects.not_over().with_race_states()[:NEXT_ELECTION_LOOKAHEAD]:
        states = [listed_race_state(race, today=today) for race in election.races.all()]
        if election.date > today or all(
            state.no_results_yet or state.is_cancelled for state in states
        ):
            return election
    return None


def election_races(election):
    """The election's races, each paired with its RaceResults and reporting summary."""
    races = (
        Race.objects.with_results()
        .filter(election=election)
        .order_by("office__body", "office__district", "office__name", "party")
    )
    return [RacePage.summary(race) for race in races]


def election_measures(election):
    """The election's ballot measures, A to Z, each as its MeasureResults: two queries (the
    measures, their county counts) however many measures and counties."""
    measures = BallotMeasure.objects.with_counts().filter(election=election).order_by("title", "pk")
    return [measure_results(measure) for measure in measures]


def measure_page(measure):
    """One measure's MeasureResults with its county rows, from a measure of
    ``BallotMeasure.objects.with_counts()`` (no query)."""
    return measure_results(measure)


def race_page(race):
    """One race's results, reporting summary and per-county table (one VoteCount query)."""
    page = RacePage.summary(race)
    page.county_table = CountyTable.build(page.results, race.top_units)
    return page


def candidacies_for_profile(candidate):
    """Every candidacy of one candidate, newest election first, with each race's results rows.

    The race's candidacies are prefetched with ``for_results()`` so that one query gives every
    race's rows however many races the candidate ran in, and one more its counties (coverage).
    """
    candidacies = (
        Candidacy.objects.filter(candidate=candidate)
        .select_related("candidate", *(f"race__{name}" for name in Race.PAGE_RELATIONS))
        .prefetch_related(
            *(f"race__{name}" for name in Race.LINKED_RACE_ELECTIONS),
            Prefetch("race__candidacies", queryset=Candidacy.objects.for_results()),
            # The counties on file: no outcome while a race's expected counties are missing.
            Prefetch(
                "race__reporting_units",
                queryset=ReportingUnit.objects.top_level(),
                to_attr="top_units",
            ),
        )
        .annotate(
            answered_guide=Exists(
                Answer.objects.filter(
                    candidacy=OuterRef("pk"),
                    status=Answer.Status.ANSWERED,
                    question__questionnaire__published=True,
                )
            )
        )
        .order_by("-race__election__date", "race__office__name")
    )
    entries = []
    for candidacy in candidacies:
        race = candidacy.race
        results = race_results(race, candidacies=race.candidacies.all())
        row = next(r for r in results.rows if r.candidacy.pk == candidacy.pk)
        entries.append(ProfileEntry(candidacy=candidacy, race=race, results=results, row=row))
    return entries


def candidates_for_index():
    """Candidates A to Z, each with its candidacies (newest first) for "latest race"."""
    latest_first = Candidacy.objects.select_related("race__election", "race__office").order_by(
        "-race__election__date"
    )
    return Candidate.objects.order_by("name", "pk").prefetch_related(
        Prefetch("candidacies", queryset=latest_first, to_attr="candidacies_latest_first")
    )


@dataclass
class ReportingSummary:
    """Precincts reporting per county and overall, e.g. "14 of 14 precincts"."""

    units: list
    reporting: int | None = None
    total: int | None = None

    @classmethod
    def from_units(cls, units):
        counted = precinct_units(units)
        if not counted:
            return cls(units=[])
        reporting, total = precincts_in(counted)
        return cls(units=counted, reporting=reporting, total=total)


@dataclass
class CountyTable:
    """Votes per candidacy per top-level unit, in result order, from one VoteCount query.

    ``counties`` are the table's columns; ``votes`` maps (candidacy id, unit id) to votes for
    every top-level unit, including an "all counties combined" one (the JSON view lists it).
    """

    counties: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # (ResultRow, [votes or None per county])
    county_totals: list = field(default_factory=list)
    votes: dict = field(default_factory=dict)

    @property
    def has_votes(self):
        return any(total for total in self.county_totals)

    @property
    def counties_as_rows(self):
        """A row per county once there are more counties than candidates (a statewide race's
        159 would be 159 columns); a column per county otherwise (District 5's two)."""
        return len(self.counties) > len(self.rows)

    @property
    def county_rows(self):
        """(county, [votes or None per candidacy, in result order], county total) per county:
        the table turned, for ``counties_as_rows``."""
        return [
            (county, [votes[index] for _, votes in self.rows], total)
            for index, (county, total) in enumerate(
                zip(self.counties, self.county_totals, strict=True)
            )
        ]

    def votes_in(self, unit, results):
        """[(ResultRow, votes)] for one unit, or None when the unit has no figures on file."""
        pairs = [
            (row, self.votes[(row.candidacy.pk, unit.pk)])
            for row in results.rows
            if (row.candidacy.pk, unit.pk) in self.votes
        ]
        return pairs or None

    @classmethod
    def build(cls, results, units):
        counties = [unit for unit in units if unit.kind == ReportingUnit.Kind.COUNTY]
        if not units or not results.rows:
            return cls(counties=counties)
        votes = {
            (count["candidacy_id"], count["unit_id"]): count["votes"]
            for count in VoteCount.objects.filter(unit__in=units)
            .order_by()
            .values("candidacy_id", "unit_id", "votes")
        }
        rows = [
            (row, [votes.get((row.candidacy.pk, county.pk)) for county in counties])
            for row in results.rows
        ]
        county_totals = [
            sum(votes.get((row.candidacy.pk, county.pk)) or 0 for row in results.rows)
            for county in counties
        ]
        return cls(counties=counties, rows=rows, county_totals=county_totals, votes=votes)


@dataclass
class RacePage:
    race: Race
    results: object
    reporting: ReportingSummary
    county_table: CountyTable | None = None

    @classmethod
    def summary(cls, race):
        """Results and reporting of a race from ``Race.objects.with_results()`` (no query)."""
        return cls(
            race=race,
            results=race_results(race, candidacies=race.candidacies.all()),
            reporting=ReportingSummary.from_units(race.top_units),
        )

    @property
    def totals_not_on_file(self):
        """For the JSON view's reported margin; the rule is RaceResults.totals_not_on_file."""
        return self.results.totals_not_on_file


@dataclass
class ProfileEntry:
    candidacy: Candidacy
    race: Race
    results: object
    row: object


def home_results_pages(*, days, limit):
    """The home page's election-week module: up to ``limit`` races as RacePages, the ones
    being counted first, then the latest updated, from the elections of the last ``days``
    days (with figures on file, or election day's before the first figures) and any race
    still being counted, however old. Cancelled races are left out. Three queries however
    many races and candidates; the state each race shows is its RaceState, as everywhere."""
    pagetags.shows(RACES_TAG)  # which races these are changes with any race's state
    today = timezone.localdate()
    recent = Q(election__date__range=(today - datetime.timedelta(days=days), today)) & (
        Q(has_votes=True) | Q(election__date=today)
    )
    races = (
        Race.objects.with_results()
        .with_state_facts()
        .filter(recent | Q(has_votes=True, status__in=Race.NOT_FINAL_STATUSES), cancelled=False)
        .order_by(
            F("results_updated_at").desc(nulls_last=True),
            "-election__date",
            "office__name",
            "party",
        )[:limit]
    )
    pages = [RacePage.summary(race) for race in races]
    pages.sort(key=lambda page: not page.results.is_live)  # stable: latest first within
    return pages


def race_states(races):
    """{race id: RaceState} for races already fetched (a search's hits), read as every page
    reads them (``race_results``): two queries for their candidacies and counties however
    many races."""
    prefetch_related_objects(
        races,
        Prefetch("candidacies", queryset=Candidacy.objects.for_results()),
        Prefetch(
            "reporting_units", queryset=ReportingUnit.objects.top_level(), to_attr="top_units"
        ),
    )
    return {race.pk: race_results(race, candidacies=race.candidacies.all()).state for race in races}
