"""Plain factory functions for the articles app: real rows, sensible defaults.

Shared by the article tests (rendering, images, admin, views). Figures get a real JPEG made
with Pillow, so they go through the same save path (and renditions) as an editor's upload.
"""

import datetime
import io
import itertools

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from articles.models import (
    Article,
    Author,
    Byline,
    Correction,
    Embed,
    Exchange,
    Figure,
    PullQuote,
)

_seq = itertools.count(1)


def jpeg_bytes(width=800, height=500, color=(40, 90, 140), **save_options):
    """A real JPEG of one colour (a few kB), e.g. for uploads in tests."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "JPEG", quality=85, **save_options)
    return buffer.getvalue()


def make_author(**fields):
    n = next(_seq)
    fields.setdefault("name", f"Demo Desk {n}")
    return Author.objects.create(**fields)


def make_article(*, authors=(), **fields):
    """A published article (publish_at an hour ago) unless status/publish_at say otherwise."""
    n = next(_seq)
    fields.setdefault("title", f"Council race story {n}")
    fields.setdefault("slug", f"council-race-story-{n}")
    fields.setdefault("dek", "Why the District 5 race matters.")
    fields.setdefault("body", "The race for District 5 drew five candidates.")
    fields.setdefault("status", Article.Status.PUBLISHED)
    if fields["status"] == Article.Status.DRAFT:
        fields.setdefault("publish_at", None)
    else:
        fields.setdefault("publish_at", timezone.now() - datetime.timedelta(hours=1))
    if fields["status"] == Article.Status.PUBLISHED and fields["publish_at"]:
        fields.setdefault("first_published_at", fields["publish_at"])
    article = Article.objects.create(**fields)
    for order, author in enumerate(authors):
        Byline.objects.create(article=article, author=author, order=order)
    return article


def make_figure(article, *, key=None, width=800, height=500, color=(40, 90, 140), **fields):
    """A figure with a real JPEG file of the given size (renditions are made on save)."""
    n = next(_seq)
    fields.setdefault("key", key or f"figure-{n}")
    fields.setdefault("alt_text", f"A placeholder illustration, number {n}")
    fields.setdefault("caption", "A placeholder for the demo.")
    fields.setdefault("credit", "Illustration")
    image = ContentFile(jpeg_bytes(width, height, color), name=f"figure-{n}.jpg")
    return Figure.objects.create(article=article, image=image, **fields)


def make_pull_quote(article, *, key=None, **fields):
    n = next(_seq)
    fields.setdefault("key", key or f"quote-{n}")
    fields.setdefault("text", "Congress had an 11% approval rating and a 96% re-election rate.")
    fields.setdefault("source", "Politico, 2014")
    return PullQuote.objects.create(article=article, **fields)


def make_embed(article, *, key=None, **fields):
    n = next(_seq)
    fields.setdefault("key", key or f"post-{n}")
    fields.setdefault("author_name", "Demo Campaign")
    fields.setdefault("handle", "@democampaign")
    fields.setdefault("posted_on", datetime.date(2017, 11, 14))
    fields.setdefault("text", "Ready to get to it.")
    fields.setdefault("url", "https://example.com/posts/1")
    return Embed.objects.create(article=article, **fields)


def make_exchange(article, **fields):
    fields.setdefault("speaker", "Demo Desk")
    fields.setdefault("is_question", False)
    fields.setdefault("text", "What comes next for the campaign?")
    fields.setdefault("order", article.exchanges.count())
    return Exchange.objects.create(article=article, **fields)


def make_correction(article, **fields):
    fields.setdefault("corrected_on", datetime.date(2021, 11, 4))
    fields.setdefault("text", "An earlier version gave the wrong runoff date; it is Nov. 30.")
    return Correction.objects.create(article=article, **fields)
