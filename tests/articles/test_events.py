"""Events: pages, drafts and scheduling, calendars (parsed with icalendar), schema.org Event,
the click-to-load players and their CSP, the lists on other pages, the sitemap and the admin.

``make_event`` is the factory the other event test modules import.
"""

import datetime
import itertools
import json
import re
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from articles.events import demo, streams
from articles.events.models import Event, ReaderQuestion
from articles.events.services import event_publish
from candidates import demo as candidates_demo
from civicsite import roles
from tests.articles.factories import make_article
from tests.candidates.factories import make_candidacy, make_candidate, make_election, make_race

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
_seq = itertools.count(1)
FORUM_TIME = datetime.datetime(2031, 11, 10, 10, 30, tzinfo=NEW_YORK)


def make_event(*, races=(), candidates=(), **fields):
    """A published forum a week from now unless fields say otherwise."""
    n = next(_seq)
    fields.setdefault("title", f"District 5 candidate forum {n}")
    fields.setdefault("slug", f"district-5-forum-{n}")
    fields.setdefault("starts_at", timezone.now() + datetime.timedelta(days=7))
    fields.setdefault("publication", Event.Publication.PUBLISHED)
    if fields["publication"] != Event.Publication.DRAFT:
        fields.setdefault("publish_at", timezone.now() - datetime.timedelta(hours=1))
    event = Event.objects.create(**fields)
    event.races.set(races)
    event.candidates.set(candidates)
    return event


