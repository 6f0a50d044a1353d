"""The checked apply step: ResultRows, from any parser, into a race's county reporting units.

The rules it follows:

- All or nothing. Every row is checked first; any problem (unknown office or candidate, the
  same precinct twice...) is collected with where it was found and ``ImportFailed`` is raised
  before anything is written. The writes then happen in one transaction, so an import
  interrupted half-way leaves the previous results intact (README, "Robustness", Faults).
- Only county-level units are stored. Precinct rows are summed into their county (a
  county-total row beside them is skipped when it equals their sum, refused otherwise); the county's
  ``precincts_reporting`` is the number of distinct precincts seen unless the file has
  ``precincts_reporting`` / ``precincts_total`` columns (then the file wins).
- Replace, never add. A county in the file gets exactly the file's counts (its old counts and
  any stale precinct detail are removed); counties not in the file are left alone, so
  importing the same file twice gives the same totals. A race's "all counties combined" unit
  is removed once county figures arrive, so nothing is counted twice.
- Summary rows are not candidates: over/under votes, ballots cast, registered voters, totals
  and "Write-ins" totals are skipped and counted by reason (a real write-in candidate, or a
  candidacy the editors named "Write-ins", is kept).
- Ballot questions are not races: their rows (a Clarity question, an office whose choices are
  Yes/No or For/Against) become a measure's county counts under the same rules
  (candidates/importing/measures.py), and never a candidate named "Yes".
- Bulk queries only: the number of queries does not grow with the number of rows.
"""

import datetime
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Count, Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from candidates.counting import stamp_changed_units
from candidates.importing import measures, names
from candidates.importing.problems import ImportFailed, Problem, at, note_precinct_figures
from candidates.importing.rows import MAX_COUNT
from candidates.importing.summary_rows import (
    WRITE_IN_SKIP_REASON,
    WRITE_IN_SUMMARIES,
    set_aside_county_totals,
)
from candidates.importing.text import clean, county_key, district_key, key, loose_key
from candidates.models import (
    Candidacy,
    Candidate,
    Election,
    Office,
    Race,
    ReportingUnit,
    ResultsCorrection,
    VoteCount,
)
from candidates.results import RACES_TAG, final_refusal, race_tag
from candidates.services import IMPORT_REASON, corrections_record, votes_snapshot, with_history
from civicsite.core import pagecache, pagetags

_AMBIGUOUS = ("ambiguous",)


def _derived_body(office_name, district):
    """The body of a new office: "Atlanta City Council District 5" + "5" -> the council."""
    match = re.fullmatch(
        rf"(.+?)[\s,-]+(?:district|dist\.?)\s*0*{re.escape(district)}", office_name, re.I
    )
    return match.group(1) if district and match else office_name


def _office_name(office_name, district):
    """A new office's public name holds its district, so two races never share a heading:
    "State House" + "156" -> "State House District 156"; "Superior Court Judge" + "Atlanta
    Circuit" -> "Superior Court Judge, Atlanta Circuit"."""
    district = clean(district)
    numbered = re.fullmatch(r"(?:district|dist\.?)\s*0*(\d+)", district, re.I)
    if numbered:  # the column sometimes says "District 128"
        district = numbered.group(1)
    if not district or re.search(rf"(?<!\w)0*{re.escape(district)}(?!\w)", office_name, re.I):
        return office_name
    if district.isdigit():
        return f"{office_name} District {int(district)}"
    return f"{office_name}, {district}"


def _is_write_in_party(party):
    return loose_key(party) == "writein"


def _read_names(rows):
    """Markers out of names ("BRIAN KEMP (I) (REP)": incumbent, Republican), a readable public
    name beside the printed one, and parties in the site's words (candidates/importing/names.py).
    The file's party column wins over a marker; a write-in party marks the candidacy."""
    parsed = {}
    for row in rows:
        name = parsed.get(row.candidate)
        if name is None:
            name = parsed[row.candidate] = names.parse_candidate(row.candidate)
        row.candidate = name.ballot_name or row.candidate
        row.public_name = name.name or row.candidate
        if name.incumbent:
            row.incumbent = True
        row.write_in = row.write_in or _is_write_in_party(row.party)
        row.party = names.normal_party(row.party) or name.party


