"""Editors' sign-in: who is trying, how many guesses an account gets, the second factor, and
how long a signed-in session may sit idle (README, "Roles, history and backups"; issue 19).

- **Who is trying.** django-axes counts failures per (username, client address). The address
  is the one the comments trust (``articles.comments.client_ip``: REMOTE_ADDR, or the address
  our own outermost proxy saw when COMMENTS_TRUSTED_PROXIES says we run proxies). Behind a
  proxy, REMOTE_ADDR is the proxy's: keyed on it, five wrong passwords from anyone locked an
  editor out everywhere. A client-written X-Forwarded-For is never believed, so it cannot be
  used to dodge the lockout either. The username is cut to axes' 255-character column
  (PostgreSQL refuses longer: a 300-character "username" made the sign-in page a 500).
- **One account, many addresses.** The pair lockout stops one address guessing, not a guesser
  with many. ``AccountThrottleBackend`` counts the failed password checks for one username
  from every address over SIGNIN_ACCOUNT_WINDOW_MINUTES (axes' failure log); past
  SIGNIN_ACCOUNT_FAILURE_LIMIT, sign-in for that username pauses, right password or not,
  until the oldest failures age out, and ADMINS and EDITORS_EMAIL get one email. Attempts
  refused while paused are not counted, so the pause ends on time even while the guessing
  goes on: at most the limit's number of guesses per window, whatever the number of
  addresses. The limit is high enough (20 an hour) that a guesser cannot pause an account
  with a few tries, and editors also have a second factor, so a guessed password alone opens
  nothing.
- **Second factor** (django-otp: TOTP authenticator apps, and ten one-time recovery codes).
  Required of Editors and superusers (TWO_FACTOR_REQUIRED, on by default); anyone else who
  sets one up must use it too. After the password, ``SecondFactorMiddleware`` lets such a
  session open only the second step: the admin redirects to it (or, the first time, to
  setting up an app), and the rest of the site treats the session as a reader's, so drafts'
  previews stay shut. The session key changes when the second factor is given. Wrong codes
  slow down exponentially (django-otp's throttling, per device).
- **Idle sessions** end after SESSION_IDLE_HOURS without a request (SESSION_COOKIE_AGE).
  ``IdleSessionMiddleware`` pushes the expiry on at most every few minutes of activity, so a
  busy editor stays signed in without a session write per request.
"""

import hashlib
import logging
import math
import time
from base64 import b32encode
from datetime import timedelta

import segno
from axes.models import AccessAttempt, AccessFailureLog
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin import site as admin_site
from django.contrib.auth import SESSION_KEY, user_logged_in
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp import verify_token as otp_verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.comments import client_ip
from civicsite.roles import EDITOR

logger = logging.getLogger(__name__)

USERNAME_MAX_LENGTH = AccessAttempt._meta.get_field("username").max_length
RECOVERY_CODE_COUNT = 10


# --- Who is trying (django-axes) -----------------------------------------------------------


def axes_username(request, credentials=None):
    """AXES_USERNAME_CALLABLE: the username from the credentials or the form, at most 255."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "data", request.POST).get("username")
    if username is None:
        return None
    return str(username)[:USERNAME_MAX_LENGTH]


def axes_client_ip(request):
    """AXES_CLIENT_IP_CALLABLE: the client address the comments trust, never a proxy's."""
    return client_ip(request)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the lockout page, saying which lock it is and for how long."""
    paused = getattr(request, "signin_account_paused", False)
    minutes = (
        settings.SIGNIN_ACCOUNT_WINDOW_MINUTES
        if paused
        else int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    )
    context = {"account_paused": paused, "cooloff_minutes": minutes}
    return render(
        request, settings.AXES_LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE
    )


# --- One account, many addresses -----------------------------------------------------------


def account_failures(username):
    """Failed password checks for ``username`` in the window, from every address.

    Attempts a lock refused before any password was checked (axes logs them as locked out)
    are not guesses and are left out.
    """
    since = timezone.now() - timedelta(minutes=settings.SIGNIN_ACCOUNT_WINDOW_MINUTES)
    return AccessFailureLog.objects.filter(
        username=username, attempt_time__gte=since, locked_out=False
    ).count()


class AccountThrottleBackend:
    """Between axes and the password check: refuses a paused account without checking it."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or username is None:
            return None
        username = axes_username(request, {"username": username})
        if account_failures(username) < settings.SIGNIN_ACCOUNT_FAILURE_LIMIT:
            return None
        # As axes does for its own lock: the flag makes AxesMiddleware answer with the lockout
        # page and makes axes log this attempt as refused by a lock (not counted above).
        request.axes_locked_out = True
        request.signin_account_paused = True
        alert_paused_account(username, request)
        raise PermissionDenied("Sign-in for this account is paused.")


def signin_alert_recipients():
    return list(dict.fromkeys([address for _, address in settings.ADMINS] + settings.EDITORS_EMAIL))