def text(response):
    """The page as a reader reads it: tags removed, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", "", response.content.decode()).split())


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def json_ld(response, kind):
    blocks = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    return next(data for data in map(json.loads, blocks) if data.get("@type") == kind)


@pytest.fixture
def runoff():
    """The 2031 general and its runoff, with the runoff race and its two candidates."""
    general = make_election(name="Municipal general election", date=datetime.date(2031, 11, 4))
    runoff_election = make_election(
        name="Municipal runoff election",
        kind="runoff",
        date=datetime.date(2031, 12, 2),
        runoff_of=general,
    )
    race = make_race(election=runoff_election, status="upcoming")
    first = make_candidacy(race, candidate=make_candidate(name="Liliana Bakhtiari")).candidate
    second = make_candidacy(race, candidate=make_candidate(name="Mandy Mahoney")).candidate
    return {"general": general, "runoff": runoff_election, "race": race, "people": [first, second]}


@pytest.fixture
def forum(runoff):
    return make_event(
        title="District 5 runoff forum",
        slug="district-5-runoff-forum",
        starts_at=FORUM_TIME,
        ends_at=FORUM_TIME + datetime.timedelta(hours=1),
        host="Decaturish",
        stream_url="https://www.twitch.tv/decaturish_demo",
        races=[runoff["race"]],
        candidates=runoff["people"],
    )


# --- Pages, drafts and scheduling ----------------------------------------------------------


def test_the_event_page_shows_when_where_who_and_add_to_calendar(client, forum):
    response = client.get(forum.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Monday, Nov. 10, 2031, 10:30 a.m.–11:30 a.m. EST" in text(response)  # newsroom's zone
    assert "Decaturish" in html
    for person in forum.candidates.all():
        assert f'href="{person.get_absolute_url()}"' in html
    assert f'href="{forum.get_calendar_url()}"' in html and "Add to calendar" in html
    feed = reverse("articles:election-calendar", kwargs={"slug": forum.races.get().election.slug})
    assert f'href="{feed}"' in html
    assert "Suggest a question" in html
    assert "Questions from readers" not in html  # only after the event


def test_a_draft_event_is_a_404_for_readers_and_a_marked_preview_for_staff(client, runoff):
    draft = make_event(publication=Event.Publication.DRAFT, races=[runoff["race"]])
    for url in (draft.get_absolute_url(), draft.get_calendar_url()):
        assert client.get(url).status_code == 404
    calendar = parse(
        client.get(reverse("articles:election-calendar", args=[runoff["runoff"].slug]))
    )
    assert not [e for e in calendar.walk("VEVENT") if "forum" in str(e["SUMMARY"])]
    staff = get_user_model().objects.create_superuser("editor", "e@example.com", "pw")
    client.force_login(staff)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "Preview: this event is not published." in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_a_scheduled_event_appears_at_its_publish_time(client):
    with time_machine.travel(datetime.datetime(2031, 10, 1, 9, 0, tzinfo=NEW_YORK), tick=False):
        event = make_event(
            publication=Event.Publication.SCHEDULED,
            publish_at=timezone.now() + datetime.timedelta(hours=2),
            starts_at=FORUM_TIME,
        )
        assert client.get(event.get_absolute_url()).status_code == 404
        assert event.title not in client.get("/").content.decode()
    with time_machine.travel(datetime.datetime(2031, 10, 1, 11, 1, tzinfo=NEW_YORK), tick=False):
        assert client.get(event.get_absolute_url()).status_code == 200
        assert event.title in client.get("/").content.decode()  # the page cache was emptied


def test_after_the_forum_the_page_shows_the_recording_and_the_questions_asked(client, forum):
    forum.status = Event.Status.HELD
    forum.recording_url = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    forum.save()
    asked = ReaderQuestion.objects.create(
        event=forum,
        name="Dana",
        email="dana@example.org",
        neighbourhood="Kirkwood",
        text="What about sidewalks?",
        status="accepted",
        topic="Transportation",
        asked=True,
        recording_time=datetime.timedelta(minutes=12, seconds=34),
    )
    ReaderQuestion.objects.create(
        event=forum, name="Sam", email="sam@example.org", text="Not yet moderated?"
    )
    html = client.get(forum.get_absolute_url()).content.decode()
    assert "Questions from readers" in html and "Transportation" in html
    assert "What about sidewalks?" in html and "Kirkwood" in html
    assert "at 12:34 in the recording" in html
    assert "https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=754s" in html
    assert f'id="question-{asked.pk}"' in html
    assert "Not yet moderated?" not in html
    assert "dana@example.org" not in html and "sam@example.org" not in html
    assert "Add to calendar" not in html  # it is over
    assert 'data-stream-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1"' in html


def test_a_cancelled_event_says_why_and_needs_a_reason(client, forum):
    forum.status = Event.Status.CANCELLED
    forum.status_note = "One candidate withdrew."
    forum.save()
    html = client.get(forum.get_absolute_url()).content.decode()
    assert "Cancelled." in html and "One candidate withdrew." in html
    assert "Suggest a question" not in html
    from django.db import IntegrityError, transaction

    forum.status_note = ""
    with pytest.raises(IntegrityError), transaction.atomic():
        forum.save()


def test_a_writeup_is_linked_only_once_it_is_public(client, forum):
    forum.writeup = make_article(title="What the candidates said", status="draft")
    forum.save()
    assert "What the candidates said" not in client.get(forum.get_absolute_url()).content.decode()
    event_publish(event=forum)
    forum.writeup.status, forum.writeup.publish_at = "published", timezone.now()
    forum.writeup.save()
    assert "What the candidates said" in client.get(forum.get_absolute_url()).content.decode()


# --- Calendars -------------------------------------------------------------------------------


def test_the_ics_has_the_zone_a_stable_uid_and_the_sequence(client, forum):
    calendar = parse(client.get(forum.get_calendar_url()))
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "America/New_York"
    (item,) = calendar.walk("VEVENT")
    assert item["DTSTART"].params["TZID"] == "America/New_York"
    assert item.decoded("DTSTART") == FORUM_TIME
    assert item.decoded("DTSTART").utcoffset() == datetime.timedelta(hours=-5)
    assert item.decoded("DTEND") == FORUM_TIME + datetime.timedelta(hours=1)
    assert str(item["UID"]) == f"{forum.uid}@civicsite"
    assert item["SEQUENCE"] == 0
    assert str(item["STATUS"]) == "CONFIRMED"
    assert str(item["URL"]) == f"http://testserver{forum.get_absolute_url()}"
    assert "Watch: https://www.twitch.tv/decaturish_demo" in str(item["DESCRIPTION"])


def test_a_published_change_raises_the_sequence_and_a_draft_change_does_not(client, runoff):
    draft = make_event(publication=Event.Publication.DRAFT, starts_at=FORUM_TIME)
    draft.title = "Renamed while a draft"
    draft.save()
    assert draft.sequence == 0
    event_publish(event=draft)
    assert Event.objects.get(pk=draft.pk).sequence == 0
    event = Event.objects.get(pk=draft.pk)
    event.starts_at = FORUM_TIME + datetime.timedelta(days=1)
    event.save()
    assert Event.objects.get(pk=draft.pk).sequence == 1
    event = Event.objects.get(pk=draft.pk)
    event.questions_open = False  # not in calendars: no update for them
    event.save()
    event = Event.objects.get(pk=draft.pk)
    event.host = "A new host"  # in the calendar's description
    event.save()
    assert Event.objects.get(pk=draft.pk).sequence == 2
    item = parse(client.get(event.get_calendar_url())).walk("VEVENT")[0]
    assert item["SEQUENCE"] == 2 and str(item["UID"]) == f"{draft.uid}@civicsite"


def test_a_cancelled_event_is_the_same_calendar_entry_with_status_cancelled(client, forum):
    before = parse(client.get(forum.get_calendar_url())).walk("VEVENT")[0]
    forum = Event.objects.get(pk=forum.pk)
    forum.status = Event.Status.CANCELLED
    forum.status_note = "The venue flooded."
    forum.save()
    after = parse(client.get(forum.get_calendar_url())).walk("VEVENT")[0]
    assert str(after["UID"]) == str(before["UID"])
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1
    assert str(after["STATUS"]) == "CANCELLED"
    assert str(after["SUMMARY"]).startswith("Cancelled: ")
    assert "The venue flooded." in str(after["DESCRIPTION"])


def test_a_postponed_event_moves_in_calendars_and_says_so_in_json_ld(client, forum):
    forum = Event.objects.get(pk=forum.pk)
    forum.status = Event.Status.POSTPONED
    forum.previous_starts_at = forum.starts_at
    forum.starts_at = FORUM_TIME + datetime.timedelta(days=3)
    forum.ends_at = None
    forum.save()
    item = parse(client.get(forum.get_calendar_url())).walk("VEVENT")[0]
    assert item.decoded("DTSTART") == FORUM_TIME + datetime.timedelta(days=3)
    assert item["SEQUENCE"] == 1 and str(item["STATUS"]) == "CONFIRMED"
    response = client.get(forum.get_absolute_url())
    data = json_ld(response, "Event")
    assert data["eventStatus"] == "https://schema.org/EventRescheduled"
    assert data["previousStartDate"] == "2031-11-10T10:30:00-05:00"
    assert "Postponed" in response.content.decode()


def test_the_election_feed_has_its_events_and_election_days_with_the_runoff(client, runoff, forum):
    deadline = make_event(
        title="Last day to register for the runoff",
        kind=Event.Kind.VOTING_DEADLINE,
        election=runoff["runoff"],
        starts_at=datetime.datetime(2031, 11, 3, 23, 59, tzinfo=NEW_YORK),
    )
    make_event(title="Another city's forum", races=[make_race()])
    for election in (runoff["general"], runoff["runoff"]):
        url = reverse("articles:election-calendar", kwargs={"slug": election.slug})
        calendar = parse(client.get(url))
        assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["America/New_York"]
        items = {str(item["UID"]): item for item in calendar.walk("VEVENT")}
        days = {
            item.decoded("DTSTART") for uid, item in items.items() if uid.startswith("election-")
        }
        assert days == {datetime.date(2031, 11, 4), datetime.date(2031, 12, 2)}
        assert f"{forum.uid}@civicsite" in items and f"{deadline.uid}@civicsite" in items
        assert not [item for item in items.values() if "Another city" in str(item["SUMMARY"])]


def test_the_election_feed_takes_three_queries_however_many_events(
    client, runoff, django_assert_num_queries
):
    """Prevents a query per event (their races or elections read one by one)."""
    url = reverse("articles:election-calendar", kwargs={"slug": runoff["general"].slug})
    for count in (1, 8):
        for _ in range(count):
            make_event(races=[runoff["race"]], candidates=runoff["people"])
        with django_assert_num_queries(3):  # election, election days, events
            assert client.get(url).status_code == 200


# --- schema.org, players and CSP --------------------------------------------------------------


def test_the_event_page_describes_itself_as_a_schema_org_event(client, forum):
    forum.venue, forum.address = "Branan Towers", "1200 Glenwood Ave SE, Atlanta"
    forum.host_url = "https://decaturish.example"
    forum.save()
    data = json_ld(client.get(forum.get_absolute_url()), "Event")
    assert data["name"] == "District 5 runoff forum"
    assert data["startDate"] == "2031-11-10T10:30:00-05:00"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    place, virtual = data["location"]
    assert place == {"@type": "Place", "name": "Branan Towers", "address": forum.address}
    assert virtual == {"@type": "VirtualLocation", "url": forum.stream_url}
    assert data["organizer"] == {
        "@type": "Organization",
        "name": "Decaturish",
        "url": "https://decaturish.example",
    }
    assert [person["name"] for person in data["performer"]] == [
        "Liliana Bakhtiari",
        "Mandy Mahoney",
    ]


def test_an_online_event_without_its_stream_address_is_a_virtual_location_at_its_page(
    client, forum
):
    """Seed 003's case: the forum is on Twitch, at an address the seed does not give."""
    forum.stream_url, forum.online = "", True
    forum.save()
    response = client.get(forum.get_absolute_url())
    data = json_ld(response, "Event")
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    page = f"http://testserver{forum.get_absolute_url()}"
    assert data["location"] == {"@type": "VirtualLocation", "url": page}
    assert "Online; the stream's address is not on file yet" in text(response)
    assert "data-stream-src" not in response.content.decode()
    (item,) = parse(client.get(forum.get_calendar_url())).walk("VEVENT")
    assert str(item["LOCATION"]) == "Online"
    assert item["SEQUENCE"] == 1

    forum.online = False
    forum.save()
    data = json_ld(client.get(forum.get_absolute_url()), "Event")
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert "location" not in data
    assert forum.sequence == 2  # the calendar's location changed


