"""Marks for the live results script (candidates/static/candidates/live.js).

An element that holds one race's figures carries ``{% live_attrs page %}``: the race JSON's
address, the refresh interval the server chose and the layout key (candidates/race_data.py).
A race that is not live gets no attributes, so the script leaves it alone. No queries.
"""

from django import template
from django.utils.html import format_html

from candidates import race_data

register = template.Library()


@register.simple_tag
def live_attrs(page):
    """` data-live-url=... data-live-refresh=... data-live-layout=... data-live-said=...`
    or "" when the race is not live."""
    results = page.results
    seconds = race_data.refresh_seconds(results)
    if not seconds:
        return ""
    precincts = race_data.precincts_text(page.reporting.reporting, page.reporting.total)
    return format_html(
        ' data-live-url="{}" data-live-refresh="{}" data-live-layout="{}" data-live-said="{}"',
        race_data.json_url(page.race),
        seconds,
        race_data.layout_key(results),
        # What the live region would say now: said again only once the figures change.
        race_data.announce_text(results, precincts),
    )


@register.filter
def summary_parts(results):
    """(label, text) of the race's one-line summary, the same words the JSON gives."""
    return race_data.summary_parts(results)


@register.filter
def any_live(pages):
    """True when any race of ``pages`` (RacePage list) is live: the page loads the script."""
    return any(page.results.is_live for page in pages)


@register.filter
def status_text(results):
    """The race's standing in a few words ("Called; counting continues")."""
    return race_data.status_text(results)


@register.filter
def pair_with(values, others):
    """Zip two lists of the same length: {% for count, county in votes|pair_with:counties %}."""
    return list(zip(values, others, strict=False))


@register.filter
def status_for(statuses, unit):
    """The CountyStatus of ``unit`` among ``statuses`` (counting.county_statuses), or None."""
    return next((status for status in statuses or () if status.unit.pk == unit.pk), None)