def alert_paused_account(username, request):
    """One email per account and window to the site's admins (and the editors' address)."""
    digest = hashlib.sha256(username.encode()).hexdigest()
    window = settings.SIGNIN_ACCOUNT_WINDOW_MINUTES
    if not cache.add(f"signin:paused:{digest}", True, timeout=window * 60):
        return
    logger.warning("Sign-in paused for account %r after repeated failures.", username)
    recipients = signin_alert_recipients()
    if not recipients:
        return
    addresses = (
        AccessFailureLog.objects.filter(
            username=username, attempt_time__gte=timezone.now() - timedelta(minutes=window)
        )
        .values_list("ip_address", flat=True)
        .distinct()
    )
    send_mail(
        f"[{settings.SITE_NAME}] Sign-in paused for {username[:60]}",
        f"There were {settings.SIGNIN_ACCOUNT_FAILURE_LIMIT} or more failed sign-ins for the "
        f"account “{username}” in the last {window} minutes, from "
        f"{len(set(addresses))} address(es). Sign-in for it is paused until they age out: "
        "nobody, with the right password or not, signs in to it until then.\n\n"
        "The attempts are listed in the admin under Axes › Access failures. If the account "
        "is one of your people's and they need it now, a superuser lifts the pause there by "
        "deleting that username's rows (after making sure the password is a strong one).\n",
        None,
        recipients,
        fail_silently=True,
    )


# --- The second factor ---------------------------------------------------------------------


def second_factor_required(user):
    """Editors and superusers must give a second factor; so must anyone who set one up."""
    if not (settings.TWO_FACTOR_REQUIRED and user.is_authenticated and user.is_staff):
        return False
    return user.is_superuser or user.groups.filter(name=EDITOR).exists() or user_has_device(user)


def needs_second_step(user):
    return user.is_authenticated and not user.is_verified() and second_factor_required(user)


class SecondFactorMiddleware:
    """After OTPMiddleware. A session that gave only its password opens the second step (and
    signing out); the admin sends it there, and elsewhere it is a reader."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.TWO_FACTOR_REQUIRED and needs_second_step(request.user):
            admin_root = reverse("admin:index")
            if not request.path_info.startswith(admin_root):
                request.user = AnonymousUser()
            elif not self.is_open(request.path_info):
                step = (
                    "two-factor-verify" if has_authenticator(request.user) else "two-factor-setup"
                )
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse(step)}?{query}")
        return self.get_response(request)

    @staticmethod
    def is_open(path):
        open_paths = {
            reverse("two-factor-verify"),
            reverse("two-factor-setup"),
            reverse("admin:login"),
            reverse("admin:logout"),
        }
        return path in open_paths


def has_authenticator(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_replace(user):
    """Ten new one-time recovery codes for ``user``; the old ones stop working."""
    # One device holds them (``manage.py addstatictoken`` adds to the same one).
    device = StaticDevice.objects.filter(user=user).first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name="Recovery codes")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _next_url(request):
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("admin:index")


def _signed_in_with_second_factor(request, device):
    # A new session key for the new level of trust (as Django does when signing in).
    request.session.cycle_key()
    otp_login(request, device)


def _page(request, template, **context):
    """An admin page; in the second step without the admin's menus and list of apps."""
    if request.user.is_verified() or not second_factor_required(request.user):
        base = admin_site.each_context(request)
    else:
        base = {
            "site_header": admin_site.site_header,
            "site_title": admin_site.site_title,
            "site_url": admin_site.site_url,
            "has_permission": False,
            "is_nav_sidebar_enabled": False,
            "available_apps": [],
        }
    return render(request, template, {**base, "next": _next_url(request), **context})


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The six digits your authenticator app shows now, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None

    def clean_code(self):
        # Six digits are the app's code; anything else is tried as a recovery code, so a
        # recovery code never counts as a wrong app code (each device slows down on its own).
        code = "".join(self.cleaned_data["code"].split()).lower()
        if code.isdigit() and len(code) == 6:
            devices = TOTPDevice.objects.devices_for_user(self.user, confirmed=True)
        else:
            devices = StaticDevice.objects.devices_for_user(self.user, confirmed=True)
        wait_until = None
        for device in devices:
            allowed, info = device.verify_is_allowed()
            if not allowed:
                wait_until = (info or {}).get("locked_until")
                continue
            self.device = otp_verify_token(self.user, device.persistent_id, code)
            if self.device is not None:
                return code
        if wait_until is not None:
            seconds = max(1, math.ceil((wait_until - timezone.now()).total_seconds()))
            raise ValidationError(
                f"Too many wrong codes: wait {seconds} second(s), then try the current code."
            )
        raise ValidationError(
            "That code is not right. Type the code your app shows now (it changes every 30 "
            "seconds), or one of your recovery codes."
        )


