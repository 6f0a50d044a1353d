"""The public election pages: elections, races (HTML and JSON) and candidates."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.models import Election, Race, ReportingUnit
from tests.candidates.factories import (
    make_candidacy,
    make_candidate,
    make_district_5_general,
    make_election,
    make_office,
    make_race,
    make_race_with_votes,
    make_unit,
    record_votes,
)

pytestmark = pytest.mark.django_db

THRESHOLD_SENTENCE = (
    "A majority needed 5,186 of 10,370 votes; Bakhtiari was 52 short, "
    "so the top two meet in a runoff on Nov. 30."
)


def html_of(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def text_of(html):
    """The page's visible words, tags removed and whitespace collapsed (for phrase checks)."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return re.sub(r" ([.,:;)])", r"\1", text)


def district_5_with_runoff():
    general = make_district_5_general()
    runoff_election = make_election(
        name="Atlanta municipal runoff election",
        kind=Election.Kind.RUNOFF,
        date=datetime.date(2021, 11, 30),
        runoff_of=general.election,
    )
    runoff = make_race(
        election=runoff_election,
        office=general.office,
        runoff_of=general,
        status=Race.Status.UPCOMING,
        decision_rule=Race.DecisionRule.PLURALITY,
    )
    for candidacy in general.candidacies.filter(
        candidate__name__in=["Liliana Bakhtiari", "Mandy Mahoney"]
    ):
        make_candidacy(runoff, candidate=candidacy.candidate)
    return general, runoff


# --- Race page -------------------------------------------------------------------------------


def test_race_page_shows_the_seed_results_with_shares_votes_and_outcomes(client):
    general, _ = district_5_with_runoff()
    html = html_of(client, general.get_absolute_url())
    text = text_of(html)
    assert "49.50%" in html
    assert "5,134" in html
    assert "10,370" in html
    assert "Advances to runoff" in html
    assert THRESHOLD_SENTENCE in text
    assert (
        "A candidate needs a majority, 50% plus one vote; otherwise the top two meet in a runoff."
        in text
    )
    # Leader first, then the runner-up: result order, not ballot order.
    assert (
        html.index("Liliana Bakhtiari") < html.index("Mandy Mahoney") < html.index("Samuel Bacote")
    )


def test_race_page_shows_precincts_reporting_per_county_and_overall(client):
    html = html_of(client, make_district_5_general().get_absolute_url())
    assert "6 of 6 precincts" in html
    assert "8 of 8 precincts" in html
    assert "14 of 14 precincts" in html


def test_race_page_shows_a_per_county_vote_table_when_counts_are_per_county(client):
    html = html_of(client, make_district_5_general().get_absolute_url())
    assert "By county" in html
    assert "3,434" in html  # Bakhtiari in Fulton (the factory's invented split)
    assert "Per-county vote figures are not on file" not in html


def test_race_page_says_per_county_figures_are_not_on_file_for_combined_totals(client):
    race = make_race()
    combined = make_unit(race, "All counties", kind=ReportingUnit.Kind.COMBINED)
    make_unit(race, "DeKalb", precincts_total=6, precincts_reporting=6)
    record_votes(make_candidacy(race, name="A"), combined, 600)
    record_votes(make_candidacy(race, name="B"), combined, 400)
    html = html_of(client, race.get_absolute_url())
    assert "Per-county vote figures are not on file" in html
    assert "6 of 6 precincts" in html
    assert "60.00%" in html


def test_bars_are_svg_width_attributes_not_inline_styles(client):
    html = html_of(client, make_district_5_general().get_absolute_url())
    assert '<rect class="bar__fill outcome--runoff" width="49.50%"' in html
    assert "style=" not in html
    # JSON-LD blocks are data, not script (the CSP allows them); nothing else is a script.
    assert html.count("<script") == html.count('<script type="application/ld+json">')


def test_race_page_announces_its_json_alternate(client):
    race = make_district_5_general()
    json_url = reverse(
        "candidates:race-results-json",
        kwargs={"election_slug": race.election.slug, "slug": race.slug},
    )
    html = html_of(client, race.get_absolute_url())
    assert f'<link rel="alternate" type="application/json" href="{json_url}"' in html


def test_a_withdrawn_candidacy_is_marked_and_keeps_its_votes(client):
    race = make_race_with_votes([("A", 400), ("B", 350), ("C", 250)])
    race.candidacies.filter(candidate__name="B").update(withdrawn=True)
    html = html_of(client, race.get_absolute_url())
    assert "withdrawn</span>" in html
    assert "350" in html


