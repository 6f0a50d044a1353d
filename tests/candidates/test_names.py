"""Names and parties as results files print them (candidates/importing/names.py).

Real spellings are marked with the file they come from; the OpenElections fixtures are in
tests/candidates/data/openelections/ (sources in tests/candidates/data/README.md).
"""

import csv
from pathlib import Path

import pytest

from candidates.importing.names import ParsedName, name_key, normal_party, parse_candidate

OPENELECTIONS = Path(__file__).parent / "data" / "openelections"


# --- parse_candidate: markers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # openelections-data-ga 2018/20180522__ga__primary__glascock__precinct.csv
        ("CHRIS CARR (I) (REP)", ParsedName("CHRIS CARR", "Chris Carr", True, "Republican")),
        ("MACK JACKSON (I) (DEM)", ParsedName("MACK JACKSON", "Mack Jackson", True, "Democrat")),
        ("HUNTER HILL  (REP)", ParsedName("HUNTER HILL", "Hunter Hill", False, "Republican")),
        (
            "OTHA E. THORNTON, JR (DEM)",
            ParsedName("OTHA E. THORNTON, JR", "Otha E. Thornton, Jr", False, "Democrat"),
        ),
        (
            'L.S. "CASEY" CAGLE (REP)',
            ParsedName('L.S. "CASEY" CAGLE', 'L.S. "Casey" Cagle', False, "Republican"),
        ),
    ],
)
def test_markers_in_a_real_georgia_file_become_flags_and_parties(raw, expected):
    assert parse_candidate(raw) == expected


def test_i_in_brackets_means_incumbent_not_independent():
    """Georgia/Clarity: "(I)" is the incumbent (openelections-data-ga's 2020 cleanup, "Remove
    the Incumbent (I) from candidate"); an independent is "(Ind)"."""
    assert parse_candidate("G. ADAMS (I)") == ParsedName("G. ADAMS", "G. Adams", True, "")
    assert parse_candidate("G. ADAMS (IND)").party == "Independent"
    assert parse_candidate("G. ADAMS (IND)").incumbent is False


@pytest.mark.parametrize("marker", ["(I)", "(Inc)", "(Inc.)", "(Incumbent)", "(inc)", "(INC."])
def test_every_incumbent_marker_marks_the_incumbent(marker):
    parsed = parse_candidate(f"Brad Raffensperger {marker}")
    assert (parsed.ballot_name, parsed.incumbent) == ("Brad Raffensperger", True)


def test_an_asterisk_is_not_taken_for_an_incumbent_marker():
    parsed = parse_candidate("JOHN DOE*")
    assert (parsed.ballot_name, parsed.incumbent) == ("JOHN DOE*", False)


@pytest.mark.parametrize(
    ("marker", "party"),
    [
        # Case as Georgia's Clarity files print them (" (Rep)", " (Dem)", " (Lib)", " (Grn)" in
        # openelections-data-ga 2020/code/20201103_ga_general.sql) and as county files do.
        ("(REP)", "Republican"),
        ("(Rep)", "Republican"),
        ("(R)", "Republican"),
        ("(DEM)", "Democrat"),
        ("(Dem)", "Democrat"),
        ("(D)", "Democrat"),
        ("(LIB)", "Libertarian"),
        ("(L)", "Libertarian"),
        ("(GRN)", "Green"),
        ("(Grn)", "Green"),
        ("(G)", "Green"),
        ("(IND)", "Independent"),
        ("(Ind)", "Independent"),
        ("(NP)", ""),
        ("(np)", ""),
    ],
)
def test_a_party_marker_gives_the_party_in_the_sites_words(marker, party):
    parsed = parse_candidate(f"JANE ROE {marker}")
    assert (parsed.ballot_name, parsed.party) == ("JANE ROE", party)


def test_a_marker_cut_off_before_its_closing_bracket_is_still_a_marker():
    assert parse_candidate("Raphael Warnock (Dem") == ParsedName(
        "Raphael Warnock", "Raphael Warnock", False, "Democrat"
    )
    assert parse_candidate("JOHN DOE (I) (REP") == ParsedName(
        "JOHN DOE", "John Doe", True, "Republican"
    )


def test_a_nickname_in_brackets_is_part_of_the_name_not_a_marker():
    parsed = parse_candidate("KATRINA (KATIE) KISSELL (Inc)")
    assert parsed == ParsedName("KATRINA (KATIE) KISSELL", "Katrina (Katie) Kissell", True, "")
    assert parse_candidate("JOHN SMITH (JACK)").ballot_name == "JOHN SMITH (JACK)"
    assert parse_candidate("JOHN SMITH (WRITEIN)").ballot_name == "JOHN SMITH (WRITEIN)"


