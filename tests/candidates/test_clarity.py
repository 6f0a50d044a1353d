"""The Clarity ENR detail.xml parser (candidates/importing/clarity.py), on real exports.

The fixtures are public Clarity files (tests/candidates/data/README.md says where from). The
expected figures were worked out without the parser, with regular expressions, by
tests/candidates/data/clarity/expected.py; the per-precinct ones by hand from the files.
"""

import io
import re
import zipfile
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from candidates.importing import clarity, names
from candidates.importing.clarity import (
    ClarityContest,
    ClarityUnit,
    looks_like_clarity,
    parse_clarity,
    vote_type_bucket,
)

DATA = Path(__file__).parent / "data"
CLARITY = DATA / "clarity"
ATKINSON = CLARITY / "ga_atkinson_2020_general_precincts.xml"  # county export, kept whole
GREENUP = CLARITY / "ky_greenup_2014_primary_precincts.xml"  # county export, kept whole
WEST_VIRGINIA = CLARITY / "wv_2020_general_counties_trimmed.xml"  # state export, 5 counties
ARKANSAS = CLARITY / "ar_2014_general_counties_trimmed.xml"  # state export, 5 counties

PRESIDENT = "President of the United States"
TRUMP, BIDEN, JORGENSEN = "Donald J. Trump (I) (Rep)", "Joseph R. Biden (Dem)", "Jo Jorgensen (Lib)"
ATKINSON_PRECINCTS = ["Pearson County", "Axson", "Willacoochee", "Pearson City"]


def zipped(members):
    """A zip made here from {name: bytes}, as a county's detailxml.zip is."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def parse_text(text):
    """parse_clarity() on a real fixture's text after a test changed it."""
    return parse_clarity(text.encode())


def totals(rows):
    """(office, candidate) -> votes over all the rows."""
    by_choice = Counter()
    for row in rows:
        by_choice[(row.office, row.candidate)] += row.votes
    return dict(by_choice)


def only(rows, **fields):
    found = [row for row in rows if all(getattr(row, k) == v for k, v in fields.items())]
    assert len(found) == 1, found
    return found[0]


# Telling a Clarity file from others


def test_a_detail_xml_is_recognised_by_its_root_element():
    data = ATKINSON.read_bytes()
    assert looks_like_clarity(data)
    assert looks_like_clarity(b"\xef\xbb\xbf\r\n  \n" + data)  # a byte order mark, blank lines


def test_a_byte_order_mark_and_blank_lines_before_the_xml_are_tolerated():
    data = ATKINSON.read_bytes()

    assert parse_clarity(b"\xef\xbb\xbf\r\n  \n" + data) == parse_clarity(data)


def test_a_zip_with_a_detail_xml_in_any_folder_is_recognised():
    data = ATKINSON.read_bytes()
    assert looks_like_clarity(zipped({"detail.xml": data}))
    assert looks_like_clarity(zipped({"reports/detailxml/detail.xml": data}))


def test_a_csv_another_xml_or_a_zip_without_detail_xml_is_not_taken_for_clarity():
    assert not looks_like_clarity((DATA / "ga_atlanta_council_d5_2021_precinct.csv").read_bytes())
    assert not looks_like_clarity(b'<?xml version="1.0"?><rss><channel/></rss>')
    assert not looks_like_clarity(zipped({"summary.csv": b"contest,choice\n"}))
    assert not looks_like_clarity(b"")
    assert not looks_like_clarity(b"PK\x03\x04 not really a zip")


# A county export


def test_a_county_export_gives_one_row_per_choice_per_precinct():
    export, rows, problems = parse_clarity(ATKINSON.read_bytes())

    assert problems == []
    assert export.kind == "county"
    assert export.region == "Atkinson"
    assert len(rows) == 3 * 4
    assert {row.county for row in rows} == {"Atkinson"}
    assert [row.precinct for row in rows if row.candidate == TRUMP] == ATKINSON_PRECINCTS
    axson = only(rows, candidate=TRUMP, precinct="Axson")
    assert axson.where == f"contest '{PRESIDENT}', precinct 'Axson'"
    assert (axson.office, axson.district, axson.party) == (PRESIDENT, "", "NP")
    # By hand from the file: 194 election day + 257 advance + 27 by mail + 1 provisional.
    assert axson.votes == 479
    assert axson.methods == {
        "election_day": 194,
        "advance": 257,
        "absentee_by_mail": 27,
        "provisional": 1,
    }
    assert axson.other_methods == {}
    assert (axson.seats, axson.is_question) == (1, False)
    # The contest's own figures: precinctsReported="4" of precinctsReporting="4".
    assert (axson.precincts_reporting, axson.precincts_total) == (4, 4)


