"""Clarity ENR ``detail.xml`` (Scytl's election-night reporting), zipped or not.

Why: most county election sites publish election-night results through Clarity, as a
``detailxml.zip`` holding one ``detail.xml``. It comes in two shapes, told apart by the places
under each vote type:

- a county export: ``<Region>`` is the county and every ``<VoteType>`` lists
  ``<Precinct name votes>``; ``<VoterTurnout><Precincts>`` gives each precinct's turnout;
- a state export: every ``<VoteType>`` lists ``<County name votes>``;
  ``<ElectionVoterTurnout><Counties>`` gives each county's turnout and precincts reported.

The rules here:

- One ``ResultRow`` per choice per precinct (county export) or per county (state export);
  ``votes`` is the sum of the choice's vote types there. A vote type goes to the bucket its
  words say (``VOTE_TYPE_WORDS``; several into one bucket are summed); one that says none is
  kept in ``other_methods`` under its snake_case name, never dropped. A choice without vote
  types (some exports) gives one row from its ``totalVotes``.
- Not read: a contest's own vote types (Undervotes, Overvotes: not votes for a choice).
- Precincts reporting come from the export, never from the places it lists: Clarity lists
  every precinct (or county) from the first export of the night, at zero votes until it
  reports, so counting the names would show "4 of 4 precincts" before any is in. A county
  export's rows carry their contest's ``precinctsReported`` of ``precinctsParticipating``
  (older exports call the latter ``precinctsReporting``): the region is one county, so the
  contest's figures are that county's (never more reported than precincts listed: a
  half-written export lists fewer). A state export's rows carry their county's
  ``precinctsReported`` of ``precinctsParticipating`` for the contest, from its
  ``<ParticipatingCounties>``, or else from ``<ElectionVoterTurnout>`` (the county's whole
  ballot, for exports without the contest's county list). A figure the
  file does not give stays None, and the importer falls back as for a CSV without the columns.
- Every count is a whole number from 0 to ``MAX_COUNT``; anything else is a ``Problem``, and
  the place it is in gives no row.
- XML from the internet is untrusted. ``defusedxml`` is not a dependency, so the standard
  library parses it, and a file with a ``<!DOCTYPE`` or ``<!ENTITY`` declaration is refused
  before parsing: Clarity never uses one, and refusing it means no entity is ever expanded
  (billion laughs) or fetched (external entities). The text is decoded here first, so the
  check reads exactly the characters the parser will. A zip with more than ``MAX_MEMBERS``
  members, or whose ``detail.xml`` is larger than ``MAX_XML_BYTES``, is refused before
  anything is decompressed (zip bombs).
"""

import codecs
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from xml.etree import ElementTree

from candidates.importing.problems import Problem
from candidates.importing.rows import KNOWN_METHODS, MAX_COUNT, ResultRow
from candidates.importing.text import clean, header_key

__all__ = [
    "ClarityContest",
    "ClarityFile",
    "ClarityUnit",
    "looks_like_clarity",
    "parse_clarity",
    "vote_type_bucket",
]

DETAIL_XML = "detail.xml"
# Far above a real export (a large state's detail.xml is tens of MB); refused beyond.
MAX_XML_BYTES = 200 * 1024 * 1024
# A detailxml.zip holds one file; more than this is not one.
MAX_MEMBERS = 20
# How much of a file looks_like_clarity() reads to find the root element.
SNIFF_BYTES = 64 * 1024

# A vote type's snake_case name -> bucket: the first entry with a word in the name wins, so
# "Provisional Absentee" is provisional and "Early Vote by Mail" is absentee by mail.
VOTE_TYPE_WORDS = (
    ("provisional", ("provisional",)),
    ("absentee_by_mail", ("absentee", "mail")),
    ("advance", ("advance", "early")),
    ("election_day", ("election_day",)),
)

# The zones Clarity writes after its timestamps ("11/9/2022 2:28:19 PM EST"), US only.
US_ZONES = {
    name: timezone(timedelta(hours=hours), name)
    for name, hours in {
        "EST": -5,
        "EDT": -4,
        "CST": -6,
        "CDT": -5,
        "MST": -7,
        "MDT": -6,
        "PST": -8,
        "PDT": -7,
    }.items()
}
_TIMESTAMP = re.compile(r"(\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M) ([A-Z]{2,5})")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_COUNT = re.compile(r"[0-9]+")
_NEGATIVE = re.compile(r"-\s*[0-9]+")
_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_LEADING_SPACE = re.compile(r"\s*")
# What may come before the root element: whitespace, the XML declaration, comments, PIs.
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_ROOT = re.compile(r"<!DOCTYPE\s+([^\s\[>]+)|<([^\s/>!?]+)")

