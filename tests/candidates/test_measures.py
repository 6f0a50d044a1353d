"""Ballot measures (ballot questions): their rules, their import, their pages; never candidates.

No Clarity fixture in tests/candidates/data/clarity/ has a contest with isQuestion="true", so the
question here is built by editing a copy of a real one (``wv_with_a_question``): the West
Virginia state export's U.S. SENATOR contest, keeping its structure and real per-county figures.
"""

import datetime
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from candidates.importing import ImportFailed, import_results
from candidates.models import BallotMeasure, Candidate, Election, MeasureCount, Race
from candidates.results import (
    FAILED,
    PASSED,
    PENDING,
    RaceState,
    measure_passes,
    measure_results,
)
from civicsite.roles import DATA_EDITOR, EDITOR
from tests.candidates.factories import (
    make_candidacy,
    make_election,
    make_measure,
    make_race,
    make_unit,
    record_votes,
)

pytestmark = pytest.mark.django_db

WEST_VIRGINIA = Path(__file__).parent / "data" / "clarity" / "wv_2020_general_counties_trimmed.xml"
# The U.S. SENATOR figures of that file: Capito's become Yes, Swearengin's No.
WV_YES = {"Barbour": 5096, "Berkeley": 34162, "Boone": 6674, "Braxton": 4006, "Brooke": 7355}
WV_NO = {"Barbour": 1331, "Berkeley": 15197, "Boone": 2016, "Braxton": 1395, "Brooke": 2699}

Rule = BallotMeasure.PassRule


def wv_with_a_question(yes="Yes", no="No", *, keep_third_choice=False):
    """The real WV state export with its U.S. SENATOR contest turned into ballot question
    "AMENDMENT 1" (isQuestion="true"): Capito's choice renamed ``yes``, Swearengin's ``no``,
    Moran's removed unless ``keep_third_choice``. Everything else is the file as published."""
    text = WEST_VIRGINIA.read_text()
    text = text.replace(
        'text="U.S. SENATOR" voteFor="1" isQuestion="false"',
        'text="AMENDMENT 1" voteFor="1" isQuestion="true"',
    )
    text = text.replace('text="SHELLEY MOORE CAPITO" party="REP"', f'text="{yes}" party=""')
    text = text.replace('text="PAULA JEAN SWEARENGIN" party="DEM"', f'text="{no}" party=""')
    if not keep_third_choice:
        text = re.sub(r'\s*<Choice key="003" text="DAVID MORAN".*?</Choice>', "", text, flags=re.S)
    assert 'isQuestion="true"' in text
    return text.encode()


AMENDMENT_CSV = """county,precinct,office,district,party,candidate,votes
Fulton,01A,Amendment 1,,,Yes,120
Fulton,01A,Amendment 1,,,No,80
Fulton,01B,Amendment 1,,,YES,30
Fulton,01B,Amendment 1,,,no,70
DeKalb,02A,Amendment 1,,,Yes,10
DeKalb,02A,Amendment 1,,,No,5
Fulton,01A,City Council District 5,5,,Ann Able,100
Fulton,01A,City Council District 5,5,,Bo Baker,90
"""


def counts_of(measure):
    return {
        count.county: (count.yes_votes, count.no_votes, count.precincts_reporting)
        for count in measure.counts.all()
    }


def no_candidate_is_called_yes_or_no():
    for word in ("yes", "no", "for", "against"):
        assert not Candidate.objects.filter(name__iexact=word).exists(), word
        assert not Candidate.objects.filter(ballot_name__iexact=word).exists(), word
    return True


def general(**fields):
    fields.setdefault("name", "General election")
    fields.setdefault("date", datetime.date(2020, 11, 3))
    return Election.objects.create(**fields)


# --- Rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "yes", "no", "passes"),
    [
        # Simple majority: Yes must exceed No; a tie fails.
        (Rule.SIMPLE_MAJORITY, 51, 50, True),
        (Rule.SIMPLE_MAJORITY, 50, 50, False),
        (Rule.SIMPLE_MAJORITY, 1, 0, True),
        # Three-fifths is "at least": exactly 3 of 5 passes, one vote short fails.
        (Rule.THREE_FIFTHS, 3, 2, True),
        (Rule.THREE_FIFTHS, 3000, 2000, True),
        (Rule.THREE_FIFTHS, 2999, 2001, False),
        (Rule.THREE_FIFTHS, 51, 49, False),
        # Two-thirds is "at least": exactly 2 of 3 passes, one vote short fails.
        (Rule.TWO_THIRDS, 2, 1, True),
        (Rule.TWO_THIRDS, 2000, 1000, True),
        (Rule.TWO_THIRDS, 1999, 1001, False),
        (Rule.TWO_THIRDS, 59, 41, False),
    ],
)
def test_each_pass_rule_is_decided_in_whole_votes_at_its_boundary(rule, yes, no, passes):
    assert measure_passes(rule, yes=yes, no=no) is passes

    measure = make_measure([("Fulton", yes, no)], pass_rule=rule)
    assert measure_results(measure).outcome == (PASSED if passes else FAILED)


