"""The embedded default (SQLite, no Redis): a change made by another process reaches the site.

On election night a results poller or an import runs as its own process (another terminal,
cron) while the site serves readers. Without Redis each process keeps its pages in memory, so
the page cache's generation must be shared (civicsite/core/pagetags.py, ``shared()``). This
test runs the real thing: a migrated SQLite file, gunicorn serving it with DEBUG off, and
``manage.py import_results`` run as a separate process with new figures; gunicorn's very next
answer for the cached race page shows them.

It does not use the pytest database, so it runs once, in the SQLite run (the Redis path is
covered by test_two_servers.py).
"""

import csv
import os

import pytest

from tests.civicsite import sites

RESULTS = sites.ROOT / "tests/candidates/data/openelections/ga_2022_special_state_house_45.csv"
IMPORT = ["--election", "special-2022"]
CREATE = ["--create", "--name", "State House 45 special", "--date", "2022-03-15"]
RACE_URL = "from candidates.models import Race; print(Race.objects.get().get_absolute_url())"

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("REDIS_URL")), reason="the embedded default has no Redis"
)


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


def load_race(env):
    """Import the real file into the site; the race page's path."""
    sites.manage(env, "import_results", str(RESULTS), *IMPORT, *CREATE)
    return sites.manage(env, "shell", "-c", RACE_URL).split()[-1]


def test_an_import_run_as_another_process_reaches_the_running_sites_cached_page(tmp_path):
    env = sites.site_env(tmp_path)
    race_url = load_race(env)
    port = sites.free_port()
    with sites.gunicorn(env, port):
        url = f"http://127.0.0.1:{port}{race_url}"
        sites.wait_for(url)
        headers, before = sites.get(url)
        assert headers["X-Page-Cache"] == "hit"
        rows = read_rows(RESULTS)
        old_total = candidate_total(rows, rows[0]["candidate"])
        assert f"{old_total:,}" in before

        changed = tmp_path / "changed.csv"
        with_first_count_raised(RESULTS, changed, by=1000)
        sites.manage(env, "import_results", str(changed), *IMPORT)

        headers, after = sites.get(url)
        assert headers["X-Page-Cache"] == "miss"
        assert f"{old_total + 1000:,}" in after
        assert f"{old_total:,}" not in after
