"""Faults: the database or Redis going away, and editors' login protection."""

import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from tests.civicsite.test_settings import run_manage


def test_an_unreachable_database_gives_a_plain_503_page():
    # A real process whose database is a closed port on this machine.
    code = (
        "from django.test import Client; r = Client().get('/'); "
        "print(r.status_code, r['Retry-After'], 'briefly unavailable' in r.content.decode())"
    )
    result = run_manage(
        "shell",
        "--verbosity",
        "0",
        "-c",
        code,
        DEBUG="1",  # the 503 comes from our middleware, not Django's debug page
        ALLOWED_HOSTS="testserver",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/nowhere",
    )
    assert result.stdout.split()[-3:] == ["503", "30", "True"], result.stderr[-2000:]
    assert "Traceback" not in result.stdout


@pytest.mark.django_db
def test_pages_are_served_from_the_database_when_redis_is_unreachable(client, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "civicsite.core.redis_cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with caplog.at_level(logging.WARNING, logger="civicsite.core.redis_cache"):
        assert cache.get("anything", "fallback") == "fallback"
        assert cache.add("flood-key", 1, 15) is True
        cache.set("k", "v")
        response = client.get("/")
    assert response.status_code == 200
    assert any("serving without the cache" in record.message for record in caplog.records)


@pytest.mark.django_db
def test_five_failed_logins_lock_that_username_from_that_address_only(client):
    get_user_model().objects.create_superuser("editor", "e@example.org", "right-passphrase")
    for _ in range(5):
        client.post(
            "/admin/login/",
            {"username": "editor", "password": "wrong"},
            REMOTE_ADDR="203.0.113.9",
        )
    locked = client.post(
        "/admin/login/",
        {"username": "editor", "password": "right-passphrase"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()

    # The editor at the newsroom's own address is not locked out by the attacker.
    from_newsroom = client.post(
        "/admin/login/?next=/admin/",
        {"username": "editor", "password": "right-passphrase"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert from_newsroom.status_code == 302
    assert from_newsroom["Location"] == "/admin/"
