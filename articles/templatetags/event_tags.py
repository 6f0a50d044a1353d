"""Events placed on other apps' pages: "Coming up" on the home, election, race and guide pages,
past events on the race and candidate pages, and the voter guide's question form.

Those pages belong to lower layers (candidates, whose code may not import articles), so they
ask for the events here, with one ``{% load event_tags %}`` and one tag. Each tag reads one
bounded list in one query, from ``Event.objects.published()``; the guide's tag reads its call
for questions too (one more).
"""

from django import template
from django.utils import timezone

from articles.events.forms import ReaderQuestionForm
from articles.events.models import Event, GuideQuestionCall

register = template.Library()

HOME_EVENTS = 4
PAGE_EVENTS = 5
# A race's or a candidate's events, newest first, split into coming up and past: enough for
# every forum of a cycle, and a bound all the same.
HISTORY_EVENTS = 12


def _cards():
    return Event.objects.published().for_cards()


def _split(events):
    """(coming up soonest first, past newest first) from events newest first."""
    coming = [event for event in events if not event.is_over]
    past = [event for event in events if event.is_over and not event.is_cancelled]
    return coming[::-1][:PAGE_EVENTS], past[:PAGE_EVENTS]


def _listing(*, coming=(), past=(), calendar_election=None, heading_level=2, **extra):
    return {
        "coming": list(coming),
        "past": list(past),
        "calendar_election": calendar_election,
        "heading_level": heading_level,
        **extra,
    }


@register.inclusion_tag("articles/includes/event_list.html")
def coming_up_events():
    """The home page: the next few events of any election."""
    return _listing(coming=_cards().upcoming()[:HOME_EVENTS])


@register.inclusion_tag("articles/includes/event_list.html")
def election_events(election):
    """An election page: its coming events (the runoff's too) and its calendar feed. "Coming
    up" says none are on file only while election day is still to come."""
    events = _cards().for_election(election).upcoming()[:PAGE_EVENTS]
    ahead = election.date >= timezone.localdate()
    return _listing(coming=events, calendar_election=election, always=ahead)


@register.inclusion_tag("articles/includes/event_list.html")
def race_events(race):
    """A race page: its coming events, then its past ones."""
    coming, past = _split(
        _cards().filter(races=race).order_by("-starts_at", "-id")[:HISTORY_EVENTS]
    )
    return _listing(coming=coming, past=past)


@register.inclusion_tag("articles/includes/event_list.html")
def candidate_events(candidate):
    """A candidate's profile: the events they take part in, coming and past."""
    events = _cards().filter(candidates=candidate).order_by("-starts_at", "-id")
    coming, past = _split(events[:HISTORY_EVENTS])
    return _listing(coming=coming, past=past)


@register.inclusion_tag("articles/includes/event_guide.html")
def guide_events(questionnaire):
    """A voter guide: the race's coming events, and the question form while its call is open."""
    race = questionnaire.race
    events = _cards().filter(races=race).upcoming()[:PAGE_EVENTS]
    call = GuideQuestionCall.objects.filter(questionnaire=questionnaire).first()
    open_call = call if call is not None and call.accepts_questions else None
    return {
        **_listing(coming=events),
        "questionnaire": questionnaire,
        "call": open_call,
        "question_form": ReaderQuestionForm(target=questionnaire) if open_call else None,
    }
