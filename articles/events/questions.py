"""Readers' questions: posting one (with the comments' defences) and moderating them.

The defences are the comments' own, called from articles/comments.py rather than copied: the
client address (``client_ip``, trusting X-Forwarded-For only behind COMMENTS_TRUSTED_PROXIES),
the flood limit (``flood_allows``: one post per address or email per COMMENTS_FLOOD_SECONDS,
shared with comments, so a machine cannot alternate between the two forms), the local spam
checks (``spam_verdicts``) and the signed form time and honeypot (articles/events/forms.py).
A duplicate (same target, name, email and text) is refused with 409 before the flood limit,
as for comments, and the database settles two identical posts arriving at once.

Unlike a comment, no question is ever published directly: each waits for an editor, or is
filed as spam when a spam check says so.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from articles.comment_text import comment_fingerprint
from articles.comments import SPAM, client_ip, flood_allows, spam_verdicts
from articles.events.models import Event, ReaderQuestion
from articles.services import comment_moderators
from civicsite.core import pagecache

DUPLICATE_MESSAGE = "Duplicate question: you have already sent this one."
FLOOD_MESSAGE = "You are sending questions too quickly. Please wait a moment."
CLOSED_MESSAGE = "This question form is closed."
RECEIVED_MESSAGE = (
    "Thanks: your question has reached the newsroom. Editors read every question; accepted "
    "ones may be published with your name, never your email."
)


class QuestionRefused(Exception):
    """A question that is not written, with the reader's message and the HTTP status."""

    def __init__(self, message, status):
        super().__init__(message)
        self.message = message
        self.status = status


def _target_fields(target):
    return {"event": target} if isinstance(target, Event) else {"questionnaire": target}


def question_post(*, target, data, request):
    """Write a reader's question (a valid ReaderQuestionForm's cleaned_data) for ``target``,
    an Event or a Questionnaire, or raise QuestionRefused."""
    scope = _target_fields(target)
    fingerprint = comment_fingerprint(name=data["name"], email=data["email"], text=data["text"])
    if ReaderQuestion.objects.filter(**scope, fingerprint=fingerprint).exists():
        raise QuestionRefused(DUPLICATE_MESSAGE, 409)
    ip_address = client_ip(request)
    if not flood_allows(ip_address=ip_address, email=data["email"]):
        raise QuestionRefused(FLOOD_MESSAGE, 429)
    verdicts = spam_verdicts({**data, "website": ""}, request)
    question = ReaderQuestion(
        **scope,
        name=data["name"],
        email=data["email"],
        neighbourhood=data.get("neighbourhood", ""),
        text=data["text"],
        status=ReaderQuestion.Status.SPAM if SPAM in verdicts else ReaderQuestion.Status.PENDING,
        ip_address=ip_address,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
    )
    try:
        with transaction.atomic():
            question.save()
            if question.status == ReaderQuestion.Status.PENDING:
                admin_url = request.build_absolute_uri(
                    reverse("admin:articles_readerquestion_change", args=[question.pk])
                )
                transaction.on_commit(
                    lambda: question_notify_editors(question=question, admin_url=admin_url)
                )
    except IntegrityError:
        raise QuestionRefused(DUPLICATE_MESSAGE, 409) from None
    return question


def question_notify_editors(*, question, admin_url):
    """Email the editors (EDITORS_EMAIL, else those who may moderate comments) once."""
    recipients = list(settings.EDITORS_EMAIL) or sorted(
        comment_moderators().values_list("email", flat=True)
    )
    if not recipients:
        return 0
    body = (
        f"A reader's question is waiting for moderation.\n\n"
        f"From: {question.name} <{question.email}>"
        f"{f' ({question.neighbourhood})' if question.neighbourhood else ''}\n\n"
        f"{question.text[:2000]}\n\nAccept or decline it here:\n{admin_url}\n"
    )
    subject = "Reader's question awaiting moderation"
    return send_mail(subject, body, None, recipients, fail_silently=True)


def _update(questions, **fields):
    with transaction.atomic():
        changed = questions.update(**fields)
        pagecache.invalidate()  # update() sends no signals; event pages show accepted ones
        return changed


def question_accept(*, questions):
    """Accept the questions (a queryset): shown on their event page once it is held."""
    return _update(questions.exclude(status=ReaderQuestion.Status.ACCEPTED), status="accepted")


def question_decline(*, questions):
    """Keep the questions out of public view (kept for the record); never asked."""
    return _update(
        questions.exclude(status=ReaderQuestion.Status.DECLINED), status="declined", asked=False
    )


def question_mark_spam(*, questions):
    return _update(questions.exclude(status=ReaderQuestion.Status.SPAM), status="spam", asked=False)


def question_mark_asked(*, questions):
    """Mark event questions as asked at the event; asking one accepts it."""
    return _update(
        questions.filter(event__isnull=False).exclude(
            status=ReaderQuestion.Status.ACCEPTED, asked=True
        ),
        status=ReaderQuestion.Status.ACCEPTED,
        asked=True,
    )