def test_county_export_totals_per_choice_equal_the_independently_worked_out_figures():
    """expected.py: the sums over precincts also equal each choice's own totalVotes."""
    _, atkinson, _ = parse_clarity(ATKINSON.read_bytes())
    _, greenup, problems = parse_clarity(GREENUP.read_bytes())

    assert totals(atkinson) == {
        (PRESIDENT, TRUMP): 2300,
        (PRESIDENT, BIDEN): 825,
        (PRESIDENT, JORGENSEN): 30,
    }
    senate = "US Senator - REPUBLICAN"
    assert problems == []
    assert totals(greenup) == {
        (senate, "Matt BEVIN"): 820,
        (senate, "Brad COPAS"): 11,
        (senate, "Mitch McCONNELL"): 1135,
        (senate, "Chris PAYNE"): 48,
        (senate, "Shawna STERLING"): 46,
    }
    assert len(greenup) == 5 * 33
    trump_by_method = {
        method: sum(row.methods[method] for row in atkinson if row.candidate == TRUMP)
        for method in ("election_day", "advance", "absentee_by_mail", "provisional")
    }
    assert trump_by_method == {
        "election_day": 716,
        "advance": 1419,
        "absentee_by_mail": 164,
        "provisional": 1,
    }


def test_the_turnout_of_each_precinct_is_read():
    export, _, _ = parse_clarity(ATKINSON.read_bytes())

    assert export.units == [
        ClarityUnit("Pearson County", registered_voters=1802, ballots_cast=1202),
        ClarityUnit("Axson", registered_voters=742, ballots_cast=527),
        ClarityUnit("Willacoochee", registered_voters=1311, ballots_cast=873),
        ClarityUnit("Pearson City", registered_voters=944, ballots_cast=570),
    ]


def test_a_zipped_export_gives_the_same_rows_as_the_bare_xml():
    data = ATKINSON.read_bytes()
    bare = parse_clarity(data)

    assert parse_clarity(zipped({"detail.xml": data})) == bare
    assert parse_clarity(zipped({"detailxml/detail.xml": data})) == bare


# A state export


def test_a_state_export_gives_one_row_per_choice_per_county():
    export, rows, problems = parse_clarity(WEST_VIRGINIA.read_bytes())

    assert problems == []
    assert export.kind == "state"
    assert export.region == ""
    counties = ["Barbour", "Berkeley", "Boone", "Braxton", "Brooke"]
    assert [row.county for row in rows if row.candidate == "DONALD J. TRUMP"] == counties
    assert len(rows) == (4 + 3) * 5
    assert {row.precinct for row in rows} == {""}
    berkeley = only(rows, candidate="JOSEPH R. BIDEN", county="Berkeley")
    assert berkeley.where == "contest 'PRESIDENT', county 'Berkeley'"
    assert (berkeley.party, berkeley.votes) == ("DEM", 17186)
    assert totals(rows) == {
        ("PRESIDENT", "DONALD J. TRUMP"): 56876,
        ("PRESIDENT", "JOSEPH R. BIDEN"): 25088,
        ("PRESIDENT", "JO JORGENSEN"): 1292,
        ("PRESIDENT", "HOWIE HAWKINS"): 288,
        ("U.S. SENATOR", "SHELLEY MOORE CAPITO"): 57293,
        ("U.S. SENATOR", "PAULA JEAN SWEARENGIN"): 22638,
        ("U.S. SENATOR", "DAVID MORAN"): 2278,
    }
    assert export.units[1] == ClarityUnit(
        "Berkeley",
        registered_voters=83462,
        ballots_cast=51845,
        precincts_participating=66,
        precincts_reported=66,
    )