@pytest.mark.parametrize(
    ("raw", "ballot_name"),
    [
        ("JOHN DOE (", "JOHN DOE"),
        ("(JOHN DOE", "JOHN DOE"),
        ("JOHN DOE)", "JOHN DOE"),
        ("JOHN DOE ()", "JOHN DOE"),
        ("  JOHN   DOE  ", "JOHN DOE"),
        # openelections-data-ga 2018/20180522__ga__primary__glascock__precinct.csv, with the
        # trailing space as published ("BOE Edgehill").
        ("M. RALEY ", "M. RALEY"),
        ("“BUDDY” CARTER", '"BUDDY" CARTER'),
    ],
)
def test_stray_brackets_doubled_spaces_and_trailing_spaces_are_removed(raw, ballot_name):
    assert parse_candidate(raw).ballot_name == ballot_name


def test_an_empty_choice_parses_to_an_empty_name():
    assert parse_candidate("") == ParsedName("", "", False, "")


# --- parse_candidate: the public name --------------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "public"),
    [
        ("BRIAN KEMP", "Brian Kemp"),
        ("JOHN O'NEILL", "John O'Neill"),
        ("MARY SMITH-JONES", "Mary Smith-Jones"),
        ("J.R. SMITH JR.", "J.R. Smith Jr."),
        ("john doe iii", "John Doe III"),
        # openelections-data-ga 2016/20160301__ga__primary__president__glascock__precinct.csv
        ("MARTIN O'MALLEY", "Martin O'Malley"),
        ("JOHN R. KASICH", "John R. Kasich"),
        ("DONALD J. TRUMP", "Donald J. Trump"),
        # openelections-data-ga 2018/20180522__ga__primary__glascock__precinct.csv
        ("JOHN HITCHINS III (REP)", "John Hitchins III"),
        ("DEE DAWKINS-HAIGLER  (DEM)", "Dee Dawkins-Haigler"),
        # openelections-data-pa 2020/20200602__pa__primary__forest__precinct.csv
        ("ROQUE ROCKY DE LA FUENTE", "Roque Rocky De La Fuente"),
        ("KATHY L. RAPP", "Kathy L. Rapp"),
    ],
)
def test_an_all_caps_or_all_lower_name_reads_in_title_case(printed, public):
    parsed = parse_candidate(printed)
    assert parsed.name == public
    assert parsed.ballot_name == " ".join(printed.split(" (")[0].split())  # as printed


def test_the_ballot_name_keeps_the_case_it_was_printed_in():
    assert parse_candidate("BRIAN KEMP  (REP)").ballot_name == "BRIAN KEMP"


def test_mc_names_get_their_second_capital_but_mac_names_do_not():
    # Both from openelections-data-ga 2018/20180522__ga__primary__glascock__precinct.csv:
    # "Mack" shows why "Mac" is left alone.
    assert parse_candidate("JOSH MCKOON  (REP)").name == "Josh McKoon"
    assert parse_candidate("MACK JACKSON (I) (DEM)").name == "Mack Jackson"


def test_accented_capitals_are_title_cased_too():
    assert parse_candidate("JOSÉ PEÑA (Inc.)").name == "José Peña"


def test_initials_printed_without_dots_cannot_be_told_from_a_short_name():
    """A known limit, corrected by an editor: openelections-data-pa's 2020 primary file for
    Forest County prints "GLENN GT THOMPSON" (its 2020 general for Cameron County, "Glenn GT
    Thompson")."""
    assert parse_candidate("GLENN GT THOMPSON").name == "Glenn Gt Thompson"


@pytest.mark.parametrize(
    "printed",
    [
        # openelections-data-tx 2022/counties/20221108__tx__general__armstrong__precinct.csv
        "Jesse F. McClure, III",
        "Alfred Molison, Jr.",
        "Beto O'Rourke",
        # openelections-data-pa 2018/20181106__pa__general__precinct.csv, as quoted in
        # https://github.com/openelections/openelections-data-pa/issues/94
        "Bob CASEY, JR.",
        "Lou BARLETTA",
        # openelections-data-ga 2022/20220405__ga__special__state__house__45.csv
        "James Dustin McCormick",
    ],
)
def test_a_mixed_case_name_is_kept_exactly_as_printed(printed):
    assert parse_candidate(printed).name == printed
    assert parse_candidate(printed).ballot_name == printed


