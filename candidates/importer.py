"""Load results from a CSV file into a race's county reporting units.

Why this exists: on election night the desk gets results as CSV files (a county's export, or
the OpenElections convention: ``county, precinct, office, district, party, candidate, votes``
plus vote-method columns such as ``election_day_votes`` and ``absentee_by_mail_votes``). Typing
them into the admin is slow and error-prone; this module loads such a file as it is.

The rules it follows (the management command ``import_results`` and the admin upload both call
``import_results()``):

- All or nothing. Every row is checked first; any problem (unknown office or candidate, a
  negative or non-numeric count, a missing column, the same precinct twice...) is collected with
  its line number (the header is line 1) and ``ImportFailed`` is raised before anything is
  written. The writes then happen in one transaction, so an import interrupted half-way leaves
  the previous results intact (README, "Robustness", Faults).
- Only county-level units are stored. Precinct rows are summed into their county; the county's
  ``precincts_reporting`` is the number of distinct precincts seen unless the file has
  ``precincts_reporting`` / ``precincts_total`` columns (then the file wins).
- Replace, never add. A county in the file gets exactly the file's counts (its old counts and
  any stale precinct detail are removed); counties not in the file are left alone, so
  importing the same file twice gives the same totals. A race's "all counties combined" unit
  is removed once county figures arrive, so nothing is counted twice.
- Summary rows are not candidates: over/under votes, ballots cast, registered voters, totals
  and "Write-ins" totals are skipped and counted by reason (a real write-in candidate, or a
  candidacy the editors named "Write-ins", is kept).
- Bulk queries only: the number of queries does not grow with the number of rows.
"""

import csv
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache, reduce
from operator import or_

from django.db import DataError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from candidates.models import (
    Candidacy,
    Candidate,
    Office,
    Race,
    ReportingUnit,
    ResultsCorrection,
    VoteCount,
)
from candidates.services import IMPORT_REASON, corrections_record, votes_snapshot, with_history
from civicsite.core import pagecache


@dataclass
class Problem:
    """One reason the file cannot be imported; ``line`` is the file's line (header = 1)."""

    line: int | None
    message: str

    def __str__(self):
        return f"line {self.line}: {self.message}" if self.line else self.message


class ImportFailed(Exception):
    """The file was refused; ``problems`` lists every problem found, in line order."""

    def __init__(self, problems):
        # File-level problems (no line) first, then by line; stable within a line.
        self.problems = sorted(problems, key=lambda p: p.line or 0)
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} found; nothing was imported."
        super().__init__("\n".join([heading, *(str(p) for p in self.problems)]))


