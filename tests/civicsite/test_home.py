"""The home page on election week: counting races, the next election, the news."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from candidates.models import Questionnaire, Race
from civicsite.models import FrontPage
from civicsite.views import countdown
from tests.articles.factories import make_article, make_author
from tests.candidates.factories import (
    make_district_5_general,
    make_election,
    make_race,
    make_race_with_votes,
)

pytestmark = pytest.mark.django_db

ELECTION_WEEK = datetime.datetime(2021, 11, 3, 12, 0, tzinfo=datetime.UTC)


def test_countdown_reads_in_words():
    assert countdown(0) == "today"
    assert countdown(1) == "tomorrow"
    assert countdown(12) == "in 12 days"


def test_a_race_being_counted_shows_its_leader_and_precincts_reporting(client):
    race = make_district_5_general()
    race.status = Race.Status.COUNTING
    race.save()

    html = client.get("/").content.decode()

    assert "Now counting" in html
    assert "Atlanta City Council District 5" in html
    # The leader first, with the share as results.py computes it (truncated, 49.50%).
    assert html.index("Liliana Bakhtiari") < html.index("Mandy Mahoney")
    assert "49.50%" in html
    assert "14 of 14 precincts reporting" in html


def test_final_races_are_not_listed_as_counting(client):
    make_race_with_votes([("A", 10), ("B", 5)], status=Race.Status.CERTIFIED)

    assert "Now counting" not in client.get("/").content.decode()


@time_machine.travel(ELECTION_WEEK, tick=False)
def test_the_next_election_shows_a_countdown_and_its_voter_guides(client):
    election = make_election(name="Atlanta municipal runoff", date=datetime.date(2021, 11, 30))
    race = make_race(election=election, status=Race.Status.UPCOMING)
    Questionnaire.objects.create(race=race, title="District 5 runoff voter guide", published=True)
    other = make_race(election=election, status=Race.Status.UPCOMING)
    Questionnaire.objects.create(race=other, title="Unpublished guide", published=False)

    html = client.get("/").content.decode()

    assert "Atlanta municipal runoff" in html
    assert "in 27 days" in html
    assert "District 5 runoff voter guide" in html
    assert "Unpublished guide" not in html


@time_machine.travel(ELECTION_WEEK, tick=False)
def test_on_election_day_the_countdown_says_today(client):
    make_election(name="Election today", date=datetime.date(2021, 11, 3))

    assert '<strong class="home-election__countdown">today</strong>' in (
        client.get("/").content.decode()
    )


def test_without_an_upcoming_election_the_page_says_so(client):
    make_election(date=datetime.date(2017, 11, 7))

    assert "No upcoming election is on file yet." in client.get("/").content.decode()


def test_the_newest_news_story_leads_when_nothing_is_pinned(client):
    make_article(title="Older news", publish_at=timezone.now() - datetime.timedelta(days=2))
    make_article(title="Newest news", publish_at=timezone.now() - datetime.timedelta(hours=1))

    response = client.get("/")

    assert response.context["lead"].title == "Newest news"
    assert [a.title for a in response.context["news"]] == ["Older news"]


def test_a_pinned_story_leads_while_it_is_published(client):
    pinned = make_article(title="Pinned profile", kind=Article.Kind.PROFILE)
    make_article(title="Newest news")
    front_page = FrontPage.load()
    front_page.lead_article = pinned
    front_page.save()

    assert client.get("/").context["lead"].title == "Pinned profile"

    pinned.status = Article.Status.DRAFT
    pinned.publish_at = None
    pinned.save()
    assert client.get("/").context["lead"].title == "Newest news"


def test_drafts_and_scheduled_stories_never_reach_the_home_page(client):
    make_article(title="Public story")
    make_article(title="Draft story", status=Article.Status.DRAFT)
    make_article(
        title="Scheduled story",
        status=Article.Status.SCHEDULED,
        publish_at=timezone.now() + datetime.timedelta(hours=2),
    )
    make_article(title="Draft profile", kind=Article.Kind.PROFILE, status=Article.Status.DRAFT)

    html = client.get("/").content.decode()

    assert "Public story" in html
    assert "Draft story" not in html
    assert "Scheduled story" not in html
    assert "Draft profile" not in html


def test_profiles_and_interviews_have_their_own_section(client):
    make_article(title="A profile", kind=Article.Kind.PROFILE)
    make_article(title="An interview", kind=Article.Kind.INTERVIEW)
    make_article(title="An opinion", kind=Article.Kind.OPINION)

    response = client.get("/")

    assert {a.title for a in response.context["features"]} == {"A profile", "An interview"}


def test_the_front_page_is_one_row_that_editors_edit_in_the_admin(admin_client):
    response = admin_client.get(reverse("admin:civicsite_frontpage_changelist"))

    assert response.status_code == 302
    assert response.url == reverse("admin:civicsite_frontpage_change", args=[1])
    assert admin_client.get(response.url).status_code == 200
    assert FrontPage.objects.count() == 1
    FrontPage().save()
    assert FrontPage.objects.count() == 1


def make_home_content(n):
    author = make_author()
    with time_machine.travel(ELECTION_WEEK, tick=False):
        election = make_election(date=datetime.date(2021, 11, 30))
    for i in range(n):
        race = make_race_with_votes(
            [(f"First {i}", 30 + i), (f"Second {i}", 20), (f"Third {i}", 5)],
            status=Race.Status.COUNTING,
        )
        guide_race = make_race(election=election, status=Race.Status.UPCOMING)
        Questionnaire.objects.create(race=guide_race, title=f"Guide {i}", published=True)
        make_article(title=f"News {i}", authors=[author], kind=Article.Kind.NEWS)
        make_article(title=f"Profile {i}", authors=[author], kind=Article.Kind.PROFILE)
        assert race.pk


@pytest.mark.parametrize("size", [2, 8])
@time_machine.travel(ELECTION_WEEK, tick=False)
def test_the_home_page_takes_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    """Prevents a query per race (candidacies, counties), per guide (race, office) and per
    article card (bylines, lead figure)."""
    make_home_content(size)
    # pinned lead, news + bylines, next election + its races' states, its guides, features +
    # bylines, results races + candidacies + counties, coming events (coming_up_events tag)
    with django_assert_num_queries(12):
        response = client.get("/")
    assert response.status_code == 200
    assert len(response.context["results_pages"]) == min(size, 6)


def district_5_on(election_day, status):
    race = make_district_5_general()
    race.election.date = election_day
    race.election.save()
    race.status = status
    race.save()
    return race


@time_machine.travel(datetime.datetime(2021, 11, 3, 16, 0, tzinfo=datetime.UTC), tick=False)
def test_the_day_after_the_call_the_home_page_still_shows_the_winner(client):
    district_5_on(datetime.date(2021, 11, 3), Race.Status.UNOFFICIAL_FINAL)
    # Bakhtiari's 49.50% is short of a majority: the top two advance.
    html = client.get("/").content.decode()

    assert '<h2 id="results-heading">Latest results</h2>' in html
    assert "Advance to runoff:" in html and "Unofficial final" in html
    # Election day's results are final: it is no longer the "next election ... today".
    assert 'home-election__countdown">today' not in html
    assert "No upcoming election is on file yet." in html


def test_the_home_page_keeps_results_for_home_results_days_after_election_day(client, settings):
    settings.HOME_RESULTS_DAYS = 7
    week_later = datetime.datetime(2021, 11, 9, 16, 0, tzinfo=datetime.UTC)

    with time_machine.travel(week_later, tick=False):
        district_5_on(datetime.date(2021, 11, 2), Race.Status.UNOFFICIAL_FINAL)
        assert "Atlanta City Council District 5" in client.get("/").content.decode()
    with time_machine.travel(week_later + datetime.timedelta(days=1), tick=False):
        assert "Atlanta City Council District 5" not in client.get("/").content.decode()
        settings.HOME_RESULTS_DAYS = 8
        assert "Atlanta City Council District 5" in client.get("/").content.decode()


@time_machine.travel(datetime.datetime(2021, 11, 3, 2, 0, tzinfo=datetime.UTC), tick=False)
def test_on_election_night_races_being_counted_come_first(client):
    make_race_with_votes([("Final One", 10), ("Other", 5)], status=Race.Status.CERTIFIED)
    counting = district_5_on(datetime.date(2021, 11, 2), Race.Status.COUNTING)
    Race.objects.filter(pk=counting.pk).update(results_updated_at=None)

    response = client.get("/")

    assert [page.results.state.value for page in response.context["results_pages"]] == [
        "counting",
        "certified",
    ]
    assert '<h2 id="results-heading">Now counting</h2>' in response.content.decode()