def test_a_share_that_rounds_to_the_threshold_does_not_pass_a_supermajority(settings):
    """11,999 Yes of 20,000 is 59.995%: rounded half up it shows 60.00%, yet it is short of
    three-fifths (11,999 * 5 < 20,000 * 3). The rule reads the votes, never the printed share;
    truncated (the default) it shows 59.99%."""
    measure = make_measure([("Fulton", 11_999, 8_001)], pass_rule=Rule.THREE_FIFTHS)
    settings.RESULTS_SHARE_ROUNDING = "half_up"

    results = measure_results(measure)

    assert results.yes_share == Decimal("60.00")
    assert results.outcome == FAILED
    settings.RESULTS_SHARE_ROUNDING = "truncate"
    assert measure_results(measure).yes_share == Decimal("59.99")


def test_shares_are_rounded_as_candidates_shares_are():
    measure = make_measure([("DeKalb", 2000, 1370), ("Fulton", 3134, 3866)])

    results = measure_results(measure)

    assert (results.yes, results.no, results.total) == (5134, 5236, 10370)
    assert (results.yes_share, results.no_share) == (Decimal("49.50"), Decimal("50.49"))


def test_a_measure_still_counting_is_pending_whatever_its_votes():
    measure = make_measure([("Fulton", 900, 100)], status=Race.Status.COUNTING)

    results = measure_results(measure)

    assert results.outcome == PENDING
    assert not results.is_decided
    assert results.state == RaceState.COUNTING


def test_a_final_measure_missing_an_expected_county_is_pending_and_says_so():
    measure = make_measure([("Fulton", 900, 100), ("DeKalb", 800, 100)], expected_units=3)

    results = measure_results(measure)

    assert results.outcome == PENDING
    assert results.coverage.sentence == (
        "Results for 2 of 3 counties; the result for the whole measure is not on file here."
    )
    measure.expected_units = 2
    assert measure_results(measure).outcome == PASSED


def test_a_county_set_up_with_no_precincts_reporting_is_not_on_file():
    measure = make_measure([("Fulton", 900, 100)], expected_units=2)
    MeasureCount.objects.create(measure=measure, county="DeKalb", precincts_reporting=0)

    assert measure_results(measure).coverage.on_file == 1


def test_a_final_measure_with_no_votes_has_no_results_and_no_outcome():
    results = measure_results(make_measure([("Fulton", 0, 0)]))

    assert results.state == RaceState.NO_RESULTS
    assert results.outcome == PENDING
    assert results.yes_share is None


# --- Import: Clarity -------------------------------------------------------------------------


def test_a_clarity_question_becomes_a_ballot_measure_never_candidates():
    election = general()

    report = import_results(wv_with_a_question(), election=election, create=True)

    measure = BallotMeasure.objects.get(election=election)
    assert measure.title == "AMENDMENT 1"
    assert measure.slug == "amendment-1"
    assert measure.status == Race.Status.COUNTING
    assert measure.pass_rule == Rule.SIMPLE_MAJORITY
    assert measure.expected_units == 5  # from the state export, as for races
    # Precincts reporting: each county's own figure in the export's turnout table.
    wv_reported = {"Barbour": 13, "Berkeley": 66, "Boone": 26, "Braxton": 18, "Brooke": 22}
    assert counts_of(measure) == {
        county: (WV_YES[county], WV_NO[county], wv_reported[county]) for county in WV_YES
    }
    assert no_candidate_is_called_yes_or_no()
    # The file's race is loaded as before, beside the measure.
    assert [race.office.name for race in Race.objects.filter(election=election)] == ["PRESIDENT"]
    lines = report.summary_lines()
    assert "Ballot measures updated: 1 (AMENDMENT 1)" in lines
    assert (
        "Created: 1 office, 1 race, 4 candidates, 4 candidacies, 5 counties, 1 ballot measure"
        in (lines)
    )
    assert measure.history.first().history_change_reason == "Results import"