def test_the_stream_is_a_placeholder_with_a_link_and_the_csp_frames_only_the_players(
    client, forum, settings
):
    settings.ALLOWED_HOSTS = ["news.localhost", "testserver"]
    response = client.get(forum.get_absolute_url(), HTTP_HOST="news.localhost:8000")
    html = response.content.decode()
    assert "<iframe" not in html
    assert 'href="https://www.twitch.tv/decaturish_demo"' in html
    player = "https://player.twitch.tv/?channel=decaturish_demo&amp;parent=news.localhost"
    assert f'data-stream-src="{player}&amp;autoplay=true"' in html
    assert '<script src="/static/articles/stream-embed.js" defer></script>' in html
    assert response["X-DNS-Prefetch-Control"] == "off"
    directives = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert directives["frame-src"] == "https://player.twitch.tv https://www.youtube-nocookie.com"
    assert directives["script-src"] == "'self'"
    for other in ("/", make_article().get_absolute_url(), forum.races.get().get_absolute_url()):
        assert "frame-src" not in client.get(other)["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("url", "player"),
    [
        ("https://www.twitch.tv/Decaturish", "https://player.twitch.tv/?channel=decaturish&"),
        ("https://twitch.tv/videos/1200300", "https://player.twitch.tv/?video=v1200300&"),
        ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?"),
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=5",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?",
        ),
        ("https://www.youtube.com/live/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/"),
    ],
)
def test_twitch_and_youtube_addresses_become_their_players(url, player):
    embed = streams.stream_embed(url, parent_host="example.org")
    assert embed.player_url.startswith(player)
    assert embed.watch_url == url
    if embed.provider == "Twitch":
        assert "parent=example.org" in embed.player_url


