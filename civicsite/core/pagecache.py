"""Whole-page caching for anonymous readers, and the one switch that empties it.

Readers far outnumber editors, and on election night they all ask for the same few pages.
``PageCacheMiddleware`` keeps each public page (GET/HEAD, status 200, no cookies set, not
marked private by its view) in Django's cache -- Redis when REDIS_URL is set, local memory
otherwise -- and serves it again without touching the database.

Invalidation is by *generation*: every stored page records the generation that was
current when its rendering began, and a page whose generation is not the current one is a miss.
``invalidate()`` sets a new random one, so one write empties the whole page cache at once, on every
worker and (with Redis) every app server. It is called:

- by signal receivers for the models of every app whose AppConfig is a ``PublicContent``
  (candidates, articles, the site itself) and of taggit (``connect_signals``, from
  ``CivicsiteConfig.ready``); each app says which of its saves readers can see. A
  cache-invalidation hook is the one fair use of signals (README, "Code layout");
- explicitly by services that write with ``bulk_create``/``update``/``delete``, which send no
  signals (the results importer, comment moderation).

A page and the generation are read in one round trip (``get_many``); the generation changes at
once and again when the transaction commits, so a page rendered from rows that were not yet
committed is never stored under the new generation. One transaction bumps it twice however
many rows it writes (``invalidate``).

No stampede: after a change, one request renders a page again while the others get the copy
of the generation just replaced, for CACHE_STALE_SECONDS at most (``X-Page-Cache: stale``, with
an honest ``Age``); a render that fails keeps that copy. Cache-Control carries
stale-while-revalidate and stale-if-error so a CDN does the same.

Other processes: the generation (and the publishing schedule) must be seen by every process that
serves pages or writes content -- a results poller or an import run from another terminal or cron
must empty the running site's cache. With Redis everything lives there. Without it, pages stay
in each process's local memory (fast, private) and the generation lives in the ``"pagecache"``
cache, a small file-based cache in CACHE_DIR that every process on the machine shares
(settings.py); a page whose process missed a bump is simply a miss at its next request.

Requests that carry a session cookie (editors, anyone signed in) or a messages cookie
("Your comment is published") are never served from, nor stored in, the cache.

CSRF: cached article pages carry no per-reader token. The comment form is protected by checking
the Origin (or Referer) header against the site instead (articles/views.py,
``request_is_same_origin``), so the same HTML is safe to share between readers and CDNs.

Deploys: stored pages live at most CACHE_PAGE_TIMEOUT seconds; call ``invalidate()`` after a
deploy that changes templates to drop them at once.
"""

import secrets
import time
from typing import NamedTuple

from django.apps import apps
from django.conf import settings
from django.core.cache import cache, caches
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    set_response_etag,
)

from civicsite.core import edge, pagekeys, pagetags
from civicsite.core.pagetags import shared

GENERATION_KEY = "pages:generation"
# Times (Unix seconds) at which scheduled articles go public: no save happens then, so the
# middleware bumps the generation itself when the first of them has passed.
SCHEDULE_KEY = "pages:scheduled"

# A view that says any of these about its response is never stored or marked public.
UNCACHEABLE_DIRECTIVES = ("private", "no-store", "no-cache")


# --- The generation --------------------------------------------------------------------------


class Generation(NamedTuple):
    """The current generation, and the one it replaced (whose pages may be served while stale)."""

    token: str
    started: float  # Unix time of the change that began it
    previous: str = ""


def _new_token():
    # Random, not a clock: only equality with a stored page's generation matters, and two saves
    # in the same clock tick (or under a frozen test clock) must still differ.
    return secrets.token_hex(8)


def _bump(previous=None):
    """Start a new generation; return the token of the one it replaced.

    ``previous``: the generation whose pages may be served while stale, when it is not the one
    replaced now (the bump at a commit names the generation before its transaction began).
    """
    global _stored_since_bump
    _stored_since_bump = False
    store = shared()
    old = store.get(GENERATION_KEY)
    replaced = old.token if isinstance(old, Generation) else ""
    new = Generation(_new_token(), time.time(), replaced if previous is None else previous)
    store.set(GENERATION_KEY, new, timeout=None)
    edge.purge([edge.ALL_PAGES])
    return replaced


class _CommitBump:
    """The bump registered to run when a transaction that changed public rows commits."""

    def __init__(self, previous):
        self.previous = previous

    def __call__(self):
        _bump(previous=self.previous)


# Whether this process stored a page since its last bump (see ``invalidate``).
_stored_since_bump = False


