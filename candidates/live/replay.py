"""Replaying a stored night, step by step, so a desk can rehearse (``replay_results``).

The steps are the night's own pulls that brought a file (applied, held, rejected or superseded
then), in the order they came. Each step goes through the same staging as a live pull
(candidates/live/services.py, ``source_receive``): normal changes reach the pages, a step the
rules find suspicious is held again for the desk to apply or reject. Each source's first step
starts its part of the night over: it is applied whatever readers saw before (the end of an
earlier replay). Replayed
pulls are marked ``replay`` and never replayed themselves.

A replay rewrites the election's figures, so it refuses an election with a final race: a final
race's changed figures would be logged publicly as corrections. Rehearse on an election made
for it (the demo's "Rehearsal night", candidates/live/demo.py) or on one not yet counted.
While it runs, every public page carries the TEST banner (candidates/live/rehearsal.py).
"""

import time
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from candidates.live import feeds
from candidates.live.models import Pull
from candidates.live.rehearsal import rehearsal_end, rehearsal_extend, rehearsal_start
from candidates.live.services import source_receive
from candidates.models import Race

# The banner stays up this long past the replay's planned end (a slow step, a slow machine).
BANNER_MARGIN = timedelta(minutes=2)


@dataclass
class Step:
    pull: Pull
    wait: float  # seconds to wait before this step


def night_steps(election, *, source=None):
    """The stored night of ``election`` (optionally of one source), oldest first."""
    pulls = Pull.objects.replayable().filter(source__election=election)
    if source is not None:
        pulls = pulls.filter(source=source)
    return list(pulls.select_related("source__election", "payload"))


def plan_steps(pulls, *, speed=60.0, interval=None):
    """Each pull with the wait before it: the night's own gaps divided by ``speed``, or a fixed
    ``interval`` of seconds."""
    steps, previous = [], None
    for pull in pulls:
        if previous is None:
            wait = 0.0
        elif interval is not None:
            wait = float(interval)
        else:
            gap = (pull.started_at - previous.started_at).total_seconds()
            wait = max(0.0, gap / speed)
        steps.append(Step(pull=pull, wait=wait))
        previous = pull
    return steps


def replay_refusal(election):
    """Why ``election`` cannot be replayed now, or "". A race that is or was final
    (``final_at``) logs changed figures as public corrections, so it is never replayed."""
    final = [
        race.heading
        for race in Race.objects.filter(election=election)
        .filter(Q(status__in=Race.FINAL_STATUSES) | Q(final_at__isnull=False))
        .select_related("office")
    ]
    if final:
        return (
            f"{', '.join(final)} {'is' if len(final) == 1 else 'are'} final, or was: a "
            "replay would rewrite final figures and log them publicly as corrections. "
            "Rehearse on an election made for it (the demo's rehearsal night) or on one not "
            "counted yet."
        )
    return ""


def replay_night(*, election, steps, note="", sleep=time.sleep, notify=True):
    """Replay ``steps`` (``plan_steps``) with the TEST banner up; yields each PollResult."""
    remaining = sum(step.wait for step in steps)
    rehearsal = rehearsal_start(
        election=election,
        until=timezone.now() + timedelta(seconds=remaining) + BANNER_MARGIN,
        note=note,
    )
    started = set()  # sources whose first step has come
    try:
        for step in steps:
            if step.wait:
                sleep(step.wait)
            remaining -= step.wait
            # A replay that runs late keeps its banner (and restores it if the cache lost it).
            rehearsal_extend(
                rehearsal=rehearsal,
                until=timezone.now() + timedelta(seconds=remaining) + BANNER_MARGIN,
            )
            pull = step.pull
            fetched = feeds.Fetched(
                content=bytes(pull.payload.content),
                fetched_url=f"replay of pull {pull.pk}",
                format=pull.source.format,
                version=pull.version,
            )
            first = pull.source_id not in started
            started.add(pull.source_id)
            yield source_receive(pull.source, fetched, replay=True, force=first, notify=notify)
    finally:
        rehearsal_end(rehearsal=rehearsal)
