"""The articles' part of /sitemap.xml: published articles, and the tags that have one.

Articles come from ``Article.objects.published()``, so drafts and scheduled stories are never
listed; a tag is listed only while a published article carries it (its page is a 404
otherwise). civicsite/sitemaps.py puts ``SITEMAPS`` together with the other apps' sections.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from taggit.models import Tag

from articles.models import Article, Event, tagged_article_ids


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return Article.objects.published().order_by("-publish_at", "-id").only("slug", "updated_at")

    def lastmod(self, article):
        return article.updated_at


class TagSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.4

    def items(self):
        published_ids = Article.objects.published().values("pk")
        tagged = tagged_article_ids(Tag.objects.values("pk")).filter(object_id__in=published_ids)
        return Tag.objects.filter(pk__in=tagged.values("tag_id")).order_by("name")

    def location(self, tag):
        return reverse("tag-detail", kwargs={"slug": tag.slug})


class EventSitemap(Sitemap):
    """Published event pages (forums, debates, deadlines), from ``Event.objects.published()``."""

    changefreq = "daily"
    limit = 5000

    def items(self):
        return Event.objects.published().order_by("-starts_at", "-id").only("slug", "updated_at")

    def lastmod(self, event):
        return event.updated_at


SITEMAPS = {
    "articles": ArticleSitemap,
    "tags": TagSitemap,
    "events": EventSitemap,
}
