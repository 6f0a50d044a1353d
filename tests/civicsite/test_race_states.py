"""One race state everywhere (candidates/results.py ``race_state``): the race page, the
elections list, search, an article's results box and the home page say the same thing."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from candidates.models import Race
from tests.articles.factories import make_article
from tests.candidates.factories import (
    make_candidacy,
    make_election,
    make_office,
    make_race,
    make_race_with_votes,
)

pytestmark = pytest.mark.django_db

ELECTION_DAY = datetime.date(2021, 11, 2)
# 10 p.m. in Atlanta on election night: already Nov. 3 in UTC.
ELECTION_NIGHT = datetime.datetime(2021, 11, 3, 3, 0, tzinfo=datetime.UTC)
DAY_AFTER = datetime.datetime(2021, 11, 3, 16, 0, tzinfo=datetime.UTC)


def html_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def status_on_race_page(client, race):
    html = html_of(client, race.get_absolute_url())
    return re.search(r'<dd data-live-text="status">([^<]*)</dd>', html).group(1)


def status_in_article_box(client, article):
    html = html_of(client, article.get_absolute_url())
    box = html[html.index('class="race-box"') :]
    return re.search(r'<span data-live-text="status">([^<]*)</span>', box).group(1)


def status_in_search(client, words):
    html = html_of(client, reverse("search") + f"?q={words}")
    return re.search(r"Race · [^<]*· ([^<]*)</span>", html).group(1)


def election_list_group(client, election):
    """The heading of the elections list section that lists ``election``."""
    html = html_of(client, reverse("candidates:election-list"))
    before = html[: html.index(f'href="{election.get_absolute_url()}"')]
    return re.findall(r"<h2 id=\"[a-z]+-heading\">([^<]*)</h2>", before)[-1]


def race_of_the_day(office_name, votes, status):
    election = make_election(name=f"{office_name} election", date=ELECTION_DAY)
    office = make_office(name=office_name, body=office_name)
    race = make_race_with_votes(votes, election=election, office=office, status=status)
    Race.objects.filter(pk=race.pk).update(results_updated_at=timezone.now())
    article = make_article(title=f"Story about {office_name}")
    article.races.add(race)
    return race, article


@time_machine.travel(ELECTION_NIGHT, tick=False)
def test_every_page_gives_a_race_final_today_and_one_counting_today_the_same_state(client):
    final, final_story = race_of_the_day(
        "Water Board Alpha", [("Ann Able", 60), ("Bo Baker", 40)], Race.Status.UNOFFICIAL_FINAL
    )
    # Still "upcoming" by its hand-set status, but votes are in on election night.
    counting, counting_story = race_of_the_day(
        "Water Board Beta", [("Cy Cole", 30), ("Di Dunn", 20)], Race.Status.UPCOMING
    )

    for race, story, words, state in (
        (final, final_story, "Water Board Alpha", "Unofficial final"),
        (counting, counting_story, "Water Board Beta", "Counting"),
    ):
        assert status_on_race_page(client, race) == state
        assert status_in_article_box(client, story) == state
        assert status_in_search(client, words) == state
    # The election of a race final today is not upcoming, nor past before its day is over.
    assert election_list_group(client, final.election) == "Today"
    assert election_list_group(client, counting.election) == "Now counting"


@time_machine.travel(ELECTION_NIGHT, tick=False)
def test_a_race_without_votes_on_election_day_is_today_whatever_its_status(client):
    race = make_race(election=make_election(date=ELECTION_DAY), status=Race.Status.UNOFFICIAL_FINAL)
    make_candidacy(race, name="Ann Able")

    assert status_on_race_page(client, race) == "Election day; no votes reported yet"
    assert election_list_group(client, race.election) == "Today"
    with time_machine.travel(DAY_AFTER, tick=False):
        assert status_on_race_page(client, race) == "Results not on file"
        assert election_list_group(client, race.election) == "Past elections"


def test_time_datetime_values_carry_no_microseconds(client):
    """The HTML validator refuses ``<time datetime>`` with microseconds, as real timestamps
    have them (civicsite/core/dates.py)."""
    race = make_race_with_votes([("Ann Able", 60)], status=Race.Status.COUNTING)
    moment = datetime.datetime(2021, 11, 3, 2, 42, 7, 123456, tzinfo=datetime.UTC)
    Race.objects.filter(pk=race.pk).update(results_updated_at=moment)

    values = re.findall(r'<time datetime="([^"]*)"', html_of(client, race.get_absolute_url()))

    assert "2021-11-02T22:42:07-04:00" in values
    assert not [value for value in values if "." in value]
    data = client.get(reverse("candidates:race-results-json", args=[race.election.slug, race.slug]))
    assert data.json()["display"]["updated_datetime"] == "2021-11-02T22:42:07-04:00"
