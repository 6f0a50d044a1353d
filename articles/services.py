"""Writes on articles that go beyond one row's own fields (README, "Code layout").

The admin's actions and save hooks and the demo loader call these; nothing else publishes.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from articles.comment_text import comment_fingerprint
from articles.comments import (
    DUPLICATE_MESSAGE,
    FLOOD_MESSAGE,
    client_ip,
    decide_status,
    flood_allows,
)
from articles.models import Article, Comment
from civicsite.core import pagecache


def article_render(*, article):
    """Render body_html from body with the article's figures, pull quotes and embeds, and save.

    Three queries for the pieces, then Markdown and nh3 in memory, then one UPDATE. Returns the
    placements the body asks for that the article does not have, as (kind, key) pairs, so the
    admin can warn the editor (readers see nothing where they stand).
    """
    rendered = article.render_body()
    article.body_html = rendered.html
    Article.objects.filter(pk=article.pk).update(body_html=rendered.html)
    return rendered.unknown


@transaction.atomic
def article_publish(*, article, when=None):
    """Make the article public at ``when`` (now by default; a future time schedules it).

    first_published_at is set once, by Article.save, and never moves afterwards. "Publish now"
    on an article readers can already see changes nothing, so its date does not jump.
    """
    if when is None and article.is_public:
        return article
    article.status = Article.Status.PUBLISHED
    article.publish_at = when or timezone.now()
    article.save()
    return article


@transaction.atomic
def article_unpublish(*, article):
    """Take the article back to draft: readers get a 404; publish_at is kept for reference."""
    article.status = Article.Status.DRAFT
    article.save()
    return article


# --- Comments ----------------------------------------------------------------------------------


class CommentRefused(Exception):
    """A comment that is not written, with the reader's message and the HTTP status."""

    def __init__(self, message, status):
        super().__init__(message)
        self.message = message
        self.status = status


def comment_post(*, article, data, request):
    """Write a reader's comment (already a valid CommentForm's cleaned_data) or refuse it.

    The order follows WordPress: a duplicate (same article, name, email and text) is refused
    with 409 before the flood limit (429) is checked; then the rules in articles/comments.py
    decide the status. The unique constraint on (article, fingerprint) settles two identical
    posts arriving at once: one is stored, the other gets the duplicate answer. A held comment
    is announced to the editors once the row is committed.
    """
    fingerprint = comment_fingerprint(name=data["name"], email=data["email"], text=data["text"])
    if Comment.objects.filter(article=article, fingerprint=fingerprint).exists():
        raise CommentRefused(DUPLICATE_MESSAGE, 409)
    ip_address = client_ip(request)
    if not flood_allows(ip_address=ip_address, email=data["email"]):
        raise CommentRefused(FLOOD_MESSAGE, 429)
    returning = Comment.objects.approved().filter(email=data["email"]).exists()
    comment = Comment(
        article=article,
        parent=data.get("parent"),
        name=data["name"],
        email=data["email"],
        website=data.get("website", ""),
        text=data["text"],
        status=decide_status(data, request, returning=returning),
        ip_address=ip_address,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
    )
    try:
        with transaction.atomic():
            comment.save()
            if comment.status == Comment.Status.PENDING:
                admin_url = request.build_absolute_uri(
                    reverse("admin:articles_comment_change", args=[comment.pk])
                )
                transaction.on_commit(
                    lambda: comment_notify_editors(comment=comment, admin_url=admin_url)
                )
    except IntegrityError:
        # The same comment committed by a parallel request since the check above.
        raise CommentRefused(DUPLICATE_MESSAGE, 409) from None
    return comment


def comment_moderators():
    """Active staff with an email address who may moderate comments (the comment change
    permission, directly, through a role group, or as superusers)."""
    may_moderate = Permission.objects.filter(
        content_type__app_label="articles", codename="change_comment"
    )
    return (
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=may_moderate)
            | Q(groups__permissions__in=may_moderate)
        )
        .exclude(email="")
        .distinct()
    )


def comment_notify_editors(*, comment, admin_url):
    """Email the editors about a held comment: EDITORS_EMAIL, else every active staff member
    with an address who may moderate comments (a contributor cannot act on it). The email is
    private, so it may carry the commenter's address."""
    recipients = list(settings.EDITORS_EMAIL) or sorted(
        comment_moderators().values_list("email", flat=True)
    )
    if not recipients:
        return 0
    subject = f"Comment awaiting moderation: {comment.article.title}"[:200]
    body = (
        f"A comment on “{comment.article.title}” is waiting for moderation.\n\n"
        f"From: {comment.name} <{comment.email}>\n\n"
        f"{comment.text[:2000]}\n\n"
        f"Approve, mark as spam or remove it here:\n{admin_url}\n"
    )
    return send_mail(subject, body, None, recipients, fail_silently=True)


def _comments_set_status(comments, status):
    with transaction.atomic():
        changed = comments.exclude(status=status).update(status=status)
        pagecache.invalidate()  # update() sends no signals; the article pages show comments
        return changed


def comment_approve(*, comments):
    """Publish the comments (a queryset); returns how many changed."""
    return _comments_set_status(comments, Comment.Status.APPROVED)


def comment_mark_spam(*, comments):
    """File the comments as spam: hidden, and their email is not trusted."""
    return _comments_set_status(comments, Comment.Status.SPAM)


def comment_remove(*, comments):
    """Hide the comments from readers (kept for the record)."""
    return _comments_set_status(comments, Comment.Status.REMOVED)
