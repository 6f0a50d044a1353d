"""The results importer (candidates/importing/) and its command, import_results."""

import io
import textwrap
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candidates.importing import ImportFailed, Problem, import_results
from candidates.models import (
    Candidacy,
    Candidate,
    Election,
    Office,
    Race,
    ReportingUnit,
    VoteCount,
)
from candidates.results import LOST, RUNOFF, race_results
from tests.candidates.factories import (
    make_candidacy,
    make_district_5_general,
    make_election,
    make_race,
    make_unit,
    record_votes,
)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
PRECINCT_FILE = DATA / "ga_atlanta_council_d5_2021_precinct.csv"
COUNTY_PARTIAL_FILE = DATA / "ga_atlanta_council_d5_2021_county_partial.csv"
OFFICE = "Atlanta City Council District 5"
SEED_TOTALS = {
    "Samuel Bacote": 1852,
    "Liliana Bakhtiari": 5134,
    "Katie Kissell": 848,
    "Mandy Mahoney": 1894,
    "Doug Williams": 642,
}


def run(*args, **options):
    """Run import_results; returns what it printed on stdout."""
    out, err = StringIO(), StringIO()
    call_command("import_results", *[str(arg) for arg in args], stdout=out, stderr=err, **options)
    return out.getvalue()


def run_failing(*args, **options):
    """Run import_results expecting it to refuse; returns the error message."""
    with pytest.raises(CommandError) as failure:
        run(*args, **options)
    return str(failure.value)