def test_for_and_against_count_as_yes_and_no():
    election = general()

    import_results(wv_with_a_question("FOR", "AGAINST"), election=election, create=True)

    measure = BallotMeasure.objects.get()
    results = measure_results(measure)
    assert (results.yes, results.no) == (sum(WV_YES.values()), sum(WV_NO.values()))
    assert no_candidate_is_called_yes_or_no()


def test_a_clarity_question_with_other_choices_is_skipped_and_counted():
    election = general()

    report = import_results(wv_with_a_question("Retain", "Reject"), election=election, create=True)

    assert not BallotMeasure.objects.exists()
    assert (
        report.skipped_reasons["ballot questions with choices other than Yes/No or For/Against"]
        == 2 * 5
    )
    assert not Candidate.objects.filter(name__iexact="retain").exists()


def test_a_clarity_question_with_a_third_choice_beside_yes_and_no_is_skipped():
    report = import_results(
        wv_with_a_question(keep_third_choice=True), election=general(), create=True
    )

    assert not BallotMeasure.objects.exists()
    assert (
        report.skipped_reasons["ballot questions with choices other than Yes/No or For/Against"]
        == 3 * 5
    )
    assert no_candidate_is_called_yes_or_no()


def test_final_marks_a_measure_final_only_when_every_expected_county_is_on_file():
    election = general()
    import_results(wv_with_a_question(), election=election, create=True, final=True)
    measure = BallotMeasure.objects.get()
    assert measure.status == Race.Status.UNOFFICIAL_FINAL
    assert measure.final_at is not None
    assert measure_results(measure).outcome == PASSED  # 71.67% Yes

    partial = BallotMeasure.objects.create(
        election=election, title="Amendment 2", expected_units=3, status="counting"
    )
    text = "county,office,candidate,votes\nBarbour,Amendment 2,Yes,5\nBarbour,Amendment 2,No,4\n"
    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=election, final=True)
    assert str(failure.value.groups[0]) == (
        "Amendment 2 cannot be marked final: figures are on file for 1 of its 3 counties; "
        "import the other counties first"
    )
    assert not partial.counts.exists()


# --- Import: CSV -----------------------------------------------------------------------------


def test_a_csv_office_whose_choices_are_yes_and_no_is_a_measure_summed_over_precincts():
    election = general()

    report = import_results(AMENDMENT_CSV, election=election, create=True)

    measure = BallotMeasure.objects.get(election=election)
    assert measure.title == "Amendment 1"
    # "YES" and "no" are Yes and No; two precincts in Fulton, one in DeKalb.
    assert counts_of(measure) == {"Fulton": (150, 150, 2), "DeKalb": (10, 5, 1)}
    assert no_candidate_is_called_yes_or_no()
    assert Race.objects.get(election=election).candidacies.count() == 2
    assert "Ballot measures updated: 1 (Amendment 1)" in report.summary_lines()
    assert "Counties updated: 1" in report.summary_lines()  # the race's county only


def test_without_create_an_unknown_measure_is_a_problem_by_line_and_nothing_is_written():
    election = general()

    with pytest.raises(ImportFailed) as failure:
        import_results(AMENDMENT_CSV, election=election)

    messages = [str(group) for group in failure.value.groups]
    assert (
        "line 2: unknown ballot measure 'Amendment 1' (and 5 more rows); check the spelling, "
        "add the measure in the admin, or import with --create"
    ) in messages
    assert not BallotMeasure.objects.exists()
    assert no_candidate_is_called_yes_or_no()


def test_an_existing_measure_is_matched_by_its_title_in_any_case():
    election = general()
    measure = make_measure(election=election, title="AMENDMENT 1", status=Race.Status.UPCOMING)
    text = "county,office,candidate,votes\nFulton,Amendment 1,For,7\nFulton,Amendment 1,Against,3\n"

    report = import_results(text, election=election)

    assert counts_of(measure) == {"Fulton": (7, 3, None)}
    measure.refresh_from_db()
    assert measure.status == Race.Status.COUNTING
    assert measure.results_updated_at is not None
    assert "Created: nothing" in report.summary_lines()