CREATED_LABELS = {
    "office": ("office", "offices"),
    "race": ("race", "races"),
    "candidate": ("candidate", "candidates"),
    "candidacy": ("candidacy", "candidacies"),
    "unit": ("county", "counties"),
    "measure": ("ballot measure", "ballot measures"),
}


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do).

    ``rows_read`` counts data rows (not the header or blank lines), skipped ones included;
    ``created`` counts new rows per kind ("unit" = county reporting units); ``races`` are the
    Race objects touched, with their offices loaded; ``measures`` the BallotMeasure objects
    (candidates/importing/measures.py).
    """

    rows_read: int = 0
    rows_skipped: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    units_updated: int = 0
    candidacies_updated: int = 0
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CREATED_LABELS, 0))
    dry_run: bool = False
    races: list = field(default_factory=list)
    measures: list = field(default_factory=list)
    # "All counties combined" units removed because county figures replaced them.
    combined_units_removed: int = 0
    # New people whose names are close to another person's: one person or two? (names.py)
    check_names: list = field(default_factory=list)
    # What the file says it is, when it says (a Clarity export's header), so a feed can
    # check it is the election it is a source of.
    file_election_name: str = ""
    file_election_date: datetime.date | None = None

    def summary_lines(self):
        """Plain-language lines for the command's output and the admin's message."""
        lines = []
        if self.dry_run:
            lines.append("Dry run: nothing was saved. This is what the import would do.")
        lines.append(f"Rows read: {self.rows_read:,}")
        skipped = f"Rows skipped: {self.rows_skipped:,}"
        if self.skipped_reasons:
            reasons = ", ".join(f"{reason}: {n:,}" for reason, n in self.skipped_reasons.items())
            skipped = f"{skipped} ({reasons})"
        lines.append(skipped)
        lines.append(f"Counties updated: {self.units_updated:,}")
        lines.append(f"Candidacies updated: {self.candidacies_updated:,}")
        created = [
            f"{n:,} {CREATED_LABELS[kind][n != 1]}"
            for kind, n in self.created.items()
            if n and kind in CREATED_LABELS
        ]
        lines.append(f"Created: {', '.join(created) if created else 'nothing'}")
        if self.combined_units_removed:
            lines.append(
                f"Removed {self.combined_units_removed:,} 'all counties combined' "
                f"unit{'s' if self.combined_units_removed != 1 else ''} "
                "(the county figures take their place)."
            )
        if self.races:
            headings = "; ".join(race.heading for race in self.races)
            lines.append(f"Races updated: {headings}")
        if self.measures:
            titles = "; ".join(measure.title for measure in self.measures)
            lines.append(f"Ballot measures updated: {len(self.measures):,} ({titles})")
        for note in self.check_names:
            lines.append(f"Check: {note}")
        return lines


# --- Matching names to rows in the database -------------------------------------------------


class _Plan:
    """Everything the import will write, worked out before writing anything."""

    def __init__(self, election):
        self.election = election
        self.new_offices = {}  # ident -> Office (unsaved)
        self.races = {}  # office ident -> Race (saved or not)
        self.new_candidates = {}  # ident -> Candidate (unsaved)
        self.candidacies = {}  # ident -> Candidacy (saved or not)


def _resolve_offices(rows, plan, create, problems):
    offices = list(Office.objects.all())
    races = {
        (race.office_id, key(race.party)): race
        for race in Race.objects.filter(election=plan.election).select_related("office")
    }
    unknown = defaultdict(list)
    cache = {}
    for row in rows:
        office_key = (key(row.office), district_key(row.district))
        if office_key not in cache:
            cache[office_key] = _match_office(
                row, offices, {office_id for office_id, _ in races}, plan, create, problems
            )
        row.office_ident = cache[office_key]
        if row.office_ident is None:
            unknown[office_key].append(row)
        elif row.office_ident == _AMBIGUOUS:
            row.office_ident = None  # reported once, by _match_office()
    for group in unknown.values():
        first = group[0]
        label = repr(first.office) + (f" (district {first.district})" if first.district else "")
        more = f" (and {len(group) - 1:,} more rows)" if len(group) > 1 else ""
        problems.append(
            Problem(
                first.where,
                f"unknown office {label}{more}; check the spelling, add the "
                "office in the admin, or import with --create",
            )
        )
    # Races for matched offices, one per party in a primary; created ones when allowed.
    primary = plan.election.kind == Election.Kind.PRIMARY
    for row in rows:
        if row.office_ident is None:
            continue
        party = row.party if primary else ""
        row.race_ident = ident = (row.office_ident, key(party))
        if ident in plan.races:
            continue
        office_ident = row.office_ident
        race = races.get((office_ident[1], key(party))) if office_ident[0] == "id" else None
        if race is None:
            if not create:
                office = next(o for o in offices if o.pk == office_ident[1])
                label = f"{office.name}, {party} primary" if party else office.name
                problems.append(
                    Problem(
                        row.where,
                        f"office {label!r} has no race in this election; "
                        "add the race in the admin, or import with --create",
                    )
                )
                plan.races[ident] = None
                continue
            office = plan.new_offices.get(office_ident) or next(
                o for o in offices if o.pk == office_ident[1]
            )
            # Never final by itself: a race is counting until an editor (or --final) says so.
            race = Race(
                election=plan.election,
                office=office,
                party=party,
                seats=row.seats or 1,
                decision_rule=Race.DecisionRule.MAJORITY,
                status=Race.Status.COUNTING,
            )
        plan.races[ident] = race


def _match_office(row, offices, offices_in_election, plan, create, problems):
    """An office by name (district, if given, must agree) or by body together with district."""
    name, district = key(row.office), district_key(row.district)
    body = key(_derived_body(row.office, row.district))
    matches = [
        office
        for office in offices
        if (
            key(office.name) == name
            and (not district or not office.district or district_key(office.district) == district)
        )
        or (key(office.body) in {name, body} and district_key(office.district) == district)
    ]
    if len(matches) > 1:
        in_election = [office for office in matches if office.pk in offices_in_election]
        matches = in_election or matches
    if len(matches) == 1:
        return ("id", matches[0].pk)
    if len(matches) > 1:
        names = ", ".join(sorted(office.slug for office in matches))
        problems.append(
            Problem(
                row.where,
                f"office {row.office!r} matches several offices ({names}); give "
                "the district or rename one in the admin",
            )
        )
        return _AMBIGUOUS
    if not create:
        return None
    ident = ("new", body, district)
    if ident not in plan.new_offices:
        plan.new_offices[ident] = Office(
            name=_office_name(row.office, row.district),
            body=_derived_body(row.office, row.district),
            district=row.district,
        )
    return ident


def _resolve_candidacies(rows, plan, create, problems, skipped, report):
    saved_races = [race for race in plan.races.values() if race is not None and race.pk]
    by_race = defaultdict(dict)  # race id -> name key -> [Candidacy]
    next_order = defaultdict(int)
    for candidacy in Candidacy.objects.filter(race__in=saved_races).select_related("candidate"):
        known = {
            names.name_key(candidacy.ballot_name),
            names.name_key(candidacy.candidate.name),
            names.name_key(candidacy.candidate.ballot_name),
        } - {""}
        for name in known:
            by_race[candidacy.race_id].setdefault(name, []).append(candidacy)
        next_order[candidacy.race_id] = max(next_order[candidacy.race_id], candidacy.ballot_order)

    kept, unknown = [], defaultdict(list)
    for row in rows:
        race = plan.races.get(row.race_ident) if row.race_ident else None
        if race is None:
            continue  # the office problem is already reported
        name = names.name_key(row.candidate)
        found = by_race[race.pk].get(name, []) if race.pk else []
        if len(found) > 1:
            problems.append(
                Problem(
                    row.where,
                    f"candidate {row.candidate!r} matches several candidacies "
                    "in this race; make their ballot names differ in the admin",
                )
            )
            continue
        if found:
            row.candidacy_ident = ("id", found[0].pk)
            plan.candidacies.setdefault(row.candidacy_ident, found[0])
        elif loose_key(row.candidate) in WRITE_IN_SUMMARIES:
            skipped[WRITE_IN_SKIP_REASON] += 1
            continue
        elif not create:
            unknown[(row.race_ident, name)].append(row)
            continue
        else:
            row.candidacy_ident = ("new", row.race_ident, name)
        kept.append(row)

    for group in unknown.values():
        first = group[0]
        more = f" (and {len(group) - 1:,} more rows)" if len(group) > 1 else ""
        office = plan.races[first.race_ident].heading
        problems.append(
            Problem(
                first.where,
                f"unknown candidate {first.candidate!r} in {office!r}{more}; "
                "check the spelling, add the candidacy in the admin, or import with --create",
            )
        )
    if create:
        _plan_new_candidacies(kept, plan, next_order, problems, report)
    return kept


# Names looked up per query when matching new candidacies to existing people (two terms each).
NAME_BATCH = 200


def _near_matches(plan, people_by_near_key):
    """New people whose first and last names match another person's while their full names
    differ ("KATHY RAPP" and "KATHY L. RAPP"): listed for an editor, never merged."""
    notes = []
    new_by_near = defaultdict(list)
    for person in plan.new_candidates.values():
        new_by_near[names.near_key(person.name)].append(person)
    for near, new_people in sorted(new_by_near.items()):
        others = [p for p in people_by_near_key.get(near, []) if p not in new_people]
        group = new_people + others
        if len(group) > 1:
            listed = " and ".join(
                repr(person.name) + (f" ({person.slug})" if person.pk else " (new)")
                for person in group
            )
            notes.append(
                f"{listed} may be one person; the import keeps them apart. If they are "
                "one, add the candidacy to the existing person in the admin and import again."
            )
    return notes


def _plan_new_candidacies(rows, plan, next_order, problems, report):
    """New candidacies; their person is an existing Candidate when exactly one has that name."""
    new_rows = {}
    for row in rows:
        if row.candidacy_ident[0] == "new":
            new_rows.setdefault(row.candidacy_ident, row)
    if not new_rows:
        return
    spellings = sorted(
        {clean(row.candidate) for row in new_rows.values()}
        | {clean(row.public_name) for row in new_rows.values()}
    )
    people = defaultdict(list)
    # In batches: SQLite refuses a WHERE clause more than 1,000 terms deep, and a file with
    # thousands of new names would otherwise fail with a database error.
    for start in range(0, len(spellings), NAME_BATCH):
        batch = spellings[start : start + NAME_BATCH]
        query = reduce(or_, (Q(name__iexact=n) | Q(ballot_name__iexact=n) for n in batch))
        for person in Candidate.objects.filter(query):
            for name in {names.name_key(person.name), names.name_key(person.ballot_name)} - {""}:
                if person not in people[name]:
                    people[name].append(person)

    # People whose first and last names match a new name's, to ask an editor about.
    near = {names.near_key(row.public_name) for row in new_rows.values()} - {""}
    last_names = sorted({key.split()[-1] for key in near})
    people_by_near_key = defaultdict(list)
    for start in range(0, len(last_names), NAME_BATCH):
        batch = last_names[start : start + NAME_BATCH]
        query = reduce(or_, (Q(name__iendswith=last) for last in batch))
        for person in Candidate.objects.filter(query).only("pk", "name", "slug"):
            if names.near_key(person.name) in near:
                people_by_near_key[names.near_key(person.name)].append(person)

    merged = {}  # (race ident, candidate ident) -> candidacy ident, so one person runs once
    for ident, row in new_rows.items():
        race = plan.races[row.race_ident]
        found = people.get(names.name_key(row.candidate), [])
        if len(found) > 1:
            slugs = ", ".join(sorted(person.slug for person in found))
            problems.append(
                Problem(
                    row.where,
                    f"candidate {row.candidate!r} matches several people "
                    f"({slugs}); add the candidacy in the admin first",
                )
            )
            continue
        if found:
            person_ident = ("id", found[0].pk)
            person = found[0]
        else:
            person_ident = ("new", names.name_key(row.candidate))
            printed = row.candidate if row.candidate != row.public_name else ""
            person = plan.new_candidates.setdefault(
                person_ident,
                Candidate(name=row.public_name, ballot_name=printed, party=row.party),
            )
        pair = (row.race_ident, person_ident)
        if pair in merged:
            plan.candidacies[ident] = plan.candidacies[merged[pair]]
            continue
        merged[pair] = ident
        race_key = race.pk if race.pk else id(race)
        next_order[race_key] += 1
        plan.candidacies[ident] = Candidacy(
            race=race,
            candidate=person,
            ballot_name=row.candidate,
            party=row.party,
            incumbent=bool(row.incumbent),
            write_in=row.write_in,
            ballot_order=next_order[race_key],
        )
    report.check_names = _near_matches(plan, people_by_near_key)


# --- Summing precincts into counties -------------------------------------------------------


@dataclass
class _County:
    name: str
    first_where: int | str
    precincts: set = field(default_factory=set)
    file_reporting: tuple | None = None  # (value, line)
    file_total: tuple | None = None
    # id(candidacy) -> [candidacy, votes, {bucket: votes}, Counter(other method: votes)]
    votes: dict = field(default_factory=dict)


def _sum_counties(rows, plan, problems, skipped):
    """(office ident, county key) -> _County with its candidacies' summed counts."""
    rows = set_aside_county_totals(
        [row for row in rows if plan.candidacies.get(row.candidacy_ident) is not None],
        problems,
        skipped,
        contest=lambda row: row.race_ident,
        choice=lambda row: row.candidacy_ident,
    )
    counties = {}
    seen = {}  # (office, county, precinct, candidacy object) -> where first seen
    for row in rows:
        candidacy = plan.candidacies[row.candidacy_ident]
        place_key = (row.race_ident, county_key(row.county))
        county = counties.get(place_key)
        if county is None:
            county = counties[place_key] = _County(name=row.county, first_where=row.where)
        precinct = key(row.precinct)

        where = f"precinct {row.precinct!r} ({county.name})" if precinct else county.name
        place = (*place_key, precinct, id(candidacy))
        if place in seen:
            problems.append(
                Problem(
                    row.where,
                    f"{where} already has a row for {row.candidate!r} ({at(seen[place])})",
                )
            )
            continue
        seen[place] = row.where
        if precinct:
            county.precincts.add(precinct)

        note_precinct_figures(county, row, problems)

        counts = county.votes.setdefault(id(candidacy), [candidacy, 0, {}, Counter()])
        counts[1] += row.votes
        for method, value in row.methods.items():
            if value is not None:
                counts[2][method] = counts[2].get(method, 0) + value
        counts[3].update(row.other_methods)
        if max([counts[1], *counts[2].values(), *counts[3].values()]) > MAX_COUNT:
            problems.append(
                Problem(
                    row.where,
                    f"the votes for {row.candidate!r} in "
                    f"{county.name} add up to more than the database can store",
                )
            )
    return counties