@pytest.mark.parametrize(
    "url",
    [
        "",
        "https://vimeo.com/123",
        "javascript:alert(1)",
        "https://www.twitch.tv/directory/game",
        "https://www.youtube.com/watch?v=<script>",
        "https://evil.example/www.twitch.tv/x",
        "http://[::1",
    ],
)
def test_other_addresses_are_only_links(url):
    assert streams.stream_embed(url, parent_host="example.org") is None


def test_recording_times_link_into_the_recording():
    assert streams.at_time("https://youtu.be/dQw4w9WgXcQ", 754) == (
        "https://youtu.be/dQw4w9WgXcQ?t=754s"
    )
    assert streams.at_time("https://www.twitch.tv/videos/1", 3723) == (
        "https://www.twitch.tv/videos/1?t=1h2m3s"
    )
    assert streams.at_time("https://example.org/video", 10) == "https://example.org/video"
    assert streams.clock(754) == "12:34" and streams.clock(3723) == "1:02:03"


# --- Lists on other pages ---------------------------------------------------------------------


def test_coming_up_on_the_home_election_race_and_guide_pages_and_past_events(client, runoff, forum):
    from candidates.models import Questionnaire

    past = make_event(
        title="Meet the candidates breakfast",
        kind=Event.Kind.MEET_AND_GREET,
        starts_at=timezone.now() - datetime.timedelta(days=20),
        status=Event.Status.HELD,
        races=[runoff["race"]],
        candidates=runoff["people"][:1],
    )
    race = runoff["race"]
    guide = Questionnaire.objects.create(race=race, title="Runoff voter guide", published=True)
    pages = {
        "home": "/",
        "election": runoff["runoff"].get_absolute_url(),
        "general": runoff["general"].get_absolute_url(),
        "race": race.get_absolute_url(),
        "guide": guide.get_absolute_url(),
        "candidate": runoff["people"][0].get_absolute_url(),
    }
    html = {name: client.get(url).content.decode() for name, url in pages.items()}
    for name in ("home", "election", "general", "race", "guide", "candidate"):
        assert "Coming up" in html[name], name
        assert forum.title in html[name], name
    for name in ("race", "candidate"):
        assert "Past events" in html[name] and past.title in html[name], name
    assert past.title not in html["home"]
    assert "Subscribe to this election's calendar" in html["election"]
    assert "Past events" not in client.get(runoff["people"][1].get_absolute_url()).content.decode()


