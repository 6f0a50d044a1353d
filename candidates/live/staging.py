"""A pull's figures beside what readers see: what would change, and whether to hold it.

Why: a county's feed is sometimes wrong for a few minutes (a file half-written, a test file
re-posted, a typo corrected an update later). Figures that go backwards or vanish are the
signs, and readers must never see them. So before a pull is applied, the importer works out
every county it would write (``candidates.importing.plan_results``: the importer's own rules,
nothing written), and these are compared, county by county, with the figures on file.

A pull is **held** when, for any county of any race or ballot measure in it:

- a candidate's (or Yes/No) votes would fall;
- a candidate readers see with votes would vanish from a county the file still reports, or
  one this feed's last applied pull had is gone;
- a county (or a whole race) this feed's last applied pull had is missing;
- its precincts reporting would fall;
- its total votes would jump by more than the election's set share (LiveSettings), once it
  shows at least the set floor of votes.

And a whole pull is held when the file says it is the export of an election held on another
day than this feed's (a Clarity export's ``ElectionDate``): another election's races would be
written into this one.

Everything else is a normal change. Counties the file does not mention are left alone by the
importer (replace, never add), so they are not compared.
"""

from dataclasses import dataclass, field

from candidates.importing import names
from candidates.importing.text import county_key
from candidates.models import MeasureCount, ReportingUnit, VoteCount

RACE, MEASURE = "race", "measure"
PRECINCTS_REPORTING = "precincts reporting"
PRECINCTS_TOTAL = "precincts in total"


@dataclass
class Staging:
    """What staging found: the pull's figures (JSON-ready), each change, and hold reasons."""

    figures: list
    changes: list = field(default_factory=list)
    reasons: list = field(default_factory=list)

    @property
    def changed(self):
        return bool(self.changes)

    @property
    def summary(self):
        if not self.changes:
            return "no figure changed"
        n = len(self.changes)
        counties = {county_key(change["county"]) for change in self.changes}
        where = f"{len(counties):,} count{'ies' if len(counties) != 1 else 'y'}"
        # A county export has many contests in one county: say so, not "20 counties".
        kinds = {figure["heading"]: figure["kind"] for figure in self.figures}
        contests = {change["contest"] for change in self.changes}
        if len(contests) > 1:
            races = sum(1 for contest in contests if kinds.get(contest) != MEASURE)
            measures = len(contests) - races
            parts = [f"{races:,} race{'s' if races != 1 else ''}"] if races else []
            if measures:
                parts.append(f"{measures:,} ballot measure{'s' if measures != 1 else ''}")
            where = f"{' and '.join(parts)} in {where}"
        return f"{n:,} figure{'s' if n != 1 else ''} changed in {where}"

    def change_lines(self, limit=None):
        """Each change as "Fulton, Liliana Bakhtiari: 1,760 -> 2,790 (Race)"."""
        shown = self.changes if limit is None else self.changes[:limit]
        return [change_line(change) for change in shown]


def change_line(change):
    old = "none" if change["old"] is None else f"{change['old']:,}"
    new = "none" if change["new"] is None else f"{change['new']:,}"
    return f"{change['county']}, {change['item']}: {old} -> {new} ({change['contest']})"


# --- Figures as plain data -------------------------------------------------------------------


def pull_figures(units):
    """PlannedUnits (candidates.importing) as JSON-ready dicts, in the file's order."""
    return [
        {
            "kind": unit.kind,
            "id": unit.contest_id,
            "heading": unit.heading,
            "county": unit.county,
            "reporting": unit.precincts_reporting,
            "total": unit.precincts_total,
            "choices": [
                {"id": choice_id, "name": name, "votes": votes}
                for (choice_id, name), votes in unit.votes.items()
            ],
        }
        for unit in units
    ]


def readers_figures(figures):
    """What readers see now for the races and measures of ``figures``: {(kind, contest id,
    county key): figure dict}. Three queries, whatever the number of counties."""
    race_ids = {f["id"] for f in figures if f["kind"] == RACE and f["id"]}
    measure_ids = {f["id"] for f in figures if f["kind"] == MEASURE and f["id"]}
    seen = {}
    units = {}
    if race_ids:
        for unit in ReportingUnit.objects.filter(
            race_id__in=race_ids, parent__isnull=True, kind=ReportingUnit.Kind.COUNTY
        ):
            units[unit.pk] = seen[(RACE, unit.race_id, county_key(unit.name))] = {
                "kind": RACE,
                "id": unit.race_id,
                "county": unit.name,
                "reporting": unit.precincts_reporting,
                "total": unit.precincts_total,
                "choices": [],
            }
        for unit_id, candidacy_id, votes, ballot_name, name in (
            VoteCount.objects.filter(unit_id__in=units)
            .order_by("pk")
            .values_list(
                "unit_id",
                "candidacy_id",
                "votes",
                "candidacy__ballot_name",
                "candidacy__candidate__name",
            )
        ):
            units[unit_id]["choices"].append(
                {"id": candidacy_id, "name": ballot_name or name, "votes": votes}
            )
    if measure_ids:
        for count in MeasureCount.objects.filter(measure_id__in=measure_ids):
            seen[(MEASURE, count.measure_id, county_key(count.county))] = {
                "kind": MEASURE,
                "id": count.measure_id,
                "county": count.county,
                "reporting": count.precincts_reporting,
                "total": count.precincts_total,
                "choices": [
                    {"id": None, "name": "Yes", "votes": count.yes_votes},
                    {"id": None, "name": "No", "votes": count.no_votes},
                ],
            }
    return seen


