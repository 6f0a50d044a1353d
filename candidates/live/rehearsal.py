"""The TEST banner: while ``replay_results`` runs, every public page says it is a rehearsal.

Why it lives in the shared cache: the banner is read while every public page renders, and no
page may pay a database query for it (pages keep a fixed number of queries). The replay runs
in its own process, so the flag goes where every process on the site reads the page cache's
generation (``pagecache.shared()``: Redis, or the file cache of the embedded default). The
Rehearsal row is the record of who rehearsed what, and when. The flag carries an "until" time,
so a replay that dies without ending leaves no banner for long; the page cache is emptied when
a rehearsal starts and when it ends, so no stored page keeps a stale banner.
"""

import time

from django.db import transaction
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from candidates.live.models import Rehearsal
from civicsite.core import pagecache

BANNER_KEY = "live:rehearsal"


def _publish(rehearsal):
    pagecache.shared().set(
        BANNER_KEY,
        {"until": rehearsal.until.timestamp(), "note": rehearsal.note, "id": rehearsal.pk},
        timeout=max(1, round(rehearsal.until.timestamp() - time.time())),
    )


def rehearsal_start(*, election=None, until, note=""):
    """Put the TEST banner up on every public page until ``until`` (or rehearsal_end)."""
    with transaction.atomic():
        rehearsal = Rehearsal.objects.create(election=election, until=until, note=note[:300])
    _publish(rehearsal)
    pagecache.invalidate()
    return rehearsal


def rehearsal_extend(*, rehearsal, until):
    """Keep the banner up longer (a replay that runs late), and put it back if it was lost."""
    rehearsal.until = max(rehearsal.until, until)
    rehearsal.save(update_fields=["until"])
    _publish(rehearsal)


def rehearsal_end(*, rehearsal):
    """Take the banner down (the replay finished, was stopped, or an editor ended it)."""
    if rehearsal.ended_at is None:
        rehearsal.ended_at = timezone.now()
        rehearsal.save(update_fields=["ended_at"])
    current = pagecache.shared().get(BANNER_KEY)
    if current is None or current.get("id") == rehearsal.pk:
        pagecache.shared().delete(BANNER_KEY)
    pagecache.invalidate()


def banner():
    """The running rehearsal's banner ({"until", "note"}), or None. No database query."""
    value = pagecache.shared().get(BANNER_KEY)
    if value and value.get("until", 0) > time.time():
        return value
    return None


def lazy_banner():
    """``banner()`` read only if a template asks (the admin's pages never do)."""
    return SimpleLazyObject(lambda: banner() or {})
