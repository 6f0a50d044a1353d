"""Two app servers, one Redis: an editor's save on one empties the page cache of the other.

Runs only with PostgreSQL and Redis (CI's second run): two gunicorn processes serve the
pytest test database (rows committed: transactional_db) with the same REDIS_URL. Server B
caches the race page; an editor signs in on server A's admin and saves a new figure in the
results grid over HTTP; server B's very next answer shows it.
"""

import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.urls import reverse

from tests.candidates.factories import make_district_5_general
from tests.civicsite.sites import free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres")
        or not os.environ.get("REDIS_URL"),
        reason="needs DATABASE_URL=postgres://... and REDIS_URL (two servers share both)",
    ),
    pytest.mark.django_db(transaction=True),
]


def pytest_database_url():
    db = connection.settings_dict
    user = urllib.parse.quote(db["USER"] or "")
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class Server:
    def __init__(self, env):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(GUNICORN), "civicsite.wsgi", "--bind", f"127.0.0.1:{self.port}"]
            + ["--workers", "1", "--worker-class", "gthread", "--threads", "2"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def wait(self):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"gunicorn on port {self.port} did not start")

    def get(self, path):
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.headers, response.read().decode()

    def post(self, path, data):
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        with self.opener.open(request, timeout=10) as response:
            return response.geturl(), response.read().decode()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def servers():
    env = {
        **os.environ,
        "DEBUG": "1",  # plain-HTTP cookies on loopback; everything else as in production
        "DATABASE_URL": pytest_database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "CACHE_PAGES": "1",
        "LOG_LEVEL": "WARNING",
        # The editor signs in with a password only: this test is about the shared cache, and
        # the second factor has its own (tests/civicsite/test_logins.py).
        "TWO_FACTOR_REQUIRED": "0",
    }
    pair = [Server(env), Server(env)]
    try:
        for server in pair:
            server.wait()
        yield pair
    finally:
        for server in pair:
            server.stop()


def csrf_token(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_result_saved_on_server_a_shows_at_once_on_server_b(servers, settings):
    server_a, server_b = servers
    # The servers run with the real settings, so the password is hashed the way they check it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    race = make_district_5_general()
    User.objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
    race_page = race.get_absolute_url()

    server_b.get(race_page)
    headers, before = server_b.get(race_page)
    assert headers["X-Page-Cache"] == "hit"
    assert "100,599" not in before

    login = reverse("admin:login")
    _, form = server_a.get(login)
    server_a.post(
        login,
        {
            "csrfmiddlewaretoken": csrf_token(form),
            "username": "editor",
            "password": "a-long-test-password",
            "next": reverse("admin:index"),
        },
    )
    grid = reverse("admin:candidates_race_results", args=[race.pk])
    _, form = server_a.get(grid)
    data = {
        "csrfmiddlewaretoken": csrf_token(form),
        "status": race.status,
        "_publish": "Publish these figures",
    }
    for unit in race.reporting_units.all():
        data[f"reporting_{unit.pk}"] = unit.precincts_reporting
    for candidacy in race.candidacies.select_related("candidate"):
        for count in candidacy.vote_counts.select_related("unit"):
            votes = count.votes
            if candidacy.candidate.name == "Samuel Bacote" and count.unit.name == "Fulton":
                votes = 99_999
            data[f"votes_{candidacy.pk}_{count.unit_id}"] = votes
    url, page = server_a.post(grid, data)
    assert "Results saved" in page, url

    headers, after = server_b.get(race_page)
    assert headers["X-Page-Cache"] == "miss"
    assert "100,599" in after  # 600 in DeKalb + 99,999 in Fulton