def test_a_state_export_with_four_vote_types_sums_them_per_county():
    _, rows, problems = parse_clarity(ARKANSAS.read_bytes())

    assert problems == []
    assert totals(rows) == {("U.S. Senate", "Tom Cotton"): 65699}
    by_method = {
        method: sum(row.methods[method] for row in rows)
        for method in ("election_day", "advance", "absentee_by_mail", "provisional")
    }
    assert by_method == {
        "election_day": 31214,
        "advance": 30746,
        "absentee_by_mail": 3692,
        "provisional": 47,
    }
    benton = only(rows, county="Benton")
    assert benton.votes == 21591 + 20178 + 545 + 0
    assert benton.methods == {
        "election_day": 21591,
        "advance": 20178,  # "Early Vote"
        "absentee_by_mail": 545,  # "Absentee"
        "provisional": 0,
    }


# Vote types


@pytest.mark.parametrize(
    ("name", "bucket"),
    [
        ("Election Day Votes", "election_day"),
        ("Election Day", "election_day"),
        ("Advanced Voting Votes", "advance"),
        ("Early Vote", "advance"),
        ("Absentee by Mail Votes", "absentee_by_mail"),
        ("Mail-In", "absentee_by_mail"),
        ("Absentee", "absentee_by_mail"),
        ("Provisional Votes", "provisional"),
        ("Election", None),
        ("Overseas Ballots", None),
    ],
)
def test_a_vote_type_goes_to_the_bucket_its_words_say(name, bucket):
    assert vote_type_bucket(name) == bucket


def test_several_vote_types_of_one_bucket_are_summed():
    text = ATKINSON.read_text().replace('"Provisional Votes"', '"Early Voting Votes"')

    _, rows, problems = parse_text(text)

    axson = only(rows, candidate=TRUMP, precinct="Axson")
    assert problems == []
    assert axson.methods == {
        "election_day": 194,
        "advance": 257 + 1,
        "absentee_by_mail": 27,
        "provisional": None,
    }
    assert axson.votes == 479


def test_a_vote_type_that_names_no_bucket_is_kept_in_other_methods():
    """Greenup's only vote type is "Election": not "Election Day", so it is kept by name."""
    _, rows, _ = parse_clarity(GREENUP.read_bytes())

    mcconnell = only(rows, candidate="Mitch McCONNELL", precinct="C104")
    assert mcconnell.other_methods == {"election": 89}
    assert mcconnell.methods == dict.fromkeys(
        ("election_day", "advance", "absentee_by_mail", "provisional")
    )
    assert mcconnell.votes == 89


def test_a_choice_without_vote_types_uses_its_total_votes():
    text = ATKINSON.read_text()
    jorgensen = text.index(f'text="{JORGENSEN}"')
    end = text.index("</Choice>", jorgensen)
    start = text.index("<VoteType", jorgensen)
    text = text[:start] + text[end:]

    _, rows, problems = parse_text(text)

    row = only(rows, candidate=JORGENSEN)
    assert problems == []
    assert (row.county, row.precinct, row.votes) == ("Atkinson", "", 30)
    assert (row.methods, row.other_methods) == ({}, {})


# The file's own description


def test_the_timestamp_election_name_and_date_are_read():
    atkinson, _, _ = parse_clarity(ATKINSON.read_bytes())
    greenup, _, _ = parse_clarity(GREENUP.read_bytes())
    arkansas, _, _ = parse_clarity(ARKANSAS.read_bytes())

    assert atkinson.election_name == "November 3,2020-General Election"
    assert atkinson.election_date == date(2020, 11, 3)
    assert atkinson.timestamp == datetime(2020, 11, 6, 18, 5, 50, tzinfo=UTC)  # 1:05:50 PM EST
    assert greenup.timestamp == datetime(2014, 5, 21, 0, 19, 21, tzinfo=UTC)  # 8:19:21 PM EDT
    assert arkansas.timestamp == datetime(2014, 11, 13, 20, 58, 41, tzinfo=UTC)  # 2:58:41 PM CST