def _place_counties(counties, plan, problems):
    """Match counties to existing units and work out precincts reporting / total."""
    saved = [race for race in plan.races.values() if race is not None and race.pk]
    existing = {}
    for unit in ReportingUnit.objects.filter(
        race__in=saved, parent__isnull=True, kind=ReportingUnit.Kind.COUNTY
    ):
        existing[(unit.race_id, county_key(unit.name))] = unit

    placed = []
    for (race_ident, place), county in counties.items():
        race = plan.races[race_ident]
        unit = existing.get((race.pk, place)) if race.pk else None
        if unit is None:
            unit = ReportingUnit(race=race, kind=ReportingUnit.Kind.COUNTY, name=county.name)

        seen = len(county.precincts) or None
        if county.file_reporting:
            reporting = county.file_reporting[0]
        elif seen is not None:
            reporting = seen
        else:
            reporting = unit.precincts_reporting  # a county-wide file without the columns
        if county.file_total:
            total = county.file_total[0]
        elif unit.precincts_total is not None:
            total = unit.precincts_total
        else:
            total = seen
        if reporting is not None and total is not None and reporting > total:
            problems.append(
                Problem(
                    county.first_where,
                    f"{county.name}: {reporting} precincts reporting is "
                    f"more than its {total} precincts in total ({race.heading}); "
                    "give precincts_total in the file or correct it in the admin",
                )
            )
        unit.precincts_reporting, unit.precincts_total = reporting, total
        placed.append((race, unit, county))
    return placed