def csv_file(tmp_path, text, name="results.csv"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture
def district_5():
    """The 2021 District 5 race with the seed totals, its people named as on the ballot."""
    race = make_district_5_general()
    Candidate.objects.filter(name="Katie Kissell").update(ballot_name='Katrina "Katie" Kissell')
    Candidate.objects.filter(name="Mandy Mahoney").update(ballot_name='Amanda "Mandy" Mahoney')
    return race


def totals(race):
    return {
        c.candidate.name: c.votes for c in race.candidacies.with_votes().select_related("candidate")
    }


def unit_state(race):
    return {
        unit.name: (unit.kind, unit.precincts_reporting, unit.precincts_total)
        for unit in ReportingUnit.objects.filter(race=race)
    }


def database_state():
    """Every row the importer could write, to prove a refused import wrote nothing."""
    return {
        "offices": list(Office.objects.values_list("id", "name", "body", "district")),
        "races": list(Race.objects.values_list("id", "status", "results_updated_at")),
        "candidates": list(Candidate.objects.values_list("id", "name")),
        "candidacies": list(Candidacy.objects.values_list("id", "race_id", "candidate_id")),
        "units": list(
            ReportingUnit.objects.values_list(
                "id", "name", "kind", "precincts_reporting", "precincts_total"
            )
        ),
        "counts": list(
            VoteCount.objects.order_by("id").values_list(
                "id", "candidacy_id", "unit_id", "votes", "election_day", "advance"
            )
        ),
        "elections": list(Election.objects.values_list("id", "slug")),
    }


# --- A public OpenElections file ------------------------------------------------------------


def test_a_public_precinct_file_with_vote_methods_loads_with_create_and_gives_the_seed_totals():
    output = run(
        PRECINCT_FILE,
        "--election=2021-11-02-atlanta-general",
        "--create",
        "--final",
        "--name=Atlanta municipal general election",
        "--date=2021-11-02",
    )

    election = Election.objects.get(slug="2021-11-02-atlanta-general")
    race = Race.objects.get(election=election)
    results = race_results(race)
    assert results.total == 10370
    assert results.leader.candidacy.ballot_name == "Liliana Bakhtiari"
    assert results.leader.votes == 5134
    assert {row.candidacy.ballot_name: row.outcome for row in results.rows} == {
        "Liliana Bakhtiari": RUNOFF,
        'Amanda "Mandy" Mahoney': RUNOFF,
        "Samuel Bacote": LOST,
        'Katrina "Katie" Kissell': LOST,
        "Doug Williams": LOST,
    }
    assert unit_state(race) == {"DeKalb": ("county", 6, 6), "Fulton": ("county", 8, 8)}
    assert race.office.name == OFFICE
    assert (race.office.body, race.office.district) == ("Atlanta City Council", "5")
    assert race.decision_rule == Race.DecisionRule.MAJORITY
    assert race.status == Race.Status.UNOFFICIAL_FINAL
    assert race.results_updated_at is not None
    assert set(race.candidacies.values_list("party", flat=True)) == {""}  # Nonpartisan
    assert "Created the election Atlanta municipal general election (2021-11-02)." in output
    assert "Rows read: 70" in output
    assert "Rows skipped: 0" in output
    assert "Counties updated: 2" in output
    assert "Candidacies updated: 5" in output
    assert "Created: 1 office, 1 race, 5 candidates, 5 candidacies, 2 counties" in output


def test_vote_method_columns_are_summed_into_votes_and_stored_per_method():
    run(PRECINCT_FILE, "--election=d5", "--create", "--name=General", "--date=2021-11-02")

    for count in VoteCount.objects.all():
        methods = [count.election_day, count.advance, count.absentee_by_mail, count.provisional]
        assert None not in methods
        assert sum(methods) == count.votes
    bakhtiari = VoteCount.objects.filter(candidacy__ballot_name="Liliana Bakhtiari")
    assert sum(bakhtiari.values_list("votes", flat=True)) == 5134


def test_importing_the_same_file_twice_changes_nothing(district_5):
    election = district_5.election.slug
    run(COUNTY_PARTIAL_FILE, f"--election={election}")
    first = database_state()
    first_totals = totals(district_5)

    output = run(COUNTY_PARTIAL_FILE, f"--election={election}")

    second = database_state()
    assert totals(district_5) == first_totals
    assert {key: len(rows) for key, rows in second.items()} == {
        key: len(rows) for key, rows in first.items()
    }
    assert second["units"] == first["units"]
    assert [row[1:] for row in second["counts"]] == [row[1:] for row in first["counts"]]
    assert "Created: nothing" in output


def test_importing_the_public_file_twice_with_create_creates_nothing_the_second_time():
    args = [PRECINCT_FILE, "--election=d5", "--create", "--name=General", "--date=2021-11-02"]
    run(*args)
    race = Race.objects.get()
    first_totals, first_counts = totals(race), VoteCount.objects.count()

    output = run(*args)

    assert totals(race) == first_totals
    assert VoteCount.objects.count() == first_counts == 10
    assert Candidate.objects.count() == 5
    assert "Created: nothing" in output


# --- County files and replacing counties -----------------------------------------------------


def test_a_county_file_takes_precincts_reporting_and_total_from_the_file(district_5):
    output = run(COUNTY_PARTIAL_FILE, f"--election={district_5.election.slug}")

    assert unit_state(district_5) == {"DeKalb": ("county", 3, 6), "Fulton": ("county", 5, 8)}
    assert totals(district_5) == {
        "Samuel Bacote": 301 + 780,
        "Liliana Bakhtiari": 866 + 2140,
        "Katie Kissell": 142 + 339,
        "Mandy Mahoney": 317 + 776,
        "Doug Williams": 95 + 270,
    }
    assert "Counties updated: 2" in output


def test_a_newer_file_replaces_only_the_counties_it_contains(district_5, tmp_path):
    path = csv_file(
        tmp_path,
        f"""
        county,precinct,office,candidate,votes
        Fulton,05A,{OFFICE},Samuel Bacote,100
        Fulton,05A,{OFFICE},Liliana Bakhtiari,200
        Fulton,05B,{OFFICE},Samuel Bacote,10
        Fulton,05B,{OFFICE},Liliana Bakhtiari,20
        """,
    )
    run(path, f"--election={district_5.election.slug}")

    fulton = VoteCount.objects.filter(unit__name="Fulton", candidacy__race=district_5)
    assert dict(fulton.values_list("candidacy__candidate__name", "votes")) == {
        "Samuel Bacote": 110,
        "Liliana Bakhtiari": 220,
    }
    dekalb = VoteCount.objects.filter(unit__name="DeKalb", candidacy__race=district_5)
    assert dict(dekalb.values_list("candidacy__candidate__name", "votes")) == {
        "Samuel Bacote": 600,
        "Liliana Bakhtiari": 1700,
        "Katie Kissell": 300,
        "Mandy Mahoney": 650,
        "Doug Williams": 200,
    }
    # Fulton keeps its 8 precincts in total; 2 of them are in this file.
    assert unit_state(district_5) == {"DeKalb": ("county", 6, 6), "Fulton": ("county", 2, 8)}


def test_county_names_match_existing_units_whatever_their_case_or_county_suffix(district_5):
    text = f"""county,office,candidate,votes
FULTON COUNTY,{OFFICE},Samuel Bacote,5
dekalb,{OFFICE},Samuel Bacote,7
"""
    import_results(text, election=district_5.election)

    assert set(ReportingUnit.objects.filter(race=district_5).values_list("name", flat=True)) == {
        "DeKalb",
        "Fulton",
    }
    assert totals(district_5)["Samuel Bacote"] == 12


def test_a_county_file_without_precinct_columns_keeps_the_counties_precinct_figures(district_5):
    text = f"county,office,candidate,votes\nFulton,{OFFICE},Samuel Bacote,5\n"
    import_results(text, election=district_5.election)

    assert unit_state(district_5)["Fulton"] == ("county", 8, 8)


def test_stale_precinct_detail_of_a_replaced_county_is_removed(district_5):
    fulton = ReportingUnit.objects.get(race=district_5, name="Fulton")
    precinct = make_unit(district_5, "05A", kind=ReportingUnit.Kind.PRECINCT, parent=fulton)
    record_votes(district_5.candidacies.first(), precinct, 99)

    import_results(
        f"county,office,candidate,votes\nFulton,{OFFICE},Samuel Bacote,5\n",
        election=district_5.election,
    )

    assert not ReportingUnit.objects.filter(parent=fulton).exists()


def test_county_figures_replace_an_all_counties_combined_unit():
    race = make_race(office=Office.objects.create(name=OFFICE, body="Atlanta City Council"))
    candidacy = make_candidacy(race, name="Samuel Bacote")
    combined = make_unit(race, "All counties", kind=ReportingUnit.Kind.COMBINED)
    record_votes(candidacy, combined, 1852)

    report = import_results(
        f"county,office,candidate,votes\nFulton,{OFFICE},Samuel Bacote,1252\n",
        election=race.election,
    )

    assert totals(race) == {"Samuel Bacote": 1252}
    assert report.combined_units_removed == 1
    assert any("all counties combined" in line for line in report.summary_lines())


# --- Header variants -------------------------------------------------------------------------


def test_columns_match_whatever_their_case_spacing_or_order(district_5, tmp_path):
    path = csv_file(
        tmp_path,
        f"""
          VOTES , Candidate ,PRECINCT,  County,Office  , District
        10,  LILIANA   bakhtiari ,05A,Fulton,{OFFICE},5
        4,Samuel Bacote,05A,Fulton,{OFFICE},5
        """,
    )
    run(path, f"--election={district_5.election.slug}")

    fulton = VoteCount.objects.filter(unit__name="Fulton", candidacy__race=district_5)
    assert dict(fulton.values_list("candidacy__candidate__name", "votes")) == {
        "Liliana Bakhtiari": 10,
        "Samuel Bacote": 4,
    }


def test_vote_method_column_variants_are_recognised_and_summed(district_5, tmp_path):
    path = csv_file(
        tmp_path,
        f"""
        County,Office,Candidate,Election Day,Early Voting,Absentee,Provisional
        Fulton,{OFFICE},Samuel Bacote,5,3,2,1
        Fulton,{OFFICE},Doug Williams,1,1,,
        """,
    )
    run(path, f"--election={district_5.election.slug}")

    bacote = VoteCount.objects.get(unit__name="Fulton", candidacy__candidate__name="Samuel Bacote")
    assert (bacote.votes, bacote.election_day, bacote.advance) == (11, 5, 3)
    assert (bacote.absentee_by_mail, bacote.provisional) == (2, 1)
    williams = VoteCount.objects.get(
        unit__name="Fulton", candidacy__candidate__name="Doug Williams"
    )
    assert (williams.votes, williams.absentee_by_mail, williams.provisional) == (2, None, None)


def test_the_2022_openelections_header_with_votes_and_advance_voting_votes_loads(district_5):
    text = (
        "county,precinct,office,district,party,candidate,votes,advance_voting_votes,"
        "absentee_by_mail_votes,provisional_votes,election_day_votes\n"
        f"Fulton,05A,{OFFICE},5,Nonpartisan,Liliana Bakhtiari ,30,10,5,0,15\n"
    )
    import_results(text, election=district_5.election)

    count = VoteCount.objects.get(unit__name="Fulton", candidacy__candidate__name__contains="Bak")
    assert (count.votes, count.advance, count.election_day) == (30, 10, 15)


def test_a_column_given_twice_under_two_names_is_a_problem(district_5):
    text = f"county,office,candidate,absentee,mail\nFulton,{OFFICE},Samuel Bacote,1,2\n"
    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=district_5.election)

    assert [str(p) for p in failure.value.problems] == [
        "line 1: columns 'absentee' and 'mail' both give absentee by mail; keep one of them"
    ]