def test_a_timestamp_in_a_zone_outside_the_mainland_us_is_not_guessed():
    text = ATKINSON.read_text().replace("1:05:50 PM EST", "1:05:50 PM AKST")

    export, _, problems = parse_text(text)

    assert export.timestamp is None
    assert problems == []


def test_contest_seats_question_and_precinct_figures_are_read():
    state, rows, _ = parse_clarity(WEST_VIRGINIA.read_bytes())
    county, _, _ = parse_clarity(ATKINSON.read_bytes())
    question = ATKINSON.read_text().replace(
        'voteFor="1" isQuestion="false"', 'voteFor="3" isQuestion="true"'
    )
    asked, asked_rows, _ = parse_text(question)

    assert state.contests == [
        ClarityContest(
            "PRESIDENT", 1, False, precincts_reported=1706, precincts_participating=1706
        ),
        ClarityContest(
            "U.S. SENATOR", 1, False, precincts_reported=1706, precincts_participating=1706
        ),
    ]
    # An older county export says precinctsReporting, not precinctsParticipating: not guessed.
    assert county.contests == [ClarityContest(PRESIDENT, 1, False, 4, None)]
    assert (asked.contests[0].seats, asked.contests[0].is_question) == (3, True)
    assert {(row.seats, row.is_question) for row in asked_rows} == {(3, True)}
    # Each county's precincts from the turnout table (the file gives none per contest).
    assert {(row.county, row.precincts_reporting, row.precincts_total) for row in rows} == {
        ("Barbour", 13, 13),
        ("Berkeley", 66, 66),
        ("Boone", 26, 26),
        ("Braxton", 18, 18),
        ("Brooke", 22, 22),
    }


# Precincts reporting: what the export says, not the places it lists


def test_a_county_export_early_in_the_night_reports_the_precincts_it_says_are_in():
    """Clarity lists every precinct from the first export, at zero until it reports; counting
    the names showed "4 of 4 precincts" before any was in."""
    early = ATKINSON.read_text().replace('precinctsReported="4"', 'precinctsReported="1"')

    _, rows, problems = parse_text(early)

    assert problems == []
    assert {(row.precincts_reporting, row.precincts_total) for row in rows} == {(1, 4)}
    assert len({row.precinct for row in rows}) == 4  # all four still listed


def test_a_county_export_missing_a_precinct_reports_no_more_precincts_than_it_lists():
    """A half-written export: Axson's lines are gone but the contest still says 4 reported."""
    lines = ATKINSON.read_text().splitlines(keepends=True)
    half = "".join(line for line in lines if '<Precinct name="Axson"' not in line)

    _, rows, _ = parse_text(half)

    assert {(row.precincts_reporting, row.precincts_total) for row in rows} == {(3, 4)}


def test_a_state_export_gives_each_county_the_precincts_of_its_own_contest():
    """<ParticipatingCounties> lists each county's precincts for that contest (a district's
    contest covers part of a county): those figures, not the county's whole ballot."""
    text = WEST_VIRGINIA.read_text()
    listed = (
        '<County name="Barbour" precinctsParticipating="13" precinctsReported="13" '
        'precinctsReportingPercent="100.00" />'
    )
    assert text.count(listed) == 2  # under each of the two contests
    first = text.index(listed)
    counting = (
        text[:first] + listed.replace('Reported="13"', 'Reported="7"') + text[first + len(listed) :]
    )

    _, rows, problems = parse_text(counting)

    assert problems == []
    figures = {
        (row.office, row.precincts_reporting, row.precincts_total)
        for row in rows
        if row.county == "Barbour"
    }
    assert figures == {("PRESIDENT", 7, 13), ("U.S. SENATOR", 13, 13)}


def test_a_state_export_without_a_contests_county_list_uses_the_turnout_table():
    text = re.sub(
        r"\s*<ParticipatingCounties>.*?</ParticipatingCounties>",
        "",
        WEST_VIRGINIA.read_text(),
        flags=re.S,
    )
    barbour = (
        '<County name="Barbour" totalVoters="9944" ballotsCast="6763" voterTurnout="68.01" '
        'precinctsParticipating="13" precinctsReported="13"'
    )
    assert barbour in text
    counting = text.replace(barbour, barbour.replace('Reported="13"', 'Reported="5"'))

    _, rows, problems = parse_text(counting)

    assert problems == []
    assert {
        (row.precincts_reporting, row.precincts_total) for row in rows if row.county == "Barbour"
    } == {(5, 13)}