CREATED_LABELS = {
    "office": ("office", "offices"),
    "race": ("race", "races"),
    "candidate": ("candidate", "candidates"),
    "candidacy": ("candidacy", "candidacies"),
    "unit": ("county", "counties"),
}


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do).

    ``rows_read`` counts data rows (not the header or blank lines), skipped ones included;
    ``created`` counts new rows per kind ("unit" = county reporting units); ``races`` are the
    Race objects touched, with their offices loaded.
    """

    rows_read: int = 0
    rows_skipped: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    units_updated: int = 0
    candidacies_updated: int = 0
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CREATED_LABELS, 0))
    dry_run: bool = False
    races: list = field(default_factory=list)
    # "All counties combined" units removed because county figures replaced them.
    combined_units_removed: int = 0

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
            names = ", ".join(race.office.name for race in self.races)
            lines.append(f"Races updated: {names}")
        return lines


# --- Columns -------------------------------------------------------------------------------

# Canonical column -> the header spellings accepted for it (after _header_key()).
COLUMN_ALIASES = {
    "county": {"county", "county_name"},
    "precinct": {"precinct", "precinct_name"},
    "office": {"office", "contest", "contest_name"},
    "district": {"district"},
    "party": {"party", "party_name", "political_party"},
    "candidate": {"candidate", "candidate_name", "choice"},
    "votes": {"votes", "total_votes", "vote_total"},
    "election_day": {"election_day_votes", "election_day", "election_day_vote", "eday"},
    "advance": {
        "advanced_votes",
        "advance_votes",
        "advanced_voting_votes",
        "advance_voting_votes",
        "advanced_voting",
        "advance_voting",
        "early_voting",
        "early_voting_votes",
        "early_votes",
        "early_vote",
    },
    "absentee_by_mail": {
        "absentee_by_mail_votes",
        "absentee_by_mail",
        "absentee",
        "absentee_votes",
        "mail",
        "mail_votes",
        "mail_in",
        "mail_in_votes",
        "vote_by_mail",
    },
    "provisional": {"provisional_votes", "provisional"},
    "precincts_reporting": {"precincts_reporting", "reporting_precincts"},
    "precincts_total": {"precincts_total", "total_precincts"},
}
ALIAS_TO_COLUMN = {alias: column for column, aliases in COLUMN_ALIASES.items() for alias in aliases}
METHOD_COLUMNS = ("election_day", "advance", "absentee_by_mail", "provisional")
REQUIRED_COLUMNS = ("county", "office", "candidate")

# Field lengths of the models, checked up front (PostgreSQL refuses longer values mid-import).
MAX_LENGTHS = {"county": 200, "office": 200, "district": 50, "party": 100, "candidate": 200}

# --- Summary rows --------------------------------------------------------------------------

# Keys are names with everything but letters and digits removed (see _loose_key()).
PSEUDO_CANDIDATES = {
    "overvote": "over votes",
    "overvotes": "over votes",
    "undervote": "under votes",
    "undervotes": "under votes",
    "ballotscast": "ballots cast",
    "totalballotscast": "ballots cast",
    "registeredvoters": "registered voters",
    "total": "totals",
    "totals": "totals",
    "totalvotes": "totals",
    "totalvotescast": "totals",
}
PSEUDO_OFFICES = {
    "ballotscast": "ballots cast",
    "totalballotscast": "ballots cast",
    "registeredvoters": "registered voters",
    "voterturnout": "ballots cast",
}
TOTAL_PLACES = {"total", "totals", "countytotal", "countytotals", "grandtotal"}
# "Write-ins" is a summary of all write-in votes unless the race has a candidacy by that name.
WRITE_IN_SUMMARIES = {
    "writein",
    "writeins",
    "writeintotal",
    "writeintotals",
    "totalwriteins",
    "writeinvotes",
    "unresolvedwriteins",
    "scattering",
}
WRITE_IN_SKIP_REASON = "write-in totals"
NONPARTISAN = {"", "nonpartisan", "np", "nonpartisian", "none", "writein"}

_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
_COUNT = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_NEGATIVE = re.compile(r"-\s*(?:\d{1,3}(?:,\d{3})+|\d+)")
_INVALID = object()
# The largest count the database stores (PositiveIntegerField); far above any real turnout.
MAX_COUNT = 2_147_483_647
_AMBIGUOUS = ("ambiguous",)


@lru_cache(maxsize=4096)  # names repeat on every row of a precinct file
def _clean(value):
    """Whitespace collapsed and typographic quotes made plain, as people retype names."""
    return " ".join((value or "").translate(_SMART_QUOTES).split())


@lru_cache(maxsize=4096)
def _key(value):
    """Case- and whitespace-insensitive comparison key for names."""
    return _clean(value).casefold()


@lru_cache(maxsize=4096)
def _loose_key(value):
    return re.sub(r"[^0-9a-z]", "", _key(value))


def _header_key(value):
    return re.sub(r"[^0-9a-z]+", "_", value.strip().casefold()).strip("_")


@lru_cache(maxsize=4096)
def _county_key(value):
    """Fulton, FULTON and "Fulton County" are one county."""
    key = _key(value)
    return key[: -len(" county")] if key.endswith(" county") else key


@lru_cache(maxsize=4096)
def _district_key(value):
    value = _clean(value)
    return str(int(value)) if value.isdigit() else value.casefold()


def _derived_body(office_name, district):
    """The body of a new office: "Atlanta City Council District 5" + "5" -> the council."""
    match = re.fullmatch(
        rf"(.+?)[\s,-]+(?:district|dist\.?)\s*0*{re.escape(district)}", office_name, re.I
    )
    return match.group(1) if district and match else office_name


def _is_write_in_party(party):
    return _loose_key(party) == "writein"


def _normal_party(party):
    return "" if _loose_key(party) in NONPARTISAN else _clean(party)


# --- Reading -------------------------------------------------------------------------------


def _read_text(text_or_file):
    """The file's text; a file that is not UTF-8 is refused with the place of the first bad byte."""
    try:
        data = text_or_file if isinstance(text_or_file, str | bytes) else text_or_file.read()
    except UnicodeDecodeError as error:
        raise ImportFailed([_not_utf8(error, None)]) from None
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ImportFailed([_not_utf8(error, data)]) from None
    if "\x00" in data:
        raise ImportFailed(
            [
                Problem(
                    None,
                    "the file contains NUL bytes, so it is not a CSV text file; "
                    "save it as CSV (UTF-8) and try again",
                )
            ]
        )
    return data.removeprefix("\ufeff")


