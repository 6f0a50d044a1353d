"""Readers' comments: the moderation rules and refusals, in one place (README, "For editors").

- A comment is plain text, rendered to HTML once when it is saved: articles/comment_text.py.
- ``decide_status``: the one function that says whether a new comment is published, held for
  moderation or filed as spam (after WordPress's long-tested rules).
- The pluggable local spam checks (``COMMENTS_SPAM_CHECKS``): dotted paths to functions
  ``check(comment_data, request) -> "spam" | "hold" | None``. No remote service is called.
- The refusals that write nothing: the signed form time (too fast, too old, tampered), the
  flood limit per IP address and per email, and the client address they use.
- The signed form time on cached pages (``form_token_for_page``, ``make_form_token``): a page
  drawn for a GET is cached and shared, so its form carries no time of its own; the form's
  script asks ``/comments/token/`` (never cached) for a fresh one when the reader starts on
  the form. Without the script the first post has none: it is refused, nothing is written,
  and the form comes back with the reader's text, a fresh time and "please confirm", so the
  reader's second press (a few seconds later) goes through. The readers' question forms
  (articles/events) follow the same rule through the same form mixin (articles/forms.py,
  ReaderTextForm).

Every number is a COMMENTS_* setting (defaults in civicsite/settings.py), read through
``setting()``, so tests and editors can change it.
"""

import hashlib
import ipaddress
import logging
import re
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.module_loading import import_string

from articles.comment_text import count_links
from articles.models import Comment

logger = logging.getLogger(__name__)

SPAM = "spam"
HOLD = "hold"

REFUSED_MESSAGE = (
    "Please confirm your comment: check it, then press “Post comment” again to send it."
)
DUPLICATE_MESSAGE = "Duplicate comment: you have already said that."
FLOOD_MESSAGE = "You are posting comments too quickly. Please wait a moment."
CLOSED_MESSAGE = "Comments are closed."
PENDING_MESSAGE = "Thanks: your comment is awaiting moderation."
APPROVED_MESSAGE = "Your comment is published."


def setting(name):
    """A COMMENTS_* setting; civicsite/settings.py holds every default (README, "Configuration")."""
    return getattr(settings, f"COMMENTS_{name}")


def threads(comments):
    """Top-level comments in the given order, each with its replies in ``public_replies``.

    ``comments`` is what ``Comment.objects.for_page()`` returns: replies come with their
    parents, so the whole thread is one query however long it is.
    """
    top_level = [comment for comment in comments if comment.parent_id is None]
    by_id = {comment.pk: comment for comment in top_level}
    for comment in top_level:
        comment.public_replies = []
    for comment in comments:
        if comment.parent_id is not None and comment.parent_id in by_id:
            by_id[comment.parent_id].public_replies.append(comment)
    return top_level


# --- Spam checks and the moderation decision ------------------------------------------------


def blocklist_check(comment_data, request):
    """Spam when the name, email, website or text holds a COMMENTS_BLOCKLIST word."""
    haystack = " ".join(
        str(comment_data.get(field) or "") for field in ("name", "email", "website", "text")
    ).casefold()
    for word in setting("BLOCKLIST"):
        word = word.strip().casefold()
        if word and re.search(rf"(?<!\w){re.escape(word)}(?!\w)", haystack):
            return SPAM
    return None


def link_count_check(comment_data, request):
    """Held when the text has COMMENTS_MAX_LINKS links or more (spam is mostly links)."""
    max_links = setting("MAX_LINKS")
    if max_links and count_links(comment_data.get("text")) >= max_links:
        return HOLD
    return None


def spam_verdicts(comment_data, request):
    """Every configured check's verdict ("spam", "hold"), in order, without the Nones."""
    verdicts = []
    for path in setting("SPAM_CHECKS"):
        verdict = import_string(path)(comment_data, request)
        if verdict:
            verdicts.append(verdict)
    return verdicts


def decide_status(comment_data, request, *, returning):
    """The status a new comment gets.

    Spam if any check says so; held if any check holds it; published directly if the
    commenter is ``returning`` (an earlier comment under the same email was approved) and
    COMMENTS_TRUST_RETURNING is on; held otherwise (first-time commenters).
    """
    verdicts = spam_verdicts(comment_data, request)
    if SPAM in verdicts:
        return Comment.Status.SPAM
    if HOLD in verdicts:
        return Comment.Status.PENDING
    if returning and setting("TRUST_RETURNING"):
        return Comment.Status.APPROVED
    return Comment.Status.PENDING


# --- Refusals: the signed form time, the flood limit ------------------------------------------

_TOKEN_SALT = "articles.comments.form-time"


def make_form_token(article_id):
    """The article id and the time the form was served, signed (the form's hidden field)."""
    return signing.TimestampSigner(salt=_TOKEN_SALT).sign(str(article_id))


# What a form's signed time may be bound to: an article's id ("12"), or a question form's
# "question:event:4" (articles/events/forms.py, form_key).
_FORM_KEY = re.compile(r"[a-z0-9:]{1,60}")


def is_form_key(value):
    return isinstance(value, str) and _FORM_KEY.fullmatch(value) is not None


def form_token_for_page(key, *, bound):
    """The signed time a form carries in the page as drawn: none in a page drawn for a GET,
    which is cached and shared (the form's script fetches a fresh one: module docstring); a
    fresh one in a page drawn again after a post (never cached), so posting again confirms."""
    return make_form_token(key) if bound else ""


def form_token_is_valid(token, article_id):
    """True when the token was made by us, for this article, at least COMMENTS_MIN_SECONDS
    and at most COMMENTS_MAX_AGE_SECONDS ago."""
    signer = signing.TimestampSigner(salt=_TOKEN_SALT)
    try:
        value = signer.unsign(token or "", max_age=setting("MAX_AGE_SECONDS"))
        served_at = signing.b62_decode(token.rsplit(signer.sep, 2)[1])
    except (signing.BadSignature, ValueError, IndexError):
        return False
    if value != str(article_id):
        return False
    return time.time() - served_at >= setting("MIN_SECONDS")


def _ip_or_none(value):
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request):
    """The reader's address: REMOTE_ADDR, unless we run COMMENTS_TRUSTED_PROXIES proxies.

    Behind n proxies of our own, the n-th address from the right of X-Forwarded-For is the one
    our outermost proxy saw; anything to its left was written by the client and proves nothing.
    """
    proxies = setting("TRUSTED_PROXIES")
    if proxies > 0:
        hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop]
        if len(hops) >= proxies and (address := _ip_or_none(hops[-proxies])):
            return address
    return _ip_or_none(request.META.get("REMOTE_ADDR", ""))


def flood_allows(*, ip_address, email):
    """False when this IP address or this email commented in the last COMMENTS_FLOOD_SECONDS.

    cache.add writes only when the key is absent, atomically on Redis and in local memory, so
    two workers cannot both let a second comment through; with Redis as the cache the limit
    holds across processes and servers. When the cache is down the limit is skipped (logged):
    comments from new commenters are held for moderation anyway.
    """
    seconds = setting("FLOOD_SECONDS")
    if not seconds:
        return True
    keys = [f"comments:flood:email:{hashlib.sha256(email.lower().encode()).hexdigest()}"]
    if ip_address:
        keys.append(f"comments:flood:ip:{ip_address}")
    allowed = True
    for key in keys:
        try:
            added = cache.add(key, 1, timeout=seconds)
        except Exception:  # any cache failure: serve the reader, say so in the log
            logger.warning("Comment flood check skipped: the cache is unavailable.", exc_info=True)
            return True
        allowed = allowed and added
    return allowed
