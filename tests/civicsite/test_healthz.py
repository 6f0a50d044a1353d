"""/healthz: database, cache and media disk space, answered within a second, failing part named.

The hole: with PostgreSQL paused /healthz hung like every other request, and with the media
disk full it still said ok. A frozen Redis here is ``BlackHole``: a real loopback server that
accepts connections and never answers. The frozen database is in test_faults.py
(test_a_database_that_accepts_and_never_answers_gives_503s_and_a_fast_healthz), which shares
its process with the 503 pages.
"""

import time

import pytest

from tests.civicsite.test_faults import BlackHole

pytestmark = pytest.mark.django_db


def test_healthz_names_each_part_when_all_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok" and report["failing"] == []
    assert set(report["checks"]) == {"database", "cache", "media"}
    assert all(check["ok"] for check in report["checks"].values())
    assert report["checks"]["media"]["free_mb"] >= report["checks"]["media"]["min_free_mb"]
    assert "no-cache" in response["Cache-Control"]


def redis_at(settings, location):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "civicsite.core.redis_cache.ResilientRedisCache",
            "LOCATION": location,
        },
    }


def test_healthz_names_the_cache_when_redis_is_stopped(client, settings):
    redis_at(settings, "redis://127.0.0.1:1/0")  # nothing listens there: refused
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]


def test_healthz_answers_within_a_second_when_redis_is_paused(client, settings):
    paused = BlackHole()
    try:
        redis_at(settings, f"redis://127.0.0.1:{paused.port}/0")
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    finally:
        paused.close()
    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]
    # The page cache's own lookups wait on the paused Redis too, a quarter second each, before
    # the view runs (civicsite/core/redis_cache.py); /healthz itself stops waiting at 0.8 s.
    assert elapsed < 2, elapsed


def test_healthz_names_the_media_disk_when_free_space_runs_low(client, settings):
    settings.MEDIA_MIN_FREE_MB = 10**9  # a petabyte: more than any disk has free
    response = client.get("/healthz")
    assert response.status_code == 503
    report = response.json()
    assert report["failing"] == ["media"]
    assert report["checks"]["media"]["min_free_mb"] == 10**9
    assert report["checks"]["media"]["free_mb"] < 10**9