_FETCH_AGAIN = "download the export again, or ask the elections office for a corrected one"


@dataclass(frozen=True)
class ClarityUnit:
    """Turnout of one precinct (county export) or county (state export); None: not given."""

    name: str
    registered_voters: int | None
    ballots_cast: int | None
    precincts_participating: int | None = None
    precincts_reported: int | None = None


@dataclass(frozen=True)
class ClarityContest:
    """A contest as the file describes it: seats is Clarity's voteFor."""

    name: str
    seats: int | None
    is_question: bool
    precincts_reported: int | None
    precincts_participating: int | None


@dataclass
class ClarityFile:
    """What the export says about itself; empty when it could not be read."""

    election_name: str = ""
    election_date: date | None = None
    timestamp: datetime | None = None
    region: str = ""  # the county of a county export; "" for a state export
    kind: str = "county"  # "county" or "state"
    units: list = field(default_factory=list)  # ClarityUnit
    contests: list = field(default_factory=list)  # ClarityContest
    turnout_index: dict | None = field(default=None, repr=False, compare=False)


def looks_like_clarity(data: bytes) -> bool:
    """True for a zip with a ``detail.xml`` (in any folder) or XML whose root element is
    ``<ElectionResult>``; told from the content, never from the file name."""
    if _is_zip(data):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return any(_is_detail_xml(member) for member in archive.infolist())
        except (zipfile.BadZipFile, OSError):
            return False
    head = data[:SNIFF_BYTES]
    try:
        text = head.decode(_encoding_of(head), errors="replace")
    except LookupError:
        return False
    return _root_name(text.removeprefix("\ufeff")) == "ElectionResult"


def parse_clarity(data: bytes) -> tuple[ClarityFile, list[ResultRow], list[Problem]]:
    """(ClarityFile, rows, problems) from the bytes of a detailxml.zip or a detail.xml."""
    problems = []
    found = _detail_xml(data, problems)
    if found is None:
        return ClarityFile(), [], problems
    xml, source = found
    root = _parse_xml(xml, source, problems)
    if root is None:
        return ClarityFile(), [], problems
    export = _read_export(root, problems)
    rows = []
    contests = root.findall("Contest")
    if not contests:
        problems.append(
            Problem(None, f"{source} has no <Contest> elements, so it holds no results to import")
        )
    for number, contest in enumerate(contests, start=1):
        rows.extend(_contest_rows(contest, number, export, problems))
    return export, rows, problems


def vote_type_bucket(name):
    """The known bucket (KNOWN_METHODS) a Clarity vote type belongs to, or None."""
    snake = header_key(name)
    for bucket, words in VOTE_TYPE_WORDS:
        if any(word in snake for word in words):
            return bucket
    return None


# Reading the file


def _is_zip(data):
    return zipfile.is_zipfile(io.BytesIO(data))


def _is_detail_xml(member):
    return not member.is_dir() and re.split(r"[\\/]", member.filename)[-1].casefold() == DETAIL_XML


def _detail_xml(data, problems):
    """(XML bytes, its name for messages), or None with the problem recorded."""
    if _is_zip(data):
        return _read_zip(data, problems)
    if not data or data.isspace():
        problems.append(Problem(None, "the file is empty"))
        return None
    if len(data) > MAX_XML_BYTES:
        problems.append(Problem(None, _too_large(DETAIL_XML, len(data))))
        return None
    return data, DETAIL_XML


def _too_large(name, size):
    return (
        f"{name} is {size / 1024 / 1024:,.0f} MB, more than the {MAX_XML_BYTES // 1024 // 1024} "
        "MB a results export can be; it was not read"
    )


def _read_zip(data, problems):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                problems.append(
                    Problem(
                        None,
                        f"the zip holds {len(members):,} files; a Clarity detailxml.zip holds "
                        f"one detail.xml (at most {MAX_MEMBERS} files are read), so it was not "
                        "opened",
                    )
                )
                return None
            details = [member for member in members if _is_detail_xml(member)]
            if not details:
                names = ", ".join(member.filename for member in members[:5]) or "nothing"
                problems.append(
                    Problem(
                        None,
                        f"the zip has no detail.xml (it holds {names}); download detailxml.zip "
                        "from the results site's reports page",
                    )
                )
                return None
            if len(details) > 1:
                names = ", ".join(member.filename for member in details)
                problems.append(
                    Problem(
                        None,
                        f"the zip holds more than one detail.xml ({names}); import them one "
                        "at a time",
                    )
                )
                return None
            member = details[0]
            # The size the zip declares, checked before decompressing; the read is capped too,
            # in case the declaration lies.
            if member.file_size > MAX_XML_BYTES:
                problems.append(Problem(None, _too_large(member.filename, member.file_size)))
                return None
            with archive.open(member) as stream:
                xml = stream.read(MAX_XML_BYTES + 1)
            if len(xml) > MAX_XML_BYTES:
                problems.append(Problem(None, _too_large(member.filename, len(xml))))
                return None
            return xml, member.filename
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression.
        problems.append(Problem(None, f"the zip could not be read ({error}); download it again"))
        return None


