"""Settings for civicsite, read from the environment (twelve-factor).

Every variable is listed, with its default, in README.md and .env.example. The defaults are
safe for a laptop: SQLite, local-memory cache, media on disk. With DEBUG off the production
posture is on (secure cookies, HSTS, SSL redirect, CSP) and a missing SECRET_KEY stops start-up.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random string in production, "
            "or set DEBUG=1 for local development (see README.md, Configuration)."
        )
    SECRET_KEY = "django-insecure-local-development-only-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Django's admin, with the desk's own site (civicsite/admin_site.py: the home page's
    # "Waiting for you", readable autocomplete results).
    "civicsite.apps.DeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "taggit",
    "csp",
    "axes",
    # Staff's second factor (civicsite/signin.py): authenticator apps (TOTP) and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Edit history with who and when, revertible in the admin (civicsite/core/history.py says why).
    "simple_history",
    # The floor the apps stand on (page cache, uploads, markup, history, metadata, pagination).
    "civicsite.core",
    # The site that composes the apps (home, search, feeds and sitemaps wired into urls.py).
    "civicsite",
    "candidates",
    # Election night's results feeds: sources, pulls, holds, rehearsals (part of candidates).
    "candidates.live",
    "articles",
]

MIDDLEWARE = [
    "civicsite.core.outage.DatabaseUnavailableMiddleware",
    # A full disk while an upload is written: a 503 page saying it was not stored.
    "civicsite.core.uploads.StorageFullMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous readers' pages from the cache, before sessions and the database are touched;
    # HTTP caching headers on every page (civicsite/core/pagecache.py).
    "civicsite.core.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session gave its second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # Editors and superusers give a second factor before the admin opens; an idle signed-in
    # session ends after SESSION_IDLE_HOURS (civicsite/signin.py).
    "civicsite.signin.SecondFactorMiddleware",
    "civicsite.signin.IdleSessionMiddleware",
    # Hands the request to django-simple-history, so each history row records who changed it.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Editors' logins (civicsite/signin.py): django-axes locks a username from one client address
# after 5 failures for 15 minutes, so an attacker elsewhere cannot lock an editor out; every
# attempt is logged. The address is the one comments trust (COMMENTS_TRUSTED_PROXIES), never
# a proxy's. A superuser unlocks in the admin (Axes > Access attempts) or `manage.py axes_reset`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Caps the guesses at one account from all addresses together, and tells the admins.
    "civicsite.signin.AccountThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "civicsite/locked_out.html"
# Cut to axes' 255-character column: PostgreSQL refuses longer (civicsite/signin.py).
AXES_USERNAME_CALLABLE = "civicsite.signin.axes_username"
AXES_CLIENT_IP_CALLABLE = "civicsite.signin.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "civicsite.signin.lockout_response"
# One row per failed sign-in: the per-account throttle counts them.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Per account, whatever the address: after this many failed sign-ins within the window, sign-in
# for that username pauses until the oldest ages out; ADMINS and EDITORS_EMAIL are told.
SIGNIN_ACCOUNT_FAILURE_LIMIT = env_int("SIGNIN_ACCOUNT_FAILURE_LIMIT", 20)
SIGNIN_ACCOUNT_WINDOW_MINUTES = env_int("SIGNIN_ACCOUNT_WINDOW_MINUTES", 60)
# Editors and superusers sign in with a second factor (an authenticator app, or a one-time
# recovery code). On by default; tests switch it off (tests/conftest.py) and on again where
# they test it. TWO_FACTOR_REQUIRED=0 only for a demo on a laptop.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", default=True)
# The device admin shows no secret keys or recovery codes, even to superusers.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# A signed-in session ends after this many hours without a request (the default was 14 days).
SESSION_IDLE_HOURS = env_int("SESSION_IDLE_HOURS", 4)
SESSION_COOKIE_AGE = SESSION_IDLE_HOURS * 60 * 60
# Who hears about accounts under attack: comma-separated addresses.
ADMINS = [(address, address) for address in env_list("ADMINS")]

ROOT_URLCONF = "civicsite.urls"
WSGI_APPLICATION = "civicsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civicsite.core.context_processors.site",
                # The TEST banner while replay_results runs (candidates/live/rehearsal.py)
                "candidates.live.context_processors.rehearsal",
            ],
        },
    },
]

# Database: SQLite file by default; DATABASE_URL=postgres://... for PostgreSQL (psycopg 3).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    # Server-side parameters let psycopg prepare a query the second time a connection runs it,
    # so PostgreSQL stops re-planning the same page queries (the race query planned in ~2 ms
    # and ran in 0.2). Set DATABASE_PREPARED_STATEMENTS=0 behind a transaction-pooling proxy
    # (PgBouncer before 1.21), which cannot keep prepared statements.
    # Merged, not assigned: options from the URL (?sslmode=require) stay.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 2}
    )
# A frozen or unreachable database must cost a reader seconds, not forever (README,
# "Robustness", Faults). Three limits, 0 switches each off:
# - DATABASE_CONNECT_TIMEOUT: seconds to open a connection (psycopg waits at least 2);
# - DATABASE_STATEMENT_TIMEOUT: seconds PostgreSQL lets one statement run before cancelling it
#   (run long maintenance, such as a migration on a big table, with it at 0);
# - the client's own deadline, 2 s past the statement timeout: a paused server cannot cancel
#   anything, so civicsite/core/outage.py closes a connection that has waited that long.
DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 3)
DATABASE_STATEMENT_TIMEOUT = env_int("DATABASE_STATEMENT_TIMEOUT", 5)
DATABASE_CLIENT_TIMEOUT = DATABASE_STATEMENT_TIMEOUT + 2 if DATABASE_STATEMENT_TIMEOUT else 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    if DATABASE_CONNECT_TIMEOUT:
        _pg_options.setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
    if DATABASE_STATEMENT_TIMEOUT:
        _statement_timeout = f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT}s"
        _pg_options["options"] = f"{_pg_options.get('options', '')} {_statement_timeout}".strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside a writer; IMMEDIATE takes the write lock at BEGIN, so two
    # writers queue on the busy timeout instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        # Seconds a writer waits for the lock (SQLite's busy timeout) before "database is locked".
        "timeout": env_int("DATABASE_BUSY_TIMEOUT", 20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Django's own Redis backend when REDIS_URL is set, local memory otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache; a Redis outage is logged, not raised (core/redis_cache.py).
            "BACKEND": "civicsite.core.redis_cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "civicsite"),
        }
    }
else:
    # Pages stay in each process's memory; what every process must agree on (the page cache's
    # generation) lives in files under CACHE_DIR, so a poller or an import run as its own
    # process empties the running site's page cache too (civicsite/core/pagecache.py).
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pagecache": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": Path(os.environ.get("CACHE_DIR") or BASE_DIR / ".cache") / "pagecache",
            "OPTIONS": {"MAX_ENTRIES": 1000},
        },
    }

# Whole pages for anonymous readers (civicsite/core/pagecache.py): on by default,
# CACHE_PAGES=0 turns the server-side page cache off (the HTTP headers stay). Several app
# servers need REDIS_URL so that an editor's save empties the cache on all of them.
CACHE_PAGES = env_bool("CACHE_PAGES", default=True)
CACHE_PAGE_TIMEOUT = env_int("CACHE_PAGE_TIMEOUT", 600)  # seconds a stored page lives at most
CACHE_MAX_AGE = env_int("CACHE_MAX_AGE", 60)  # Cache-Control max-age for browsers and CDNs
CACHE_STALE_WHILE_REVALIDATE = env_int("CACHE_STALE_WHILE_REVALIDATE", 300)
CACHE_STALE_IF_ERROR = env_int("CACHE_STALE_IF_ERROR", 86400)  # a CDN may serve its copy
# Seconds after a change during which readers of a popular page get its previous copy while
# one request renders it again (no stampede); also how long a render may hold that turn.
CACHE_STALE_SECONDS = env_int("CACHE_STALE_SECONDS", 5)
# The edge cache (Varnish, deploy/): where to send PURGE when pages change. Empty: none.
EDGE_PURGE_URLS = env_list("EDGE_PURGE_URLS")
# Query parameters that only say where a reader came from: never a new stored page
# (a trailing * matches a prefix). civicsite/core/pagekeys.py.
CACHE_IGNORED_PARAMETERS = env_list(
    "CACHE_IGNORED_PARAMETERS",
    "utm_*,fbclid,gclid,dclid,gbraid,wbraid,msclkid,mc_cid,mc_eid,igshid,twclid,yclid,_ga,_gl",
)
# /bench/ceiling/: a constant page for `make bench` to compare against; a 404 unless on.
BENCH_CEILING = env_bool("BENCH_CEILING", default=False)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Django serves uploaded media itself only when asked (laptop, `make serve`).
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=DEBUG)
STORAGES = {
    # Django's file storage, minus the half-written files of a full disk (core/uploads.py).
    "default": {"BACKEND": "civicsite.core.uploads.MediaStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Request limits: Django answers 400 (not 500) past these.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
DATA_UPLOAD_MAX_NUMBER_FILES = 20
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Image uploads (articles/validators.py): bytes checked before reading, pixels from the header.
IMAGE_UPLOAD_MAX_BYTES = env_int("IMAGE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 40_000_000)
# /healthz names the media disk as failing below this free space (civicsite/core/outage.py).
MEDIA_MIN_FREE_MB = env_int("MEDIA_MIN_FREE_MB", 100)
# Site search (civicsite/views.py): a longer query is cut to this many characters, and the
# page says so. Longer request lines than nginx takes get its 414 page (deploy/).
SEARCH_QUERY_MAX_LENGTH = env_int("SEARCH_QUERY_MAX_LENGTH", 200)

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "civicsite <newsroom@localhost>")
EDITORS_EMAIL = env_list("EDITORS_EMAIL")

# Readers' comments (articles/comments.py explains each rule; README, "Robustness", Comments).
COMMENTS_MIN_SECONDS = env_int("COMMENTS_MIN_SECONDS", 3)  # a form sent back sooner is refused
COMMENTS_MAX_AGE_SECONDS = env_int("COMMENTS_MAX_AGE_SECONDS", 24 * 60 * 60)
COMMENTS_MAX_LENGTH = env_int("COMMENTS_MAX_LENGTH", 5000)  # characters in one comment
COMMENTS_TRUST_RETURNING = env_bool("COMMENTS_TRUST_RETURNING", default=True)
COMMENTS_MAX_LINKS = env_int("COMMENTS_MAX_LINKS", 2)  # this many links or more: held
COMMENTS_FLOOD_SECONDS = env_int("COMMENTS_FLOOD_SECONDS", 15)
COMMENTS_TRUSTED_PROXIES = env_int("COMMENTS_TRUSTED_PROXIES", 0)  # proxies we run in front
COMMENTS_BLOCKLIST = env_list("COMMENTS_BLOCKLIST", "viagra,cialis,casino bonus,payday loan")
COMMENTS_SPAM_CHECKS = [
    "articles.comments.blocklist_check",
    "articles.comments.link_count_check",
]

# Shares shown to two decimals: "truncate" (as county offices print them) or "half_up".
RESULTS_SHARE_ROUNDING = os.environ.get("RESULTS_SHARE_ROUNDING", "truncate")

# Live results feeds (candidates/live/, `manage.py poll_results`): seconds a pull may take, the
# largest file read, and the folders editors may name local feed files in (none by default).
LIVE_FEED_TIMEOUT = env_int("LIVE_FEED_TIMEOUT", 10)
LIVE_FEED_MAX_BYTES = env_int("LIVE_FEED_MAX_BYTES", 50 * 1024 * 1024)
LIVE_FEED_LOCAL_DIRS = env_list("LIVE_FEED_LOCAL_DIRS")
# Election night (candidates/results.py, candidates/race_data.py): shares are held back until
# this percentage of a race's precincts report; a county whose figures have not changed for
# RESULTS_QUIET_MINUTES while it counts is shown as "no update since ..."; live pages fetch the
# race JSON every RESULTS_REFRESH_SECONDS; live pages and JSON tell browsers and CDNs to keep
# them RESULTS_LIVE_MAX_AGE seconds at most.
RESULTS_SHARE_GUARD_PERCENT = env_int("RESULTS_SHARE_GUARD_PERCENT", 10)
RESULTS_QUIET_MINUTES = env_int("RESULTS_QUIET_MINUTES", 30)
RESULTS_REFRESH_SECONDS = env_int("RESULTS_REFRESH_SECONDS", 15)
RESULTS_LIVE_MAX_AGE = env_int("RESULTS_LIVE_MAX_AGE", 10)
# The home page keeps an election's finished and counting races for this many days after
# election day (candidates/queries.py home_results_pages), so a reader arriving after the
# call sees the winner.
HOME_RESULTS_DAYS = env_int("HOME_RESULTS_DAYS", 7)

SITE_NAME = os.environ.get("SITE_NAME", "civicsite")
# The name authenticator apps show beside the code (civicsite/signin.py).
OTP_TOTP_ISSUER = SITE_NAME

# --- Security headers and the production posture -------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Off only where a proxy in front already redirects plain HTTP (or for `make serve`).
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    if env_bool("BEHIND_TLS_PROXY"):
        # Trust X-Forwarded-Proto only when a proxy we run sets it.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp 4; Django 5.2 has none of its own). No inline script
# anywhere: the admin in Django 5.2 ships its scripts as files and data in JSON blocks.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Shows the slim "demo content" banner on every page; `make run` turns it on because it loads
# the demo content, which is about real people but written by us.
DEMO_BANNER = env_bool("DEMO_BANNER", default=False)