# --- Writing ---------------------------------------------------------------------------------


def _expect_units(rows, plan):
    """How many counties each race of the file expects, where the race does not know yet:
    the file's own figure (a Clarity state export), else the office's last race before this
    election (what it expected, or the counties it had). One query for all the offices."""
    from_file = defaultdict(int)
    for row in rows:
        if row.race_ident in plan.races and row.units_expected:
            from_file[row.race_ident] = max(from_file[row.race_ident], row.units_expected)
    unknown = {
        ident: race
        for ident, race in plan.races.items()
        if race is not None and race.expected_units is None
    }
    offices = [race.office.pk for race in unknown.values() if race.office.pk]
    earlier = {}
    for race in (
        Race.objects.filter(office__in=offices, election__date__lt=plan.election.date)
        .annotate(
            counties=Count(
                "reporting_units",
                filter=Q(
                    reporting_units__parent__isnull=True,
                    reporting_units__kind=ReportingUnit.Kind.COUNTY,
                ),
            )
        )
        .order_by("election__date")
    ):
        earlier[race.office_id] = race.expected_units or race.counties or None
    for ident, race in unknown.items():
        race.expected_units = from_file.get(ident) or earlier.get(race.office.pk)


def _check_complete(plan, placed, problems):
    """A race is marked final only when it has figures for every county it expects and each
    of them has all its precincts reporting: the importer never calls a partial count final."""
    units = {}
    for race, unit, _ in placed:
        units[(id(race), key(unit.name))] = (race, unit)
    saved = [race for race in plan.races.values() if race is not None and race.pk]
    for unit in ReportingUnit.objects.filter(
        race__in=saved, parent__isnull=True, kind=ReportingUnit.Kind.COUNTY
    ):
        race = next(race for race in saved if race.pk == unit.race_id)
        units.setdefault((id(race), key(unit.name)), (race, unit))
    by_race = defaultdict(list)
    for race, unit in units.values():
        by_race[id(race)].append(unit)
    for race in {id(race): race for race, _ in units.values()}.values():
        refusal = final_refusal(race, by_race[id(race)])
        if refusal:
            problems.append(Problem(None, f"{refusal}; import the other counties first"))
    for race, unit in units.values():
        reporting, total = unit.precincts_reporting, unit.precincts_total
        if total is not None and (reporting or 0) < total:
            problems.append(
                Problem(
                    None,
                    f"{race.heading} cannot be marked final: {unit.name} has {reporting or 0} "
                    f"of {total} precincts reporting; import the complete file, or mark the "
                    "race final in the admin once the count is complete",
                )
            )