def test_a_real_georgia_primary_file_yields_its_incumbents_and_parties():
    path = OPENELECTIONS / "ga_2018_primary_glascock_precinct_trimmed.csv"
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    parsed = {row["candidate"]: parse_candidate(row["candidate"]) for row in rows}

    assert {p.name for p in parsed.values() if p.incumbent} == {"Chris Carr", "Mack Jackson"}
    assert all("(" not in p.ballot_name and "  " not in p.ballot_name for p in parsed.values())
    for row in rows:  # the marker agrees with the party column
        assert parsed[row["candidate"]].party == normal_party(row["party"])


# --- normal_party ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "party"),
    [
        ("Dem", "Democrat"),
        ("DEM", "Democrat"),
        ("D", "Democrat"),
        ("(Dem", "Democrat"),
        ("Rep", "Republican"),
        ("REP", "Republican"),
        ("R", "Republican"),
        ("Lib", "Libertarian"),
        ("LIB", "Libertarian"),
        ("L", "Libertarian"),
        ("Grn", "Green"),
        ("GRN", "Green"),
        ("G", "Green"),
        # openelections-data-pa 2020/20201103__pa__general__cameron__precinct.csv
        ("GRE", "Green"),
        # openelections-data-pa 2020/20200602__pa__primary__forest__precinct.csv
        ("Democratic", "Democrat"),
        ("Democratic Party", "Democrat"),
        ("Independent", "Independent"),
    ],
)
def test_party_abbreviations_are_expanded_into_the_sites_words(raw, party):
    assert normal_party(raw) == party


@pytest.mark.parametrize(
    "raw",
    # "NONPARTISAN": openelections-data-ga 2022/20221108__ga__general__precinct-total.csv
    ["NP", "Nonpartisan", "NONPARTISAN", "NON", "", "  ", None],
)
def test_nonpartisan_spellings_give_no_party(raw):
    assert normal_party(raw) == ""


@pytest.mark.parametrize("word", ["nonpartisan", "np", "nonpartisian", "none", "Write-In"])
def test_every_spelling_the_importer_treated_as_nonpartisan_gives_no_party(word):
    assert normal_party(word) == ""


def test_an_unknown_party_is_cleaned_but_kept_as_written():
    assert normal_party("  Working   Families ") == "Working Families"
    assert normal_party("(Constitution)") == "Constitution"
    assert normal_party("I") == "I"  # "(I)" in a name is the incumbent; as a party it is unknown


# --- name_key ------------------------------------------------------------------------------------


def test_one_person_printed_three_ways_has_one_key():
    spellings = ["Brad Raffensperger", "BRAD RAFFENSPERGER (REP)", "Brad  Raffensperger "]
    assert {name_key(spelling) for spelling in spellings} == {"brad raffensperger"}


def test_the_key_ignores_incumbent_markers_accents_and_punctuation():
    assert name_key("CHRIS CARR (I) (REP)") == name_key("Chris Carr")
    assert name_key("José O'Neill-Peña") == name_key("JOSE ONEILL PENA")
    assert name_key("J.R. Smith") == name_key("JR Smith")
    # openelections-data-tx 2022 Armstrong County prints "Jesse F. McClure, III".
    assert name_key("Jesse F. McClure, III") == "jesse f mcclure iii"


def test_the_key_keeps_middle_initials():
    # openelections-data-pa 2020 Forest County: the Democratic write-ins say "KATHY RAPP", the
    # Republican ballot "KATHY L. RAPP". Telling them apart is a person's call, not the key's.
    assert name_key("KATHY L. RAPP") == "kathy l rapp"
    assert name_key("KATHY L. RAPP") != name_key("KATHY RAPP")


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        # openelections-data-oh 2014/20140506__oh__primary__democratic__adams__precinct.csv
        ("FitzGerald, Edward", "Edward FitzGerald"),
        ("Smith, William R.", "William R. Smith"),
        ("SMITH, WILLIAM R. JR.", "William R. Smith Jr."),
        # a suffix after the comma, and a ticket: as printed
        ("Alfred Molison, Jr.", "Alfred Molison, Jr."),
        ("Biden, Joseph R. and Harris, Kamala D.", "Biden, Joseph R. and Harris, Kamala D."),
    ],
)
def test_a_name_printed_surname_first_reads_in_reading_order_and_keys_the_same(printed, name):
    parsed = parse_candidate(printed)
    assert (parsed.ballot_name, parsed.name) == (printed, name)
    assert name_key(printed) == name_key(name)


@pytest.mark.parametrize(
    ("printed", "party"), [("LBN", "Libertarian"), ("MTN", "Mountain"), ("Lbn", "Libertarian")]
)
def test_west_virginias_party_codes_read_as_party_names(printed, party):
    # openelections-data-wv 2020/20201103__wv__general__county.csv
    assert normal_party(printed) == party
