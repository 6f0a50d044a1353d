"""Demo event: the District 5 runoff forum of seed 003.

The facts are the seed's: a forum with both runoff candidates, Liliana Bakhtiari and Mandy
Mahoney, hosted by Decaturish on Twitch on Wednesday, Nov. 10, 2021, at 10:30 a.m.; readers
were asked to send question suggestions. It took place before the Nov. 30 runoff, so it is
shown as held, and as online. The seed gives no stream address, end time or recording, so the
demo has none (the page links to no invented channel) and says so.

The two reader questions are invented examples, labelled so in their name and text, accepted
but not marked as asked, and linked to no answer: nobody's words are put in the candidates'
mouths. The form stays open, as the issue asks, for follow-up questions.

Idempotent: everything is updated or created by its natural key.
"""

import datetime
from zoneinfo import ZoneInfo

from articles.events.models import Event, ReaderQuestion
from candidates.models import Candidate, Race

ATLANTA = ZoneInfo("America/New_York")
RUNOFF_ELECTION_SLUG = "2021-11-30-atlanta-municipal-runoff-election"
RACE_SLUG = "atlanta-city-council-district-5"
CANDIDATE_SLUGS = ["liliana-bakhtiari", "mandy-mahoney"]

FORUM = {
    "slug": "district-5-runoff-forum-2021",
    "title": "District 5 runoff forum with Liliana Bakhtiari and Mandy Mahoney",
    "kind": Event.Kind.FORUM,
    "host": "Decaturish",
    "starts_at": datetime.datetime(2021, 11, 10, 10, 30, tzinfo=ATLANTA),
    # What the seed does not give is blank, and set blank again on every load, so an edit
    # made while trying the admin (a cancellation and its reason) does not outlive a refresh.
    "ends_at": None,
    "previous_starts_at": None,
    "venue": "",
    "address": "",
    "stream_url": "",
    "online": True,  # on Twitch, the seed says, at an address it does not give
    "recording_url": "",
    "writeup": None,
    "status": Event.Status.HELD,
    "status_note": "",
    "description": (
        "A forum on Twitch with both candidates in the Atlanta City Council District 5 "
        "runoff, ahead of the Nov. 30 vote. Readers were invited to send question "
        "suggestions beforehand.\n\n"
        "This demo has no address for the stream and no recording on file, so none is shown."
    ),
    "publication": Event.Publication.PUBLISHED,
    "publish_at": datetime.datetime(2021, 11, 3, 9, 0, tzinfo=ATLANTA),
    "questions_open": True,
    "questions_close_at": None,
}

# Invented for the demo, and labelled as such where readers see them.
EXAMPLE_QUESTIONS = [
    {
        "topic": "Transportation",
        "text": (
            "(An invented example question for this demo.) What would you change first "
            "about sidewalks and crossings near schools in the district?"
        ),
    },
    {
        "topic": "Housing",
        "text": (
            "(An invented example question for this demo.) How would you keep residents "
            "informed about rezoning requests in their neighbourhood?"
        ),
    },
]
EXAMPLE_NAME = "Example reader (invented for the demo)"


def load(*, stdout, verbosity=1):
    race = Race.objects.filter(election__slug=RUNOFF_ELECTION_SLUG, slug=RACE_SLUG).first()
    candidates = list(Candidate.objects.filter(slug__in=CANDIDATE_SLUGS).order_by("name"))
    if race is None or len(candidates) != len(CANDIDATE_SLUGS):
        if verbosity:
            stdout.write("  Skipped the District 5 runoff forum (load candidates.demo first).")
        return
    forum, _ = Event.objects.update_or_create(
        slug=FORUM["slug"], defaults={**FORUM, "election": race.election}
    )
    forum.races.set([race])
    forum.candidates.set(candidates)
    for number, question in enumerate(EXAMPLE_QUESTIONS, start=1):
        ReaderQuestion.objects.update_or_create(
            event=forum,
            email=f"example-{number}@example.org",
            defaults={
                **question,
                "name": EXAMPLE_NAME,
                "neighbourhood": "",
                "status": ReaderQuestion.Status.ACCEPTED,
                "asked": False,
                "recording_time": None,
                "guide_question": None,
            },
        )
    if verbosity:
        stdout.write("Events: the District 5 runoff forum of Nov. 10, 2021 (held).")