class SetupForm(forms.Form):
    code = forms.CharField(
        label="Code from the app",
        max_length=12,
        help_text="After adding the account, type the six digits the app shows.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        allowed, _ = self.device.verify_is_allowed()
        if not allowed:
            raise ValidationError("Too many wrong codes: wait a few seconds, then try again.")
        if not self.device.verify_token(code):
            raise ValidationError(
                "That code does not match. Check that the app added this account, and type "
                "the code it shows now."
            )
        return code


def _signed_in(request):
    user = request.user
    return user.is_authenticated and user.is_active and user.is_staff


@never_cache
@sensitive_post_parameters("code")
def two_factor_verify(request):
    """The second step: a code from the app, or a recovery code."""
    if not _signed_in(request):
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not has_authenticator(request.user):
        return redirect(f"{reverse('two-factor-setup')}?{urlencode({'next': _next_url(request)})}")
    form = CodeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        _signed_in_with_second_factor(request, form.device)
        if isinstance(form.device, StaticDevice):
            left = form.device.token_set.count()
            messages.warning(
                request,
                f"You signed in with a recovery code; {left} left. Make new ones under "
                "Two-factor sign-in if you are running short.",
            )
        return redirect(_next_url(request))
    return _page(request, "admin/two_factor/verify.html", form=form, title="Second step")


@never_cache
@sensitive_post_parameters("code")
def two_factor_setup(request):
    """Add an authenticator app: scan the code, type what the app shows, keep the recovery codes.

    The first time, right after the password; to replace an app, only with the second factor
    given in this session. The app's secret stays the same while the page is reloaded.
    """
    if not _signed_in(request):
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    user = request.user
    if has_authenticator(user) and not user.is_verified():
        return redirect(f"{reverse('two-factor-verify')}?{urlencode({'next': _next_url(request)})}")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = SetupForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = recovery_codes_replace(user)
        _signed_in_with_second_factor(request, device)
        alert_new_authenticator(user)
        return _page(
            request,
            "admin/two_factor/codes.html",
            title="Two-factor sign-in is on",
            codes=codes,
            first_time=True,
        )
    qr = segno.make(device.config_url, error="m")
    secret = b32encode(device.bin_key).decode()
    return _page(
        request,
        "admin/two_factor/setup.html",
        form=form,
        title="Set up two-factor sign-in",
        # segno writes the SVG from the otpauth: address alone; no text of anyone's in it.
        qr_svg=mark_safe(
            qr.svg_inline(scale=5, light="#fff", title="QR code for your authenticator app")
        ),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        issuer=settings.OTP_TOTP_ISSUER,
    )


@never_cache
def two_factor_codes(request):
    """Two-factor sign-in for a signed-in member of staff: what is set up, new recovery codes."""
    if not _signed_in(request):
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    user = request.user
    if not has_authenticator(user):
        return redirect("two-factor-setup")
    if not user.is_verified():
        return redirect(f"{reverse('two-factor-verify')}?{urlencode({'next': request.path})}")
    codes = recovery_codes_replace(user) if request.method == "POST" else None
    return _page(
        request,
        "admin/two_factor/codes.html",
        title="Two-factor sign-in",
        codes=codes,
        authenticator=TOTPDevice.objects.filter(user=user, confirmed=True).first(),
        codes_left=StaticToken.objects.filter(device__user=user).count(),
    )


def alert_new_authenticator(user):
    """Tell the account's owner (and the admins) that an authenticator app was added."""
    recipients = [user.email] if user.email else []
    recipients += signin_alert_recipients()
    if not recipients:
        return
    send_mail(
        f"[{settings.SITE_NAME}] Two-factor sign-in set up for {user.get_username()}",
        f"An authenticator app was set up for the account “{user.get_username()}” at "
        f"{timezone.localtime():%Y-%m-%d %H:%M}. If that was not you, tell the site's "
        "administrators at once: they can remove the device in the admin (OTP_TOTP › TOTP "
        "devices) and reset the password.\n",
        None,
        list(dict.fromkeys(recipients)),
        fail_silently=True,
    )


# --- Idle sessions -------------------------------------------------------------------------

SEEN_KEY = "signin_seen_at"


def refresh_seconds():
    """How often activity pushes the session's expiry on: a tenth of it, at most 5 minutes."""
    return min(300, settings.SESSION_COOKIE_AGE // 10)


@receiver(user_logged_in, dispatch_uid="civicsite.signin.seen_at_login")
def _seen_at_login(sender, request, user, **kwargs):
    # Signing in saves the session anyway: mark it seen now, so the next request writes nothing.
    if request is not None and hasattr(request, "session"):
        request.session[SEEN_KEY] = int(time.time())


class IdleSessionMiddleware:
    """Signed-in sessions end after SESSION_IDLE_HOURS without a request.

    Django's database sessions expire SESSION_COOKIE_AGE after their last save, and so does
    the cookie. Marking the session changed every ``refresh_seconds()`` of activity saves it
    again (SessionMiddleware saves it on the way out): the idle time counts from the last
    request, give or take those few minutes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Only a session this request read anyway (every admin page does): checking costs no
        # query, and pages that never look at the session do not keep it alive.
        session = request.session
        if session.accessed and SESSION_KEY in session:
            now = int(time.time())
            if now - session.get(SEEN_KEY, 0) >= refresh_seconds():
                session[SEEN_KEY] = now
        return response