def test_incumbent_and_write_in_candidacies_are_marked(client):
    race = make_race()
    unit = make_unit(race)
    record_votes(make_candidacy(race, name="Sitting Member", incumbent=True), unit, 10)
    record_votes(make_candidacy(race, name="Late Entry", write_in=True), unit, 3)
    html = html_of(client, race.get_absolute_url())
    assert '<span class="mark mark--incumbent">incumbent</span>' in html
    assert '<span class="mark">write-in</span>' in html


def test_an_uncontested_race_is_stated(client):
    race = make_race()
    make_candidacy(race, name="Only Candidate")
    html = html_of(client, race.get_absolute_url())
    assert "Uncontested." in html
    assert "Only one candidate is running for this seat." in html


@pytest.mark.parametrize(
    ("days_ahead", "words"),
    [(7, "No results yet."), (0, "No results yet."), (-7, "No results on file.")],
)
def test_a_race_without_votes_says_no_results_yet_only_until_its_day_is_over(
    client, days_ahead, words
):
    day = timezone.localdate() + datetime.timedelta(days=days_ahead)
    race = make_race(election=make_election(date=day), status=Race.Status.UPCOMING)
    make_candidacy(race, name="A")
    make_candidacy(race, name="B")
    html = html_of(client, race.get_absolute_url())
    assert words in html
    assert ("No results yet" in html) == (days_ahead >= 0)
    assert "Advances to runoff" not in html


def test_a_cancelled_race_is_stated_with_its_note(client):
    race = make_race(cancelled=True, note="The only candidate left the race.")
    make_candidacy(race, name="A")
    text = text_of(html_of(client, race.get_absolute_url()))
    assert "Cancelled. The only candidate left the race." in text


def test_a_race_without_totals_shows_the_reported_outcome_and_margin(client):
    race = make_race(status=Race.Status.CERTIFIED, reported_margin=252, note="Reported only.")
    make_candidacy(race, name="Natalyn Archibong", incumbent=True, reported_outcome="won")
    make_candidacy(race, name="Liliana Bakhtiari", reported_outcome="lost")
    text = text_of(html_of(client, race.get_absolute_url()))
    assert (
        "Vote totals for this race are not on file; the outcome and margin are as publicly "
        "reported." in text
    )
    assert "Won by 252 votes" in text
    assert "Lost by 252 votes" in text
    assert "Reported only." in text


def test_a_race_and_its_runoff_link_to_each_other(client):
    general, runoff = district_5_with_runoff()
    general_html = html_of(client, general.get_absolute_url())
    runoff_html = html_of(client, runoff.get_absolute_url())
    assert f'href="{runoff.get_absolute_url()}"' in general_html
    assert f'href="{general.get_absolute_url()}"' in runoff_html
    assert "This runoff continues the" in runoff_html


def test_race_page_shows_status_last_updated_and_source(client):
    race = make_district_5_general()
    race.results_source = "DeKalb County"
    race.results_source_url = "https://example.org/results"
    race.results_updated_at = datetime.datetime(2021, 11, 3, 14, 5, tzinfo=datetime.UTC)
    race.save()
    html = html_of(client, race.get_absolute_url())
    assert "Unofficial final" in html
    assert '<a href="https://example.org/results">DeKalb County</a>' in html
    assert 'datetime="2021-11-03T' in html


def test_a_javascript_source_url_is_not_linked(client):
    race = make_district_5_general()
    race.results_source = "Somewhere"
    race.results_source_url = "javascript:alert(1)"
    race.save()
    html = html_of(client, race.get_absolute_url())
    assert "javascript:" not in html
    assert "Somewhere" in html


# --- JSON ------------------------------------------------------------------------------------


def test_race_json_gives_the_same_results_as_the_page(client):
    general, _ = district_5_with_runoff()
    url = reverse(
        "candidates:race-results-json",
        kwargs={"election_slug": general.election.slug, "slug": general.slug},
    )
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["total"] == 10370
    assert data["majority_needed"] == 5186
    assert data["office"]["name"] == "Atlanta City Council District 5"
    assert data["status"] == "unofficial_final"
    leader = data["candidacies"][0]
    assert leader["name"] == "Liliana Bakhtiari"
    assert leader["votes"] == 5134
    assert leader["share"] == "49.50"
    assert leader["outcome"] == "runoff"
    assert [c["outcome"] for c in data["candidacies"]] == [
        "runoff",
        "runoff",
        "lost",
        "lost",
        "lost",
    ]
    units = {unit["name"]: unit for unit in data["units"]}
    assert units["DeKalb"]["precincts_reporting"] == 6
    assert units["DeKalb"]["precincts_total"] == 6
    fulton = {vote["candidate"]: vote["votes"] for vote in units["Fulton"]["votes"]}
    assert fulton["liliana-bakhtiari"] == 3434


