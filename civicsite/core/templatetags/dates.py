"""The datetime attribute of a ``<time>`` element (no queries).

    {% load dates %}
    <time datetime="{{ comment.created_at|machine_time }}">...</time>

Every template writes a moment this way, never with ``|date:'c'``, whose microseconds the
HTML validator refuses (civicsite/core/dates.py).
"""

from django import template

from civicsite.core import dates

register = template.Library()


@register.filter
def machine_time(value):
    return dates.machine_time(value)
