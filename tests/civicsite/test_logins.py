"""Editors' sign-in (civicsite/signin.py, issue 19): the lockout keyed on the trusted client
address, the per-account throttle, the second factor, and idle sessions ending."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.models import Article
from candidates.models import Candidate
from civicsite.roles import CONTRIBUTOR, EDITOR
from civicsite.signin import recovery_codes_replace
from tests.articles.factories import make_article
from tests.civicsite.test_roles import member_of

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-passphrase"  # tests/civicsite/test_roles.py's member_of
ADMIN = "/admin/"


def sign_in(username, password=PASSWORD, *, address=None, client=None, remote="127.0.0.1"):
    """The admin's sign-in form, from ``remote``, through a proxy that saw ``address``."""
    client = client or Client()
    headers = {"REMOTE_ADDR": remote}
    if address:
        headers["HTTP_X_FORWARDED_FOR"] = address
    response = client.post(
        f"{reverse('admin:login')}?next={ADMIN}",
        {"username": username, "password": password, "next": ADMIN},
        **headers,
    )
    response.client = client
    return response


def signed_in(response):
    return response.status_code == 302 and response["Location"] == ADMIN


def code_for(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def behind_one_proxy(settings):
    """The production path: our proxy at 127.0.0.1 writes the client's address last."""
    settings.COMMENTS_TRUSTED_PROXIES = 1


@pytest.fixture
def second_factor(settings):
    settings.TWO_FACTOR_REQUIRED = True


@pytest.fixture
def editor():
    return member_of(EDITOR, "editor")


def with_authenticator(user):
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


# --- The lockout counts the client's address, not the proxy's --------------------------------


def test_behind_a_proxy_a_guesser_locks_only_their_own_address(behind_one_proxy, editor):
    for _ in range(4):
        assert sign_in("editor", "wrong", address="203.0.113.7").status_code == 200
    assert sign_in("editor", "wrong", address="203.0.113.7").status_code == 429  # the fifth
    guesser = sign_in("editor", address="203.0.113.7")
    assert guesser.status_code == 429
    assert "from your address is paused for 15 minutes" in guesser.content.decode()
    # Keyed on REMOTE_ADDR (the proxy), the editor was locked out here too.
    assert signed_in(sign_in("editor", address="198.51.100.2"))


def test_a_forwarded_for_header_nobody_trusts_cannot_dodge_the_lockout(editor):
    """No proxies configured: the client writes X-Forwarded-For, so it proves nothing."""
    for n in range(5):
        sign_in("editor", "wrong", address=f"203.0.113.{n}")
    assert sign_in("editor", address="198.51.100.9").status_code == 429


# --- One account, many addresses -----------------------------------------------------------


@pytest.fixture
def throttle(settings, behind_one_proxy):
    settings.SIGNIN_ACCOUNT_FAILURE_LIMIT = 6
    settings.SIGNIN_ACCOUNT_WINDOW_MINUTES = 60
    settings.ADMINS = [("Site admin", "admin@example.org")]
    settings.EDITORS_EMAIL = ["desk@example.org"]


def test_guesses_from_many_addresses_pause_the_account_and_tell_the_admins(throttle, editor):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for n in range(6):  # one guess per address: each pair stays far below its limit
            assert sign_in("editor", "wrong", address=f"203.0.113.{n}").status_code == 200

        paused = sign_in("editor", address="198.51.100.2")  # the right password
        assert paused.status_code == 429
        assert "signing in to this account is paused" in paused.content.decode()
        assert sign_in("editor", address="198.51.100.3").status_code == 429
        [alert] = mail.outbox
        assert set(alert.to) == {"admin@example.org", "desk@example.org"}
        assert "Sign-in paused for editor" in alert.subject
        assert "from 6 address(es)" in alert.body

        clock.shift(datetime.timedelta(minutes=61))
        assert signed_in(sign_in("editor", address="198.51.100.2"))
    assert len(mail.outbox) == 1


def test_attempts_refused_while_paused_do_not_prolong_the_pause(throttle, editor):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for n in range(6):
            sign_in("editor", "wrong", address=f"203.0.113.{n}")
        clock.shift(datetime.timedelta(minutes=30))
        for n in range(8):
            assert sign_in("editor", "wrong", address=f"192.0.2.{n}").status_code == 429
        clock.shift(datetime.timedelta(minutes=31))
        assert signed_in(sign_in("editor", address="198.51.100.2"))


def test_other_accounts_sign_in_while_one_is_paused(throttle, editor):
    member_of(EDITOR, "second-editor")
    for n in range(6):
        sign_in("editor", "wrong", address=f"203.0.113.{n}")
    assert sign_in("editor", address="198.51.100.2").status_code == 429
    assert signed_in(sign_in("second-editor", address="203.0.113.0"))


# --- The second factor ---------------------------------------------------------------------


def test_an_editor_sets_up_an_app_after_the_password_then_signs_in_with_it(second_factor, editor):
    editor.email = "editor@example.org"
    editor.save()
    client = sign_in("editor").client
    setup_url = reverse("two-factor-setup")
    assert client.get(ADMIN)["Location"] == f"{setup_url}?next=%2Fadmin%2F"

    page = client.get(f"{setup_url}?next=/admin/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "Type this key instead" in html
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    assert client.get(setup_url).context["secret"] == page.context["secret"]  # same secret
    assert "does not match" in client.post(setup_url, {"code": "000000"}).content.decode()

    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=2)):  # slowed down
        done = client.post(setup_url, {"code": code_for(device), "next": ADMIN})
    assert done.status_code == 200
    assert len(done.context["codes"]) == 10
    assert client.get(ADMIN).status_code == 200
    [alert] = mail.outbox
    assert alert.to == ["editor@example.org"]

    # Next time: password, then the app's code (a later one: a code is never accepted twice).
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=60)):
        client = sign_in("editor").client
        verify_url = reverse("two-factor-verify")
        assert client.get(ADMIN)["Location"] == f"{verify_url}?next=%2Fadmin%2F"
        device.refresh_from_db()
        response = client.post(verify_url, {"code": code_for(device), "next": ADMIN})
        assert response["Location"] == ADMIN
        assert client.get(ADMIN).status_code == 200