# --- Election pages --------------------------------------------------------------------------


def test_election_list_groups_upcoming_counting_and_past_elections(client):
    make_election(name="Far future election", date=datetime.date(2099, 11, 3))
    make_election(name="Old election", date=datetime.date(2017, 11, 7))
    counting = make_race_with_votes(
        [("A", 10)], status=Race.Status.COUNTING, election=make_election(name="Being counted")
    )
    html = html_of(client, reverse("candidates:election-list"))
    upcoming, _, rest = html.partition('id="past-heading"')
    assert "Now counting" in html
    assert html.index("Being counted") < html.index('id="upcoming-heading"')
    assert "Far future election" in upcoming
    assert "Old election" in rest
    assert html.count(counting.election.name) == 1


def test_election_page_lists_each_race_with_leader_share_precincts_and_link(client):
    general, _ = district_5_with_runoff()
    html = html_of(client, general.election.get_absolute_url())
    text = text_of(html)
    assert "Advance to runoff: Liliana Bakhtiari, 49.50%" in text
    assert "14 of 14 precincts reporting" in text
    assert f'href="{general.get_absolute_url()}"' in html
    assert "Unofficial final" in html


def test_election_page_says_when_a_race_has_no_results_yet(client):
    race = make_race(status=Race.Status.UPCOMING)  # a past election: its figures never came
    make_candidacy(race, name="A")
    assert "No results on file." in html_of(client, race.election.get_absolute_url())


# --- Candidates ------------------------------------------------------------------------------


def test_candidate_profile_lists_every_candidacy_newest_first_with_its_result(client):
    general, runoff = district_5_with_runoff()
    bakhtiari = general.candidacies.get(candidate__name="Liliana Bakhtiari").candidate
    old = make_race(
        election=make_election(name="2017 general", date=datetime.date(2017, 11, 7)),
        office=general.office,
        status=Race.Status.CERTIFIED,
        reported_margin=252,
    )
    make_candidacy(old, name="Natalyn Archibong", incumbent=True, reported_outcome="won")
    make_candidacy(old, candidate=bakhtiari, reported_outcome="lost")
    html = html_of(client, bakhtiari.get_absolute_url())
    text = text_of(html)
    assert "Advanced to runoff: 5,134 votes (49.50%)" in text
    assert "Lost by 252 votes" in text
    assert "No results on file" in text  # the runoff, over with no figures on file
    assert html.index("Nov. 30, 2021") < html.index("Nov. 2, 2021") < html.index("Nov. 7, 2017")


def test_candidate_profile_shows_photo_credit_alt_text_bio_and_links(client):
    candidate = make_candidate(
        name="Sam Example",
        bio="Runs a bakery.",
        website="https://sam.example.org/",
        x_handle="samexample",
        facebook_url="https://facebook.com/samexample",
        instagram_handle="sam.example",
        photo="candidates/sam.jpg",
        photo_credit="Illustration",
        photo_alt="Placeholder illustration with the initials SE",
    )
    html = html_of(client, candidate.get_absolute_url())
    assert 'alt="Placeholder illustration with the initials SE"' in html
    assert "Illustration</figcaption>" in html
    assert "Runs a bakery." in html
    assert 'href="https://sam.example.org/"' in html
    assert 'href="https://x.com/samexample"' in html
    assert 'href="https://facebook.com/samexample"' in html
    assert 'href="https://www.instagram.com/sam.example/"' in html


def test_hostile_candidate_text_renders_inert(client):
    candidate = make_candidate(
        name='<script>alert("x")</script>',
        bio='<img src=x onerror="alert(1)">',
        website="javascript:alert(1)",
    )
    html = html_of(client, candidate.get_absolute_url())
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "javascript:" not in html


def test_candidate_list_is_alphabetical_with_the_latest_race(client):
    race = make_district_5_general()
    make_candidate(name="Aaron Nobody")
    html = html_of(client, reverse("candidates:candidate-list"))
    assert html.index("Aaron Nobody") < html.index("Doug Williams") < html.index("Samuel Bacote")
    assert f"{race.office.name}, Nov. 2, 2021" in html


def test_candidate_list_shows_fifty_a_page(client):
    for n in range(51):
        make_candidate(name=f"Person {n:03d}")
    first = html_of(client, reverse("candidates:candidate-list"))
    second = html_of(client, reverse("candidates:candidate-list") + "?page=2")
    assert "Person 049" in first and "Person 050" not in first
    assert "Person 050" in second
    assert 'rel="next"' in first and 'rel="prev"' in second


