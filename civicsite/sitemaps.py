"""/sitemap.xml: every public page, and nothing a reader could not open.

Each app lists its own pages (articles/sitemaps.py, candidates/sitemaps.py), each starting from
its ``published()`` QuerySet where it has one; this module adds the site's own pages (home, the
section indexes, and About, Contact and the Corrections policy, a fixed set that always exists,
so listed without a query) and puts the sections together. The order of ``SITEMAPS`` is the order
of the URLs in /sitemap.xml.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from articles.sitemaps import SITEMAPS as ARTICLES_SITEMAPS
from candidates.sitemaps import SITEMAPS as CANDIDATES_SITEMAPS
from civicsite.models import Page


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
            *(("page", slug) for slug in Page.Slug.values),
        ]

    def location(self, item):
        if isinstance(item, tuple):
            name, slug = item
            return reverse(name, kwargs={"slug": slug})
        return reverse(item)


SITEMAPS = {
    "sections": SectionSitemap,
    "articles": ARTICLES_SITEMAPS["articles"],
    "events": ARTICLES_SITEMAPS["events"],
    **CANDIDATES_SITEMAPS,  # candidates, elections, races, measures, guides
    "tags": ARTICLES_SITEMAPS["tags"],
}
