"""What a stored page shows, so that new results empty only the pages that show them.

On election night results change every few minutes while readers reload; emptying the whole page
cache at each import (the generation, civicsite/core/pagecache.py) would serve every page at its
cold speed exactly then. So a page also records *tags* for the things whose figures it shows
("race:12", "election:3", "races" for lists of races by state), and a results write empties only
the pages carrying its tags. Every other change still empties the whole cache: tags are an
exception made for the writes that happen all night, not a second way to describe every page.

- A page records its tags while it renders: ``shows("race:12")``, called by the one place that
  reads a race's figures or state (candidates/results.py), so every page, box, embed and JSON
  that shows them records them without having to remember.
- A results write calls ``invalidate_tags(...)`` inside ``changing(...)``, which also keeps the
  row signals of that write from emptying the whole cache (candidates/importing).
- A page that reads a table an app registered with ``default_tag_for`` but records no tag at
  all gets that app's default tag ("races": every results write changes it). A page that shows
  results without saying which therefore still goes stale at each results write: forgetting a
  ``shows`` call costs renders, never correctness.
- LIVE_TAG marks a page that shows figures still changing; the page cache gives it a short
  max-age so browsers and CDNs hold it only seconds (civicsite/core/pagecache.py).

Correctness does not depend on when ``shows`` is called during a render: a stored page keeps the
*stamp* read when its request began, each tag keeps the stamp of its last change (taken after
the change committed), and a page is fresh only while every tag's stamp is older than the page's.
A change that committed before the page's request began is in the page; one that committed after
makes it stale. Stamps are a Redis counter when Redis holds the shared store (app servers' clocks
may differ), and the clock of the one machine otherwise.

Tag versions are kept without expiry in Redis (document ``maxmemory-policy volatile-lru``, so
only pages, which expire, are evicted) and for twice CACHE_PAGE_TIMEOUT in the file store (a
page older than that has expired anyway). A missing version means "never changed".
"""

import contextvars
import threading
import time
from contextlib import contextmanager
from typing import NamedTuple

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction

from civicsite.core import edge

# The cache alias that holds what every process must agree on, when it is not the default one.
SHARED_ALIAS = "pagecache"
TAG_KEY_PREFIX = "pages:tag:"
CLOCK_KEY = "pages:clock"
LIVE_TAG = "live"

# Table name -> the tag a page that reads it and records no tag of its own gets.
_default_tags = {}

_recording = contextvars.ContextVar("civicsite_page_tags", default=None)
_this_thread = threading.local()
_covered = contextvars.ContextVar("civicsite_covered_change", default=False)


def shared():
    """Where the generation, the schedule and tag versions live: seen by every process."""
    # caches.settings, not settings.CACHES: in tests the two differ for a moment while an
    # override of CACHES is being undone.
    # caches["default"], not the ``cache`` proxy: counts_in_redis() checks the backend's class.
    return caches[SHARED_ALIAS] if SHARED_ALIAS in caches.settings else caches["default"]


def counts_in_redis(store=None):
    return isinstance(store or shared(), RedisCache)


def tag_key(tag):
    return TAG_KEY_PREFIX + tag


class TagVersion(NamedTuple):
    stamp: float  # when the tag last changed, as a stamp (see the module docstring)
    changed: float  # Unix time of that change
    previous: float  # the stamp of the change before it (0: none)


# --- Stamps -----------------------------------------------------------------------------------


def _initial_counter():
    # Microseconds since the epoch: a counter started again after an eviction is still above
    # every stamp given out before it.
    return int(time.time() * 1_000_000)


def stamp_from(found):
    """The stamp at the start of a request, from the shared values read with its page."""
    if not counts_in_redis():
        return time.time()
    value = found.get(CLOCK_KEY)
    if value is None:
        # First request after a flush (or Redis unreachable): start the counter. If another
        # process started it first, or Redis did not answer, this page's stamp is 0: it is
        # never taken as newer than any change (no extra round trip to read the winner's).
        start = _initial_counter()
        if not shared().add(CLOCK_KEY, start, timeout=None):
            return 0.0
        value = start
    # Between ticks: after the change that gave ``value`` (the page may show it), before the
    # next one (a tick's stamp is a whole number above it), so freshness can compare strictly.
    return value + 0.5


def _tick():
    """A stamp later than every stamp read before the call (after a change has committed)."""
    store = shared()
    if not counts_in_redis(store):
        return time.time()
    try:
        value = store.incr(CLOCK_KEY)
    except ValueError:  # evicted or never set
        store.add(CLOCK_KEY, _initial_counter(), timeout=None)
        value = store.incr(CLOCK_KEY)
    if value > 1:
        return value
    # Redis did not answer (the cache's fallback is 1): the counter started at the microseconds
    # since the epoch and counts changes, so the time now in microseconds is later than every
    # stamp it gave; move it there if Redis is back. Pages showing the change are never taken
    # for newer than it, at worst rendered again until the next one.
    value = _initial_counter()
    store.set(CLOCK_KEY, value, timeout=None)
    return value


# --- Recording what a page shows --------------------------------------------------------------


class _Recorded(set):
    """The tags of the page being rendered; ``declared`` once any ``shows`` call was made."""

    declared = False


def shows(*tags):
    """Say that the page being rendered shows ``tags``; nothing outside a page-cache render.

    With no tags: the page says it shows nothing the registered tables hold that changes
    without a structural change (it reads them for names and links), so it gets no default.
    """
    recorded = _recording.get()
    if recorded is not None:
        recorded.update(tags)
        recorded.declared = True


def default_tag_for(tag, *models):
    """A page that reads ``models``' tables and says nothing of what it shows gets ``tag``."""
    for model in models:
        _default_tags[model._meta.db_table] = tag