# Problems


def test_malformed_xml_is_a_problem_that_says_where():
    text = ATKINSON.read_text().replace(
        '<Precinct name="Axson" votes="257" />', '<Precinct name="Axson" votes="257">'
    )

    export, rows, problems = parse_text(text)

    assert rows == []
    assert export.contests == []
    [problem] = problems
    line = text[: text.index("</VoteType>", text.index('votes="257">'))].count("\n") + 1
    assert problem.where == f"detail.xml, line {line}, column 14"
    assert problem.message.startswith("detail.xml is not well-formed XML (mismatched tag)")


def test_a_file_that_is_neither_zip_nor_xml_is_a_problem():
    _, rows, problems = parse_clarity(
        (DATA / "ga_atlanta_council_d5_2021_precinct.csv").read_bytes()
    )

    assert rows == []
    assert [problem.message for problem in problems] == [
        "the file is neither a Clarity detailxml.zip nor a detail.xml: it is not XML "
        "(a CSV export goes through the CSV importer)"
    ]


def test_a_zip_without_detail_xml_is_a_problem():
    data = zipped({"summary.csv": b"contest,choice\n", "detail.xls": b"..."})

    _, rows, problems = parse_clarity(data)

    assert rows == []
    [problem] = problems
    assert problem.where is None
    assert problem.message.startswith(
        "the zip has no detail.xml (it holds summary.csv, detail.xls)"
    )


def test_a_zip_with_more_than_twenty_members_is_refused():
    members = {f"report{number}.csv": b"" for number in range(20)}
    members["detail.xml"] = ATKINSON.read_bytes()

    _, rows, problems = parse_clarity(zipped(members))

    assert rows == []
    assert "the zip holds 21 files" in problems[0].message


