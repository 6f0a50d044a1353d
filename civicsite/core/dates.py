"""Machine-readable times, for ``<time datetime>`` and the JSON the live pages read.

A stored moment carries microseconds (``2021-11-02T21:42:07.123456-04:00``), which the HTML
standard's datetime syntax allows only up to milliseconds and validators refuse as we printed
them. Every page and JSON writes a moment through ``machine_time``: in the newsroom's time
zone (TIME_ZONE), to the second, with its offset.
"""

import datetime

from django.utils import timezone


def machine_time(value):
    """``2021-11-02T21:42:07-04:00`` for an aware datetime, ``2021-11-02`` for a date, ""
    for None (or anything else)."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return ""