@pytest.mark.parametrize("page", ["abc", "0", "-3", "1.5", "1\x00", "9" * 40, "99999", "2"])
def test_a_page_of_candidates_that_does_not_exist_is_a_404_never_a_500(client, page):
    """The one policy of every list (civicsite/core/pagination.py); it used to be a 400 here."""
    make_candidate(name="Someone")
    response = client.get(reverse("candidates:candidate-list"), {"page": page})
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_an_empty_page_parameter_is_the_first_page(client):
    make_candidate(name="Someone")
    assert "Someone" in html_of(client, reverse("candidates:candidate-list") + "?page=")


@pytest.mark.parametrize(
    "url",
    [
        "/elections/no-such-election/",
        "/elections/no-such-election/no-such-race/",
        "/elections/no-such-election/no-such-race.json",
        "/candidates/no-such-person/",
    ],
)
def test_unknown_slugs_get_a_404(client, url):
    make_district_5_general()
    assert client.get(url).status_code == 404


def test_a_known_race_under_the_wrong_election_is_a_404(client):
    race = make_district_5_general()
    other = make_election(name="Other election")
    url = reverse("candidates:race-detail", kwargs={"election_slug": other.slug, "slug": race.slug})
    assert client.get(url).status_code == 404


def test_every_page_has_its_own_title_description_and_canonical_link(client):
    general, _ = district_5_with_runoff()
    candidate = general.candidacies.first().candidate
    urls = [
        reverse("candidates:election-list"),
        general.election.get_absolute_url(),
        general.get_absolute_url(),
        reverse("candidates:candidate-list"),
        candidate.get_absolute_url(),
    ]
    titles = set()
    for url in urls:
        html = html_of(client, url + "?utm_source=junk")
        titles.add(re.search(r"<title>(.*?)</title>", html, re.S).group(1))
        assert '<meta name="description" content="' in html
        assert f'<link rel="canonical" href="http://testserver{url}">' in html
    assert len(titles) == len(urls)


# --- Query counts ----------------------------------------------------------------------------


def race_with_candidacies(n, *, election=None, office=None):
    """A decided race with ``n`` candidacies, votes in two counties."""
    race = make_race(election=election or make_election(), office=office or make_office())
    counties = [make_unit(race, name, precincts_total=4, precincts_reporting=4) for name in "AB"]
    for i in range(n):
        candidacy = make_candidacy(race, name=f"Runner {race.pk}-{i}", incumbent=i == 0)
        for county in counties:
            record_votes(candidacy, county, 10 + i)
    return race


@pytest.mark.parametrize("size", [5, 50])
def test_race_page_queries_stay_constant(client, django_assert_num_queries, size):
    """Prevents an N+1 over candidacies (candidate names, votes) and over per-county counts:
    race, candidacies with votes (and the desk's standing call, a subquery), reporting units,
    vote counts, (a final race) its corrections log, the desk's call log, its events
    (articles' race_events tag, one bounded query) and its coverage (articles' coverage tag,
    one bounded query): 8 queries at any size; the JSON has neither logs, events nor
    coverage: 4."""
    race = race_with_candidacies(size)
    with django_assert_num_queries(8):
        client.get(race.get_absolute_url())
    with django_assert_num_queries(4):
        client.get(
            reverse(
                "candidates:race-results-json",
                kwargs={"election_slug": race.election.slug, "slug": race.slug},
            )
        )


@pytest.mark.parametrize("counties", [3, 60])
def test_a_race_with_more_counties_than_candidates_has_a_row_per_county(
    client, django_assert_num_queries, counties
):
    """A statewide race's 159 counties were 159 columns; the table turns once there are more
    counties than candidates, in the same number of queries, and keeps the keys live.js
    updates (candidate:county cells, each county's total, each candidate's total)."""
    race = make_race()
    units = [
        make_unit(race, f"County {i:02d}", precincts_total=4, precincts_reporting=i % 5)
        for i in range(counties)
    ]
    people = [make_candidacy(race, name=name) for name in ("Ada Fictional", "Ben Imaginary")]
    for i, unit in enumerate(units):
        record_votes(people[0], unit, 100 + i)
        record_votes(people[1], unit, 50 + i)
    with django_assert_num_queries(8):
        html = html_of(client, race.get_absolute_url())
    table = html[html.index('<table class="county-table county-table--rows">') :]
    table = table[: table.index("</table>")]
    head = table[: table.index("</thead>")]
    assert re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', head) == [
        "County",
        "Ada Fictional",
        "Ben Imaginary",
        "Total",
        "Precincts",
    ]
    assert table.count('<th scope="row">County ') == counties
    ada, ben = (person.candidate.slug for person in people)
    last = units[-1]
    assert f'data-live-cell="{ada}:{last.pk}">{100 + counties - 1:,}</td>' in table
    assert f'data-live-unit="{last.pk}:total">{150 + 2 * (counties - 1):,}</td>' in table
    ada_total = sum(100 + i for i in range(counties))
    assert f'data-live-votes="{ada}">{ada_total:,}</td>' in table
    assert f'data-live-votes="{ben}">' in table