def test_a_new_file_replaces_the_counties_it_contains_and_leaves_the_others():
    election = general()
    import_results(AMENDMENT_CSV, election=election, create=True)
    measure = BallotMeasure.objects.get()
    newer = "county,office,candidate,votes\nFulton,Amendment 1,Yes,400\nFulton,Amendment 1,No,100\n"

    import_results(newer, election=election)
    import_results(newer, election=election)  # the same file twice changes nothing

    # Precincts reporting stays what the precinct file said: this file has no such column.
    assert counts_of(measure) == {"Fulton": (400, 100, 2), "DeKalb": (10, 5, 1)}
    assert MeasureCount.objects.count() == 2


def test_a_dry_run_writes_no_measure_but_says_what_it_would_do():
    report = import_results(AMENDMENT_CSV, election=general(), create=True, dry_run=True)

    assert not BallotMeasure.objects.exists()
    assert not MeasureCount.objects.exists()
    assert "Ballot measures updated: 1 (Amendment 1)" in report.summary_lines()


def test_a_problem_anywhere_in_the_file_writes_no_measure_either():
    text = AMENDMENT_CSV + "Fulton,01A,City Council District 5,5,,Cy Cole,lots\n"

    with pytest.raises(ImportFailed):
        import_results(text, election=general(), create=True)

    assert not BallotMeasure.objects.exists()
    assert not Race.objects.exists()


def test_the_same_precinct_twice_in_a_measure_is_a_problem():
    text = AMENDMENT_CSV + "Fulton,01A,Amendment 1,,,yes,1\n"

    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=general(), create=True)

    assert str(failure.value.groups[0]) == (
        "line 10: precinct '01A' (Fulton) already has a Yes row for 'Amendment 1' (line 2)"
    )


def test_a_county_total_above_a_measures_precincts_is_skipped_when_it_equals_them():
    text = AMENDMENT_CSV + "DeKalb,,Amendment 1,,,Yes,10\nDeKalb,,Amendment 1,,,No,5\n"

    report = import_results(text, election=general(), create=True)

    assert counts_of(BallotMeasure.objects.get())["DeKalb"] == (10, 5, 1)
    assert report.skipped_reasons["county totals equal to their precincts"] == 2


def test_an_office_mixing_yes_or_no_with_other_names_is_refused():
    text = "county,office,candidate,votes\nFulton,Question 1,Yes,5\nFulton,Question 1,Maybe,4\n"

    with pytest.raises(ImportFailed) as failure:
        import_results(text, election=general(), create=True)

    assert "line 2: office 'Question 1' has Yes/No or For/Against beside other choices" in str(
        failure.value
    )
    assert no_candidate_is_called_yes_or_no()


def test_in_a_primary_each_partys_question_is_its_own_measure():
    election = general(name="Primary", kind=Election.Kind.PRIMARY)
    text = (
        "county,office,party,candidate,votes\n"
        "Fulton,Question 1,REP,Yes,5\nFulton,Question 1,REP,No,4\n"
        "Fulton,Question 1,DEM,Yes,1\nFulton,Question 1,DEM,No,9\n"
    )

    import_results(text, election=election, create=True)

    assert {m.title: counts_of(m) for m in BallotMeasure.objects.all()} == {
        "Question 1, Republican primary": {"Fulton": (5, 4, None)},
        "Question 1, Democratic primary": {"Fulton": (1, 9, None)},
    }


# --- Admin -----------------------------------------------------------------------------------


def measure_form_data(admin_client, measure, **changes):
    url = reverse("admin:candidates_ballotmeasure_change", args=[measure.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update({"counts-TOTAL_FORMS": 0, "counts-INITIAL_FORMS": 0, **changes})
    return url, data


def test_the_measure_admin_refuses_a_final_status_while_counties_are_missing(admin_client):
    measure = make_measure([("Fulton", 5, 4)], status=Race.Status.COUNTING)
    url, data = measure_form_data(
        admin_client, measure, status=Race.Status.CERTIFIED, expected_units=3
    )

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "cannot be marked final: figures are on file for 1 of its 3 counties" in (
        response.content.decode()
    )
    measure.refresh_from_db()
    assert measure.status == Race.Status.COUNTING


def test_the_measure_admin_accepts_a_final_status_with_every_county_on_file(admin_client):
    measure = make_measure([("Fulton", 5, 4)], status=Race.Status.COUNTING)
    url, data = measure_form_data(
        admin_client, measure, status=Race.Status.CERTIFIED, expected_units=1
    )

    assert admin_client.post(url, data).status_code == 302
    measure.refresh_from_db()
    assert measure.status == Race.Status.CERTIFIED
    assert measure.final_at is not None


@pytest.mark.parametrize("model", ["ballotmeasure", "measurecount"])
def test_the_measure_admin_pages_answer_200(admin_client, model):
    measure = make_measure([("Fulton", 5, 4)])
    obj = measure if model == "ballotmeasure" else measure.counts.get()
    for url in (
        reverse(f"admin:candidates_{model}_changelist"),
        reverse(f"admin:candidates_{model}_add"),
        reverse(f"admin:candidates_{model}_change", args=[obj.pk]),
    ):
        assert admin_client.get(url).status_code == 200, url


def test_editors_and_data_editors_may_keep_ballot_measures():
    for role in (EDITOR, DATA_EDITOR):
        codenames = set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))
        assert {"change_ballotmeasure", "add_measurecount", "change_measurecount"} <= codenames


