"""The importer's rules for real-world files: county totals beside precincts, vote methods it
does not know, votes that disagree with their methods, turnout rows, grouped problems."""

import pytest

from candidates.importing import ImportFailed, import_results
from candidates.importing.problems import MAX_SHOWN, Problem, group
from candidates.models import Candidacy, Race, VoteCount
from tests.candidates.factories import make_district_5_general

pytestmark = pytest.mark.django_db

OFFICE = "Atlanta City Council District 5"


@pytest.fixture
def district_5():
    return make_district_5_general()


def votes_of(race, name, county="Fulton"):
    candidacy = Candidacy.objects.get(race=race, candidate__name=name)
    return list(VoteCount.objects.filter(candidacy=candidacy, unit__name=county))


def test_a_county_total_equal_to_its_precincts_is_skipped_and_counted(district_5):
    text = (
        "county,precinct,office,candidate,votes\n"
        f"Fulton,,{OFFICE},Samuel Bacote,30\n"
        f"Fulton,05A,{OFFICE},Samuel Bacote,10\n"
        f"Fulton,05B,{OFFICE},Samuel Bacote,20\n"
    )
    report = import_results(text, election=district_5.election)

    assert [count.votes for count in votes_of(district_5, "Samuel Bacote")] == [30]
    assert report.skipped_reasons == {"county totals equal to their precincts": 1}


def test_county_totals_that_differ_from_their_precincts_are_refused_once_naming_the_lines(
    district_5,
):
    rows = [f"Fulton,,{OFFICE},Samuel Bacote,99"]
    rows += [f"Fulton,P{n:02},{OFFICE},Samuel Bacote,1" for n in range(5)]
    rows += [f"DeKalb,,{OFFICE},Samuel Bacote,50"] + [f"DeKalb,Q1,{OFFICE},Samuel Bacote,7"]
    rows += [f"Clayton,,{OFFICE},Samuel Bacote,50", f"Clayton,Q1,{OFFICE},Samuel Bacote,7"]
    rows += [f"Cobb,,{OFFICE},Samuel Bacote,50", f"Cobb,Q1,{OFFICE},Samuel Bacote,7"]
    text = "county,precinct,office,candidate,votes\n" + "\n".join(rows) + "\n"
    before = list(VoteCount.objects.values_list("pk", "votes").order_by("pk"))
    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=district_5.election)

    assert [str(g) for g in failure.value.groups] == [
        "lines 2, 8, 10 and 1 more: county-total row on top of this county's precinct rows, "
        "and its votes differ from the sum of the precincts; remove the county-total rows or "
        "the precinct rows"
    ]
    assert list(VoteCount.objects.values_list("pk", "votes").order_by("pk")) == before


def test_vote_method_columns_it_does_not_know_are_kept_in_the_split(district_5):
    text = (
        "county,precinct,office,candidate,election_day_votes,advance_in_person_1,"
        "advance_in_person_2,absentee_by_mail_votes,curbside_votes\n"
        f"Fulton,05A,{OFFICE},Samuel Bacote,10,3,4,5,1\n"
        f"Fulton,05B,{OFFICE},Samuel Bacote,20,1,1,0,2\n"
    )
    import_results(text, election=district_5.election)

    (count,) = votes_of(district_5, "Samuel Bacote")
    assert count.votes == 10 + 3 + 4 + 5 + 1 + 20 + 1 + 1 + 0 + 2
    assert (count.election_day, count.advance, count.absentee_by_mail) == (30, 9, 5)
    assert count.other_methods == {"curbside_votes": 3}


def test_a_known_bucket_in_the_file_keeps_unknown_columns_of_that_kind_apart(district_5):
    text = (
        "county,office,candidate,votes,advanced_votes,advance_in_person_1\n"
        f"Fulton,{OFFICE},Samuel Bacote,17,9,8\n"
    )
    import_results(text, election=district_5.election)

    (count,) = votes_of(district_5, "Samuel Bacote")
    assert (count.votes, count.advance, count.other_methods) == (
        17,
        9,
        {"advance_in_person_1": 8},
    )


def test_numeric_columns_that_are_not_votes_are_never_counted(district_5):
    text = (
        "county,precinct,office,candidate,votes,precinct_id,fips,registered_voters\n"
        f"Fulton,05A,{OFFICE},Samuel Bacote,10,1234,13121,5000\n"
    )
    import_results(text, election=district_5.election)

    (count,) = votes_of(district_5, "Samuel Bacote")
    assert (count.votes, count.other_methods) == (10, {})


def test_votes_that_disagree_with_their_methods_are_refused_by_line(district_5):
    text = (
        "county,precinct,office,candidate,votes,election_day_votes,absentee_by_mail_votes\n"
        f"Fulton,05A,{OFFICE},Samuel Bacote,15,10,5\n"
        f"Fulton,05B,{OFFICE},Samuel Bacote,16,10,5\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=district_5.election)

    assert [str(p) for p in failure.value.problems] == [
        "line 3: votes (16) differ from the sum of the vote-method columns (15); correct the "
        "file or leave one of them out"
    ]


@pytest.mark.parametrize(
    ("office", "candidate", "kind"),
    [
        ("Voters", "Registered", "registered voters"),
        ("Voters", "Ballots Cast", "ballots cast"),
        ("Registered Voters", "", "registered voters"),
        (OFFICE, "Over Votes", "over votes"),
        (OFFICE, "TOTAL", "totals"),
    ],
)
def test_turnout_and_total_rows_never_become_races_or_candidates(
    district_5, office, candidate, kind
):
    text = (
        "county,office,candidate,votes\n"
        f"Fulton,{office},{candidate},900\n"
        f"Fulton,{OFFICE},Samuel Bacote,10\n"
    )
    report = import_results(text, election=district_5.election, create=True)

    assert report.skipped_reasons == {kind: 1}
    assert Race.objects.count() == 1
    assert not Candidacy.objects.filter(candidate__name__in=["Registered", "Ballots Cast"])


def test_many_problems_are_shown_as_the_first_fifty_distinct_then_a_count():
    problems = [Problem(line, f"problem number {line}") for line in range(2, 2 + MAX_SHOWN + 7)]
    failure = ImportFailed(problems)

    lines = str(failure).splitlines()
    assert lines[0] == f"{MAX_SHOWN + 7} problems found; nothing was imported."
    assert len(lines) == 1 + MAX_SHOWN + 1
    assert lines[-1] == "... and 7 more problems."


def test_one_problem_at_places_of_an_xml_export_names_each_place():
    groups = group(
        [
            Problem("contest 'Mayor', precinct '01A'", "votes are negative"),
            Problem("contest 'Mayor', precinct '01B'", "votes are negative"),
        ]
    )
    assert [str(g) for g in groups] == [
        "contest 'Mayor', precinct '01A' and contest 'Mayor', precinct '01B': votes are negative"
    ]
