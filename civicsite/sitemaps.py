"""/sitemap.xml: every public page, and nothing a reader could not open.

Articles come from ``Article.objects.published()`` and voter guides from
``Questionnaire.objects.published()``, so drafts, scheduled stories and unpublished guides are
never listed; tags are listed only while they have a published article.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from taggit.models import Tag

from articles.models import Article
from candidates.models import Candidate, Election, Questionnaire, Race
from civicsite.search import tagged_article_ids


class SectionSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return [
            "home",
            "articles:index",
            "candidates:election-list",
            "candidates:candidate-list",
            "candidates:guide-list",
        ]

    def location(self, item):
        return reverse(item)


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return Article.objects.published().order_by("-publish_at", "-id").only("slug", "updated_at")

    def lastmod(self, article):
        return article.updated_at


class CandidateSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Candidate.objects.order_by("name", "pk").only("slug", "updated_at")

    def lastmod(self, candidate):
        return candidate.updated_at


class ElectionSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Election.objects.order_by("-date", "pk").only("slug")


class RaceSitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return (
            Race.objects.select_related("election")
            .order_by("-election__date", "pk")
            .only("slug", "results_updated_at", "election__slug")
        )

    def lastmod(self, race):
        return race.results_updated_at


class GuideSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return (
            Questionnaire.objects.published()
            .select_related("race__election")
            .order_by("-race__election__date", "pk")
        )

    def lastmod(self, questionnaire):
        return questionnaire.updated_at


class TagSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.4

    def items(self):
        published_ids = Article.objects.published().values("pk")
        tagged = tagged_article_ids(Tag.objects.values("pk")).filter(object_id__in=published_ids)
        return Tag.objects.filter(pk__in=tagged.values("tag_id")).order_by("name")

    def location(self, tag):
        return reverse("tag-detail", kwargs={"slug": tag.slug})


SITEMAPS = {
    "sections": SectionSitemap,
    "articles": ArticleSitemap,
    "candidates": CandidateSitemap,
    "elections": ElectionSitemap,
    "races": RaceSitemap,
    "guides": GuideSitemap,
    "tags": TagSitemap,
}
