"""When the database, the cache or the media disk fails: a 503 within seconds, and /healthz.

README, "Robustness", Faults: the database down (stopped, unreachable or frozen) gives a 503
page within seconds, never a request that waits forever; pages already in the cache keep being
served, because a worker that gives up quickly is free again for the next reader.

Three limits bound the wait on PostgreSQL (settings.py, DATABASE_*):

- ``connect_timeout``: opening a connection (libpq's own, in the connection options);
- ``statement_timeout``: the server cancels a statement that runs too long (a lock wait, a bad
  plan); it is sent with every connection;
- the client's deadline (``DATABASE_CLIENT_TIMEOUT``, 2 s past the statement timeout): a server
  that is paused (SIGSTOP, a frozen VM) cancels nothing, and its kernel still acknowledges
  every packet, so neither TCP keepalives nor ``tcp_user_timeout`` notice. psycopg has no
  query timeout of its own, so each query is registered with one watchdog thread, which shuts
  the connection's socket down when the query has waited past the deadline. psycopg then
  raises OperationalError ("server closed the connection"), Django drops the connection, and
  DatabaseUnavailableMiddleware answers 503.

``health`` is /healthz's report: database, cache and free space on the media disk, each checked
in a thread of its own so that the answer comes within HEALTH_BUDGET (under a second) even when
a check hangs; a check still hanging from an earlier call is not started twice.
"""

import concurrent.futures
import logging
import os
import secrets
import shutil
import socket
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """A plain 503 page, not a traceback, when the database cannot be reached.

    Outermost, so it also covers the session and authentication middleware. Only connection
    failures are caught (OperationalError, InterfaceError: refused, timed out, closed by the
    watchdog); a bug in a query still surfaces as a 500 and reaches the logs as one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        except (OperationalError, InterfaceError) as exc:
            return self.unavailable(exc)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            return self.unavailable(exception)
        return None

    def unavailable(self, exc):
        logger.error("Database unavailable: %s", exc)
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        response["Cache-Control"] = "no-store"
        return response


# --- The client's deadline on PostgreSQL queries ----------------------------------------------


class QueryWatchdog:
    """One thread per process that shuts down the socket of a query waiting past its deadline.

    ``watching(fileno, seconds)`` registers a query for as long as it runs: two dictionary
    operations under a lock, no thread per query. The socket is shut down, not closed: the file
    descriptor stays psycopg's, so it cannot be reused by another socket under its feet.
    """

    TICK = 0.25  # seconds between looks; a deadline is kept to within this

    def __init__(self):
        self._lock = threading.Lock()
        self._waiting = {}  # token -> (deadline, fileno, started)
        self._thread = None
        # A worker forked from a process that had the thread has no thread: start a new one.
        os.register_at_fork(after_in_child=self._forget_thread)

    def _forget_thread(self):
        self._lock = threading.Lock()
        self._waiting = {}
        self._thread = None

    def watching(self, fileno, seconds):
        return _Watched(self, fileno, seconds)

    def add(self, fileno, seconds):
        token = object()
        now = time.monotonic()
        with self._lock:
            self._waiting[token] = (now + seconds, fileno, now)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="query-watchdog", daemon=True
                )
                self._thread.start()
        return token

    def remove(self, token):
        with self._lock:
            self._waiting.pop(token, None)

    def _run(self):
        while True:
            time.sleep(self.TICK)
            now = time.monotonic()
            with self._lock:
                expired = [
                    (token, fileno, now - started)
                    for token, (deadline, fileno, started) in self._waiting.items()
                    if deadline <= now
                ]
                for token, fileno, waited in expired:
                    # Under the lock: the query is still registered, so the descriptor is
                    # still its connection's.
                    del self._waiting[token]
                    shut_down_socket(fileno)
                    logger.error(
                        "Database gave no answer in %.1f s: connection closed (a paused or "
                        "frozen server?)",
                        waited,
                    )


class _Watched:
    def __init__(self, watchdog, fileno, seconds):
        self.watchdog, self.fileno, self.seconds = watchdog, fileno, seconds

    def __enter__(self):
        self.token = self.watchdog.add(self.fileno, self.seconds)

    def __exit__(self, *exc_info):
        self.watchdog.remove(self.token)


def shut_down_socket(fileno):
    try:
        duplicate = socket.socket(fileno=os.dup(fileno))
    except OSError:
        return
    try:
        duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the peer
    finally:
        duplicate.close()  # closes the duplicate only


watchdog = QueryWatchdog()


# Django's connection health check (CONN_HEALTH_CHECKS, ``is_usable``) sends exactly this
# before the first query of each request on a kept connection. A server that answers at all
# answers it in milliseconds, so it gets a short deadline of its own: with the full client
# deadline, a paused server cost each request that deadline *and then* the connect timeout of
# the reconnection Django makes next (7 + 3 s: the fault run's readers gave up at 10 s, and
# every gunicorn thread was held, so cached pages stalled too).
HEALTH_CHECK_QUERY = "SELECT 1"
HEALTH_CHECK_SECONDS = 1


def deadline_for(query):
    if query == HEALTH_CHECK_QUERY:
        return min(HEALTH_CHECK_SECONDS, settings.DATABASE_CLIENT_TIMEOUT)
    return settings.DATABASE_CLIENT_TIMEOUT


class DeadlineCursorMixin:
    """A psycopg cursor whose queries end at DATABASE_CLIENT_TIMEOUT, answered or not."""

    def execute(self, query, *args, **kwargs):
        with watchdog.watching(self.connection.pgconn.socket, deadline_for(query)):
            return super().execute(query, *args, **kwargs)

    def executemany(self, *args, **kwargs):
        with watchdog.watching(self.connection.pgconn.socket, settings.DATABASE_CLIENT_TIMEOUT):
            return super().executemany(*args, **kwargs)


_deadline_classes = {}


def deadline_cursor_class(base):
    """DeadlineCursorMixin over the cursor class Django chose (client- or server-side binding)."""
    if issubclass(base, DeadlineCursorMixin):
        return base
    if base not in _deadline_classes:
        _deadline_classes[base] = type(f"Deadline{base.__name__}", (DeadlineCursorMixin, base), {})
    return _deadline_classes[base]


def use_deadline_cursors(sender, connection, **kwargs):
    """connection_created: every cursor of a new PostgreSQL connection keeps the deadline.

    Django's own health check (``is_usable``) and every ORM query go through
    ``connection.cursor()``, so they all do. Connected in CoreConfig.ready().
    """
    if connection.vendor != "postgresql" or not settings.DATABASE_CLIENT_TIMEOUT:
        return
    raw = connection.connection
    raw.cursor_factory = deadline_cursor_class(raw.cursor_factory)


# --- /healthz ---------------------------------------------------------------------------------

HEALTH_BUDGET = 0.8  # seconds /healthz waits for its checks, all together
NO_ANSWER = f"no answer within {HEALTH_BUDGET} s"

_executor = concurrent.futures.ThreadPoolExecutor(max_workers=6, thread_name_prefix="healthz")
_running = {}  # check name -> (future, started), while a check has not come back
_running_lock = threading.Lock()


def check_database():
    """SELECT 1 on a connection of its own (the checking thread's), closed afterwards."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()
    return {}


def check_cache():
    """A value written and read back: the Redis cache logs and swallows its errors, so a cache
    that is down shows as a value that does not come back."""
    token = secrets.token_hex(8)
    cache.set("healthz", token, 30)
    if cache.get("healthz") != token:
        raise RuntimeError("the cache did not give back what was written to it")
    return {}


def media_disk_path():
    """MEDIA_ROOT, or its nearest folder that exists (before the first upload)."""
    path = Path(settings.MEDIA_ROOT)
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_media():
    free = shutil.disk_usage(media_disk_path()).free
    facts = {"free_mb": free // 2**20, "min_free_mb": settings.MEDIA_MIN_FREE_MB}
    if free < settings.MEDIA_MIN_FREE_MB * 2**20:
        raise LowDiskSpace(facts)
    return facts


class LowDiskSpace(Exception):
    def __init__(self, facts):
        super().__init__("free space on the media disk is below MEDIA_MIN_FREE_MB")
        self.facts = facts


CHECKS = {"database": check_database, "cache": check_cache, "media": check_media}


def _timed(check):
    started = time.monotonic()
    facts = check()
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1), **facts}


