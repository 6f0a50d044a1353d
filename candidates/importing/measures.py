"""Ballot questions in results files: Yes and No votes per county, never candidates.

Why: results files carry ballot questions (amendments, referendums, bonds) beside the races.
Read as a race, a question would make candidates named "Yes" and "No"; here its rows become the
county counts of a BallotMeasure (candidates/models.py) instead. A question's rows are:

- every row of a Clarity contest marked ``isQuestion="true"`` (``ResultRow.is_question``);
- in any file, every row of an office whose choices, in any case, are all Yes/No or all
  For/Against ("Amendment 1": Yes, No). For counts as Yes and Against as No.

A Clarity question with other choices ("Retain", "Reject") cannot be kept as Yes and No: it is
skipped and counted in the summary. An office that mixes such words with other names (Yes, No,
Maybe) is refused: no candidate is ever called Yes.

Otherwise the apply step's rules hold (apply.py): all or nothing (problems join the races'
list, and ``write()`` runs only when there is none), precincts summed into their county
(county totals printed above them set aside as for races), replace, never add (a county in the
file gets exactly the file's Yes and No), bulk queries only. A measure is matched by its title
within the election; an unknown one is a problem unless ``create``, and a created one passes
by simple majority until an editor sets its rule. An import marks a measure final only with
``final`` and when every county it expects is complete (``check_complete()``).
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from candidates.importing.names import normal_party
from candidates.importing.problems import Problem, at, note_precinct_figures
from candidates.importing.rows import MAX_COUNT
from candidates.importing.summary_rows import (
    WRITE_IN_SKIP_REASON,
    WRITE_IN_SUMMARIES,
    set_aside_county_totals,
)
from candidates.importing.text import clean, county_key, district_key, key, loose_key
from candidates.models import PARTY_ADJECTIVES, BallotMeasure, Election, MeasureCount, Race
from candidates.results import RACES_TAG, measure_final_refusal, measure_tag
from candidates.services import IMPORT_REASON, with_history
from civicsite.core import pagecache, pagetags

YES, NO = "yes", "no"
# A choice's loose key -> the side its votes count for.
SIDES = {"yes": YES, "no": NO, "for": YES, "against": NO}
CHOICE_SETS = ({"yes", "no"}, {"for", "against"})
OTHER_CHOICES_SKIPPED = "ballot questions with choices other than Yes/No or For/Against"


def _contest(row):
    return (key(row.office), district_key(row.district))


def _side(row):
    return SIDES[loose_key(row.candidate)]


def split_rows(rows, problems, skipped):
    """(rows for races, rows for ballot measures), each in file order."""
    choices, questions, first = defaultdict(set), set(), {}
    for row in rows:
        contest = _contest(row)
        first.setdefault(contest, row)
        if loose_key(row.candidate) not in WRITE_IN_SUMMARIES:
            choices[contest].add(loose_key(row.candidate))
        if row.is_question:
            questions.add(contest)
    measures = {c for c, names in choices.items() if names and any(names <= s for s in CHOICE_SETS)}
    for contest, names in choices.items():
        if contest not in measures | questions and names & SIDES.keys():
            problems.append(
                Problem(
                    first[contest].where,
                    f"office {first[contest].office!r} has Yes/No or For/Against beside other "
                    "choices: a ballot question's choices are Yes and No (or For and "
                    "Against) only, and no candidate is called Yes; correct the file",
                )
            )
    race_rows, measure_rows = [], []
    for row in rows:
        contest = _contest(row)
        if contest in measures:
            if loose_key(row.candidate) in WRITE_IN_SUMMARIES:
                skipped[WRITE_IN_SKIP_REASON] += 1
            else:
                measure_rows.append(row)
        elif contest in questions:
            skipped[OTHER_CHOICES_SKIPPED] += 1
        elif not choices[contest] & SIDES.keys():
            race_rows.append(row)
    return race_rows, measure_rows


def _title(row, *, primary):
    """The measure's title: the office as printed, with a district the name lacks ("Question
    1, District 5") and, in a primary, the party ballot it is on ("Question 1, Republican
    primary"), so two questions never share a title."""
    title, district = row.office, clean(row.district)
    number = district_key(district)
    if number.isdigit():
        if number not in {district_key(word) for word in re.findall(r"\w+", title)}:
            title = f"{title}, District {number}"
    elif district and key(district) not in key(title):
        title = f"{title}, {district}"
    party = normal_party(row.party) if primary else ""
    if party:
        title = f"{title}, {PARTY_ADJECTIVES.get(party, party)} primary"
    return title