def test_an_election_page_says_nothing_is_coming_up_only_before_its_day(client):
    """A past election's page does not say its forums are not on file "yet"; its calendar
    feed (its days, its runoff's) is still offered."""
    past = make_election(name="Municipal general election", date=datetime.date(2021, 11, 2))
    ahead = make_election(
        name="Next municipal election", date=timezone.localdate() + datetime.timedelta(days=30)
    )
    feed = "Subscribe to this election's calendar"
    past_html = client.get(past.get_absolute_url()).content.decode()
    assert 'id="events-coming-heading"' not in past_html
    assert "on file for this election yet" not in past_html
    assert feed in past_html
    ahead_html = client.get(ahead.get_absolute_url()).content.decode()
    assert 'id="events-coming-heading"' in ahead_html
    assert "No forums, debates or deadlines are on file for this election yet." in ahead_html
    assert feed in ahead_html


def test_the_event_page_takes_four_queries_however_many_races_people_and_questions(
    client, runoff, django_assert_num_queries
):
    """Prevents a query per race, per candidate or per reader's question on the event page."""
    for count in (1, 6):
        event = make_event(
            status=Event.Status.HELD,
            recording_url="https://youtu.be/dQw4w9WgXcQ",
            races=[make_race(election=runoff["runoff"]) for _ in range(count)],
            candidates=[make_candidate() for _ in range(count)],
        )
        for n in range(count):
            ReaderQuestion.objects.create(
                event=event,
                name=f"Reader {n}",
                email=f"r{n}@example.org",
                text=f"Question {n}?",
                status="accepted",
                topic=f"Topic {n % 3}",
                asked=True,
            )
        with django_assert_num_queries(4):  # event + election + write-up, races, people, questions
            assert client.get(event.get_absolute_url()).status_code == 200


