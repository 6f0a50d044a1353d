"""Fast, isolated settings for every test (fast settings: MD5 hasher, locmem email, fresh cache)."""

import os

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import override_settings

from civicsite.core import redis_cache


@pytest.fixture(scope="session", autouse=True)
def _own_redis_database():
    """Under ``pytest -n`` workers clear the cache between tests: each gets its own Redis db."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ...
    default = django_settings.CACHES["default"]
    if not worker or "redis" not in default["BACKEND"].lower():
        yield
        return
    base, _, number = default["LOCATION"].rpartition("/")
    location = f"{base}/{int(number or 0) + 1 + int(worker.removeprefix('gw'))}"
    with override_settings(
        CACHES={**django_settings.CACHES, "default": {**default, "LOCATION": location}}
    ):
        yield


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Production requires a second factor of editors (civicsite/signin.py); tests sign in with
    # force_login or a password, and tests/civicsite/test_logins*.py turn it back on.
    settings.TWO_FACTOR_REQUIRED = False
    # The manifest storage needs collectstatic; tests read static files from the app folders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    if "pagecache" in settings.CACHES:
        # The shared file cache of the embedded default: one folder per test, so parallel runs
        # never see each other's page-cache generation.
        settings.CACHES = {
            **settings.CACHES,
            "pagecache": {**settings.CACHES["pagecache"], "LOCATION": tmp_path / "pagecache"},
        }
    # Processes a test starts (manage.py commands, servers) get their own cache folder too:
    # the default one in the checkout is shared by every worker, and a parallel test's
    # import would empty another's page cache.
    monkeypatch.setenv("CACHE_DIR", str(tmp_path / "cache"))
    # A test that cut Redis off leaves the next one a Redis the breaker has not given up on.
    monkeypatch.setattr(redis_cache, "_skip_until", 0.0)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Drop the PostgreSQL test database cleanly after the browser tests.

    After Playwright-driven tests one idle connection to the test database is left that no
    Django connection handler in this thread owns (Playwright runs its calls in greenlets
    with their own context); PostgreSQL then refuses to drop the database. End such
    leftovers just before the test database is destroyed.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