# --- Names ----------------------------------------------------------------------------------


def test_an_office_matches_by_its_body_together_with_the_district(district_5):
    text = "county,office,district,candidate,votes\nFulton,Atlanta City Council,5,Doug Williams,9\n"
    import_results(text, election=district_5.election)

    assert totals(district_5)["Doug Williams"] == 200 + 9


def test_a_candidate_matches_by_ballot_name_with_typographic_quotes_and_odd_spacing(district_5):
    text = f"county,office,candidate,votes\nFulton,{OFFICE},Katrina  “Katie”  KISSELL,9\n"
    import_results(text, election=district_5.election)

    assert totals(district_5)["Katie Kissell"] == 300 + 9


def test_unknown_office_and_candidate_without_create_are_problems(district_5, tmp_path):
    before = database_state()
    path = csv_file(
        tmp_path,
        f"""
        county,office,district,candidate,votes
        Fulton,Atlanta City Council District 12,12,Somebody,5
        Fulton,Atlanta City Council District 12,12,Somebody Else,5
        Fulton,{OFFICE},5,Jane Roe,5
        """,
    )
    message = run_failing(path, f"--election={district_5.election.slug}")

    assert "2 problems found; nothing was imported." in message
    assert (
        "line 2: unknown office 'Atlanta City Council District 12' (district 12) "
        "(and 1 more rows); check the spelling, add the office in the admin, "
        "or import with --create"
    ) in message
    assert "line 4: unknown candidate 'Jane Roe' in 'Atlanta City Council District 5'" in message
    assert database_state() == before


def test_an_office_without_a_race_in_the_election_is_a_problem_without_create(district_5):
    other_election = make_election()
    text = f"county,office,candidate,votes\nFulton,{OFFICE},Samuel Bacote,5\n"
    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=other_election)

    assert str(failure.value.problems[0]) == (
        "line 2: office 'Atlanta City Council District 5' has no race in this election; "
        "add the race in the admin, or import with --create"
    )