@dataclass
class _County:
    name: str
    first_where: int | str
    precincts: set = field(default_factory=set)
    file_reporting: tuple | None = None  # (value, where)
    file_total: tuple | None = None
    votes: Counter = field(default_factory=Counter)  # YES / NO -> votes


@dataclass
class MeasurePlan:
    """Everything the import will write for ballot measures, worked out before writing."""

    measures: dict = field(default_factory=dict)  # title key -> BallotMeasure (saved or not)
    counts: list = field(default_factory=list)  # the file's counties: MeasureCount (saved or not)
    # id(measure) -> {county key: MeasureCount}: every county as the import would leave it.
    after: dict = field(default_factory=lambda: defaultdict(dict))


def plan_counts(rows, *, election, create, problems, skipped):
    """Match ``rows`` (from ``split_rows``) to measures and sum them into county counts."""
    plan = MeasurePlan()
    if not rows:
        return plan
    _resolve_measures(rows, plan, election, create, problems)
    rows = set_aside_county_totals(
        [row for row in rows if plan.measures[row.measure_ident] is not None],
        problems,
        skipped,
        contest=lambda row: row.measure_ident,
        choice=_side,
    )
    counties = _sum_counties(rows, problems)
    saved = {m.pk: m for m in plan.measures.values() if m is not None and m.pk}
    existing = {}
    for count in MeasureCount.objects.filter(measure__in=saved.values()):
        existing[(count.measure_id, county_key(count.county))] = count
        plan.after[id(saved[count.measure_id])][county_key(count.county)] = count
    for (ident, place), county in counties.items():
        measure = plan.measures[ident]
        count = existing.get((measure.pk, place)) or MeasureCount(
            measure=measure, county=county.name
        )
        _set_precincts(count, county, measure, problems)
        count.yes_votes, count.no_votes = county.votes[YES], county.votes[NO]
        plan.counts.append(count)
        plan.after[id(measure)][place] = count
    # A Clarity state export says how many counties vote on each contest.
    for row in rows:
        measure = plan.measures[row.measure_ident]
        if measure.expected_units is None and row.units_expected:
            measure.expected_units = row.units_expected
    return plan


def _resolve_measures(rows, plan, election, create, problems):
    primary = election.kind == Election.Kind.PRIMARY
    known = defaultdict(list)
    for measure in BallotMeasure.objects.filter(election=election):
        known[key(measure.title)].append(measure)
    unknown = defaultdict(list)
    for row in rows:
        title = _title(row, primary=primary)
        row.measure_ident = ident = key(title)
        if ident not in plan.measures:
            found = known.get(ident, [])
            if len(found) > 1:
                problems.append(
                    Problem(
                        row.where,
                        f"ballot measure {title!r} matches several measures of this election; "
                        "rename one in the admin",
                    )
                )
                plan.measures[ident] = None
                continue
            if found:
                plan.measures[ident] = found[0]
            elif create:
                # Counting until an editor (or --final) says otherwise; the default rule,
                # a simple majority, is for the editor to check.
                plan.measures[ident] = BallotMeasure(
                    election=election, title=title, status=Race.Status.COUNTING
                )
            else:
                plan.measures[ident] = None
        if plan.measures[ident] is None and not known.get(ident):
            unknown[ident].append((row, title))
    for group in unknown.values():
        (first, title), more = group[0], len(group) - 1
        more = f" (and {more:,} more rows)" if more else ""
        problems.append(
            Problem(
                first.where,
                f"unknown ballot measure {title!r}{more}; check the spelling, add the measure "
                "in the admin, or import with --create",
            )
        )