def test_a_race_with_as_many_counties_as_candidates_keeps_a_column_per_county(client):
    race = race_with_candidacies(2)  # two candidates in counties A and B
    html = html_of(client, race.get_absolute_url())
    assert '<table class="county-table">' in html
    assert "county-table--rows" not in html


@pytest.mark.parametrize("size", [5, 50])
def test_a_race_linked_to_its_runoff_costs_one_query_more(client, django_assert_num_queries, size):
    """Prevents a query per linked race and a join-heavy race query (PostgreSQL spent ~8 ms
    planning one with the linked races' elections joined). The general: race (with its runoff),
    the runoff's election, candidacies with votes, counties, vote counts, corrections log, call
    log (one more than test_race_page_queries_stay_constant). The runoff, not yet counted: race
    (with the general), the general's election, candidacies, counties, call log; each page
    two more for its events and its coverage (articles' race_events and coverage tags)."""
    general, runoff = district_5_with_runoff()
    for i in range(size):
        make_candidacy(runoff, name=f"Extra runner {i}")
    for race, queries in ((general, 9), (runoff, 7)):
        with django_assert_num_queries(queries):
            response = client.get(race.get_absolute_url())
        assert response.status_code == 200
    assert "meet in a runoff on Nov. 30." in html_of(client, general.get_absolute_url())


@pytest.mark.parametrize("size", [5, 50])
def test_election_page_queries_stay_constant(client, django_assert_num_queries, size):
    """Prevents an N+1 over races (their offices, runoffs, candidacies, reporting units):
    election, races, candidacies, units, runoff elections, ballot measures (none here; their
    counties are pinned in test_measures.py), its coming events (articles' election_events
    tag): 7 queries for 5 or 50 candidacies spread over 1 or 10 races."""
    election = make_election()
    for _ in range(size // 5):
        race_with_candidacies(5, election=election)
    with django_assert_num_queries(7):
        response = client.get(election.get_absolute_url())
    assert response.content.decode().count('class="race-card"') == size // 5


@pytest.mark.parametrize("size", [5, 50])
def test_candidate_profile_queries_stay_constant(client, django_assert_num_queries, size):
    """Prevents an N+1 over a candidate's candidacies (race, election, office, runoff) and over
    each race's rivals and counties: candidate, candidacies with races, rivals with votes,
    counties (coverage), their events (articles' candidate_events tag), the stories about
    them (articles' coverage tag): 6 queries."""
    person = make_candidate(name="Perennial Candidate")
    for i in range(size):
        race = make_race(election=make_election(date=datetime.date(2000 + i, 11, 2)))
        unit = make_unit(race)
        record_votes(make_candidacy(race, candidate=person), unit, 100 + i)
        record_votes(make_candidacy(race, name=f"Rival {i}"), unit, 90)
    with django_assert_num_queries(6):
        response = client.get(person.get_absolute_url())
    assert response.content.decode().count('class="candidacy"') == size


@pytest.mark.parametrize("size", [5, 50])
def test_candidate_list_queries_stay_constant(client, django_assert_num_queries, size):
    """Prevents an N+1 over candidates' latest races: count, page, candidacies: 3 queries."""
    race = make_race()
    for i in range(size):
        make_candidacy(race, name=f"Listed {i:03d}")
    with django_assert_num_queries(3):
        client.get(reverse("candidates:candidate-list"))


@pytest.mark.parametrize("size", [5, 50])
def test_election_list_queries_stay_constant(client, django_assert_num_queries, size):
    """Prevents a query per election and per race: the elections, then their races with
    whether votes and reported outcomes are on file (the races' states): 2 queries."""
    for i in range(size):
        make_race_with_votes(
            [("A", 10)],
            election=make_election(date=datetime.date(1990 + i, 11, 2)),
            status=Race.Status.COUNTING if i % 2 else Race.Status.CERTIFIED,
        )
    with django_assert_num_queries(2):
        client.get(reverse("candidates:election-list"))