def test_a_runoff_imported_with_create_reuses_the_people_of_the_general(district_5, tmp_path):
    path = csv_file(
        tmp_path,
        f"""
        county,office,district,party,candidate,votes
        Fulton,{OFFICE},5,Nonpartisan,Liliana Bakhtiari,4000
        Fulton,{OFFICE},5,Nonpartisan,"Amanda ""Mandy"" Mahoney",3000
        """,
    )
    run(
        path,
        "--election=2021-11-30-runoff",
        "--create",
        "--name=Atlanta runoff",
        "--date=2021-11-30",
        "--kind=runoff",
        f"--runoff-of={district_5.election.slug}",
    )

    runoff = Election.objects.get(slug="2021-11-30-runoff")
    assert runoff.kind == Election.Kind.RUNOFF
    assert runoff.runoff_of == district_5.election
    assert Candidate.objects.count() == 5  # nobody was created twice
    race = Race.objects.get(election=runoff)
    assert race.office == district_5.office
    assert totals(race) == {"Liliana Bakhtiari": 4000, "Mandy Mahoney": 3000}


def test_a_write_in_candidate_is_created_as_a_write_in(tmp_path):
    election = make_election()
    path = csv_file(
        tmp_path,
        """
        county,office,party,candidate,votes
        Fulton,Mayor,Nonpartisan,Ann Example,50
        Fulton,Mayor,Write-In,Bob Example,3
        """,
    )
    run(path, f"--election={election.slug}", "--create")

    assert dict(Candidacy.objects.values_list("ballot_name", "write_in")) == {
        "Ann Example": False,
        "Bob Example": True,
    }
    assert list(
        Candidacy.objects.order_by("ballot_order").values_list("ballot_name", flat=True)
    ) == [
        "Ann Example",
        "Bob Example",
    ]  # ballot order follows the file
    assert Office.objects.get().body == "Mayor"


# --- Summary rows ----------------------------------------------------------------------------


PSEUDO_ROWS_FILE = f"""county,precinct,office,candidate,votes
Fulton,05A,{OFFICE},Samuel Bacote,10
Fulton,05A,{OFFICE},Over Votes,1
Fulton,05A,{OFFICE},Under Votes,4
Fulton,05A,{OFFICE},Total Votes,15
Fulton,05A,{OFFICE},Write-ins,2
Fulton,05A,Registered Voters,,900
Fulton,05A,Ballots Cast,,300
Fulton,Total,{OFFICE},Samuel Bacote,10
Fulton,05B,{OFFICE},Samuel Bacote,5
"""


def test_summary_rows_are_skipped_and_counted_by_reason(district_5):
    report = import_results(PSEUDO_ROWS_FILE, election=district_5.election)

    assert totals(district_5)["Samuel Bacote"] == 600 + 15
    assert report.rows_read == 9
    assert report.rows_skipped == 7
    assert report.skipped_reasons == {
        "totals": 2,
        "over votes": 1,
        "under votes": 1,
        "registered voters": 1,
        "ballots cast": 1,
        "write-in totals": 1,
    }
    assert (
        "Rows skipped: 7 (totals: 2, over votes: 1, under votes: 1, registered voters: 1, "
        "ballots cast: 1, write-in totals: 1)"
    ) in report.summary_lines()


def test_summary_rows_are_not_created_as_candidates_with_create():
    election = make_election()
    import_results(PSEUDO_ROWS_FILE, election=election, create=True)

    assert list(Candidacy.objects.values_list("ballot_name", flat=True)) == ["Samuel Bacote"]


def test_write_ins_count_when_the_race_has_a_candidacy_by_that_name(district_5):
    make_candidacy(district_5, name="Write-ins", ballot_name="Write-ins", write_in=True)

    report = import_results(PSEUDO_ROWS_FILE, election=district_5.election)

    assert totals(district_5)["Write-ins"] == 2
    assert "write-in totals" not in report.skipped_reasons


# --- Problems: everything is reported, nothing is written ------------------------------------


def test_a_file_with_three_bad_lines_reports_all_three_and_writes_nothing(district_5, tmp_path):
    before = database_state()
    path = csv_file(
        tmp_path,
        f"""
        county,precinct,office,candidate,votes
        Fulton,05A,{OFFICE},Samuel Bacote,10
        Fulton,05A,{OFFICE},Liliana Bakhtiari,abc
        Fulton,05A,{OFFICE},Doug Williams,4
        Fulton,05A,{OFFICE},Jane Roe,4
        Fulton,05B,{OFFICE},Samuel Bacote,-4
        DeKalb,Kirkwood,{OFFICE},Samuel Bacote,3
        """,
    )
    message = run_failing(path, f"--election={district_5.election.slug}")

    assert message.splitlines()[1:4] == [
        "line 3: votes is not a number: 'abc'",
        "line 5: unknown candidate 'Jane Roe' in 'Atlanta City Council District 5'; check the "
        "spelling, add the candidacy in the admin, or import with --create",
        "line 6: votes is negative: '-4'",
    ]
    assert message.startswith(f"{path}: 3 problems found; nothing was imported.")
    assert database_state() == before
    assert totals(district_5) == SEED_TOTALS