def _sum_counties(rows, problems):
    """(measure ident, county key) -> _County with its Yes and No summed over precincts."""
    counties, seen = {}, {}
    for row in rows:
        place = (row.measure_ident, county_key(row.county))
        county = counties.setdefault(place, _County(name=row.county, first_where=row.where))
        precinct, side = key(row.precinct), _side(row)
        spot = (*place, precinct, side)
        if spot in seen:
            where = f"precinct {row.precinct!r} ({county.name})" if precinct else county.name
            problems.append(
                Problem(
                    row.where,
                    f"{where} already has a {side.title()} row for {row.office!r} "
                    f"({at(seen[spot])})",
                )
            )
            continue
        seen[spot] = row.where
        if precinct:
            county.precincts.add(precinct)
        note_precinct_figures(county, row, problems)
        county.votes[side] += row.votes
        if county.votes[side] > MAX_COUNT:
            problems.append(
                Problem(
                    row.where,
                    f"the {side.title()} votes on {row.office!r} in {county.name} add up to "
                    "more than the database can store",
                )
            )
    return counties


def _set_precincts(count, county, measure, problems):
    """Precincts reporting and total as for a race's county (apply.py, _place_counties): the
    file's columns, else the precincts seen, else what was on file."""
    seen = len(county.precincts) or None
    if county.file_reporting:
        reporting = county.file_reporting[0]
    else:
        reporting = seen if seen is not None else count.precincts_reporting
    if county.file_total:
        total = county.file_total[0]
    else:
        total = count.precincts_total if count.precincts_total is not None else seen
    if reporting is not None and total is not None and reporting > total:
        problems.append(
            Problem(
                county.first_where,
                f"{county.name}: {reporting} precincts reporting is more than its {total} "
                f"precincts in total ({measure.title}); give precincts_total in the file or "
                "correct it in the admin",
            )
        )
    count.precincts_reporting, count.precincts_total = reporting, total


def check_complete(plan, problems):
    """With ``final``: each measure of the file must have every county it expects, each with
    all its precincts reporting (the rule races follow in apply.py)."""
    for measure in plan.measures.values():
        if measure is None:
            continue
        counts = list(plan.after[id(measure)].values())
        refusal = measure_final_refusal(measure, counts)
        if refusal:
            problems.append(Problem(None, f"{refusal}; import the other counties first"))
        for count in counts:
            reporting, total = count.precincts_reporting or 0, count.precincts_total
            if total is not None and reporting < total:
                problems.append(
                    Problem(
                        None,
                        f"{measure.title} cannot be marked final: {count.county} has "
                        f"{reporting} of {total} precincts reporting; import the complete "
                        "file, or mark the measure final in the admin once the count is "
                        "complete",
                    )
                )


def write(plan, report, *, user=None, reason=IMPORT_REASON, final=False):
    """Write the plan (only called when the import found no problem at all)."""
    measures = [measure for measure in plan.measures.values() if measure is not None]
    if not measures:
        return
    history = {"default_user": user, "default_change_reason": reason}
    adds_measures = any(not measure.pk for measure in measures)
    for measure in measures:
        if not measure.pk:
            with_history(measure, user=user, reason=reason).save()  # save() gives the slug
            report.created["measure"] += 1
    # Replace, never add: a county in the file gets exactly the file's Yes and No.
    bulk_create_with_history([c for c in plan.counts if not c.pk], MeasureCount, **history)
    bulk_update_with_history(
        [c for c in plan.counts if c.pk],
        MeasureCount,
        ["precincts_reporting", "precincts_total", "yes_votes", "no_votes"],
        **history,
    )
    votes = Counter()
    for count in plan.counts:
        votes[id(count.measure)] += count.yes_votes + count.no_votes
    now = timezone.now()
    for measure in measures:
        measure.results_updated_at = now
        if final and not measure.is_final:
            measure.status = Race.Status.UNOFFICIAL_FINAL
        elif measure.status == Race.Status.UPCOMING and votes[id(measure)] > 0:
            measure.status = Race.Status.COUNTING
        if measure.is_final and measure.final_at is None:
            measure.final_at = now
    bulk_update_with_history(
        measures,
        BallotMeasure,
        ["results_updated_at", "status", "final_at", "expected_units"],
        **history,
    )
    # The bulk writes above send no signals. New figures for measures on file change only the
    # pages that show them (core/pagetags.py); a new measure changes lists too.
    if adds_measures:
        pagecache.invalidate()
    else:
        pagetags.invalidate_tags(RACES_TAG, *(measure_tag(measure.pk) for measure in measures))
    report.measures = measures
