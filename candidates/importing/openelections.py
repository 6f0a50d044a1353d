"""OpenElections CSV: ``county, precinct, office, district, party, candidate, votes`` in any
order, with any number of vote-method columns, known or not.

Why this shape: it is how OpenElections publishes every state's results and how most county
exports can be saved. The rules here:

- Columns are found by name in any order (``COLUMN_ALIASES``); ``county``, ``office`` and
  ``candidate`` are required, and ``votes`` or at least one vote-method column.
- Every numeric vote-method column is kept: known ones go to their bucket (early voting to
  ``advance``...), and a column this module does not know (``advance_in_person_1``) is summed
  into the bucket its name says or kept under its own name (``ResultRow.other_methods``).
  Never dropped. When a row has both ``votes`` and methods and they disagree, that line is
  refused, saying by how much.
- Counts are whole numbers, with or without thousands separators; one printed as a decimal
  ("473.0") is that number, one with a fraction ("473.5") is refused.
- Rows that are not votes for a choice (registered voters, totals, a state's total row...)
  are skipped and counted (summary_rows.py).
"""

import csv
import io
import re

from candidates.importing import summary_rows
from candidates.importing.problems import ImportFailed, Problem
from candidates.importing.rows import KNOWN_METHODS, MAX_COUNT, ResultRow
from candidates.importing.text import clean, header_key

# Canonical column -> the header spellings accepted for it (after header_key()).
COLUMN_ALIASES = {
    # Louisiana's counties are parishes.
    "county": {"county", "county_name", "parish"},
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
REQUIRED_COLUMNS = ("county", "office", "candidate")

# Field lengths of the models, checked up front (PostgreSQL refuses longer values mid-import).
MAX_LENGTHS = {"county": 200, "office": 200, "district": 50, "party": 100, "candidate": 200}


# Unknown columns with these words are not vote counts, whatever numbers they hold. "Voters"
# and "electors" are turnout: Ohio's files give each precinct's "Registered Voters" and
# "Total Voters" (ballots cast there) on every candidate's row.
NOT_VOTE_COLUMNS = re.compile(
    r"(^|_)(id|fips|code|geoid|year|district|ward|registered|registration|ballots|turnout|"
    r"voters|electors|precincts?|county|office|party|candidate|pct|percent|share|margin)(_|$)"
)
# An unknown method column goes to the bucket its name says (first match wins).
METHOD_WORDS = (
    ("absentee_by_mail", ("absentee", "mail", "mailin", "by_mail")),
    ("provisional", ("provisional",)),
    ("advance", ("advance", "advanced", "early", "in_person_early", "one_stop")),
    ("election_day", ("election_day", "eday", "polling", "day_of")),
)


# A count, with or without thousands separators; a whole number written as a decimal ("473.0",
# as files saved from a spreadsheet or pandas print every count in Iowa's OpenElections files)
# is that number. A count with a fraction ("473.5") is not a count.
_COUNT = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.0+)?")
_NEGATIVE = re.compile(r"-\s*(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_FRACTION = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+")


def method_bucket(column):
    """The known bucket an unknown method column belongs to, or None."""
    words = set(column.split("_"))
    for bucket, names in METHOD_WORDS:
        if any(name in column if "_" in name else name in words for name in names):
            return bucket
    return None


def read_text(text_or_file):
    """The file's text; a file that is not UTF-8 is refused with the place of the first bad byte."""
    try:
        data = text_or_file if isinstance(text_or_file, str | bytes) else text_or_file.read()
    except UnicodeDecodeError as error:
        raise ImportFailed([not_utf8(error, None)]) from None
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ImportFailed([not_utf8(error, data)]) from None
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


def not_utf8(error, data):
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