def test_problems_are_listed_in_line_order_through_the_python_api(district_5):
    text = (
        "county,office,candidate,votes,advanced_votes\n"
        f"Fulton,{OFFICE},Samuel Bacote,1,x\n"
        f"Fulton,{OFFICE},,1,1\n"
        f",{OFFICE},Doug Williams,1,1.5\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_results(io.StringIO(text), election=district_5.election)

    assert failure.value.problems == [
        Problem(2, "advanced_votes is not a number: 'x'"),
        Problem(3, "candidate is blank"),
        Problem(4, "county is blank"),
        Problem(4, "advanced_votes is not a whole number: '1.5'"),
    ]


def test_a_whole_number_written_as_a_decimal_is_that_number(district_5):
    """Files saved from a spreadsheet or pandas print counts as "473.0" (Iowa's OpenElections
    files do); a fraction is refused, saying so."""
    text = (
        "county,office,candidate,votes,absentee,election_day\n"
        f"Fulton,{OFFICE},Samuel Bacote,12.0,2.0,10.0\n"
        f'Fulton,{OFFICE},Doug Williams,"1,204.00",,\n'
    )
    import_results(text, election=district_5.election)

    fulton = VoteCount.objects.filter(unit__name="Fulton", candidacy__race=district_5)
    assert dict(fulton.values_list("candidacy__candidate__name", "votes")) == {
        "Samuel Bacote": 12,
        "Doug Williams": 1204,
    }
    bacote = VoteCount.objects.get(unit__name="Fulton", candidacy__candidate__name="Samuel Bacote")
    assert (bacote.absentee_by_mail, bacote.election_day) == (2, 10)
    with pytest.raises(ImportFailed) as failure:
        import_results(
            f"county,office,candidate,votes\nFulton,{OFFICE},Samuel Bacote,12.5\n",
            election=district_5.election,
        )
    assert [str(p) for p in failure.value.problems] == [
        "line 2: votes is not a whole number: '12.5'"
    ]


def test_a_turnout_column_on_every_row_is_not_a_vote_method(district_5):
    """Ohio's files carry each precinct's "Registered Voters" and "Total Voters" on every row."""
    text = (
        "County,Precinct Name,Registered Voters,Total Voters,office,candidate,votes\n"
        f"Fulton,05A,933,143,{OFFICE},Samuel Bacote,19\n"
        f"Fulton,05A,933,143,{OFFICE},Doug Williams,3\n"
    )
    import_results(text, election=district_5.election)

    fulton = VoteCount.objects.filter(unit__name="Fulton", candidacy__race=district_5)
    assert sorted(fulton.values_list("votes", "other_methods")) == [(3, {}), (19, {})]


def test_a_column_taken_for_a_vote_method_is_named_when_votes_disagree(district_5):
    text = f"county,office,candidate,votes,machine\nFulton,{OFFICE},Samuel Bacote,19,143\n"
    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=district_5.election)

    assert [str(p) for p in failure.value.problems] == [
        "line 2: votes (19) differ from the sum of the vote-method columns (143, counting the "
        "column 'machine' as a vote method); correct the file or leave one of them out"
    ]


def test_a_parish_column_names_the_county(district_5):
    text = f"parish,office,candidate,votes\nFulton,{OFFICE},Samuel Bacote,19\n"
    import_results(text, election=district_5.election)

    assert VoteCount.objects.get(unit__name="Fulton", candidacy__race=district_5).votes == 19


def test_a_file_naming_its_places_jurisdiction_is_told_to_rename_the_column(district_5):
    """Older OpenElections files (Iowa's 2010) have "reporting_level" and "jurisdiction"."""
    text = (
        "office,district,candidate,party,reporting_level,jurisdiction,votes\n"
        f"{OFFICE},,Samuel Bacote,,county,Fulton,19\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=district_5.election)

    assert [str(p) for p in failure.value.problems] == [
        "line 1: missing required column: county (the file has a 'jurisdiction' column: if it "
        "names counties, rename it to 'county'; rows for the state as a whole are skipped)"
    ]


@pytest.mark.parametrize("place", ["Statewide", "STATE TOTAL", "Grand Totals"])
def test_a_row_for_the_whole_state_is_a_total_not_a_county(district_5, place):
    text = (
        "county,office,candidate,votes\n"
        f"{place},{OFFICE},Samuel Bacote,30\n"
        f"Fulton,{OFFICE},Samuel Bacote,19\n"
        f"DeKalb,{OFFICE},Samuel Bacote,11\n"
    )
    report = import_results(text, election=district_5.election, create=True)

    assert report.skipped_reasons == {"totals": 1}
    assert not ReportingUnit.objects.filter(race=district_5, name__iexact=place).exists()
    counts = VoteCount.objects.filter(candidacy__candidate__name="Samuel Bacote")
    assert dict(counts.values_list("unit__name", "votes")) == {"Fulton": 19, "DeKalb": 11}


def test_negative_and_non_numeric_votes_are_problems(district_5):
    text = (
        "county,office,candidate,votes\n"
        f"Fulton,{OFFICE},Samuel Bacote,-12\n"
        f"Fulton,{OFFICE},Doug Williams,twelve\n"
        f"Fulton,{OFFICE},Katie Kissell,1 2\n"
        f'Fulton,{OFFICE},Mandy Mahoney,"1,204"\n'
    )
    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=district_5.election)

    assert [str(p) for p in failure.value.problems] == [
        "line 2: votes is negative: '-12'",
        "line 3: votes is not a number: 'twelve'",
        "line 4: votes is not a number: '1 2'",
    ]  # "1,204" with a thousands separator is a number