def test_published_events_are_in_the_sitemap_and_drafts_are_not(client, forum):
    draft = make_event(publication=Event.Publication.DRAFT)
    xml = client.get("/sitemap.xml").content.decode()
    assert f"http://testserver{forum.get_absolute_url()}" in xml
    assert draft.get_absolute_url() not in xml


# --- Admin and roles -----------------------------------------------------------------------------


def staff_with_role(client, role):
    user = get_user_model().objects.create_user(
        f"{role}-user", "x@example.com", "pw", is_staff=True
    )
    roles.sync_roles()
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


def event_form_data(**fields):
    return {
        "title": "Town hall on transit",
        "slug": "town-hall-on-transit",
        "kind": "town_hall",
        "starts_at_0": "2031-10-01",
        "starts_at_1": "18:00",
        "status": "scheduled",
        "publication": "draft",
        "questions_open": "on",
        "reader_questions-TOTAL_FORMS": "0",
        "reader_questions-INITIAL_FORMS": "0",
        "reader_questions-MIN_NUM_FORMS": "0",
        "reader_questions-MAX_NUM_FORMS": "1000",
        **fields,
    }


def test_a_contributor_drafts_an_event_but_cannot_publish_it(client):
    staff_with_role(client, roles.CONTRIBUTOR)
    url = reverse("admin:articles_event_add")
    response = client.post(url, event_form_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    event = Event.objects.get()
    assert event.starts_at == datetime.datetime(2031, 10, 1, 18, 0, tzinfo=NEW_YORK)
    change = reverse("admin:articles_event_change", args=[event.pk])
    refused = client.post(
        change,
        event_form_data(publication="published", publish_at_0="2031-09-01", publish_at_1="09:00"),
    )
    assert refused.status_code == 200
    assert "Only an editor can publish" in refused.content.decode()
    assert Event.objects.get().publication == "draft"


def test_an_editor_publishes_with_the_action_and_moderates_questions(client, forum):
    staff_with_role(client, roles.EDITOR)
    draft = make_event(publication=Event.Publication.DRAFT)
    response = client.post(
        reverse("admin:articles_event_changelist"),
        {"action": "publish_now", "_selected_action": [draft.pk]},
    )
    assert response.status_code == 302
    assert Event.objects.get(pk=draft.pk).is_public
    assert client.get(reverse("admin:articles_readerquestion_changelist")).status_code == 200
    assert client.get(reverse("admin:articles_event_change", args=[forum.pk])).status_code == 200


def test_the_roles_give_editors_events_and_questions_and_contributors_drafts():
    roles.sync_roles()
    editor = Group.objects.get(name=roles.EDITOR).permissions.values_list("codename", flat=True)
    assert {"publish_event", "change_event", "change_readerquestion"} <= set(editor)
    contributor = set(
        Group.objects.get(name=roles.CONTRIBUTOR).permissions.values_list("codename", flat=True)
    )
    assert {"add_event", "change_event"} <= contributor
    assert not {"publish_event", "change_readerquestion", "delete_event"} & contributor


def test_a_contributor_cannot_unpublish_or_rewrite_a_public_event_through_history_revert(client):
    """Issue 19's revert hole, for events: the event as stored now decides, not the version."""
    staff_with_role(client, roles.CONTRIBUTOR)
    event = make_event(publication=Event.Publication.DRAFT, title="Transit town hall")
    draft = event.history.earliest()
    event.publication = Event.Publication.PUBLISHED
    event.publish_at = timezone.now() - datetime.timedelta(hours=1)
    event.save()
    revert = reverse("admin:articles_event_simple_history", args=[event.pk, draft.history_id])
    response = client.post(revert, event_form_data(title="Rewritten", slug=event.slug))
    assert response.status_code == 403
    event.refresh_from_db()
    assert (event.publication, event.title) == (Event.Publication.PUBLISHED, "Transit town hall")
    change = reverse("admin:articles_event_change", args=[event.pk])
    assert client.post(change, event_form_data(slug=event.slug)).status_code == 403


def test_an_event_leaves_the_cached_home_pages_coming_up_when_it_ends(client, settings):
    """Nothing is saved when an event ends: the page cache empties itself at that moment."""
    settings.CACHE_PAGES = True
    start = datetime.datetime(2031, 11, 10, 15, 30, tzinfo=datetime.UTC)
    # Ends 4 minutes after the page is stored: well within CACHE_PAGE_TIMEOUT (10 minutes).
    with time_machine.travel(start - datetime.timedelta(minutes=1), tick=False) as clock:
        make_event(
            title="Transit town hall",
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=3),
        )
        client.get(reverse("home"))
        during = client.get(reverse("home"))
        assert during["X-Page-Cache"] == "hit"
        assert "Transit town hall" in during.content.decode()
        clock.shift(datetime.timedelta(minutes=5))
        after = client.get(reverse("home"))
        assert after["X-Page-Cache"] == "miss"
        assert "Transit town hall" not in after.content.decode()


