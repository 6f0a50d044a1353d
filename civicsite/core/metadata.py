"""Metadata for search engines and social previews: schema.org JSON-LD, in one place.

Pages describe themselves with small dicts (``person``, ``election_event``,
``breadcrumb_list``); ``json_ld_script`` turns any of them into a ``<script
type="application/ld+json">`` element. That element is data, not script, so the CSP (no
inline script) does not block it; its text is escaped for ``<``, ``>`` and ``&`` with the
same rule as Django's ``json_script``, so a hostile title such as
``</script><script>alert(1)</script>`` cannot end the element. The articles app's
``json_ld`` filter uses this same function.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

SCHEMA_CONTEXT = "https://schema.org"

# The escapes of django.utils.html.json_script: inside <script>, "<", ">" and "&" could end
# the element or start markup, so they are written as JSON escapes.
JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld_dumps(data):
    """``data`` as JSON text that is safe inside a <script> element."""
    return json.dumps(data, cls=DjangoJSONEncoder).translate(JSON_SCRIPT_ESCAPES)


def json_ld_script(data):
    """A complete ``<script type="application/ld+json">`` element for ``data``."""
    return format_html(
        '<script type="application/ld+json">{}</script>', mark_safe(json_ld_dumps(data))
    )


def publisher(site_name):
    return {"@type": "Organization", "name": site_name}


def website(name, *, url, search_url):
    """schema.org WebSite with the site search (``search_url`` ends with "?q=")."""
    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "WebSite",
        "name": name,
        "url": url,
        "potentialAction": {
            "@type": "SearchAction",
            "target": f"{search_url}{{search_term_string}}",
            "query-input": "required name=search_term_string",
        },
    }


def breadcrumb_list(items):
    """BreadcrumbList from [(name, absolute url), ...], first to last (the page itself)."""
    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": url}
            for position, (name, url) in enumerate(items, start=1)
        ],
    }


def person(candidate, *, url, image_url="", same_as=()):
    """schema.org Person for a candidate's profile page."""
    data = {"@context": SCHEMA_CONTEXT, "@type": "Person", "name": candidate.name, "url": url}
    if candidate.ballot_name and candidate.ballot_name != candidate.name:
        data["alternateName"] = candidate.ballot_name
    if candidate.bio:
        data["description"] = candidate.bio
    if image_url:
        data["image"] = image_url
    same_as = [link for link in same_as if link]
    if same_as:
        data["sameAs"] = same_as
    return data


def election_event(election, *, url):
    """schema.org Event for polling day: the election's date at its jurisdiction."""
    data = {
        "@context": SCHEMA_CONTEXT,
        "@type": "Event",
        "name": election.name,
        "startDate": election.date.isoformat(),
        "endDate": election.date.isoformat(),
        "url": url,
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
    }
    if election.jurisdiction:
        data["location"] = {"@type": "Place", "name": election.jurisdiction}
    if election.description:
        data["description"] = election.description
    return data
