"""Writes on events beyond one row's own fields: publishing, and saying an event was held.

Each goes through Event.save(), so a change readers' calendars already hold raises the
event's SEQUENCE (articles/events/models.py) and the page cache is emptied by its signal.
"""

from django.db import transaction
from django.utils import timezone

from articles.events.models import Event


@transaction.atomic
def event_publish(*, event, when=None):
    """Make the event page public at ``when`` (now by default; a future time schedules it)."""
    if when is None and event.is_public:
        return event
    event.publication = Event.Publication.PUBLISHED
    event.publish_at = when or timezone.now()
    event.save()
    return event


@transaction.atomic
def event_unpublish(*, event):
    """Back to draft: readers, calendars and feeds get a 404 / lose it; publish_at is kept."""
    event.publication = Event.Publication.DRAFT
    event.save()
    return event


@transaction.atomic
def event_mark_held(*, event):
    """The event took place: its page shows the recording and the readers' questions."""
    if event.status != Event.Status.HELD:
        event.status = Event.Status.HELD
        event.save()
    return event