# --- The demo ------------------------------------------------------------------------------


def load_forum_demo():
    out = StringIO()
    candidates_demo.load(stdout=out)
    demo.load(stdout=out)
    return out.getvalue()


def test_the_demo_forum_is_seed_003s_held_with_its_form_open_and_invented_questions(client):
    """Seed 003: Decaturish's Twitch forum with both runoff candidates, Wednesday, Nov. 10,
    2021, 10:30 a.m. Its example questions say they are invented, and no answer is put to
    them: none asked, none linked to a voter-guide answer, no recording."""
    assert "District 5 runoff forum of Nov. 10, 2021 (held)" in load_forum_demo()
    forum = Event.objects.get(slug=demo.FORUM["slug"])
    assert forum.is_held and forum.is_public and forum.accepts_questions
    assert forum.starts_at == datetime.datetime(2021, 11, 10, 10, 30, tzinfo=NEW_YORK)
    assert (forum.host, forum.online, forum.stream_url, forum.recording_url) == (
        "Decaturish",
        True,
        "",
        "",
    )
    assert sorted(c.name for c in forum.candidates.all()) == ["Liliana Bakhtiari", "Mandy Mahoney"]
    questions = list(forum.reader_questions.all())
    assert len(questions) == 2
    for question in questions:
        assert question.status == ReaderQuestion.Status.ACCEPTED
        assert "invented" in question.name
        assert question.text.startswith("(An invented example question for this demo.)")
        assert not question.asked and question.recording_time is None
        assert question.guide_question is None

    response = client.get(forum.get_absolute_url())
    page = text(response)
    assert "Wednesday, Nov. 10, 2021, 10:30 a.m. EST" in page
    assert "Questions from readers" in page and "Send a follow-up question" in page
    assert page.count("Example reader (invented for the demo)") == 2
    assert page.count("Not asked at the candidate forum.") == 2
    assert "Asked at" not in page and "in the recording" not in page
    assert "written answers in the voter guide" not in page
    assert "example.org" not in response.content.decode()  # the example emails
    data = json_ld(response, "Event")
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"]["@type"] == "VirtualLocation"
    assert data["organizer"] == {"@type": "Organization", "name": "Decaturish"}


def test_loading_the_demo_again_undoes_an_editors_trial_edits_of_the_forum():
    load_forum_demo()
    forum = Event.objects.get(slug=demo.FORUM["slug"])
    forum.status, forum.status_note = Event.Status.CANCELLED, "Trying the admin."
    forum.stream_url = "https://www.twitch.tv/somebody"
    forum.save()
    forum.reader_questions.update(asked=True, recording_time=datetime.timedelta(minutes=3))

    load_forum_demo()

    forum.refresh_from_db()
    assert (forum.status, forum.status_note, forum.stream_url) == (Event.Status.HELD, "", "")
    assert Event.objects.count() == 1 and forum.reader_questions.count() == 2
    assert not forum.reader_questions.filter(asked=True).exists()
