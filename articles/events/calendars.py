"""Calendars readers can add or subscribe to, written by the icalendar library (RFC 5545).

- One ``.ics`` per event: its times in the newsroom's zone (``TZID`` with the matching
  ``VTIMEZONE``), its ``UID`` fixed for ever, ``SEQUENCE`` raised by every published change
  (Event.save), so a calendar that imported it takes the update; a cancellation is the same
  event with ``STATUS:CANCELLED``, a postponement without a new date ``STATUS:TENTATIVE``.
- One feed per election (readers subscribe to it): its events, and the election days of the
  election, of the one it is a runoff of and of its runoffs, as all-day events.

The functions take rows already loaded and return bytes: no queries here.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.text import slugify
from icalendar import Calendar
from icalendar import Event as CalendarEvent

CONTENT_TYPE = "text/calendar; charset=utf-8"

STATUS = {
    "scheduled": "CONFIRMED",
    "postponed": "CONFIRMED",  # to the new date; with none yet: TENTATIVE (calendar_event)
    "held": "CONFIRMED",
    "cancelled": "CANCELLED",
}


def _zone():
    return ZoneInfo(settings.TIME_ZONE)


def _site():
    return slugify(settings.SITE_NAME) or "civicsite"


def _calendar(name):
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.SITE_NAME}//Election events//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    return calendar


def _add_zone(calendar, dates):
    """The VTIMEZONE of the newsroom's zone, covering the calendar's dates (a year either side,
    not 1970-2038: a few lines instead of hundreds)."""
    if not dates:
        return
    first = min(dates).replace(month=1, day=1) - datetime.timedelta(days=366)
    last = max(dates).replace(month=12, day=31) + datetime.timedelta(days=366)
    calendar.add_missing_timezones(first_date=first, last_date=last)


def event_description(event, *, url):
    """Plain text for calendar clients: what, where to watch, why it changed, the page."""
    lines = []
    if event.is_cancelled:
        lines.append(f"Cancelled: {event.status_note}")
    elif event.status_note:
        lines.append(f"{event.get_status_display()}: {event.status_note}")
    if event.description:
        lines.append(event.description)
    if event.host:
        lines.append(f"Hosted by {event.host}.")
    if event.stream_url and not event.is_cancelled:
        lines.append(f"Watch: {event.stream_url}")
    if event.recording_url:
        lines.append(f"Recording: {event.recording_url}")
    lines.append(f"Details: {url}")
    return "\n\n".join(lines)


def _location(event):
    place = ", ".join(part for part in (event.venue, event.address) if part)
    return place or event.stream_url or ("Online" if event.online else "")


def calendar_event(event, *, url):
    """The VEVENT of one event (``url``: its page, absolute)."""
    zone = _zone()
    item = CalendarEvent()
    item.add("uid", f"{event.uid}@{_site()}")
    item.add("sequence", event.sequence)
    # DTSTAMP, CREATED and LAST-MODIFIED are UTC by the RFC.
    item.add("dtstamp", event.updated_at.astimezone(datetime.UTC))
    item.add("created", event.created_at.astimezone(datetime.UTC))
    item.add("last-modified", event.updated_at.astimezone(datetime.UTC))
    item.add("dtstart", event.starts_at.astimezone(zone))
    if event.ends_at:
        item.add("dtend", event.ends_at.astimezone(zone))
    title = event.title
    if event.is_cancelled:
        title = f"Cancelled: {title}"
    elif event.new_date_to_come:
        title = f"Postponed: {title}"
    item.add("summary", title)
    item.add("description", event_description(event, url=url))
    if location := _location(event):
        item.add("location", location)
    item.add("url", url)
    item.add("categories", [event.get_kind_display()])
    item.add("status", "TENTATIVE" if event.new_date_to_come else STATUS.get(event.status))
    item.add("transp", "TRANSPARENT" if event.is_deadline else "OPAQUE")
    return item


def election_day(election, *, url):
    """An election day as an all-day VEVENT (its UID is the election's, for ever)."""
    item = CalendarEvent()
    item.add("uid", f"election-{election.pk}@{_site()}")
    # Fixed, so the feed reads the same on every request (the election has no "changed at").
    midnight = datetime.datetime.combine(election.date, datetime.time(), _zone())
    item.add("dtstamp", midnight.astimezone(datetime.UTC))
    item.add("dtstart", election.date)
    item.add("dtend", election.date + datetime.timedelta(days=1))
    item.add("summary", f"Election day: {election.name}")
    item.add("description", f"Polls are open. Races and results: {url}")
    item.add("url", url)
    item.add("categories", [f"{election.get_kind_display()} election"])
    item.add("transp", "TRANSPARENT")
    return item


def event_ics(event, *, url):
    """The .ics file of one event."""
    calendar = _calendar(event.title)
    calendar.add_component(calendar_event(event, url=url))
    _add_zone(calendar, [event.starts_at.astimezone(_zone()).date()])
    return calendar.to_ical()


def election_ics(election, *, days, events):
    """The feed of an election: ``days`` is [(election, url)], ``events`` [(event, url)]."""
    calendar = _calendar(f"{election.name}, {election.date:%Y}: dates and events")
    for day, url in days:
        calendar.add_component(election_day(day, url=url))
    for event, url in events:
        calendar.add_component(calendar_event(event, url=url))
    _add_zone(calendar, [event.starts_at.astimezone(_zone()).date() for event, _ in events])
    return calendar.to_ical()