def _encoding_of(data):
    """The encoding of XML bytes: a byte order mark, else the XML declaration, else UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    declared = _ENCODING.match(data[:1024])
    return declared.group(1).decode("ascii") if declared else "utf-8"


def _root_name(text):
    """The name of the root element (or the name a DOCTYPE gives it), or None if the text does
    not start like XML."""
    position = 0
    while match := _PROLOG_ITEM.match(text, position):
        position = match.end()
    match = _ROOT.match(text, position)
    return (match.group(1) or match.group(2)) if match else None


def _parse_xml(xml, source, problems):
    """The root element, or None with the problem recorded."""
    encoding = _encoding_of(xml)
    try:
        text = xml.decode(encoding).removeprefix("\ufeff")
    except LookupError:
        problems.append(
            Problem(None, f"{source} declares an encoding Python does not know: {encoding!r}")
        )
        return None
    except UnicodeDecodeError as error:
        bad = xml[error.start : error.start + 1].hex()
        problems.append(
            Problem(
                None,
                f"{source} is not {encoding} text (byte 0x{bad} at position {error.start:,}); "
                f"{_FETCH_AGAIN}",
            )
        )
        return None
    # Leading whitespace before the XML declaration is not XML, but it is harmless; line numbers
    # in messages still count from the top of the file.
    start = _LEADING_SPACE.match(text).end()
    stripped, lines_stripped = text[start:], text[:start].count("\n")
    if not stripped.startswith("<"):
        problems.append(
            Problem(
                None,
                "the file is neither a Clarity detailxml.zip nor a detail.xml: it is not XML "
                "(a CSV export goes through the CSV importer)",
            )
        )
        return None
    if "<!DOCTYPE" in stripped or "<!ENTITY" in stripped:
        problems.append(
            Problem(
                None,
                f"{source} has a DOCTYPE or ENTITY declaration, which a Clarity export never "
                "has and which can expand into huge text or read other files, so it was not "
                f"read; {_FETCH_AGAIN}",
            )
        )
        return None
    try:
        root = ElementTree.fromstring(stripped)
    except ElementTree.ParseError as error:
        line, column = error.position
        reason = str(error).split(":", 1)[0]
        problems.append(
            Problem(
                f"{source}, line {line + lines_stripped}, column {column}",
                f"{source} is not well-formed XML ({reason}); the download may have been cut "
                f"short: {_FETCH_AGAIN}",
            )
        )
        return None
    if root.tag != "ElectionResult":
        problems.append(
            Problem(
                None,
                f"this XML is not a Clarity detail.xml: its root element is <{root.tag}>, "
                "not <ElectionResult>",
            )
        )
        return None
    return root


# The export's header and turnout


def _text(root, tag):
    element = root.find(tag)
    return clean(element.text) if element is not None else ""


def _election_date(text):
    match = _US_DATE.fullmatch(text)
    try:
        if match:
            month, day, year = (int(part) for part in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _timestamp(text):
    """An aware datetime from "11/9/2022 2:28:19 PM EST"; None for other zones or forms."""
    match = _TIMESTAMP.fullmatch(text)
    zone = US_ZONES.get(match.group(2)) if match else None
    if zone is None:
        return None
    try:
        return datetime.strptime(match.group(1), "%m/%d/%Y %I:%M:%S %p").replace(tzinfo=zone)
    except ValueError:
        return None


def _unit_tag(root):
    """The tag of the places the export counts in: County (a state export) or Precinct (a
    county export), as under the first vote type that lists any, else as in the turnout."""
    for place in root.iterfind("./Contest/Choice/VoteType/*"):
        if place.tag in ("County", "Precinct"):
            return place.tag
    if root.find("./*/Counties/County") is not None:
        return "County"
    return "Precinct"


def _read_export(root, problems):
    unit_tag = _unit_tag(root)
    kind = "state" if unit_tag == "County" else "county"
    export = ClarityFile(
        election_name=_text(root, "ElectionName"),
        election_date=_election_date(_text(root, "ElectionDate")),
        timestamp=_timestamp(_text(root, "Timestamp")),
        region=_text(root, "Region") if kind == "county" else "",
        kind=kind,
    )
    if kind == "county" and not export.region:
        problems.append(
            Problem(
                None,
                "the county export names no county (its <Region> is empty), so its precincts "
                f"cannot be placed; {_FETCH_AGAIN}",
            )
        )
    # <VoterTurnout> in county exports, <ElectionVoterTurnout> in state ones.
    group = "Counties" if kind == "state" else "Precincts"
    word = unit_tag.lower()
    for place in root.iterfind(f"./*/{group}/{unit_tag}"):
        name = clean(place.get("name"))
        if not name:
            problems.append(Problem("turnout", f"a {word} in the turnout table has no name"))
            continue
        where = f"turnout, {word} {name!r}"
        export.units.append(
            ClarityUnit(
                name=name,
                registered_voters=_count(place, "totalVoters", where, problems),
                ballots_cast=_count(place, "ballotsCast", where, problems),
                precincts_participating=_count(place, "precinctsParticipating", where, problems),
                precincts_reported=_count(place, "precinctsReported", where, problems),
            )
        )
    return export


def _count(element, attribute, where, problems, *, required=False):
    """A count attribute as an int; None when absent (a problem if required) or not a count."""
    raw = element.get(attribute)
    if raw is None:
        if required:
            problems.append(Problem(where, f"the {attribute} attribute is missing; {_FETCH_AGAIN}"))
        return None
    value = raw.strip()
    if _COUNT.fullmatch(value):
        number = int(value)
        if number <= MAX_COUNT:
            return number
        problems.append(Problem(where, f"{attribute}={raw!r} is too large to be a count"))
    elif _NEGATIVE.fullmatch(value):
        problems.append(
            Problem(
                where,
                f"{attribute}={raw!r} is negative; a count cannot be below zero: {_FETCH_AGAIN}",
            )
        )
    else:
        problems.append(
            Problem(where, f"{attribute}={raw!r} is not a whole number; {_FETCH_AGAIN}")
        )
    return None


def _flag(element, attribute, where, problems):
    raw = element.get(attribute)
    if raw is None or raw.strip().casefold() == "false":
        return False
    if raw.strip().casefold() == "true":
        return True
    problems.append(Problem(where, f"{attribute}={raw!r} is neither true nor false"))
    return False


# Contests and choices


@dataclass
class _Tally:
    """One choice's votes in one place, by bucket and by other vote type."""

    methods: dict = field(default_factory=dict)
    other: dict = field(default_factory=dict)
    bad: bool = False