# --- Pages -----------------------------------------------------------------------------------


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_election_page_lists_ballot_questions_with_votes_shares_and_the_outcome(client):
    election = make_election()
    make_measure(
        [("Fulton", 3000, 2000)],
        election=election,
        title="Amendment 1",
        question="Shall the city issue bonds for parks?",
        pass_rule=Rule.THREE_FIFTHS,
    )
    make_measure([("Fulton", 1, 2)], election=election, title="Referendum A")

    response = client.get(election.get_absolute_url())

    html = response.content.decode()
    text = text_of(html)
    assert "Ballot questions" in text
    assert "Shall the city issue bonds for parks?" in text
    assert "Yes 3,000 60.00%" in text
    assert "No 2,000 40.00%" in text
    assert text.count("Passed") == 1 and text.count("Failed") == 1
    assert 'class="bar__fill bar__fill--yes" width="60.00%"' in html
    assert "No races for this election are on file yet." not in text


def test_a_measure_still_counting_shows_no_outcome_on_either_page(client):
    measure = make_measure([("Fulton", 900, 100)], status=Race.Status.COUNTING)

    for url in (measure.election.get_absolute_url(), measure.get_absolute_url()):
        text = text_of(client.get(url).content.decode())
        assert "Counting" in text
        assert "Passed" not in text and "Failed" not in text


def test_a_measure_from_part_of_its_area_says_so_and_shows_no_outcome(client):
    measure = make_measure([("Fulton", 900, 100)], expected_units=2)
    sentence = "Results for 1 of 2 counties; the result for the whole measure is not on file here."

    for url in (measure.election.get_absolute_url(), measure.get_absolute_url()):
        text = text_of(client.get(url).content.decode())
        assert sentence in text
        assert "Passed" not in text


def test_the_measure_page_shows_each_county_the_rule_and_links_its_json(client):
    measure = make_measure(
        [("Fulton", 300, 100), ("DeKalb", 50, 150)], title="Amendment 1", expected_units=2
    )

    response = client.get(measure.get_absolute_url())

    assert response.status_code == 200
    assert measure.get_absolute_url() == f"/elections/{measure.election.slug}/measures/amendment-1/"
    html = response.content.decode()
    text = text_of(html)
    assert "To pass: more Yes votes than No votes; a tie fails." in text
    assert "Fulton 300 100 75.00% 4 of 4 precincts" in text
    assert "DeKalb 50 150 25.00% 4 of 4 precincts" in text
    assert "Total 350 250 58.33%" in text
    assert "Passed" in text
    json_url = reverse(
        "candidates:measure-results-json", args=[measure.election.slug, measure.slug]
    )
    assert f'href="{json_url}"' in html
    assert json_url.endswith("/measures/amendment-1.json")


def test_the_measure_json_gives_the_pages_figures(client):
    measure = make_measure(
        [("Fulton", 300, 100), ("DeKalb", 50, 150)],
        title="Amendment 1",
        question="Shall it pass?",
        pass_rule=Rule.TWO_THIRDS,
        expected_units=3,
    )

    data = client.get(
        reverse("candidates:measure-results-json", args=[measure.election.slug, measure.slug])
    ).json()

    assert {
        key: data[key]
        for key in (
            "title",
            "question",
            "pass_rule",
            "status",
            "yes",
            "no",
            "total",
            "yes_share",
            "outcome",
            "counties_on_file",
            "counties_expected",
        )
    } == {
        "title": "Amendment 1",
        "question": "Shall it pass?",
        "pass_rule": "two_thirds",
        "status": "unofficial_final",
        "yes": 350,
        "no": 250,
        "total": 600,
        "yes_share": "58.33",
        "outcome": PENDING,  # two counties of three
        "counties_on_file": 2,
        "counties_expected": 3,
    }
    assert data["counties"] == [
        {
            "name": "DeKalb",
            "precincts_reporting": 4,
            "precincts_total": 4,
            "yes": 50,
            "no": 150,
            "yes_share": "25.00",
        },
        {
            "name": "Fulton",
            "precincts_reporting": 4,
            "precincts_total": 4,
            "yes": 300,
            "no": 100,
            "yes_share": "75.00",
        },
    ]