def test_a_password_alone_opens_nothing_but_the_second_step(second_factor, editor):
    with_authenticator(editor)
    draft = make_article(status=Article.Status.DRAFT)
    client = sign_in("editor").client

    candidate_add = reverse("admin:candidates_candidate_add")
    assert client.get(candidate_add).status_code == 302
    client.post(candidate_add, {"name": "Made Up", "slug": "made-up"})
    assert not Candidate.objects.exists()
    assert client.get(draft.get_absolute_url()).status_code == 404  # no preview: a reader
    step = client.get(reverse("two-factor-verify"))
    assert step.status_code == 200
    assert 'href="/admin/candidates/' not in step.content.decode()  # no app list
    # Replacing the app needs the second factor first.
    assert client.get(reverse("two-factor-setup"))["Location"].startswith(
        reverse("two-factor-verify")
    )


def test_a_recovery_code_signs_in_once(second_factor, editor):
    with_authenticator(editor)
    codes = recovery_codes_replace(editor)
    verify_url = reverse("two-factor-verify")

    client = sign_in("editor").client
    response = client.post(verify_url, {"code": codes[0].upper(), "next": ADMIN}, follow=True)
    assert response.status_code == 200
    assert "You signed in with a recovery code; 9 left." in response.content.decode()
    assert StaticToken.objects.filter(device__user=editor).count() == 9

    again = sign_in("editor").client.post(verify_url, {"code": codes[0]})
    assert "That code is not right" in again.content.decode()


def test_wrong_codes_slow_down_the_next_try(second_factor, editor):
    device = with_authenticator(editor)
    client = sign_in("editor").client
    verify_url = reverse("two-factor-verify")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert "not right" in client.post(verify_url, {"code": "000000"}).content.decode()
        refused = client.post(verify_url, {"code": code_for(device)})
        assert "Too many wrong codes: wait 1 second(s)" in refused.content.decode()
        clock.shift(datetime.timedelta(seconds=2))
        assert client.post(verify_url, {"code": code_for(device)}).status_code == 302


def test_the_session_key_changes_when_the_second_factor_is_given(second_factor, editor):
    device = with_authenticator(editor)
    client = sign_in("editor").client
    before = client.session.session_key
    client.post(reverse("two-factor-verify"), {"code": code_for(device)})
    assert client.session.session_key != before
    assert client.get(ADMIN).status_code == 200


def test_superusers_must_use_a_second_factor_and_contributors_once_they_have_one(second_factor):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    assert sign_in("root").client.get(ADMIN).status_code == 302

    contributor = member_of(CONTRIBUTOR, "writer")
    assert sign_in("writer").client.get(ADMIN).status_code == 200
    with_authenticator(contributor)
    assert sign_in("writer").client.get(ADMIN).status_code == 302


def test_a_signed_in_editor_makes_new_recovery_codes(second_factor, editor):
    device = with_authenticator(editor)
    old = recovery_codes_replace(editor)
    client = sign_in("editor").client
    client.post(reverse("two-factor-verify"), {"code": code_for(device)})
    page = client.get(reverse("two-factor-codes"))
    assert "10 recovery codes left." in page.content.decode()

    new = client.post(reverse("two-factor-codes")).context["codes"]

    assert len(new) == 10 and not set(new) & set(old)
    assert StaticToken.objects.filter(device__user=editor, token=old[0]).count() == 0


def test_with_the_requirement_off_the_password_is_enough(settings, editor):
    settings.TWO_FACTOR_REQUIRED = False
    assert sign_in("editor").client.get(ADMIN).status_code == 200


def test_the_requirement_is_on_unless_switched_off():
    from civicsite import settings as project_settings

    assert project_settings.TWO_FACTOR_REQUIRED is True


# --- Idle sessions -------------------------------------------------------------------------


def test_an_admin_session_ends_after_four_hours_without_a_request(settings, editor, client):
    assert settings.SESSION_COOKIE_AGE == 4 * 60 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(editor)
        assert client.get(ADMIN).status_code == 200
        for _ in range(3):  # a busy day: a request every three hours keeps it
            clock.shift(datetime.timedelta(hours=3))
            assert client.get(ADMIN).status_code == 200
        clock.shift(datetime.timedelta(hours=4, minutes=6))
        assert client.get(ADMIN)["Location"].startswith(reverse("admin:login"))


def test_a_request_soon_after_the_last_writes_no_session(editor, client):
    """The expiry moves on at most every five minutes, not with a write per request."""
    client.force_login(editor)
    client.get(ADMIN)
    with CaptureQueriesContext(connection) as captured:
        client.get(ADMIN)
    writes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert writes == []
