"""The production posture: what `check --deploy` and the response headers promise."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    full_env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_no_warnings_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DEBUG="0", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    db = tmp_path / "wal.sqlite3"
    code = (
        "from django.db import connection; "
        "cur = connection.cursor(); cur.execute('PRAGMA journal_mode'); "
        "print(cur.fetchone()[0], connection.settings_dict['OPTIONS']['transaction_mode'])"
    )
    result = run_manage(
        "shell", "--verbosity", "0", "-c", code, DEBUG="1", DATABASE_URL=f"sqlite:///{db}"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "IMMEDIATE"]


@pytest.mark.django_db
def test_every_response_carries_the_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "form-action 'self'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_admin_pages_also_carry_the_csp(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]


# Runs one page-style query three times, then asks PostgreSQL what this connection prepared.
COUNT_PREPARED_STATEMENTS = (
    "from django.db import connection; "
    "from candidates.models import Race; "
    "[Race.objects.filter(slug='no-such-race').exists() for _ in range(3)]; "
    "cur = connection.cursor(); "
    "cur.execute('SELECT count(*) FROM pg_prepared_statements'); "
    "print(cur.fetchone()[0])"
)


@pytest.mark.django_db
@pytest.mark.parametrize(("setting", "prepared"), [("", True), ("0", False)])
def test_postgresql_prepares_repeated_queries_unless_turned_off(setting, prepared):
    """A page query run again on a connection is not planned again (settings.py says why)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are a PostgreSQL setting")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    result = run_manage(
        "shell",
        "--verbosity",
        "0",
        "-c",
        COUNT_PREPARED_STATEMENTS,
        DEBUG="1",
        DATABASE_URL=url,
        DATABASE_PREPARED_STATEMENTS=setting,
    )
    assert result.returncode == 0, result.stderr
    assert (int(result.stdout.split()[-1]) > 0) is prepared
