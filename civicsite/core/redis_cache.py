"""Django's Redis cache that keeps the site up when Redis is down.

Every page can be built from the database; the cache only makes it faster. So a cache error
is logged and treated as a miss (reads) or a no-op (writes) instead of turning a reader's
request into a 500. ``add`` reports success when Redis is unreachable, so rate limits built on
it fail open rather than locking every commenter out during an outage. After a failure the
process leaves Redis alone for BREAKER_SECONDS, so a paused Redis costs a request one timeout,
not one per cache call.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


# After a failure, calls skip Redis for this long (per process): a request makes several cache
# calls (the page, the generation, the clock), and a paused Redis would make each one wait.
BREAKER_SECONDS = 1.0
_skip_until = 0.0


def _guarded(name, fallback):
    method = getattr(RedisCache, name)

    def guarded(self, *args, **kwargs):
        global _skip_until
        if time.monotonic() < _skip_until:
            return fallback(*args, **kwargs) if callable(fallback) else fallback
        try:
            return method(self, *args, **kwargs)
        except RedisError as exc:
            _skip_until = time.monotonic() + BREAKER_SECONDS
            logger.warning("Cache %s failed, serving without the cache: %s", name, exc)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    guarded.__name__ = name
    guarded.__doc__ = method.__doc__
    return guarded


def _default(key, default=None, *args, **kwargs):
    return default


# A Redis that is stopped refuses at once; one that is paused or cut off would hold a reader's
# request forever without these (seconds; OPTIONS in CACHES may set others). Loopback or LAN
# Redis answers in about a millisecond.
CONNECTION_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one ``redis.Redis`` per connection pool.

    Django builds a new ``redis.Redis`` for every call, which fills its table of response
    callbacks each time: about a sixth of a cached page's whole cost. A ``redis.Redis`` is safe
    to share between threads (each command takes a connection from the pool).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = params.get("OPTIONS") or {}
        super().__init__(server, {**params, "OPTIONS": {**CONNECTION_OPTIONS, **options}})
        self._class = ReusedClientRedisCacheClient

    get = _guarded("get", _default)
    get_many = _guarded("get_many", lambda *a, **k: {})
    has_key = _guarded("has_key", False)
    set = _guarded("set", None)
    set_many = _guarded("set_many", lambda *a, **k: [])
    add = _guarded("add", True)
    touch = _guarded("touch", False)
    delete = _guarded("delete", False)
    delete_many = _guarded("delete_many", None)
    incr = _guarded("incr", lambda key, delta=1, *a, **k: delta)
    clear = _guarded("clear", None)