def _adds_structure(plan):
    """New offices, races, candidates or candidacies: lists, search and profiles change."""
    return bool(
        plan.new_offices
        or plan.new_candidates
        or any(race is not None and not race.pk for race in plan.races.values())
        or any(not candidacy.pk for candidacy in plan.candidacies.values())
    )


def _write(plan, placed, report, **options):
    """Write the plan; empty the pages that show what it changed.

    New figures for races already on file change only the pages that show those races (and
    the lists of races by state): the page cache empties just those (core/pagetags.py), and
    the deletes' row signals empty nothing more. Anything new empties the whole cache.
    """
    if _adds_structure(plan):
        _write_rows(plan, placed, report, **options)
        pagecache.invalidate()  # the bulk writes send no signals
        return
    races = {race.pk for race in plan.races.values() if race is not None}
    with pagetags.changing(RACES_TAG, *(race_tag(pk) for pk in races)):
        _write_rows(plan, placed, report, **options)


def _write_rows(plan, placed, report, *, user=None, reason=IMPORT_REASON, final=False):
    # Every row written is recorded in the edit history with the user and the reason; the bulk
    # writes send no signals, so they go through django-simple-history's bulk helpers.
    history = {"default_user": user, "default_change_reason": reason}
    for office in plan.new_offices.values():
        with_history(office, user=user, reason=reason).save()
    touched = []
    for race in plan.races.values():
        if race is None or race in touched:
            continue
        if not race.pk:
            with_history(race, user=user, reason=reason).save()  # its office is saved above
            report.created["race"] += 1
        touched.append(race)
    report.created["office"] = len(plan.new_offices)

    for person in plan.new_candidates.values():
        with_history(person, user=user, reason=reason).save()  # save() gives a unique slug
    report.created["candidate"] = len(plan.new_candidates)
    new_candidacies = []
    for candidacy in {id(c): c for c in plan.candidacies.values()}.values():
        if not candidacy.pk:
            new_candidacies.append(candidacy)
    bulk_create_with_history(new_candidacies, Candidacy, **history)
    report.created["candidacy"] = len(new_candidacies)

    new_units = [unit for _, unit, _ in placed if not unit.pk]
    old_units = [unit for _, unit, _ in placed if unit.pk]
    # A race already final gets its changed figures logged publicly (candidates/services.py).
    final_units = [unit for race, unit, _ in placed if unit.pk and race.final_at is not None]
    before = votes_snapshot(units=final_units) if final_units else {}
    stamp_changed_units(placed)  # each county's "as of" time for readers (candidates/counting.py)
    bulk_create_with_history(new_units, ReportingUnit, **history)
    bulk_update_with_history(
        old_units, ReportingUnit, ["precincts_reporting", "precincts_total"], **history
    )
    report.created["unit"] = len(new_units)

    # Replace, never add: the file's counties lose their old counts and stale precinct detail.
    VoteCount.objects.filter(unit__in=old_units).delete()
    ReportingUnit.objects.filter(parent__in=old_units).delete()
    combined = ReportingUnit.objects.filter(race__in=touched, kind=ReportingUnit.Kind.COMBINED)
    report.combined_units_removed = combined.delete()[1].get("candidates.ReportingUnit", 0)

    counts, votes_by_race, candidacies = [], Counter(), set()
    for race, unit, county in placed:
        for candidacy, votes, methods, other_methods in county.votes.values():
            counts.append(
                VoteCount(
                    candidacy=candidacy,
                    unit=unit,
                    votes=votes,
                    election_day=methods.get("election_day"),
                    advance=methods.get("advance"),
                    absentee_by_mail=methods.get("absentee_by_mail"),
                    provisional=methods.get("provisional"),
                    other_methods=dict(sorted(other_methods.items())),
                )
            )
            votes_by_race[race.pk] += votes
            candidacies.add(candidacy.pk)
    bulk_create_with_history(counts, VoteCount, batch_size=1000, **history)
    if final_units:
        final_races = [race for race in touched if race.final_at is not None]
        after = {
            (count.candidacy.pk, count.unit.pk): count.votes
            for count in counts
            if count.unit.race_id in {race.pk for race in final_races}
        }
        corrections_record(
            races=final_races,
            before=before,
            after=after,
            source=ResultsCorrection.Source.IMPORT,
            user=user,
        )

    now = timezone.now()
    for race in touched:
        race.results_updated_at = now
        if final and not race.is_final:
            race.status = Race.Status.UNOFFICIAL_FINAL
        elif race.status == Race.Status.UPCOMING and votes_by_race[race.pk] > 0:
            race.status = Race.Status.COUNTING
        if race.is_final and race.final_at is None:
            race.final_at = now
    bulk_update_with_history(
        touched, Race, ["results_updated_at", "status", "final_at", "expected_units"], **history
    )

    report.units_updated = len(placed)
    report.candidacies_updated = len(candidacies)
    report.races = touched


