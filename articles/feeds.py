"""RSS 2.0 and Atom feeds of articles: the latest, per tag, per candidate, per election.

They live with the articles because their items are articles (the election feed adds one item
per race with results); civicsite/urls.py only gives them their addresses. Each feed is RSS,
and ``atom()`` makes its Atom twin.

Every feed starts from ``Article.objects.published()``, so drafts and scheduled stories never
appear, and reads only article, byline, figure and race fields: no comment data of any kind.
An item's description is its dek, HTML-escaped (feed readers treat the description as HTML,
so a dek with markup shows as text). A lead figure is the item's enclosure: its largest
fallback rendition (JPEG for photos), with the stored file's size (0 when it cannot be read).
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.files.storage import default_storage
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import escape
from taggit.models import Tag

from articles.images import mime_type
from articles.models import Article, tagged_article_ids
from candidates.models import Candidate, Election, Race
from candidates.race_data import status_text
from candidates.results import race_results

FEED_ITEMS = 30


def largest_fallback_rendition(figure):
    fallbacks = [r for r in figure.renditions if r.get("format") != "webp"]
    return max(fallbacks, key=lambda r: r["width"]) if fallbacks else None


def stored_size(name):
    try:
        return default_storage.size(name)
    except (OSError, NotImplementedError):
        return 0


class ArticleFeed(Feed):
    """Shared item fields for feeds of articles."""

    feed_type = Rss201rev2Feed
    description_template = None

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return escape(item.dek)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        return self.request.build_absolute_uri(item.get_absolute_url())

    item_guid_is_permalink = True

    def item_pubdate(self, item):
        return item.first_published_at or item.publish_at

    def item_updateddate(self, item):
        return item.content_updated_at or item.first_published_at or item.publish_at

    def item_author_name(self, item):
        names = [byline.author.name for byline in item.bylines.all()]
        return ", ".join(names) or None

    def item_categories(self, item):
        return [item.get_kind_display()]

    def item_enclosures(self, item):
        figure = item.lead_figure
        rendition = largest_fallback_rendition(figure) if figure else None
        if not rendition:
            return []
        url = self.request.build_absolute_uri(default_storage.url(rendition["name"]))
        return [Enclosure(url, str(stored_size(rendition["name"])), mime_type(rendition["format"]))]

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)


def articles_for_feed():
    return Article.objects.published().for_listing()


class LatestArticlesFeed(ArticleFeed):
    description = "News, profiles, interviews and voter guides about local elections."

    def title(self):
        return f"{settings.SITE_NAME}: latest articles"

    def link(self):
        return reverse("articles:index")

    def items(self):
        return articles_for_feed()[:FEED_ITEMS]


class TagFeed(ArticleFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def title(self, tag):
        return f"Articles tagged {tag.name}"

    def description(self, tag):
        return f"Published articles tagged {tag.name}, newest first."

    def link(self, tag):
        return reverse("tag-detail", kwargs={"slug": tag.slug})

    def items(self, tag):
        return articles_for_feed().filter(pk__in=tagged_article_ids([tag.pk]))[:FEED_ITEMS]


class CandidateFeed(ArticleFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Candidate, slug=slug)

    def title(self, candidate):
        return f"Articles about {candidate.name}"

    def description(self, candidate):
        return f"Published articles about {candidate.name}, newest first."

    def link(self, candidate):
        return candidate.get_absolute_url()

    def items(self, candidate):
        return articles_for_feed().filter(candidates=candidate)[:FEED_ITEMS]


def race_state_text(race):
    """A race's state in the words its page uses (candidates/results.py), from a race of
    ``Race.objects.with_results()`` (no query)."""
    return status_text(race_results(race, candidacies=race.candidacies.all()))


class ElectionFeed(ArticleFeed):
    """News about an election and its result updates (one item per race with results)."""

    def get_object(self, request, slug):
        return get_object_or_404(Election, slug=slug)

    def title(self, election):
        return f"{election.name}: news and results"

    def description(self, election):
        return f"Articles about the {election.name} and updates to its race results."

    def link(self, election):
        return election.get_absolute_url()

    def items(self, election):
        about_election = Q(pk__in=Article.objects.filter(elections=election).values("pk")) | Q(
            pk__in=Article.objects.filter(races__election=election).values("pk")
        )
        articles = list(articles_for_feed().filter(about_election)[:FEED_ITEMS])
        races = list(
            Race.objects.with_results()
            .filter(election=election, results_updated_at__isnull=False)
            .order_by("-results_updated_at")[:FEED_ITEMS]
        )
        items = articles + races
        items.sort(key=self.item_pubdate, reverse=True)
        return items[:FEED_ITEMS]

    def item_title(self, item):
        if isinstance(item, Race):
            return f"Results: {item.office.name} ({race_state_text(item)})"
        return super().item_title(item)

    def item_description(self, item):
        if isinstance(item, Race):
            return escape(
                f"Results for {item.office.name} in the {item.election.name} were updated. "
                f"Status: {race_state_text(item)}."
            )
        return super().item_description(item)

    def item_guid(self, item):
        if isinstance(item, Race):
            url = self.request.build_absolute_uri(item.get_absolute_url())
            return f"{url}#results-{item.results_updated_at:%Y%m%dT%H%M%S}"
        return super().item_guid(item)

    def item_guid_is_permalink(self, item):
        return not isinstance(item, Race)

    def item_pubdate(self, item):
        if isinstance(item, Race):
            return item.results_updated_at
        return super().item_pubdate(item)

    def item_updateddate(self, item):
        if isinstance(item, Race):
            return item.results_updated_at
        return super().item_updateddate(item)

    def item_author_name(self, item):
        if isinstance(item, Race):
            return None
        return super().item_author_name(item)

    def item_categories(self, item):
        if isinstance(item, Race):
            return ["Results"]
        return super().item_categories(item)

    def item_enclosures(self, item):
        if isinstance(item, Race):
            return []
        return super().item_enclosures(item)


def atom(feed_class):
    """The Atom 1.0 twin of an RSS feed class (the description becomes the subtitle)."""

    class AtomFeed(feed_class):
        feed_type = Atom1Feed

        def subtitle(self, obj):
            return self._get_dynamic_attr("description", obj)

    AtomFeed.__name__ = f"Atom{feed_class.__name__}"
    return AtomFeed
