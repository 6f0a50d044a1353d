"""Writes on articles that go beyond one row's own fields (STYLE.md: services, keyword-only).

The admin's actions and save hooks and the demo loader call these; nothing else publishes.
"""

from django.db import transaction
from django.utils import timezone

from articles.models import Article


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