def _checked_plan(rows, *, election, create, report, problems, skipped, final):
    """Everything an import of ``rows`` would write, checked, or ImportFailed: no writes."""
    rows, measure_rows = measures.split_rows(rows, problems, skipped)
    measure_plan = measures.plan_counts(
        measure_rows, election=election, create=create, problems=problems, skipped=skipped
    )
    if final:
        measures.check_complete(measure_plan, problems)
    plan = _Plan(election)
    _read_names(rows)
    _resolve_offices(rows, plan, create, problems)
    rows = _resolve_candidacies(rows, plan, create, problems, skipped, report)
    counties = _sum_counties(rows, plan, problems, skipped)
    placed = _place_counties(counties, plan, problems)
    _expect_units(rows, plan)
    if final:
        _check_complete(plan, placed, problems)
    if problems:
        raise ImportFailed(problems)
    report.skipped_reasons = dict(skipped.most_common())
    report.rows_skipped = sum(skipped.values())
    return plan, placed, measure_plan


def apply_rows(rows, *, election, create, report, problems, skipped, user, reason, final=False):
    """Check ``rows`` against the database and write them, or raise ImportFailed.

    ``problems`` may already hold the parser's; nothing is written when there is any. With
    ``final`` the races of the file are marked final, and only when their counting is complete.
    Ballot questions' rows are set apart first and become measure counts, never candidates
    (candidates/importing/measures.py), checked and written with the races.
    """
    plan, placed, measure_plan = _checked_plan(
        rows,
        election=election,
        create=create,
        report=report,
        problems=problems,
        skipped=skipped,
        final=final,
    )
    measures.write(measure_plan, report, user=user, reason=reason, final=final)
    _write(plan, placed, report, user=user, reason=reason, final=final)


