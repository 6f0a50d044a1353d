"""Real public result files through the whole importer, then read back as a reader and a JSON
client would. The files and their sources: tests/candidates/data/README.md; the figures
asserted here were computed without the importer (data/openelections/expected.py and
data/clarity/expected.py, which print them)."""

import datetime
import io
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from candidates.importing import import_results
from candidates.models import Candidacy, Candidate, Election, Race, VoteCount
from candidates.results import WON, race_results

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
OE = DATA / "openelections"
CLARITY = DATA / "clarity"


def election(kind="general", name="Real-file election", date=datetime.date(2020, 11, 3)):
    return Election.objects.create(name=name, date=date, kind=kind)


def load(path, *, kind="general", final=False, dry_run=False, on=None):
    target = on or election(kind=kind, name=path.stem)
    report = import_results(
        path.read_bytes(), election=target, create=True, final=final, dry_run=dry_run
    )
    return target, report


def totals(race):
    return {row.candidacy.candidate.name: row.votes for row in race_results(race).rows}


@pytest.mark.parametrize(
    ("name", "kind", "rows_read", "skipped", "races", "candidates"),
    [
        (
            "openelections/ga_2016_primary_president_glascock_precinct.csv",
            "primary",
            85,
            {"county totals equal to their precincts": 17},
            ["President, Democratic primary", "President, Republican primary"],
            17,
        ),
        (
            "openelections/ga_2018_primary_glascock_precinct_trimmed.csv",
            "primary",
            44,
            {},
            [
                "Attorney General, Democratic primary",
                "Attorney General, Republican primary",
                "Governor, Democratic primary",
                "Governor, Republican primary",
                "State Representative, District 128, Democratic primary",
                "State Representative, District 128, Republican primary",
            ],
            11,
        ),
        (
            "openelections/ga_2022_special_state_house_45.csv",
            "special",
            56,
            {},
            ["State House District 45"],
            4,
        ),
        (
            "openelections/pa_2020_general_cameron_precinct_trimmed.csv",
            "general",
            39,
            {
                "over votes": 6,
                "under votes": 6,
                "write-in totals": 6,
                "registered voters": 3,
                "ballots cast": 3,
                "blank ballots": 3,
            },
            ["President", "State Representative District 67"],
            4,
        ),
        (
            "openelections/pa_2020_primary_forest_precinct_trimmed.csv",
            "primary",
            66,
            {"write-in totals": 24},
            [
                "President, Democratic primary",
                "President, Republican primary",
                "State House District 63, Democratic primary",
                "State House District 63, Republican primary",
                "State House District 65, Democratic primary",
                "State House District 65, Republican primary",
            ],
            10,
        ),
        (
            "openelections/tx_2022_general_armstrong_precinct_trimmed.csv",
            "general",
            39,
            {"ballots cast": 3, "blank ballots": 3},
            [
                "Comm. General Land Office",
                "Governor",
                "Judge, Ct of Crim. Appeals, Pl 6",
                "U.S. House District 13",
            ],
            11,
        ),
        (
            "clarity/ga_atkinson_2020_general_precincts.xml",
            "general",
            12,
            {},
            ["President of the United States"],
            3,
        ),
        (
            "openelections/oh_2014_primary_dem_adams_precinct_trimmed.csv",
            "primary",
            33,
            {},
            [
                "Attorney General, Democratic primary",
                "Auditor of State, Democratic primary",
                "Governor/Lieutenant Governor, Democratic primary",
                "Secretary of State, Democratic primary",
                "State House of Representatives District 90, Democratic primary",
                "Treasurer of State, Democratic primary",
                "U.S. House of Representatives District 2, Democratic primary",
            ],
            11,
        ),
        (
            "openelections/ia_2012_general_adair_precinct_trimmed.csv",
            "general",
            96,
            {
                "county totals equal to their precincts": 10,
                "write-in totals": 12,
                "under votes": 12,
                "over votes": 12,
            },
            ["President/Vice President", "State Representative District 20"],
            10,
        ),
        (
            "openelections/wv_2020_general_county_president_trimmed.csv",
            "general",
            224,
            {"totals": 4},
            ["President"],
            4,
        ),
        ("clarity/ky_greenup_2014_primary_precincts.xml", "primary", 165, {}, None, 5),
        ("clarity/wv_2020_general_counties_trimmed.xml", "general", 35, {}, None, 7),
        ("clarity/ar_2014_general_counties_trimmed.xml", "general", 5, {}, ["U.S. Senate"], 1),
    ],
)
def test_each_real_file_loads_with_the_summary_its_rows_call_for(
    name, kind, rows_read, skipped, races, candidates
):
    target, report = load(DATA / name, kind=kind)

    assert report.rows_read == rows_read
    assert report.skipped_reasons == skipped
    assert Candidate.objects.count() == candidates
    if races is not None:
        assert sorted(race.heading for race in Race.objects.filter(election=target)) == races
    # A file never makes a race final by itself.
    assert set(Race.objects.values_list("status", flat=True)) == {Race.Status.COUNTING}