def _not_utf8(error, data):
    bad = error.object[error.start : error.start + 1]
    where = f"byte 0x{bad.hex()}"
    line = None
    if data is not None:  # a text file object decodes in chunks; positions are only known here
        line = data[: error.start].count(b"\n") + 1
        where = f"{where} at position {error.start:,}"
    return Problem(
        line,
        f"the file is not UTF-8 text ({where}); save it as CSV (UTF-8) and try again",
    )


@dataclass
class _Row:
    line: int
    county: str
    precinct: str
    office: str
    district: str
    party: str
    candidate: str
    votes: int
    methods: dict
    precincts_reporting: int | None
    precincts_total: int | None
    office_ident: tuple | None = None
    candidacy_ident: tuple | None = None


def _read_rows(text, problems, skipped, progress):
    """Parse and check every row on its own; returns (good rows, rows read)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        records = []
        for record in reader:
            if any(cell.strip() for cell in record):
                records.append((reader.line_num, record))
    except csv.Error as error:
        problems.append(Problem(reader.line_num, f"the CSV could not be read: {error}"))
        return [], 0
    if header is None or not any(cell.strip() for cell in header):
        problems.append(
            Problem(
                None,
                "the file is empty; it needs a header row (county, office, "
                "candidate, votes...) and one row per candidate and place",
            )
        )
        return [], 0

    columns = _map_header(header, problems)
    if problems:
        return [], len(records)
    if not records:
        problems.append(Problem(None, "the file has a header but no result rows"))
        return [], 0

    rows = []
    total = len(records)
    step = max(1, total // 100)
    for done, (line, record) in enumerate(records, start=1):
        row = _read_row(line, record, columns, problems, skipped)
        if row is not None:
            rows.append(row)
        if progress and (done % step == 0 or done == total):
            progress(done, total)
    return rows, total


def _map_header(header, problems):
    """Canonical column -> (index, name as written); unknown columns are ignored."""
    columns = {}
    for index, name in enumerate(header):
        column = ALIAS_TO_COLUMN.get(_header_key(name))
        if column is None:
            continue
        if column in columns:
            problems.append(
                Problem(
                    1,
                    f"columns {columns[column][1]!r} and {name.strip()!r} both give "
                    f"{column.replace('_', ' ')}; keep one of them",
                )
            )
            continue
        columns[column] = (index, name.strip())
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if "votes" not in columns and not any(m in columns for m in METHOD_COLUMNS):
        missing.append("votes (or vote-method columns such as election_day_votes)")
    for column in missing:
        problems.append(Problem(1, f"missing required column: {column}"))
    return columns


def _read_row(line, record, columns, problems, skipped):
    def cell(column):
        index = columns.get(column, (None,))[0]
        return record[index] if index is not None and index < len(record) else ""

    county, precinct, office = (
        _clean(cell("county")),
        _clean(cell("precinct")),
        _clean(cell("office")),
    )
    candidate = _clean(cell("candidate"))

    reason = (
        PSEUDO_OFFICES.get(_loose_key(office))
        or PSEUDO_CANDIDATES.get(_loose_key(candidate))
        or ("totals" if {_loose_key(county), _loose_key(precinct)} & TOTAL_PLACES else None)
    )
    if reason:
        skipped[reason] += 1
        return None

    before = len(problems)
    for column in ("county", "office", "candidate"):
        if not _clean(cell(column)):
            problems.append(Problem(line, f"{column} is blank"))
    for column, limit in MAX_LENGTHS.items():
        if len(_clean(cell(column))) > limit:
            problems.append(Problem(line, f"{column} is longer than {limit} characters"))

    def count(column):
        if column not in columns:
            return None
        raw = cell(column).strip()
        if not raw:
            return None
        name = columns[column][1]
        if _COUNT.fullmatch(raw):
            value = int(raw.replace(",", ""))
            if value <= MAX_COUNT:
                return value
            problems.append(Problem(line, f"{name} is too large: {raw!r}"))
        elif _NEGATIVE.fullmatch(raw):
            problems.append(Problem(line, f"{name} is negative: {raw!r}"))
        else:
            problems.append(Problem(line, f"{name} is not a number: {raw!r}"))
        return _INVALID

    methods = {method: count(method) for method in METHOD_COLUMNS}
    votes = count("votes")
    reporting, total = count("precincts_reporting"), count("precincts_total")
    if len(problems) > before:
        return None
    if votes is None:
        given = [v for v in methods.values() if v is not None]
        if not given:
            problems.append(Problem(line, "no votes on this row: the vote columns are blank"))
            return None
        votes = sum(given)
    if reporting is not None and total is not None and reporting > total:
        problems.append(
            Problem(
                line, f"precincts_reporting ({reporting}) is more than precincts_total ({total})"
            )
        )
        return None
    return _Row(
        line=line,
        county=county,
        precinct=precinct,
        office=office,
        district=_clean(cell("district")),
        party=_clean(cell("party")),
        candidate=candidate,
        votes=votes,
        methods=methods,
        precincts_reporting=reporting,
        precincts_total=total,
    )


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
        race.office_id: race
        for race in Race.objects.filter(election=plan.election).select_related("office")
    }
    unknown = defaultdict(list)
    cache = {}
    for row in rows:
        key = (_key(row.office), _district_key(row.district))
        if key not in cache:
            cache[key] = _match_office(row, offices, races, plan, create, problems)
        row.office_ident = cache[key]
        if row.office_ident is None:
            unknown[key].append(row)
        elif row.office_ident == _AMBIGUOUS:
            row.office_ident = None  # reported once, by _match_office()
    for group in unknown.values():
        first = group[0]
        label = repr(first.office) + (f" (district {first.district})" if first.district else "")
        more = f" (and {len(group) - 1:,} more rows)" if len(group) > 1 else ""
        problems.append(
            Problem(
                first.line,
                f"unknown office {label}{more}; check the spelling, add the "
                "office in the admin, or import with --create",
            )
        )
    # Races for matched offices; created ones when allowed.
    for row in rows:
        ident = row.office_ident
        if ident is None or ident in plan.races:
            continue
        race = races.get(ident[1]) if ident[0] == "id" else None
        if race is None:
            if not create:
                office = next(o for o in offices if o.pk == ident[1])
                problems.append(
                    Problem(
                        row.line,
                        f"office {office.name!r} has no race in this election; "
                        "add the race in the admin, or import with --create",
                    )
                )
                plan.races[ident] = None
                continue
            office = plan.new_offices.get(ident) or next(o for o in offices if o.pk == ident[1])
            race = Race(
                election=plan.election,
                office=office,
                seats=1,
                decision_rule=Race.DecisionRule.MAJORITY,
                status=Race.Status.UNOFFICIAL_FINAL,
            )
        plan.races[ident] = race


def _match_office(row, offices, races, plan, create, problems):
    """An office by name (district, if given, must agree) or by body together with district."""
    name, district = _key(row.office), _district_key(row.district)
    body = _key(_derived_body(row.office, row.district))
    matches = [
        office
        for office in offices
        if (
            _key(office.name) == name
            and (not district or not office.district or _district_key(office.district) == district)
        )
        or (_key(office.body) in {name, body} and _district_key(office.district) == district)
    ]
    if len(matches) > 1:
        in_election = [office for office in matches if office.pk in races]
        matches = in_election or matches
    if len(matches) == 1:
        return ("id", matches[0].pk)
    if len(matches) > 1:
        names = ", ".join(sorted(office.slug for office in matches))
        problems.append(
            Problem(
                row.line,
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
            name=row.office, body=_derived_body(row.office, row.district), district=row.district
        )
    return ident


def _resolve_candidacies(rows, plan, create, problems, skipped):
    saved_races = [race for race in plan.races.values() if race is not None and race.pk]
    by_race = defaultdict(dict)  # race id -> name key -> [Candidacy]
    next_order = defaultdict(int)
    for candidacy in Candidacy.objects.filter(race__in=saved_races).select_related("candidate"):
        names = {
            _key(candidacy.ballot_name),
            _key(candidacy.candidate.name),
            _key(candidacy.candidate.ballot_name),
        } - {""}
        for name in names:
            by_race[candidacy.race_id].setdefault(name, []).append(candidacy)
        next_order[candidacy.race_id] = max(next_order[candidacy.race_id], candidacy.ballot_order)

    kept, unknown = [], defaultdict(list)
    for row in rows:
        race = plan.races.get(row.office_ident) if row.office_ident else None
        if race is None:
            continue  # the office problem is already reported
        name = _key(row.candidate)
        found = by_race[race.pk].get(name, []) if race.pk else []
        if len(found) > 1:
            problems.append(
                Problem(
                    row.line,
                    f"candidate {row.candidate!r} matches several candidacies "
                    "in this race; make their ballot names differ in the admin",
                )
            )
            continue
        if found:
            row.candidacy_ident = ("id", found[0].pk)
            plan.candidacies.setdefault(row.candidacy_ident, found[0])
        elif _loose_key(row.candidate) in WRITE_IN_SUMMARIES:
            skipped[WRITE_IN_SKIP_REASON] += 1
            continue
        elif not create:
            unknown[(row.office_ident, name)].append(row)
            continue
        else:
            row.candidacy_ident = ("new", row.office_ident, name)
        kept.append(row)

    for group in unknown.values():
        first = group[0]
        more = f" (and {len(group) - 1:,} more rows)" if len(group) > 1 else ""
        office = plan.races[first.office_ident].office.name
        problems.append(
            Problem(
                first.line,
                f"unknown candidate {first.candidate!r} in {office!r}{more}; "
                "check the spelling, add the candidacy in the admin, or import with --create",
            )
        )
    if create:
        _plan_new_candidacies(kept, plan, next_order, problems)
    return kept


# Names looked up per query when matching new candidacies to existing people (two terms each).
NAME_BATCH = 200


def _plan_new_candidacies(rows, plan, next_order, problems):
    """New candidacies; their person is an existing Candidate when exactly one has that name."""
    new_rows = {}
    for row in rows:
        if row.candidacy_ident[0] == "new":
            new_rows.setdefault(row.candidacy_ident, row)
    if not new_rows:
        return
    names = sorted({_clean(row.candidate) for row in new_rows.values()})
    people = defaultdict(list)
    # In batches: SQLite refuses a WHERE clause more than 1,000 terms deep, and a file with
    # thousands of new names would otherwise fail with a database error.
    for start in range(0, len(names), NAME_BATCH):
        batch = names[start : start + NAME_BATCH]
        query = reduce(or_, (Q(name__iexact=n) | Q(ballot_name__iexact=n) for n in batch))
        for person in Candidate.objects.filter(query):
            for name in {_key(person.name), _key(person.ballot_name)} - {""}:
                if person not in people[name]:
                    people[name].append(person)

    merged = {}  # (race ident, candidate ident) -> candidacy ident, so one person runs once
    for ident, row in new_rows.items():
        race = plan.races[row.office_ident]
        found = people.get(_key(row.candidate), [])
        if len(found) > 1:
            slugs = ", ".join(sorted(person.slug for person in found))
            problems.append(
                Problem(
                    row.line,
                    f"candidate {row.candidate!r} matches several people "
                    f"({slugs}); add the candidacy in the admin first",
                )
            )
            continue
        if found:
            person_ident = ("id", found[0].pk)
            person = found[0]
        else:
            person_ident = ("new", _key(row.candidate))
            person = plan.new_candidates.setdefault(
                person_ident,
                Candidate(name=row.candidate, party=_normal_party(row.party)),
            )
        pair = (row.office_ident, person_ident)
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
            party=_normal_party(row.party),
            write_in=_is_write_in_party(row.party),
            ballot_order=next_order[race_key],
        )


# --- Summing precincts into counties -------------------------------------------------------


@dataclass
class _County:
    name: str
    first_line: int
    precincts: set = field(default_factory=set)
    has_county_rows: bool = False
    file_reporting: tuple | None = None  # (value, line)
    file_total: tuple | None = None
    votes: dict = field(default_factory=dict)  # id(candidacy) -> [candidacy, votes, methods]


def _sum_counties(rows, plan, problems):
    """(office ident, county key) -> _County with its candidacies' summed counts."""
    counties = {}
    seen = {}  # (office, county, precinct, candidacy object) -> first line
    for row in rows:
        candidacy = plan.candidacies.get(row.candidacy_ident)
        if candidacy is None:
            continue
        key = (row.office_ident, _county_key(row.county))
        county = counties.get(key)
        if county is None:
            county = counties[key] = _County(name=row.county, first_line=row.line)
        precinct = _key(row.precinct)

        where = f"precinct {row.precinct!r} ({county.name})" if precinct else county.name
        place = (*key, precinct, id(candidacy))
        if place in seen:
            problems.append(
                Problem(
                    row.line,
                    f"{where} already has a row for {row.candidate!r} (line {seen[place]})",
                )
            )
            continue
        seen[place] = row.line
        if precinct:
            county.precincts.add(precinct)
        else:
            county.has_county_rows = True
        if county.precincts and county.has_county_rows:
            problems.append(
                Problem(
                    row.line,
                    f"{county.name} has both precinct rows and county-wide rows "
                    "for this office; its votes would be counted twice",
                )
            )
            continue

        for attribute, column, value in (
            ("file_reporting", "precincts_reporting", row.precincts_reporting),
            ("file_total", "precincts_total", row.precincts_total),
        ):
            if value is None:
                continue
            earlier = getattr(county, attribute)
            if earlier is None:
                setattr(county, attribute, (value, row.line))
            elif earlier[0] != value:
                problems.append(
                    Problem(
                        row.line,
                        f"{column} for {county.name} is {value} here but "
                        f"{earlier[0]} on line {earlier[1]}",
                    )
                )

        counts = county.votes.setdefault(id(candidacy), [candidacy, 0, {}])
        counts[1] += row.votes
        for method, value in row.methods.items():
            if value is not None:
                counts[2][method] = counts[2].get(method, 0) + value
        if max([counts[1], *counts[2].values()]) > MAX_COUNT:
            problems.append(
                Problem(
                    row.line,
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
        existing[(unit.race_id, _county_key(unit.name))] = unit

    placed = []
    for (office_ident, county_key), county in counties.items():
        race = plan.races[office_ident]
        unit = existing.get((race.pk, county_key)) if race.pk else None
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
                    county.first_line,
                    f"{county.name}: {reporting} precincts reporting is "
                    f"more than its {total} precincts in total ({race.office.name}); "
                    "give precincts_total in the file or correct it in the admin",
                )
            )
        unit.precincts_reporting, unit.precincts_total = reporting, total
        placed.append((race, unit, county))
    return placed