def test_a_detail_xml_too_large_is_refused_before_it_is_decompressed(monkeypatch):
    """The limit is 200 MB; lowered here so a real file is over it."""
    monkeypatch.setattr(clarity, "MAX_XML_BYTES", 1000)
    data = zipped({"detail.xml": ATKINSON.read_bytes()})

    def refuse(*args, **kwargs):
        raise AssertionError("the member was decompressed")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)

    _, rows, problems = parse_clarity(data)

    assert rows == []
    [problem] = problems
    assert problem.message.startswith("detail.xml is ")
    assert problem.message.endswith("a results export can be; it was not read")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE ElectionResult [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ElectionResult><ElectionName>&lol9;</ElectionName></ElectionResult>
"""


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        zipped({"detail.xml": BILLION_LAUGHS}),
        BILLION_LAUGHS.decode().encode("utf-16"),  # the check reads decoded text, not bytes
        b'<?xml version="1.0"?><!DOCTYPE ElectionResult [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<ElectionResult><ElectionName>&x;</ElectionName></ElectionResult>",
    ],
    ids=["billion laughs", "billion laughs zipped", "billion laughs in utf-16", "external entity"],
)
def test_an_entity_declaration_is_refused_without_being_expanded(monkeypatch, data):
    def refuse(*args, **kwargs):
        raise AssertionError("the XML reached the parser")

    monkeypatch.setattr(clarity.ElementTree, "fromstring", refuse)

    assert looks_like_clarity(data)  # it claims to be one, and is refused as one
    export, rows, problems = parse_clarity(data)

    assert (export.election_name, rows) == ("", [])
    [problem] = problems
    assert "has a DOCTYPE or ENTITY declaration" in problem.message


def test_a_negative_count_is_a_problem_and_its_precinct_gives_no_row():
    text = ATKINSON.read_text().replace(
        '<Precinct name="Axson" votes="257" />', '<Precinct name="Axson" votes="-257" />'
    )

    _, rows, problems = parse_text(text)

    [problem] = problems
    assert problem.where == (
        f"contest '{PRESIDENT}', choice '{TRUMP}', vote type 'Advanced Voting Votes', "
        "precinct 'Axson'"
    )
    assert problem.message.startswith("votes='-257' is negative; a count cannot be below zero")
    assert [row.precinct for row in rows if row.candidate == TRUMP] == [
        "Pearson County",
        "Willacoochee",
        "Pearson City",
    ]
    assert len(rows) == 11


@pytest.mark.parametrize("value", ["12.5", "1,024", "", "many"])
def test_a_count_that_is_not_a_whole_number_is_a_problem(value):
    text = ATKINSON.read_text().replace('ballotsCast="527"', f'ballotsCast="{value}"')

    export, rows, problems = parse_text(text)

    [problem] = problems
    assert problem.where == "turnout, precinct 'Axson'"
    assert problem.message.startswith(f"ballotsCast={value!r} is not a whole number")
    assert len(rows) == 12  # turnout is not votes: every row is still read


@pytest.mark.parametrize(
    ("before", "after", "where", "message"),
    [
        (
            '<Precinct name="Axson" votes="194" />',
            '<Precinct votes="194" />',
            f"contest '{PRESIDENT}', choice '{TRUMP}', vote type 'Election Day Votes'",
            "a precinct has no name attribute",
        ),
        (
            '<Precinct name="Axson" votes="194" />',
            '<Precinct name="Axson" />',
            f"contest '{PRESIDENT}', choice '{TRUMP}', vote type 'Election Day Votes', "
            "precinct 'Axson'",
            "the votes attribute is missing",
        ),
        (
            f'text="{BIDEN}"',
            "",
            f"contest '{PRESIDENT}'",
            "a choice (key '2') has no text attribute",
        ),
        (
            f'text="{PRESIDENT}"',
            "",
            "contest 1 (key '1')",
            "the contest has no text attribute",
        ),
    ],
    ids=["precinct name", "precinct votes", "choice text", "contest text"],
)
def test_a_missing_required_attribute_is_a_problem(before, after, where, message):
    text = ATKINSON.read_text().replace(before, after, 1)

    _, _, problems = parse_text(text)

    [problem] = problems
    assert problem.where == where
    assert problem.message.startswith(message)


def test_an_xml_that_is_not_an_election_result_is_a_problem():
    _, rows, problems = parse_clarity(b'<?xml version="1.0"?><rss><channel/></rss>')

    assert rows == []
    assert [problem.message for problem in problems] == [
        "this XML is not a Clarity detail.xml: its root element is <rss>, not <ElectionResult>"
    ]


def test_a_state_export_that_lists_a_precinct_under_a_vote_type_is_a_problem():
    text = WEST_VIRGINIA.read_text().replace(
        '<County name="Boone" votes="6816" />', '<Precinct name="Boone" votes="6816" />'
    )

    _, _, problems = parse_text(text)

    [problem] = problems
    assert (
        problem.where == "contest 'PRESIDENT', choice 'DONALD J. TRUMP', vote type 'Election Day'"
    )
    assert problem.message.startswith("<Precinct> where a state export has <County>")


def test_a_nickname_printed_with_doubled_quotes_reads_with_single_ones():
    """Georgia's county exports (Bacon County, Nov. 3, 2020) print
    ``&quot;&quot;Buddy&quot;&quot;``; readers saw two pairs of quotes around the nickname."""
    text = ATKINSON.read_text().replace(
        'text="Jo Jorgensen (Lib)"',
        'text="Earl L. &quot;&quot;Buddy&quot;&quot; Carter (I) (Rep)"',
    )
    _, rows, problems = parse_text(text)
    [printed] = {row.candidate for row in rows if "Carter" in row.candidate}

    parsed = names.parse_candidate(printed)

    assert problems == []
    assert printed == 'Earl L. ""Buddy"" Carter (I) (Rep)'
    assert (parsed.ballot_name, parsed.name) == ('Earl L. "Buddy" Carter', 'Earl L. "Buddy" Carter')
    assert (parsed.incumbent, parsed.party) == (True, "Republican")
    assert names.name_key(parsed.ballot_name) == names.name_key(printed)