def test_a_primary_with_two_parties_is_two_races_each_decided_on_its_own(client):
    target, _ = load(OE / "ga_2016_primary_president_glascock_precinct.csv", kind="primary")
    republican = Race.objects.get(election=target, party="Republican")
    democratic = Race.objects.get(election=target, party="Democrat")
    republican.status = democratic.status = Race.Status.UNOFFICIAL_FINAL
    republican.save()
    democratic.save()

    rep, dem = totals(republican), totals(democratic)
    assert (rep["Donald J. Trump"], rep["Ted Cruz"], rep["Marco Rubio"]) == (405, 129, 88)
    assert (dem["Hillary Clinton"], dem["Bernie Sanders"]) == (38, 19)
    assert "Hillary Clinton" not in rep and "Donald J. Trump" not in dem
    assert race_results(republican).leader.candidacy.candidate.name == "Donald J. Trump"
    assert race_results(democratic).leader.candidacy.candidate.name == "Hillary Clinton"

    page = client.get(republican.get_absolute_url()).content.decode()
    assert "President, Republican primary" in page
    assert "Hillary Clinton" not in page
    json_url = reverse("candidates:race-results-json", args=[target.slug, republican.slug])
    data = client.get(json_url).json()
    assert (data["race"]["heading"], data["race"]["party"]) == (
        "President, Republican primary",
        "Republican",
    )
    election_page = client.get(target.get_absolute_url()).content.decode()
    assert "President, Republican primary" in election_page
    assert "President, Democratic primary" in election_page


def test_an_incumbent_marked_i_is_an_incumbent_with_a_readable_name(client):
    target, _ = load(OE / "ga_2018_primary_glascock_precinct_trimmed.csv", kind="primary")

    carr = Candidacy.objects.get(race__election=target, candidate__name="Chris Carr")
    assert (carr.ballot_name, carr.party, carr.incumbent) == ("CHRIS CARR", "Republican", True)
    jackson = Candidacy.objects.get(race__election=target, candidate__name="Mack Jackson")
    assert (jackson.party, jackson.incumbent) == ("Democrat", True)
    assert set(
        Candidacy.objects.filter(race__election=target, incumbent=True).values_list(
            "candidate__name", flat=True
        )
    ) == {"Chris Carr", "Mack Jackson"}

    page = client.get(carr.race.get_absolute_url()).content.decode()
    assert "Chris Carr" in page and "CHRIS CARR" not in page
    assert "mark--incumbent" in page


def test_a_person_seen_in_two_files_of_two_formats_is_one_candidate(client):
    load(OE / "ga_2016_primary_president_glascock_precinct.csv", kind="primary")
    load(
        CLARITY / "ga_atkinson_2020_general_precincts.xml",
        on=election(name="General 2020", date=datetime.date(2020, 11, 3)),
    )

    (trump,) = Candidate.objects.filter(name="Donald J. Trump")
    candidacies = trump.candidacies.select_related("race").order_by("race__election__date")
    assert [(c.ballot_name, c.incumbent) for c in candidacies] == [
        ("DONALD J. TRUMP", False),
        ("Donald J. Trump", True),
    ]
    page = client.get(trump.get_absolute_url()).content.decode()
    assert "President, Republican primary" in page
    assert "President of the United States" in page


def test_a_clarity_export_loads_from_its_zip_as_from_its_xml():
    xml = (CLARITY / "ga_atkinson_2020_general_precincts.xml").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("detail.xml", xml)
    target = election()
    import_results(buffer.getvalue(), election=target, create=True)

    race = Race.objects.get(election=target)
    assert totals(race) == {"Donald J. Trump": 2300, "Joseph R. Biden": 825, "Jo Jorgensen": 30}
    trump = VoteCount.objects.get(candidacy__candidate__name="Donald J. Trump")
    assert (trump.election_day, trump.advance, trump.absentee_by_mail, trump.provisional) == (
        716,
        1419,
        164,
        1,
    )