def test_a_row_without_any_votes_is_a_problem(district_5):
    text = f"county,office,candidate,votes\nFulton,{OFFICE},Samuel Bacote,\n"
    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=district_5.election)

    assert str(failure.value.problems[0]) == (
        "line 2: no votes on this row: the vote columns are blank"
    )


def test_the_same_precinct_twice_for_one_candidate_is_a_problem(district_5, tmp_path):
    path = csv_file(
        tmp_path,
        f"""
        county,precinct,office,candidate,votes
        Fulton,05A,{OFFICE},Liliana Bakhtiari,10
        Fulton,05B,{OFFICE},Liliana Bakhtiari,10
        Fulton,05a,{OFFICE},liliana bakhtiari,10
        """,
    )
    message = run_failing(path, f"--election={district_5.election.slug}")

    assert (
        "line 4: precinct '05a' (Fulton) already has a row for 'liliana bakhtiari' (line 2)"
    ) in message
    assert totals(district_5) == SEED_TOTALS


def test_the_same_county_twice_for_one_candidate_in_a_county_file_is_a_problem(district_5):
    text = (
        "county,office,candidate,votes\n"
        f"Fulton,{OFFICE},Samuel Bacote,10\n"
        f"Fulton,{OFFICE},Samuel Bacote,10\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=district_5.election)

    assert str(failure.value.problems[0]) == (
        "line 3: Fulton already has a row for 'Samuel Bacote' (line 2)"
    )


def test_precinct_rows_and_county_rows_for_one_county_are_a_problem(district_5):
    text = (
        "county,precinct,office,candidate,votes\n"
        f"Fulton,05A,{OFFICE},Samuel Bacote,10\n"
        f"Fulton,,{OFFICE},Doug Williams,10\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=district_5.election)

    assert str(failure.value.groups[0]) == (
        "line 3: county-total row on top of this county's precinct rows, and its votes differ "
        "from the sum of the precincts; remove the county-total rows or the precinct rows"
    )


def test_more_precincts_reporting_than_in_total_is_a_problem(district_5):
    text = (
        "county,office,candidate,votes,precincts_reporting,precincts_total\n"
        f"Fulton,{OFFICE},Samuel Bacote,10,9,8\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=district_5.election)

    assert str(failure.value.problems[0]) == (
        "line 2: precincts_reporting (9) is more than precincts_total (8)"
    )


def test_more_precincts_in_the_file_than_the_county_has_is_a_problem(district_5):
    rows = "".join(f"DeKalb,P{n},{OFFICE},Samuel Bacote,1\n" for n in range(7))
    with pytest.raises(ImportFailed) as failure:
        import_results(
            f"county,precinct,office,candidate,votes\n{rows}", election=district_5.election
        )

    assert str(failure.value.problems[0]) == (
        "line 2: DeKalb: 7 precincts reporting is more than its 6 precincts in total "
        "(Atlanta City Council District 5); give precincts_total in the file or correct it "
        "in the admin"
    )
    assert unit_state(district_5)["DeKalb"] == ("county", 6, 6)


def test_precinct_figures_that_disagree_within_a_county_are_a_problem(district_5):
    text = (
        "county,office,candidate,votes,precincts_reporting,precincts_total\n"
        f"Fulton,{OFFICE},Samuel Bacote,10,4,8\n"
        f"Fulton,{OFFICE},Doug Williams,10,5,8\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=district_5.election)

    assert str(failure.value.problems[0]) == (
        "line 3: precincts_reporting for Fulton is 5 here but 4 on line 2"
    )


def test_a_missing_column_is_a_problem_on_line_1(district_5, tmp_path):
    path = csv_file(tmp_path, "county,precinct,office,party\nFulton,05A,Mayor,Nonpartisan\n")
    message = run_failing(path, f"--election={district_5.election.slug}")

    assert "line 1: missing required column: candidate" in message
    assert "line 1: missing required column: votes (or vote-method columns" in message


def test_an_empty_file_is_a_clear_error(district_5, tmp_path):
    path = csv_file(tmp_path, "")
    message = run_failing(path, f"--election={district_5.election.slug}")

    assert "1 problem found; nothing was imported." in message
    assert "the file is empty; it needs a header row" in message


def test_a_header_without_rows_is_a_clear_error(district_5):
    with pytest.raises(ImportFailed) as failure:
        import_results("county,office,candidate,votes\n\n", election=district_5.election)

    assert str(failure.value.problems[0]) == "the file has a header but no result rows"


def test_a_file_that_is_not_utf8_is_a_clear_error_not_a_traceback(district_5, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        f"county,office,candidate,votes\nFulton,{OFFICE},Jos\xe9 Example,4\n".encode("latin-1")
    )
    message = run_failing(path, f"--election={district_5.election.slug}")

    assert "the file is not UTF-8 text" in message
    assert "save it as CSV (UTF-8) and try again" in message
    assert totals(district_5) == SEED_TOTALS


def test_bytes_that_are_not_utf8_name_the_line_of_the_first_bad_byte(district_5):
    data = f"county,office,candidate,votes\nFulton,{OFFICE},Jos\xe9,4\n".encode("latin-1")
    with pytest.raises(ImportFailed) as failure:
        import_results(io.BytesIO(data), election=district_5.election)

    problem = failure.value.problems[0]
    assert problem.line == 2
    assert "byte 0xe9" in problem.message


def test_a_file_with_nul_bytes_is_refused(district_5):
    with pytest.raises(ImportFailed) as failure:
        import_results("county,office\x00,candidate,votes\n", election=district_5.election)

    assert "NUL bytes" in str(failure.value)


def test_a_name_longer_than_the_database_allows_is_a_problem(district_5):
    text = f"county,office,candidate,votes\nFulton,{OFFICE},{'x' * 201},4\n"
    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=district_5.election, create=True)

    assert str(failure.value.problems[0]) == "line 2: candidate is longer than 200 characters"


# --- Dry run, status, election handling ------------------------------------------------------


def test_dry_run_reports_what_would_change_and_writes_nothing(district_5):
    before = database_state()

    output = run(COUNTY_PARTIAL_FILE, f"--election={district_5.election.slug}", "--dry-run")

    assert output.splitlines()[0] == "Dry run: nothing was saved. This is what the import would do."
    assert "Rows read: 10" in output
    assert "Counties updated: 2" in output
    assert "Candidacies updated: 5" in output
    assert database_state() == before


def test_dry_run_with_create_does_not_keep_the_new_election():
    output = run(
        PRECINCT_FILE,
        "--election=d5",
        "--create",
        "--name=General",
        "--date=2021-11-02",
        "--dry-run",
    )

    assert "Would create the election General (2021-11-02)." in output
    assert "Created: 1 office, 1 race, 5 candidates, 5 candidacies, 2 counties" in output
    assert not Election.objects.exists()
    assert not Office.objects.exists()
    assert not Candidate.objects.exists()


def test_dry_run_through_the_api_returns_the_report_and_rolls_back(district_5):
    before = database_state()
    report = import_results(
        COUNTY_PARTIAL_FILE.read_text(), election=district_5.election, dry_run=True
    )

    assert report.dry_run
    assert (report.units_updated, report.candidacies_updated) == (2, 5)
    assert [race.pk for race in report.races] == [district_5.pk]
    assert database_state() == before


def test_an_upcoming_race_that_receives_votes_starts_counting(district_5):
    Race.objects.filter(pk=district_5.pk).update(status=Race.Status.UPCOMING)
    import_results(COUNTY_PARTIAL_FILE.read_text(), election=district_5.election)

    district_5.refresh_from_db()
    assert district_5.status == Race.Status.COUNTING
    assert district_5.results_updated_at is not None


def test_an_upcoming_race_with_only_zeros_stays_upcoming(district_5):
    Race.objects.filter(pk=district_5.pk).update(status=Race.Status.UPCOMING)
    import_results(
        f"county,office,candidate,votes\nFulton,{OFFICE},Samuel Bacote,0\n",
        election=district_5.election,
    )

    district_5.refresh_from_db()
    assert district_5.status == Race.Status.UPCOMING
    assert district_5.results_updated_at is not None


def test_a_certified_race_keeps_its_status(district_5):
    Race.objects.filter(pk=district_5.pk).update(status=Race.Status.CERTIFIED)
    import_results(COUNTY_PARTIAL_FILE.read_text(), election=district_5.election)

    district_5.refresh_from_db()
    assert district_5.status == Race.Status.CERTIFIED


def test_an_unknown_election_without_create_is_a_clear_error():
    message = run_failing(PRECINCT_FILE, "--election=no-such-election")

    assert message == (
        "No election with the slug 'no-such-election'. Check the slug in the admin "
        "(Elections), or pass --create with --name and --date to create it."
    )


def test_creating_an_election_needs_a_name_and_a_valid_date():
    assert "give --name and --date" in run_failing(PRECINCT_FILE, "--election=x", "--create")
    message = run_failing(
        PRECINCT_FILE, "--election=x", "--create", "--name=General", "--date=11/02/2021"
    )
    assert message == "--date '11/02/2021' is not a date; write it as YYYY-MM-DD."
    assert not Election.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path):
    message = run_failing(tmp_path / "nope.csv", "--election=x")

    assert message.startswith("Cannot read ")
    assert "No such file or directory" in message


# --- Output and efficiency -------------------------------------------------------------------


def test_verbosity_0_prints_nothing_and_default_output_has_no_progress_bar(district_5):
    out, err = StringIO(), StringIO()
    call_command(
        "import_results",
        str(COUNTY_PARTIAL_FILE),
        f"--election={district_5.election.slug}",
        verbosity=0,
        stdout=out,
        stderr=err,
    )
    assert (out.getvalue(), err.getvalue()) == ("", "")

    out, err = StringIO(), StringIO()
    call_command(
        "import_results",
        str(COUNTY_PARTIAL_FILE),
        f"--election={district_5.election.slug}",
        stdout=out,
        stderr=err,
    )
    assert err.getvalue() == ""
    assert "rows checked" not in out.getvalue()


def test_verbosity_2_draws_a_progress_bar_on_stderr(district_5):
    out, err = StringIO(), StringIO()
    call_command(
        "import_results",
        str(COUNTY_PARTIAL_FILE),
        f"--election={district_5.election.slug}",
        verbosity=2,
        stdout=out,
        stderr=err,
    )

    assert err.getvalue().splitlines()[-1] == (
        "[##############################] 10 of 10 rows checked"
    )
    assert "rows checked" not in out.getvalue()


def test_progress_is_reported_to_a_callback():
    calls = []
    election = make_election()
    import_results(
        PRECINCT_FILE.read_text(),
        election=election,
        create=True,
        progress=lambda done, total: calls.append((done, total)),
    )

    assert calls[-1] == (70, 70)
    assert calls == sorted(calls)


def precinct_file(precincts_per_county):
    lines = ["county,precinct,office,candidate,election_day_votes,advanced_votes"]
    for county in ("DeKalb", "Fulton"):
        for n in range(precincts_per_county):
            for name in SEED_TOTALS:
                lines.append(f"{county},P{n},{OFFICE},{name},3,2")
    return "\n".join(lines) + "\n"


def test_the_number_of_queries_does_not_grow_with_the_number_of_rows(district_5):
    """Bulk reads and writes only: no query per row, per precinct or per vote count."""
    ReportingUnit.objects.filter(race=district_5).update(precincts_total=None)

    with CaptureQueriesContext(connection) as small:
        import_results(precinct_file(2), election=district_5.election)
    ReportingUnit.objects.filter(race=district_5).update(precincts_total=None)
    with CaptureQueriesContext(connection) as large:
        import_results(precinct_file(200), election=district_5.election)

    assert len(large) == len(small)
    assert unit_state(district_5)["Fulton"] == ("county", 200, 200)
    assert totals(district_5)["Samuel Bacote"] == 2 * 200 * 5


def test_a_20000_row_file_imports(district_5):
    """The size of a statewide precinct file for one race; runs in well under a few seconds."""
    ReportingUnit.objects.filter(race=district_5).update(precincts_total=None)
    report = import_results(precinct_file(2000), election=district_5.election)

    assert report.rows_read == 20000
    assert totals(district_5)["Liliana Bakhtiari"] == 2 * 2000 * 5


def test_a_count_larger_than_the_database_stores_is_a_problem(district_5):
    text = f"county,office,candidate,votes\nFulton,{OFFICE},Samuel Bacote,3000000000\n"
    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=district_5.election)

    assert str(failure.value.problems[0]) == "line 2: votes is too large: '3000000000'"


def test_the_summary_needs_no_queries(district_5, django_assert_num_queries):
    """The admin shows summary_lines(); the races it names come with their offices."""
    report = import_results(COUNTY_PARTIAL_FILE.read_text(), election=district_5.election)

    with django_assert_num_queries(0):
        lines = report.summary_lines()
    assert lines[-1] == f"Races updated: {OFFICE}"


def test_an_office_name_shared_by_two_bodies_uses_the_one_on_this_ballot():
    election = make_election()
    atlanta = Office.objects.create(name="City Council District 1", body="Atlanta", district="1")
    Office.objects.create(name="City Council District 1", body="Decatur", district="1")
    race = make_race(election=election, office=atlanta)
    make_candidacy(race, name="Ann Example")

    import_results(
        "county,office,candidate,votes\nFulton,City Council District 1,Ann Example,5\n",
        election=election,
    )

    assert totals(race) == {"Ann Example": 5}


def test_an_office_name_shared_by_two_bodies_off_this_ballot_is_a_problem():
    election = make_election()
    Office.objects.create(name="City Council District 1", body="Atlanta", district="1")
    Office.objects.create(name="City Council District 1", body="Decatur", district="1")
    text = "county,office,candidate,votes\nFulton,City Council District 1,Ann Example,5\n"

    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=election, create=True)

    assert str(failure.value.problems[0]).startswith(
        "line 2: office 'City Council District 1' matches several offices"
    )


def test_an_import_without_final_leaves_a_new_race_counting_with_no_outcome():
    run(
        PRECINCT_FILE,
        "--election=2021-11-02-atlanta-general",
        "--create",
        "--name=Atlanta municipal general election",
        "--date=2021-11-02",
    )

    race = Race.objects.get(election__slug="2021-11-02-atlanta-general")
    assert (race.status, race.final_at) == (Race.Status.COUNTING, None)
    assert {row.outcome for row in race_results(race).rows} == {"pending"}


def test_final_is_refused_while_a_county_has_precincts_not_reporting(district_5):
    text = (
        "county,office,candidate,votes,precincts_reporting,precincts_total\n"
        f"Fulton,{OFFICE},Samuel Bacote,10,3,8\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=district_5.election, final=True)

    assert str(failure.value.groups[0]) == (
        f"{OFFICE} cannot be marked final: Fulton has 3 of 8 precincts reporting; import the "
        "complete file, or mark the race final in the admin once the count is complete"
    )