def read_rows(text, problems, skipped, progress):
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

    columns, unknown = _map_header(header, problems)
    if problems:
        return [], len(records)
    method_columns = _method_columns(unknown, records)
    if not records:
        problems.append(Problem(None, "the file has a header but no result rows"))
        return [], 0

    rows = []
    total = len(records)
    step = max(1, total // 100)
    for done, (line, record) in enumerate(records, start=1):
        row = _read_row(line, record, columns, method_columns, problems, skipped)
        if row is not None:
            rows.append(row)
        if progress and (done % step == 0 or done == total):
            progress(done, total)
    return rows, total


def _map_header(header, problems):
    """Canonical column -> (index, name as written), and the unknown columns that may hold
    vote counts: {index: (name as written, snake_case name)}."""
    columns, unknown = {}, {}
    for index, name in enumerate(header):
        snake = header_key(name)
        column = ALIAS_TO_COLUMN.get(snake)
        if column is None:
            if snake and not NOT_VOTE_COLUMNS.search(snake):
                unknown[index] = (name.strip(), snake)
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
    if "votes" not in columns and not any(m in columns for m in KNOWN_METHODS) and not unknown:
        missing.append("votes (or vote-method columns such as election_day_votes)")
    for column in missing:
        problems.append(Problem(1, f"missing required column: {column}{_hint(column, header)}"))
    return columns, unknown


# Older OpenElections files name the place "jurisdiction", beside a "reporting_level" column
# that says whether it is a county, a precinct or the state: the file must say so itself.
_PLACE_COLUMNS = {"jurisdiction", "place", "locality", "reporting_unit"}


def _hint(column, header):
    if column != "county":
        return ""
    places = [name.strip() for name in header if header_key(name) in _PLACE_COLUMNS]
    if not places:
        return ""
    return (
        f" (the file has a {places[0]!r} column: if it names counties, rename it to "
        "'county'; rows for the state as a whole are skipped)"
    )


def _method_columns(unknown, records):
    """The unknown columns that are vote methods: every non-blank value in them is a count."""
    methods = {}
    for index, (name, snake) in unknown.items():
        values = [record[index].strip() for _, record in records if index < len(record)]
        values = [value for value in values if value]
        if values and all(_COUNT.fullmatch(value) for value in values):
            methods[index] = (name, snake)
    return methods


def _cell_at(record, index):
    """The stripped cell at ``index``, or "" for a short row."""
    return record[index].strip() if index < len(record) else ""


def _read_row(line, record, columns, method_columns, problems, skipped):
    def cell(column):
        index = columns.get(column, (None,))[0]
        return record[index] if index is not None and index < len(record) else ""

    county, precinct, office = clean(cell("county")), clean(cell("precinct")), clean(cell("office"))
    candidate = clean(cell("candidate"))
    reason = summary_rows.skip_reason(
        office=office, candidate=candidate, county=county, precinct=precinct
    )
    if reason:
        skipped[reason] += 1
        return None

    before = len(problems)
    for column in ("county", "office", "candidate"):
        if not clean(cell(column)):
            problems.append(Problem(line, f"{column} is blank"))
    for column, limit in MAX_LENGTHS.items():
        if len(clean(cell(column))) > limit:
            problems.append(Problem(line, f"{column} is longer than {limit} characters"))

    def count(raw, name):
        raw = raw.strip()
        if not raw:
            return None
        if _COUNT.fullmatch(raw):
            value = int(raw.split(".")[0].replace(",", ""))
            if value <= MAX_COUNT:
                return value
            problems.append(Problem(line, f"{name} is too large: {raw!r}"))
        elif _NEGATIVE.fullmatch(raw):
            problems.append(Problem(line, f"{name} is negative: {raw!r}"))
        elif _FRACTION.fullmatch(raw):
            problems.append(Problem(line, f"{name} is not a whole number: {raw!r}"))
        else:
            problems.append(Problem(line, f"{name} is not a number: {raw!r}"))
        return None

    def column_count(column):
        return count(cell(column), columns[column][1]) if column in columns else None

    methods = {method: column_count(method) for method in KNOWN_METHODS}
    other_methods = {}
    for index, (name, snake) in method_columns.items():
        value = count(record[index] if index < len(record) else "", name)
        if value is None:
            continue
        bucket = method_bucket(snake)
        # A file with its own column for the bucket keeps the unknown one apart, not summed in.
        if bucket and bucket not in columns:
            methods[bucket] = (methods[bucket] or 0) + value
        else:
            other_methods[snake] = value
    votes = column_count("votes")
    reporting, total = column_count("precincts_reporting"), column_count("precincts_total")
    if len(problems) > before:
        return None
    split = [v for v in methods.values() if v is not None] + list(other_methods.values())
    if votes is None:
        if not split:
            problems.append(Problem(line, "no votes on this row: the vote columns are blank"))
            return None
        votes = sum(split)
    elif split and sum(split) != votes:
        # A column this module only guessed to be a vote method is named: it may be something
        # else (a turnout figure), which the desk can tell and the importer cannot.
        guessed = [name for index, (name, _) in method_columns.items() if _cell_at(record, index)]
        guess = ""
        if guessed:
            named = ", ".join(repr(name) for name in guessed)
            guess = (
                f", counting the columns {named} as vote methods"
                if len(guessed) > 1
                else f", counting the column {named} as a vote method"
            )
        problems.append(
            Problem(
                line,
                f"votes ({votes:,}) differ from the sum of the vote-method columns "
                f"({sum(split):,}{guess}); correct the file or leave one of them out",
            )
        )
        return None
    if reporting is not None and total is not None and reporting > total:
        problems.append(
            Problem(
                line, f"precincts_reporting ({reporting}) is more than precincts_total ({total})"
            )
        )
        return None
    return ResultRow(
        where=line,
        county=county,
        precinct=precinct,
        office=office,
        district=clean(cell("district")),
        party=clean(cell("party")),
        candidate=candidate,
        votes=votes,
        methods=methods,
        other_methods=other_methods,
        precincts_reporting=reporting,
        precincts_total=total,
    )
