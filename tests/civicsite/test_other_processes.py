"""The embedded default (SQLite, no Redis): a change made by another process reaches the site.

On election night a results poller or an import runs as its own process (another terminal,
cron) while the site serves readers. Without Redis each process keeps its pages in memory, so
the page cache's generation must be shared (civicsite/core/pagecache.py, ``shared()``). This
test runs the real thing: a migrated SQLite file, gunicorn serving it with DEBUG off, and
``manage.py import_results`` run as a separate process with new figures; gunicorn's very next
answer for the cached race page shows them.

It does not use the pytest database, so it runs once, in the SQLite run (the Redis path is
covered by test_two_servers.py).
"""

import csv
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.civicsite.test_two_servers import free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
RESULTS = ROOT / "tests/candidates/data/openelections/ga_2022_special_state_house_45.csv"

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("REDIS_URL")), reason="the embedded default has no Redis"
)


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def read_rows(path):
    with path.open(newline="") as infile:
        return list(csv.DictReader(infile))


def candidate_total(rows, name):
    return sum(
        int(row[column])
        for row in rows
        if row["candidate"] == name
        for column in row
        if column.endswith("_votes")
    )


def with_first_count_raised(source, target, by):
    """A copy of the real file whose first precinct row has ``by`` more election-day votes."""
    rows = read_rows(source)
    rows[0]["election_day_votes"] = str(int(rows[0]["election_day_votes"]) + by)
    with target.open("w", newline="") as outfile:
        writer = csv.DictWriter(outfile, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers, response.read().decode()


@pytest.fixture
def site_env(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CACHE_DIR"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="test-only-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
        CACHE_DIR=str(tmp_path / "cache"),
        MEDIA_ROOT=str(tmp_path / "media"),
        STATIC_ROOT=str(tmp_path / "static"),
        LOG_LEVEL="WARNING",
    )
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    # DEBUG off serves hashed static files only, as in production.
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    return env


def test_an_import_run_as_another_process_reaches_the_running_sites_cached_page(site_env, tmp_path):
    import_args = ["--election", "special-2022", "--create"]
    import_args += ["--name", "State House 45 special", "--date", "2022-03-15"]
    manage(site_env, "import_results", str(RESULTS), *import_args)
    race_url = manage(
        site_env,
        "shell",
        "-c",
        "from candidates.models import Race; print(Race.objects.get().get_absolute_url())",
    ).split()[-1]

    port = free_port()
    server = subprocess.Popen(
        [str(GUNICORN), "civicsite.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1", "--worker-class", "gthread", "--threads", "2"],
        cwd=ROOT,
        env=site_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}{race_url}"
        deadline = time.monotonic() + 15
        while True:
            try:
                get(url)
                break
            except urllib.error.HTTPError:
                raise
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        headers, before = get(url)
        assert headers["X-Page-Cache"] == "hit"
        rows = read_rows(RESULTS)
        name = rows[0]["candidate"]
        old_total = candidate_total(rows, name)
        assert f"{old_total:,}" in before

        changed = tmp_path / "changed.csv"
        with_first_count_raised(RESULTS, changed, by=1000)
        manage(site_env, "import_results", str(changed), "--election", "special-2022")

        headers, after = get(url)
        assert headers["X-Page-Cache"] == "miss"
        assert f"{old_total + 1000:,}" in after
        assert f"{old_total:,}" not in after
    finally:
        server.terminate()
        server.wait(timeout=10)
