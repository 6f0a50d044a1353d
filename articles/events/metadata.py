"""What an event page says about itself: title, description and schema.org ``Event`` data
(eventStatus, eventAttendanceMode, a Place and/or VirtualLocation, the organizer, the
candidates as performers). Printed by civicsite/core/metadata.py; only loaded rows are read.
"""

from django.conf import settings
from django.utils import timezone
from django.utils.text import Truncator

from civicsite.core.metadata import SCHEMA_CONTEXT, page_meta, publisher

SCHEMA = "https://schema.org/"
EVENT_STATUS = {
    "scheduled": "EventScheduled",
    "held": "EventScheduled",  # schema.org has no "took place": the date says it
    "cancelled": "EventCancelled",
}


def _event_status(event):
    if event.is_rescheduled:
        return "EventRescheduled"
    if event.new_date_to_come:
        return "EventPostponed"
    return EVENT_STATUS[event.status]


def _attendance_mode(event):
    if event.in_person and event.is_online:
        return "MixedEventAttendanceMode"
    return "OnlineEventAttendanceMode" if event.is_online else "OfflineEventAttendanceMode"


def _locations(event, *, url):
    """A Place for the venue, a VirtualLocation for the stream: its address, or the event
    page's (``url``) while the stream's is not known, since schema.org's needs a url."""
    locations = []
    if event.in_person:
        place = {"@type": "Place", "name": event.venue or event.address}
        if event.address:
            place["address"] = event.address
        locations.append(place)
    if event.is_online:
        locations.append({"@type": "VirtualLocation", "url": event.stream_url or url})
    return locations


def _organizer(event):
    if not event.host:
        return publisher(settings.SITE_NAME)
    organizer = {"@type": "Organization", "name": event.host}
    if event.host_url:
        organizer["url"] = event.host_url
    return organizer


def event_data(request, event, *, url, candidates):
    zone = timezone.get_current_timezone()
    data = {
        "@context": SCHEMA_CONTEXT,
        "@type": "Event",
        "name": event.title,
        "url": url,
        "startDate": event.starts_at.astimezone(zone).isoformat(),
        "eventStatus": SCHEMA + _event_status(event),
        "eventAttendanceMode": SCHEMA + _attendance_mode(event),
        "organizer": _organizer(event),
    }
    if event.ends_at:
        data["endDate"] = event.ends_at.astimezone(zone).isoformat()
    if event.is_rescheduled:
        data["previousStartDate"] = event.previous_starts_at.astimezone(zone).isoformat()
    if event.description:
        data["description"] = Truncator(event.description).chars(300)
    if locations := _locations(event, url=url):
        data["location"] = locations[0] if len(locations) == 1 else locations
    if candidates:
        data["performer"] = [
            {
                "@type": "Person",
                "name": candidate.name,
                "url": request.build_absolute_uri(candidate.get_absolute_url()),
            }
            for candidate in candidates
        ]
    return data


def event_meta(request, event, *, candidates):
    url = request.build_absolute_uri(event.get_absolute_url())
    when = timezone.localtime(event.starts_at)
    description = Truncator(event.description).chars(200) or (
        f"{event.get_kind_display()}, {when:%B} {when.day}, {when.year}."
    )
    return page_meta(
        request,
        title=event.title,
        url=url,
        description=description,
        json_ld=[event_data(request, event, url=url, candidates=candidates)],
        robots="" if event.is_public else "noindex",
        breadcrumbs=[(event.title, None)],
    )