# --- The comparison --------------------------------------------------------------------------


def _choice_key(choice):
    return ("id", choice["id"]) if choice["id"] else ("name", names.name_key(choice["name"]))


def _contest_key(figure):
    """A contest across pulls: a race's or measure's public name (ids of new ones are None)."""
    return (figure["kind"], figure["heading"].casefold())


def stage(figures, *, readers, previous=(), rules, election=None, file_said=("", None)):
    """Compare a pull's ``figures`` with ``readers`` (``readers_figures``) and with this
    feed's last applied pull (``previous``: its figures); ``rules`` is a LiveSettings.
    ``file_said``: (name, date) of the election the file says it is (a Clarity header), to
    compare with ``election``, the one the feed is a source of."""
    staging = Staging(figures=figures)
    _compare_election(election, file_said, staging)
    for figure in figures:
        before = readers.get((figure["kind"], figure["id"], county_key(figure["county"])))
        if figure["id"] is None:
            before = None  # a race or measure the import would create: all of it is new
        _compare_county(figure, before, staging, rules)
    _compare_with_previous(figures, previous, staging)
    return staging


def _compare_election(election, file_said, staging):
    """A file dated another day is another election's (a mistyped address, last year's
    export left in place): its races would be written into this one."""
    name, date = file_said
    if election is None or date is None or date == election.date:
        return
    what = f"“{name}”" if name else "an election"
    staging.reasons.append(
        f"The file is the export of {what}, held on {date:%B} {date.day}, {date.year}; "
        f"this feed's election is on {election.date:%B} {election.date.day}, "
        f"{election.date.year}: check the feed's address."
    )


def _change(staging, figure, item, old, new):
    staging.changes.append(
        {
            "contest": figure["heading"],
            "county": figure["county"],
            "item": item,
            "old": old,
            "new": new,
        }
    )


def _compare_county(figure, before, staging, rules):
    where = f"{figure['county']} ({figure['heading']})"
    old_reporting = before["reporting"] if before else None
    if old_reporting != figure["reporting"]:
        _change(staging, figure, PRECINCTS_REPORTING, old_reporting, figure["reporting"])
        fell = old_reporting is not None and figure["reporting"] is not None
        if fell and figure["reporting"] < old_reporting:
            staging.reasons.append(
                f"{where}: precincts reporting would fall from {old_reporting:,} to "
                f"{figure['reporting']:,}."
            )
    old_total = before["total"] if before else None
    if old_total != figure["total"] and figure["total"] is not None:
        _change(staging, figure, PRECINCTS_TOTAL, old_total, figure["total"])

    old_choices = {_choice_key(choice): choice for choice in (before["choices"] if before else [])}
    new_keys = set()
    for choice in figure["choices"]:
        key = _choice_key(choice)
        new_keys.add(key)
        old = old_choices.get(key)
        old_votes = old["votes"] if old else None
        if old_votes == choice["votes"]:
            continue
        _change(staging, figure, choice["name"], old_votes, choice["votes"])
        if old_votes is not None and choice["votes"] < old_votes:
            staging.reasons.append(
                f"{where}: {choice['name']}'s votes would fall from {old_votes:,} to "
                f"{choice['votes']:,}."
            )
    for key, old in old_choices.items():
        if key not in new_keys and old["votes"]:
            _change(staging, figure, old["name"], old["votes"], None)
            staging.reasons.append(
                f"{where}: {old['name']} is missing from the file (readers see "
                f"{old['votes']:,} votes)."
            )

    if before and rules.jump_percent is not None:
        old_sum = sum(choice["votes"] for choice in before["choices"])
        new_sum = sum(choice["votes"] for choice in figure["choices"])
        # Integers only: more than jump_percent % of the old total added.
        if old_sum >= max(rules.jump_floor, 1) and (new_sum - old_sum) * 100 > (
            rules.jump_percent * old_sum
        ):
            growth = (new_sum - old_sum) * 100 // old_sum
            staging.reasons.append(
                f"{where}: the total would jump from {old_sum:,} to {new_sum:,} votes "
                f"(+{growth:,}%, more than the {rules.jump_percent:,}% this election allows)."
            )


def _compare_with_previous(figures, previous, staging):
    """Counties, races and candidates this feed's last applied pull had and this one lacks."""
    if not previous:
        return
    now = {}
    for figure in figures:
        now.setdefault(_contest_key(figure), {})[county_key(figure["county"])] = figure
    for figure in previous:
        contest = now.get(_contest_key(figure))
        if contest is None:
            reason = (
                f"{figure['heading']} is missing from the file (this feed's last applied "
                "pull had it)."
            )
            if reason not in staging.reasons:
                staging.reasons.append(reason)
            continue
        county = contest.get(county_key(figure["county"]))
        if county is None:
            staging.reasons.append(
                f"{figure['county']} ({figure['heading']}) is missing from the file (this "
                "feed's last applied pull had it)."
            )
            continue
        names_now = {names.name_key(choice["name"]) for choice in county["choices"]}
        for choice in figure["choices"]:
            if names.name_key(choice["name"]) not in names_now:
                reason = (
                    f"{figure['county']} ({figure['heading']}): {choice['name']} is missing "
                    "from the file (this feed's last applied pull had them)."
                )
                already = any(
                    f"{choice['name']} is missing" in r and figure["county"] in r
                    for r in staging.reasons
                )
                if not already:
                    staging.reasons.append(reason)