def test_the_measure_page_has_its_own_title_canonical_link_and_breadcrumbs(client):
    measure = make_measure([("Fulton", 3, 1)], title="Amendment 1", question="Shall it pass?")

    html = client.get(measure.get_absolute_url() + "?utm_source=junk").content.decode()

    assert f"<title>Amendment 1: {measure.election.name}, Nov. 2, 2021 results" in html
    assert f'<link rel="canonical" href="http://testserver{measure.get_absolute_url()}">' in html
    assert '<meta property="og:description" content="Shall it pass?">' in html
    ld = [
        json.loads(block)
        for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    ]
    crumbs = next(block for block in ld if block["@type"] == "BreadcrumbList")
    assert [item["name"] for item in crumbs["itemListElement"]] == [
        "Home",
        "Elections",
        measure.election.name,
        "Amendment 1",
    ]


def test_hostile_question_text_is_escaped(client):
    measure = make_measure(question="<script>alert(1)</script>")

    html = client.get(measure.get_absolute_url()).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "url",
    [
        "/elections/no-such-election/measures/amendment-1/",
        "/elections/no-such-election/measures/amendment-1.json",
    ],
)
def test_an_unknown_measure_is_a_404(client, url):
    make_measure(title="Amendment 1")
    assert client.get(url).status_code == 404


def test_a_known_measure_under_another_election_is_a_404(client):
    measure = make_measure(title="Amendment 1")
    other = make_election()
    url = reverse("candidates:measure-detail", args=[other.slug, measure.slug])
    assert client.get(url).status_code == 404


def test_the_sitemap_lists_every_measure(client):
    measure = make_measure(title="Amendment 1")

    assert (
        f"http://testserver{measure.get_absolute_url()}"
        in client.get("/sitemap.xml").content.decode()
    )


# --- Query counts ----------------------------------------------------------------------------


def election_with_measures(measures, counties):
    """An election with one decided race (two candidacies, one county) and ``measures``
    measures with ``counties`` counties each."""
    election = make_election()
    race = make_race(election=election)
    unit = make_unit(race, precincts_total=4, precincts_reporting=4)
    for votes in (10, 20):
        record_votes(make_candidacy(race), unit, votes)
    for _ in range(measures):
        make_measure([(f"County {n:02d}", 10 + n, 5) for n in range(counties)], election=election)
    return election


@pytest.mark.parametrize(("measures", "counties"), [(1, 1), (5, 10)])
def test_election_page_queries_stay_constant_with_measures(
    client, django_assert_num_queries, measures, counties
):
    """Prevents an N+1 over measures (their county counts, their election for the link):
    the race queries of test_views (election, races, candidacies, units, runoffs) plus the
    measures (with their election joined) and their county counts, and the election's coming
    events (articles' election_events tag): 8 queries for 1 measure of 1 county or 5 measures
    of 10 counties."""
    election = election_with_measures(measures, counties)

    with django_assert_num_queries(8):
        response = client.get(election.get_absolute_url())

    assert response.content.decode().count('class="race-card measure-card"') == measures


@pytest.mark.parametrize("counties", [1, 10])
def test_measure_page_and_json_queries_stay_constant(client, django_assert_num_queries, counties):
    """Prevents a query per county: the measure (its election joined) and its county counts,
    2 queries for 1 or 10 counties, on the page and in the JSON."""
    measure = make_measure([(f"County {n:02d}", 10 + n, 5) for n in range(counties)])
    json_url = reverse(
        "candidates:measure-results-json", args=[measure.election.slug, measure.slug]
    )

    with django_assert_num_queries(2):
        response = client.get(measure.get_absolute_url())
    assert response.content.decode().count("precincts</td>") == counties
    with django_assert_num_queries(2):
        assert len(client.get(json_url).json()["counties"]) == counties