def _contest_rows(contest, number, export, problems):
    office = clean(contest.get("text"))
    if not office:
        problems.append(
            Problem(
                f"contest {number} (key {contest.get('key', '')!r})",
                f"the contest has no text attribute, so its office is unknown; {_FETCH_AGAIN}",
            )
        )
        return []
    where = f"contest {office!r}"
    seats = _count(contest, "voteFor", where, problems)
    is_question = _flag(contest, "isQuestion", where, problems)
    export.contests.append(
        ClarityContest(
            name=office,
            seats=seats,
            is_question=is_question,
            precincts_reported=_count(contest, "precinctsReported", where, problems),
            precincts_participating=_count(contest, "precinctsParticipating", where, problems),
        )
    )
    rows = []
    for choice in contest.iterfind("Choice"):
        rows.extend(_choice_rows(choice, office, seats, is_question, export, problems))
    if export.kind == "state":
        # The contest's own figures for each county (a district's contest covers part of a
        # county's precincts), else the county's whole ballot from the turnout table.
        own = _participating_counties(contest)
        turnout = _turnout_by_name(export)
        for row in rows:
            if row.county in own:
                row.precincts_reporting, row.precincts_total = own[row.county]
            elif (unit := turnout.get(row.county)) is not None:
                row.precincts_reporting = unit.precincts_reported
                row.precincts_total = unit.precincts_participating
    else:
        reported, total = _contest_precincts(contest)
        listed = len({row.precinct for row in rows if row.precinct})
        if reported is not None and listed and reported > listed:
            # A precinct the file does not list is not in: a half-written export lists fewer
            # precincts than it says have reported.
            reported = listed
        for row in rows:
            row.precincts_reporting, row.precincts_total = reported, total
    return rows