# --- Writing ---------------------------------------------------------------------------------


def _write(plan, placed, report, *, user=None, reason=IMPORT_REASON):
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
        for candidacy, votes, methods in county.votes.values():
            counts.append(
                VoteCount(
                    candidacy=candidacy,
                    unit=unit,
                    votes=votes,
                    election_day=methods.get("election_day"),
                    advance=methods.get("advance"),
                    absentee_by_mail=methods.get("absentee_by_mail"),
                    provisional=methods.get("provisional"),
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
        if race.status == Race.Status.UPCOMING and votes_by_race[race.pk] > 0:
            race.status = Race.Status.COUNTING
    bulk_update_with_history(touched, Race, ["results_updated_at", "status"], **history)
    pagecache.invalidate()  # the bulk writes above send no signals

    report.units_updated = len(placed)
    report.candidacies_updated = len(candidacies)
    report.races = touched


def import_results(
    text_or_file,
    *,
    election,
    create=False,
    dry_run=False,
    progress=None,
    user=None,
    reason=IMPORT_REASON,
):
    """Load a results CSV for ``election``; returns an ImportReport or raises ImportFailed.

    ``text_or_file`` is CSV text or a file object (text, or bytes in UTF-8). With ``create``
    missing offices, races, candidates and candidacies are created; with ``dry_run`` the work
    is done and rolled back, so the report previews exactly what an import would change.
    ``progress(rows_done, rows_total)`` is called as rows are checked. ``user`` and
    ``reason`` go into the edit history of every row written.
    """
    text = _read_text(text_or_file)
    report = ImportReport(dry_run=dry_run)
    problems, skipped = [], Counter()
    with transaction.atomic():
        rows, report.rows_read = _read_rows(text, problems, skipped, progress)
        if problems and not rows:
            raise ImportFailed(problems)  # nothing readable: names cannot add anything
        # Rows with problems were left out; the rest are still checked against the database,
        # so one run reports unknown names as well as bad numbers.
        plan = _Plan(election)
        _resolve_offices(rows, plan, create, problems)
        rows = _resolve_candidacies(rows, plan, create, problems, skipped)
        counties = _sum_counties(rows, plan, problems)
        placed = _place_counties(counties, plan, problems)
        if problems:
            raise ImportFailed(problems)
        report.skipped_reasons = dict(skipped.most_common())
        report.rows_skipped = sum(skipped.values())
        try:
            with transaction.atomic():
                _write(plan, placed, report, user=user, reason=reason)
        except (IntegrityError, DataError) as error:
            raise ImportFailed(
                [Problem(None, f"the database refused the import: {error}")]
            ) from None
        if dry_run:
            transaction.set_rollback(True)
    return report