def health():
    """{"status": "ok" | "unavailable", "failing": [names], "checks": {name: {...}}}.

    Answers within HEALTH_BUDGET whatever hangs. Messages are generic (this is a public
    address): what failed, never a host name or a driver's message.
    """
    now = time.monotonic()
    futures = {}
    checks = {}
    with _running_lock:
        for name, check in CHECKS.items():
            running = _running.get(name)
            if running and not running[0].done():
                checks[name] = {
                    "ok": False,
                    "error": f"still waiting for the check started {now - running[1]:.1f} s ago",
                }
                continue
            future = _executor.submit(_timed, check)
            _running[name] = (future, now)
            futures[name] = future
    concurrent.futures.wait(futures.values(), timeout=HEALTH_BUDGET)
    for name, future in futures.items():
        if not future.done():
            checks[name] = {"ok": False, "error": NO_ANSWER}
        elif isinstance(future.exception(), LowDiskSpace):
            checks[name] = {"ok": False, "error": str(future.exception())}
            checks[name].update(future.exception().facts)
        elif future.exception() is not None:
            error = future.exception()
            logger.error("Health check %s failed: %s", name, error)
            checks[name] = {"ok": False, "error": type(error).__name__}
        else:
            checks[name] = future.result()
    failing = [name for name in CHECKS if not checks[name]["ok"]]
    return {
        "status": "unavailable" if failing else "ok",
        "failing": failing,
        "checks": {name: checks[name] for name in CHECKS},
    }