def _contest_precincts(contest):
    """(precincts reported, precincts in total) of a county export's contest; None where the
    file does not say. Read quietly: ``_contest_rows`` has reported a bad figure already, and an
    unreadable older ``precinctsReporting`` only leaves the total to the importer."""
    reported = _count(contest, "precinctsReported", "", [])
    total = _count(contest, "precinctsParticipating", "", [])
    if total is None:
        total = _count(contest, "precinctsReporting", "", [])  # the older exports' name
    if reported is not None and total is not None and reported > total:
        return reported, None  # a total below the reported is no total: do not guess one
    return reported, total


def _participating_counties(contest):
    """{county: (precincts reported, precincts in the contest)} from a state export's
    ``<ParticipatingCounties>``; counties whose figures are missing or unreadable are left
    out (the turnout table stands in)."""
    counties = {}
    for county in contest.iterfind("ParticipatingCounties/County"):
        name = clean(county.get("name"))
        reported = _count(county, "precinctsReported", "", [])
        total = _count(county, "precinctsParticipating", "", [])
        if name and reported is not None and total is not None and reported <= total:
            counties[name] = (reported, total)
    return counties


def _turnout_by_name(export):
    """The state export's turnout by county name (built once per file)."""
    if export.turnout_index is None:
        export.turnout_index = {unit.name: unit for unit in export.units}
    return export.turnout_index


def _choice_rows(choice, office, seats, is_question, export, problems):
    where = f"contest {office!r}"
    candidate = clean(choice.get("text"))
    if not candidate:
        problems.append(
            Problem(
                where,
                f"a choice (key {choice.get('key', '')!r}) has no text attribute, so its "
                f"candidate is unknown; {_FETCH_AGAIN}",
            )
        )
        return []
    same = {
        "office": office,
        "district": "",
        "party": clean(choice.get("party")),
        "candidate": candidate,
        "seats": seats,
        "is_question": is_question,
    }
    choice_where = f"{where}, choice {candidate!r}"
    if choice.find("VoteType") is None:
        # Some exports give only the choice's total: one row for the file's whole region.
        total = _count(choice, "totalVotes", choice_where, problems, required=True)
        if total is None:
            return []
        return [
            ResultRow(where=choice_where, county=export.region, precinct="", votes=total, **same)
        ]
    word = "county" if export.kind == "state" else "precinct"
    rows = []
    for place, tally in _tallies(choice, choice_where, export, problems).items():
        if tally.bad:
            continue
        place_where = f"{where}, {word} {place!r}"
        votes = sum(tally.methods.values()) + sum(tally.other.values())
        if votes > MAX_COUNT:
            problems.append(
                Problem(place_where, f"{candidate!r} has more votes than can be stored")
            )
            continue
        county, precinct = (place, "") if export.kind == "state" else (export.region, place)
        rows.append(
            ResultRow(
                where=place_where,
                county=county,
                precinct=precinct,
                votes=votes,
                methods={method: tally.methods.get(method) for method in KNOWN_METHODS},
                other_methods=tally.other,
                **same,
            )
        )
    return rows


def _tallies(choice, choice_where, export, problems):
    """Place name -> _Tally of the choice's vote types, in the order places first appear."""
    unit_tag = "County" if export.kind == "state" else "Precinct"
    word = unit_tag.lower()
    tallies = {}
    for vote_type in choice.iterfind("VoteType"):
        name = clean(vote_type.get("name"))
        if not name:
            # Its votes belong to no known method, so no total of this choice would be right.
            problems.append(
                Problem(choice_where, f"a vote type has no name attribute; {_FETCH_AGAIN}")
            )
            return {}
        bucket = vote_type_bucket(name)
        key = bucket or header_key(name) or "unnamed"
        type_where = f"{choice_where}, vote type {name!r}"
        seen = set()
        for place in vote_type:
            if place.tag != unit_tag:
                problems.append(
                    Problem(
                        type_where,
                        f"<{place.tag}> where a {export.kind} export has <{unit_tag}>; "
                        "precinct and county results are mixed in one file",
                    )
                )
                continue
            place_name = clean(place.get("name"))
            if not place_name:
                problems.append(
                    Problem(type_where, f"a {word} has no name attribute; {_FETCH_AGAIN}")
                )
                continue
            place_where = f"{choice_where}, vote type {name!r}, {word} {place_name!r}"
            tally = tallies.setdefault(place_name, _Tally())
            if place_name in seen:
                problems.append(
                    Problem(place_where, f"the {word} appears twice under this vote type")
                )
                tally.bad = True
                continue
            seen.add(place_name)
            votes = _count(place, "votes", place_where, problems, required=True)
            if votes is None:
                tally.bad = True
                continue
            counts = tally.methods if bucket else tally.other
            counts[key] = counts.get(key, 0) + votes
    return tallies