def _commit_bump_due(connection):
    """The bump already registered for this transaction (or an enclosing savepoint), if any."""
    active = {sid for sid in connection.savepoint_ids if sid}
    for sids, func, _ in connection.run_on_commit:
        if isinstance(func, _CommitBump) and {sid for sid in sids if sid} <= active:
            return func
    return None


def invalidate():
    """Empty the page cache: now outside a transaction; inside one, now and at its commit.

    The signal receivers call this once per saved row, so an import writing 120 rows in one
    transaction calls it 120 times: it bumps at the first call and at the commit, and in
    between only when this process stored a page since its last bump (a page that may show the
    transaction's own uncommitted rows; a page another process stores meanwhile shows committed
    rows and is emptied at the commit). The commit's bump names the generation from before the
    transaction as the previous one, whose pages may be served for a few seconds while one
    request renders the page again (no stampede).
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _bump()  # autocommit: the row is committed already
        return
    due = _commit_bump_due(connection)
    if due is None:
        transaction.on_commit(_CommitBump(previous=_bump()))
    elif _stored_since_bump:
        _bump()


def current_generation():
    store = shared()
    generation = store.get(GENERATION_KEY)
    if not isinstance(generation, Generation):
        # First request after a flush or an eviction: add() so concurrent workers agree.
        store.add(GENERATION_KEY, Generation(_new_token(), time.time()), timeout=None)
        generation = store.get(GENERATION_KEY)
        if not isinstance(generation, Generation):  # a value an older release stored
            generation = Generation(_new_token(), time.time())
            store.set(GENERATION_KEY, generation, timeout=None)
    return generation


def schedule(when):
    """Empty the page cache at ``when`` too (an article scheduled to appear then)."""
    store = shared()
    times = store.get(SCHEDULE_KEY) or []
    store.set(SCHEDULE_KEY, sorted({*times, when.timestamp()})[:100], timeout=None)


def _publish_times_passed(times):
    """True (and the passed times forgotten) when a scheduled article has just gone public."""
    now = time.time()
    if not times or times[0] > now:
        return False
    shared().set(SCHEDULE_KEY, [t for t in times if t > now], timeout=None)
    return True


# --- Signal receivers -------------------------------------------------------------------------


class PublicContent:
    """Mixed into an app's AppConfig: the app's rows appear on public pages.

    The page cache asks the app, not a list of its own, whether a save changes what readers
    see, and when a saved row goes public later without another save (a scheduled article).
    The defaults say every save matters and nothing is scheduled.
    """

    def changes_public_pages(self, instance, created):
        return True

    def goes_public_at(self, instance):
        """When what pages show of ``instance`` changes with no save then (a scheduled article
        appears, an event leaves "Coming up"): a time, a list of times, or None."""
        return None


# Third-party apps whose rows appear on public pages (tags) and that have no AppConfig of
# ours to say so; the site names them when it connects the signals.
EVERY_SAVE_IS_PUBLIC = PublicContent()
_also_watched = set()


def _content_policy(model):
    """The PublicContent that speaks for ``model``, or None when its rows are never shown."""
    meta = model._meta
    # django-simple-history's Historical* rows never appear on public pages.
    if meta.model_name.startswith("historical"):
        return None
    if isinstance(meta.app_config, PublicContent):
        return meta.app_config
    return EVERY_SAVE_IS_PUBLIC if meta.app_label in _also_watched else None


def _on_save(sender, instance, created=False, **kwargs):
    policy = _content_policy(sender)
    if policy.changes_public_pages(instance, created) and not pagetags.is_covered():
        invalidate()
    times = policy.goes_public_at(instance)
    for when in times if isinstance(times, list | tuple) else [times]:
        if when and when > timezone.now():
            schedule(when)


def _on_delete(sender, **kwargs):
    if not pagetags.is_covered():
        invalidate()


def _on_m2m_changed(sender, instance, action, **kwargs):
    if action.startswith("post_") and _content_policy(type(instance)) and not pagetags.is_covered():
        invalidate()


def _on_setting_changed(setting, **kwargs):
    if setting != "CACHES":  # a new CACHES setting starts with empty caches anyway
        _bump()


def connect_signals(*, also_watch=()):
    """Called once from the site's AppConfig.ready(), so commands and the shell invalidate too.

    ``also_watch``: labels of third-party apps whose every save changes public pages.

    Connected per watched model, not for every sender: a post_delete receiver stops Django's
    fast (single-query) delete for its model, which sessions and login attempts should keep.
    """
    _also_watched.update(also_watch)
    for model in apps.get_models(include_auto_created=True):
        if _content_policy(model):
            uid = f"civicsite.core.pagecache.{model._meta.label_lower}"
            post_save.connect(_on_save, sender=model, dispatch_uid=f"{uid}.save")
            post_delete.connect(_on_delete, sender=model, dispatch_uid=f"{uid}.delete")
    m2m_changed.connect(_on_m2m_changed, dispatch_uid="civicsite.core.pagecache.m2m")
    # Settings change only in tests (override_settings); any page may show a setting.
    setting_changed.connect(_on_setting_changed, dispatch_uid="civicsite.core.pagecache.setting")


# --- The middleware ---------------------------------------------------------------------------


def skip_page_cache(view):
    """Mark a view's responses as never stored in the page cache (HTTP headers still apply)."""

    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.skip_page_cache = True
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def request_is_cacheable(request):
    """An anonymous reader's GET or HEAD of a public page, with no message waiting."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.path.startswith("/admin/")
    )


def response_is_cacheable(request, response):
    """A 200 that sets no cookie, that its view did not mark private, to a signed-out reader."""
    cache_control = response.get("Cache-Control", "")
    user = getattr(request, "user", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not any(directive in cache_control for directive in UNCACHEABLE_DIRECTIVES)
        and not (user is not None and user.is_authenticated)
    )


def mark_public(response, *, live=False):
    """Cache-Control for browsers and CDNs, and an ETag so a revalidation can answer 304.

    A CDN keeps serving its copy while it revalidates (stale-while-revalidate) or while the
    site answers with errors (stale-if-error), as the page cache itself does. A page showing
    figures still changing (``live``) may be kept RESULTS_LIVE_MAX_AGE seconds and served
    stale only CACHE_STALE_SECONDS more, so no cache holds a counting race's figures longer.
    """
    patch_cache_control(
        response,
        public=True,
        max_age=settings.RESULTS_LIVE_MAX_AGE if live else settings.CACHE_MAX_AGE,
        stale_while_revalidate=(
            settings.CACHE_STALE_SECONDS if live else settings.CACHE_STALE_WHILE_REVALIDATE
        ),
        stale_if_error=settings.CACHE_STALE_IF_ERROR,
    )
    if not response.has_header("ETag"):
        set_response_etag(response)


class Entry(NamedTuple):
    """A stored page."""

    generation: str
    headers: list
    content: bytes
    stored: float  # Unix time
    stamp: float = 0.0  # when its request began (civicsite/core/pagetags.py)
    tags: frozenset = frozenset()  # what it shows, beyond the generation


def stored_response(entry, *, state="hit"):
    """The stored page as a response, with an honest Age (seconds since it was rendered)."""
    response = HttpResponse(entry.content)
    for name, value in entry.headers:
        response[name] = value
    response["Age"] = str(max(0, int(time.time() - entry.stored)))
    response["X-Page-Cache"] = state
    if state == "stale":
        # The last copy, while one request renders the page again: no cache downstream (the
        # edge cache fetching after a purge, a browser) may keep it as if it were current.
        patch_cache_control(response, max_age=0)
    return response


def conditional(request, response):
    """304 Not Modified when the reader's If-None-Match names this page's ETag."""
    return (
        get_conditional_response(request, etag=response.get("ETag"), response=response) or response
    )


# Page key -> the tags of its last copy this process stored or served: read with the page, so a
# tagged page costs one round trip too. Bounded; a wrong or missing guess costs a second one.
_known_tags = {}
KNOWN_TAGS_MAX = 10_000


def lookup(key):
    """``key``, the generation, the schedule, the tags' clock and the tag versions the page had
    last time: one round trip when one store holds all. Returns (found, tags asked for)."""
    store = shared()
    tags = _known_tags.get(key, frozenset())
    shared_keys = [GENERATION_KEY, SCHEDULE_KEY, pagetags.CLOCK_KEY]
    shared_keys += [pagetags.tag_key(tag) for tag in tags]
    if store is caches["default"]:
        return cache.get_many([*shared_keys, key]), tags
    found = store.get_many(shared_keys)
    entry = cache.get(key)
    if entry is not None:
        found[key] = entry
    return found, tags


def remember_tags(key, tags):
    if _known_tags.get(key) != tags:
        if len(_known_tags) >= KNOWN_TAGS_MAX:
            _known_tags.clear()
        _known_tags[key] = tags


def entry_state(entry, generation, found=None, fetched=()):
    """ "fresh", "stale" (servable for a few seconds while one request renders it) or None.

    Stale: of the generation just replaced, within CACHE_STALE_SECONDS of the change, or with
    tags changed once since, as recently (pagetags.freshness). A page two changes old is never
    served, so what a reader sees is at most one change and a few seconds behind.
    """
    if not isinstance(entry, Entry) or generation is None:
        return None
    if entry.generation == generation.token:
        state = "fresh"
    elif (
        entry.generation == generation.previous
        and time.time() - generation.started < settings.CACHE_STALE_SECONDS
    ):
        state = "stale"
    else:
        return None
    if not entry.tags:
        return state
    versions = pagetags.current_versions(entry.tags, found, fetched)
    by_tags = pagetags.freshness(entry.stamp, entry.tags, versions)
    if by_tags is None:
        return None
    return "fresh" if state == by_tags == "fresh" else "stale"


def render_lock(key):
    return f"{key}:rendering"


class PageCacheMiddleware:
    """Serve anonymous readers' pages from the cache; set HTTP caching headers on every page.

    Sits after WhiteNoise (static files never reach it) and before the session middleware, so
    a cached page costs one cache round trip and no database query. Everything that is not
    stored as a public page and has no Cache-Control of its own gets ``private, no-store``
    (signed-in users, POST results, errors, 404s of articles about to be published).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        use_cache = settings.CACHE_PAGES and request_is_cacheable(request)
        entry = stale = None
        if use_cache:
            parameters = pagekeys.meaningful_parameters(request)
            # Without a query the page's key is known at once; with one, the names the view
            # reads (kept per path) say which parameters are part of it (core/pagekeys.py).
            first = pagekeys.reads_key(request) if parameters else pagekeys.page_key(request)
            found, fetched = lookup(first)
            generation = found.get(GENERATION_KEY)
            if _publish_times_passed(found.get(SCHEDULE_KEY)):
                _bump()
                generation = None
            if not isinstance(generation, Generation):
                generation = current_generation()
            if not parameters:
                entry = found.get(first)
            elif (reads := found.get(first)) is not None and reads[0] in (
                generation.token,
                generation.previous,
            ):
                # What the view read in this generation or the one just replaced (stale copy).
                entry = cache.get(pagekeys.page_key(request, parameters, reads[1]))
            stamp = pagetags.stamp_from(found)
            if isinstance(entry, Entry):
                remember_tags(first, entry.tags)
            state = entry_state(entry, generation, found, fetched)
            if state == "fresh":
                return conditional(request, stored_response(entry))
            if state == "stale":
                # No stampede: one request renders the page again, the others get the copy
                # of the generation just replaced meanwhile (for a few seconds at most).
                stale = entry
                lock = render_lock(first)
                if not cache.add(lock, 1, timeout=settings.CACHE_STALE_SECONDS):
                    return conditional(request, stored_response(stale, state="stale"))
            if parameters:
                request.GET = pagekeys.ReadRecorder(request.GET)

        try:
            with pagetags.recording() as tags:
                response = self.get_response(request)
        finally:
            if stale is not None:
                cache.delete(lock)

        if stale is not None and response.status_code >= 500:
            # A render that fails keeps the previous copy (as stale-if-error asks of a CDN).
            return conditional(request, stored_response(stale, state="stale"))
        if request_is_cacheable(request) and response_is_cacheable(request, response):
            mark_public(response, live=pagetags.LIVE_TAG in tags)
            edge.tag_response(response, tags)
            if use_cache and not getattr(response, "skip_page_cache", False):
                # A page that may show this thread's uncommitted rows is never stored.
                if not pagetags.shows_uncommitted(tags):
                    self.store(request, response, generation, parameters, stamp, tags)
                response["X-Page-Cache"] = "miss"
            return conditional(request, response)
        if (
            not response.has_header("Cache-Control")
            or settings.SESSION_COOKIE_NAME in request.COOKIES
        ):
            # No query here: a session cookie means "may be signed in", which is enough.
            add_never_cache_headers(response)
        return response

    @staticmethod
    def store(request, response, generation, parameters, stamp, tags):
        headers = [
            (name, value)
            for name, value in response.items()
            if name.lower() not in ("set-cookie", "x-page-cache", "age")
        ]
        entries = {}
        reads = pagekeys.EVERY_PARAMETER
        if parameters:
            reads = request.GET.read()
            entries[pagekeys.reads_key(request)] = (generation.token, reads)
        key = pagekeys.page_key(request, parameters, reads)
        entries[key] = Entry(
            generation.token, headers, response.content, time.time(), stamp, frozenset(tags)
        )
        cache.set_many(entries, timeout=settings.CACHE_PAGE_TIMEOUT)
        remember_tags(pagekeys.reads_key(request) if parameters else key, frozenset(tags))
        global _stored_since_bump
        _stored_since_bump = True