def test_ohios_turnout_columns_on_every_row_are_not_counted_as_votes():
    """Ohio's files give each precinct's "Registered Voters" and "Total Voters" (its ballots
    cast) on every candidate's row; "Total Voters" was once taken for a vote method, and every
    line was refused as disagreeing with its votes."""
    target, report = load(OE / "oh_2014_primary_dem_adams_precinct_trimmed.csv", kind="primary")

    governor = Race.objects.get(election=target, office__name="Governor/Lieutenant Governor")
    house = Race.objects.get(
        election=target, office__name="U.S. House of Representatives District 2"
    )
    # expected.py: the csv module's sums over the three precincts.
    # Ohio prints surnames first; readers get reading order (names.first_last).
    assert totals(governor) == {"Edward FitzGerald": 56, "Larry Ealy": 13}
    assert totals(house) == {
        "Ronny Richards": 35,
        "William R. Smith": 16,
        "John Sheil": 9,
        "Marek Tyszkiewicz": 13,
    }
    assert Candidate.objects.get(name="Edward FitzGerald").ballot_name == "FitzGerald, Edward"
    assert not VoteCount.objects.exclude(other_methods={}).exists()
    units = governor.reporting_units.values_list("precincts_reporting", "precincts_total")
    assert set(units) == {(3, 3)}


def test_iowas_counts_written_as_decimals_load_as_whole_numbers(client):
    """Iowa's 2012 files print every count as "473.0"; such a count is that whole number, and
    the county-total rows (blank precinct) equal to their precincts are set aside."""
    target, _ = load(OE / "ia_2012_general_adair_precinct_trimmed.csv")

    president = Race.objects.get(election=target, office__name="President/Vice President")
    assert totals(president) == {
        "Mitt Romney Paul Ryan": 2114,
        "Barack Obama Joe Biden": 1790,
        "Gary Johnson James P. Gray": 30,
        "Jill Stein Cheri Honkala": 9,
        "Virgil Goode James Clymer": 8,
        "Jerry Litzel Jim Litzel": 6,
        "James Harris Alyson Kennedy": 5,
        "Gloria LaRiva Stefanie Beacham": 3,
    }
    house = Race.objects.get(election=target, office__name="State Representative District 20")
    assert totals(house) == {"Clel Baudler": 2659, "Greg Nepstad": 1219}
    romney = VoteCount.objects.get(candidacy__candidate__name="Mitt Romney Paul Ryan")
    # The absentee column is a known method; "election_date" (the file's name for its
    # election-day column) is kept under its own name, never dropped.
    assert (romney.absentee_by_mail, romney.other_methods) == (864, {"election_date": 1250})
    page = client.get(president.get_absolute_url()).content.decode()
    assert "2,114" in page and "1,790" in page


def test_a_statewide_row_above_the_counties_is_a_total_not_a_county(client):
    """West Virginia's county file prints a "Statewide" row above each candidate's 55 counties;
    read as a county it doubled every total readers saw."""
    target, _ = load(OE / "wv_2020_general_county_president_trimmed.csv")

    race = Race.objects.get(election=target, office__name="President")
    # expected.py: the counties' sums, each equal to the file's own Statewide row.
    assert totals(race) == {
        "Donald J. Trump": 545382,
        "Joseph R. Biden": 235984,
        "Jo Jorgensen": 10687,
        "Howie Hawkins": 2599,
    }
    assert race.reporting_units.count() == 55
    assert not race.reporting_units.filter(name__iexact="statewide").exists()
    page = client.get(race.get_absolute_url()).content.decode()
    assert "545,382" in page and "1,090,764" not in page


def test_a_counting_race_from_a_real_file_shows_no_winner(client):
    target, _ = load(CLARITY / "wv_2020_general_counties_trimmed.xml")
    race = Race.objects.get(election=target, office__name="PRESIDENT")

    assert WON not in {row.outcome for row in race_results(race).rows}
    page = client.get(race.get_absolute_url()).content.decode()
    assert "outcome--won" not in page


def test_a_dry_run_lists_names_that_may_be_one_person():
    out = StringIO()
    target = election(kind="primary", name="Pennsylvania primary")
    call_command(
        "import_results",
        str(OE / "pa_2020_primary_forest_precinct_trimmed.csv"),
        f"--election={target.slug}",
        "--create",
        "--dry-run",
        stdout=out,
    )

    output = out.getvalue()
    assert (
        "Check: 'Kathy Rapp' (new) and 'Kathy L. Rapp' (new) may be one person; the import "
        "keeps them apart."
    ) in output
    assert not Candidate.objects.exists()


def test_an_editors_correction_of_a_public_name_sticks_on_the_next_import():
    path = OE / "ga_2018_primary_glascock_precinct_trimmed.csv"
    target, _ = load(path, kind="primary")
    cagle = Candidate.objects.get(ballot_name='L.S. "CASEY" CAGLE')
    assert cagle.name == 'L.S. "Casey" Cagle'
    cagle.name = "Casey Cagle"
    cagle.save()

    import_results(path.read_bytes(), election=target)  # the same file again
    later = election(kind="primary", name="Next primary", date=datetime.date(2022, 5, 24))
    import_results(path.read_bytes(), election=later, create=True)  # a new cycle

    (person,) = Candidate.objects.filter(ballot_name='L.S. "CASEY" CAGLE')
    assert person.name == "Casey Cagle"
    assert person.candidacies.count() == 2
