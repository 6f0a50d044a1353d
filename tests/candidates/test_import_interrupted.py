"""An import killed half-way leaves the previous results intact (README, "Robustness", Faults).

A real ``manage.py import_results`` process works on a large file against a real database
file (SQLite in tmp_path, migrated by a subprocess, WAL mode as in production); the test
kills it with SIGKILL (no clean-up, no rollback by Python: the database's own transaction is
all that protects the data) while it is checking rows, and once half-way through planning and
writing (the length of that phase is measured first, on a copy of the database). Then
the race's totals, read by a fresh process, are exactly the ones before, and the database is
sound (PRAGMA integrity_check) and takes the next import.
"""

import csv
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.civicsite.test_settings import ROOT, run_manage

DATA = Path(__file__).parent / "data"
PRECINCT_FILE = DATA / "ga_atlanta_council_d5_2021_precinct.csv"
OFFICE = "Atlanta City Council District 5"
NAMES = [
    "Samuel Bacote",
    "Liliana Bakhtiari",
    'Katrina "Katie" Kissell',
    'Amanda "Mandy" Mahoney',
    "Doug Williams",
]
SEED_TOTAL = 10_370  # the five candidates' votes in the seed (Bakhtiari 5,134 of 10,370)
TOTALS = """
import json
from django.db import connection
from django.db.models import Sum
from candidates.models import Candidacy, Race, VoteCount
with connection.cursor() as cursor:
    cursor.execute("PRAGMA integrity_check")
    integrity = cursor.fetchone()[0]
totals = dict(
    Candidacy.objects.filter(race__office__name="Atlanta City Council District 5")
    .annotate(total=Sum("vote_counts__votes")).values_list("candidate__name", "total")
)
print(json.dumps({"totals": totals, "races": Race.objects.count(),
                  "counts": VoteCount.objects.count(), "integrity": integrity}))
"""


def large_file(path, precincts, other_races):
    """The District 5 race with new figures in many precincts, and many new races besides."""
    columns = ["county", "precinct", "office", "district", "party", "candidate", "votes"]
    columns += ["precincts_reporting", "precincts_total"]
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for n in range(precincts):
            county = "DeKalb" if n % 2 else "Fulton"
            for order, name in enumerate(NAMES):
                row = [county, f"Precinct {n}", OFFICE, "5", "Nonpartisan", name]
                writer.writerow([*row, (n + order) % 97 + 1, precincts, precincts])
        for race in range(other_races):
            for seat in range(3):
                for county in ("DeKalb", "Fulton"):
                    office = f"Test Board Seat {race}"
                    row = [county, "", office, str(race), "Nonpartisan", f"Person {race}-{seat}"]
                    writer.writerow([*row, race + seat, 1, 1])


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A migrated SQLite file holding the 2021 District 5 results (the seed's totals)."""
    tmp_path = tmp_path_factory.mktemp("interrupted")
    env = {
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'results.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    result = run_manage("migrate", "--noinput", "--verbosity", "0", **env)
    assert result.returncode == 0, result.stderr[-3000:]
    result = run_manage(
        "import_results",
        str(PRECINCT_FILE),
        "--election",
        "d5-2021",
        "--create",
        "--name",
        "Atlanta municipal general election",
        "--date",
        "2021-11-02",
        **env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    big = tmp_path / "large.csv"
    large_file(big, precincts=12_000, other_races=400)
    return env, big


def state(env):
    result = run_manage("shell", "--verbosity", "0", "-c", TOTALS, **env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def start_import(env, path):
    full_env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"}
    }
    full_env.update(env)
    return subprocess.Popen(
        [sys.executable, "manage.py", "import_results", str(path), "--election", "d5-2021"]
        + ["--create", "--verbosity", "2"],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_when(process, seen, *, delay=0, timeout=120):
    """Read the progress lines on stderr; SIGKILL the process ``delay`` seconds after
    ``seen(line)`` is true. Returns that line, or None if the process ended first.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 1)
        if not ready:
            continue
        line = process.stderr.readline()
        if not line:
            break  # the process ended
        if seen(line):
            time.sleep(delay)  # a real process's timing, not a test waiting on itself
            if process.poll() is not None:
                return None
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            return line
    process.kill()
    process.wait(timeout=30)
    return None


def checked_fraction(line):
    # "[#####.....] 21,000 of 60,000 rows checked"
    if "rows checked" not in line:
        return 0.0
    done, _, total = line.split("]", 1)[1].split("rows checked")[0].strip().partition(" of ")
    return int(done.replace(",", "")) / int(total.replace(",", ""))


def run_to_the_end(env, path, db_file, tmp_path):
    """Seconds from "every row checked" to the end, on a copy of the database."""
    copy = tmp_path / "copy.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{db_file}{suffix}")
        if source.exists():
            shutil.copy(source, f"{copy}{suffix}")
    process = start_import({**env, "DATABASE_URL": f"sqlite:///{copy}"}, path)
    started = None
    for line in process.stderr:
        if checked_fraction(line) == 1:
            started = time.monotonic()
    assert process.wait(timeout=120) == 0
    return time.monotonic() - started


def test_an_import_killed_while_checking_rows_leaves_the_previous_results_intact(database):
    env, big = database
    before = state(env)
    assert sum(before["totals"].values()) == SEED_TOTAL
    assert before["integrity"] == "ok"

    process = start_import(env, big)
    trigger = kill_when(process, lambda line: 0.3 <= checked_fraction(line) < 1)
    assert trigger is not None and process.returncode == -signal.SIGKILL
    assert state(env) == before, f"killed at {trigger.strip()!r}: the results changed"


def test_an_import_killed_while_writing_leaves_the_previous_results_intact(database, tmp_path):
    """Killed half-way between "every row checked" and the end: planning and writing."""
    env, big = database
    before = state(env)
    db_file = env["DATABASE_URL"].removeprefix("sqlite:///")
    window = run_to_the_end(env, big, db_file, tmp_path)

    process = start_import(env, big)
    trigger = kill_when(process, lambda line: checked_fraction(line) == 1, delay=window / 2)
    after = state(env)
    if trigger is None:
        # The import won the race against the kill: then it must be whole, never half.
        assert process.returncode == 0
        assert after["races"] == before["races"] + 400
        pytest.skip("the import finished before it could be killed")
    assert process.returncode == -signal.SIGKILL
    assert after == before, f"killed {window / 2:.2f} s into writing: the results changed"


def test_the_database_takes_the_next_import_after_a_killed_one(database):
    env, _ = database
    result = run_manage("import_results", str(PRECINCT_FILE), "--election", "d5-2021", **env)
    assert result.returncode == 0, result.stderr[-3000:]
    after = state(env)
    assert sum(after["totals"].values()) == SEED_TOTAL
    assert after["integrity"] == "ok"