@contextmanager
def recording():
    """While a page renders: the set its ``shows`` calls fill (and the default tags of the
    registered tables it read, if it recorded none)."""
    tags, defaults = _Recorded(), set()

    def note_tables(execute, sql, params, many, context):
        for table, tag in _default_tags.items():
            if tag not in defaults and table in sql:
                defaults.add(tag)
        return execute(sql, params, many, context)

    token = _recording.set(tags)
    try:
        with connection.execute_wrapper(note_tables):
            yield tags
    finally:
        _recording.reset(token)
        if not tags.declared:
            tags.update(defaults)


def versions(tags):
    """The TagVersion of each of ``tags`` that ever changed."""
    if not tags:
        return {}
    found = shared().get_many([tag_key(tag) for tag in tags])
    return {key.removeprefix(TAG_KEY_PREFIX): value for key, value in found.items()}


def freshness(stamp, tags, found_versions, *, now=None):
    """ "fresh", "stale" (servable for a few seconds while one request renders it) or None.

    Stale: each tag changed since the page was rendered changed only once since, and less than
    CACHE_STALE_SECONDS ago; a page two changes behind is never served.
    """
    now = time.time() if now is None else now
    state = "fresh"
    for tag in tags:
        version = found_versions.get(tag)
        if not isinstance(version, TagVersion) or version.stamp < stamp:
            continue
        if version.previous < stamp and now - version.changed < settings.CACHE_STALE_SECONDS:
            state = "stale"
            continue
        return None
    return state


# --- Changing what pages show -----------------------------------------------------------------


def _bump_tags(tags, previous=None):
    """New versions for ``tags``; return their stamps before (0 for a tag never changed)."""
    store = shared()
    old = versions(tags)
    before = {tag: old[tag].stamp if isinstance(old.get(tag), TagVersion) else 0.0 for tag in tags}
    stamp, now = _tick(), time.time()
    timeout = None if counts_in_redis(store) else 2 * settings.CACHE_PAGE_TIMEOUT
    store.set_many(
        {
            tag_key(tag): TagVersion(stamp, now, (previous or before).get(tag, before[tag]))
            for tag in tags
        },
        timeout=timeout,
    )
    edge.purge(tags)
    return before


class _CommitTagBump:
    """The bump of a transaction's tags, run when it commits (tags added until then)."""

    def __init__(self):
        self.previous = {}

    def add(self, before):
        for tag, stamp in before.items():
            self.previous.setdefault(tag, stamp)

    def __call__(self):
        _bump_tags(set(self.previous), previous=self.previous)


def invalidate_tags(*tags):
    """Make pages that show ``tags`` stale: at once outside a transaction, else at its commit.

    Inside a transaction other processes cannot see its rows yet: a page they rendered on an
    earlier bump would show the old figures and be thrown away at the commit (two renders
    per change, half of them wasted). So the shared bump (and the edge purge) waits for the
    commit and names the versions from before the transaction as the previous ones (a stale
    copy may be served). Meanwhile only this thread, which can see the transaction's rows,
    treats the tags as changed (``current_versions``) and stores no page that shows them: the
    transaction may still roll back.
    """
    tags = set(tags)
    if not tags:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _bump_tags(tags)
        return
    found = versions(tags)
    before = {
        tag: found[tag].stamp if isinstance(found.get(tag), TagVersion) else 0.0 for tag in tags
    }
    pending = _pending(create=True)
    stamp, now = _tick(), time.time()
    for tag in tags:
        earlier = pending.get(tag)
        pending[tag] = TagVersion(stamp, now, earlier.stamp if earlier else before[tag])
    # One bump per transaction, however many writes (and savepoints) it holds: joining a bump
    # that a rollback could still drop is safe, since such a rollback drops this change too.
    for _, func, _ in connection.run_on_commit:
        if isinstance(func, _CommitTagBump):
            func.add(before)
            return
    bump = _CommitTagBump()
    bump.add(before)
    transaction.on_commit(bump)


def _pending(*, create=False):
    """{tag: TagVersion} changed by this thread's open transaction (forgotten once it ends,
    committed or rolled back: a new outermost atomic block is a new transaction)."""
    connection = transaction.get_connection()
    outermost = connection.atomic_blocks[0] if connection.atomic_blocks else None
    owner, pending = getattr(_this_thread, "pending", (None, None))
    if outermost is None or owner is not outermost:
        pending = None
    if pending is None:
        pending = {}
        _this_thread.pending = (outermost, pending) if create else (None, None)
    return pending


def current_versions(tags, found=None, fetched=()):
    """``versions(tags)`` as this thread sees them: with its open transaction's changes.

    ``found``/``fetched``: shared values already read with the page (``fetched`` the tags whose
    version keys were asked for), so that only the others cost a round trip.
    """
    found = found or {}
    known = {tag: found[tag_key(tag)] for tag in tags if tag in fetched and tag_key(tag) in found}
    missing = [tag for tag in tags if tag not in fetched]
    found = {**known, **versions(missing)}
    pending = _pending()
    found.update({tag: pending[tag] for tag in tags if tag in pending})
    return found


def shows_uncommitted(tags):
    """True when a page showing ``tags`` may show rows of this thread's open transaction."""
    pending = _pending()
    return bool(pending) and not pending.keys().isdisjoint(tags)


@contextmanager
def changing(*tags):
    """A write that changes only what ``tags`` stand for: its row signals empty nothing more.

    The page cache's signal receivers ask ``is_covered()`` before emptying the whole cache.
    """
    token = _covered.set(True)
    try:
        yield
    finally:
        _covered.reset(token)
    invalidate_tags(*tags)


def is_covered():
    return _covered.get()