@dataclass
class PlannedUnit:
    """One county of a race or ballot measure as an import would leave it, nothing written.

    What a results feed's pull is compared with before it is applied (candidates/live): the
    ids are those of rows already on file, None for what the import would create; ``votes``
    maps each choice, as (candidacy id or None, name), to its votes; a measure's choices are
    (None, "Yes") and (None, "No").
    """

    kind: str  # "race" or "measure"
    contest_id: int | None
    heading: str
    county: str
    precincts_reporting: int | None
    precincts_total: int | None
    votes: dict = field(default_factory=dict)


def plan_rows(rows, *, election, create, report, problems, skipped):
    """The checked plan of ``rows`` as PlannedUnits, or ImportFailed; writes nothing."""
    plan, placed, measure_plan = _checked_plan(
        rows,
        election=election,
        create=create,
        report=report,
        problems=problems,
        skipped=skipped,
        final=False,
    )
    units = []
    for race, unit, county in placed:
        votes = {}
        for candidacy, count, _, _ in county.votes.values():
            name = candidacy.ballot_name or candidacy.candidate.name
            votes[(candidacy.pk, name)] = count
        units.append(
            PlannedUnit(
                kind="race",
                contest_id=race.pk,
                heading=race.heading,
                county=unit.name,
                precincts_reporting=unit.precincts_reporting,
                precincts_total=unit.precincts_total,
                votes=votes,
            )
        )
    for count in measure_plan.counts:
        units.append(
            PlannedUnit(
                kind="measure",
                contest_id=count.measure.pk,
                heading=count.measure.title,
                county=count.county,
                precincts_reporting=count.precincts_reporting,
                precincts_total=count.precincts_total,
                votes={(None, "Yes"): count.yes_votes, (None, "No"): count.no_votes},
            )
        )
    return units
