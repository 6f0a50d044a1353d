"""The candidates' part of /sitemap.xml: candidates, elections, races, ballot measures and
voter guides.

Candidates, elections, races and ballot measures are public as soon as they exist; voter
guides come from ``Questionnaire.objects.published()``, so an unpublished guide is never listed.
civicsite/sitemaps.py puts ``SITEMAPS`` together with the other apps' sections.
"""

from django.contrib.sitemaps import Sitemap

from candidates.models import BallotMeasure, Candidate, Election, Questionnaire, Race
from candidates.results import RaceState, listed_race_state


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
    def items(self):
        return (
            Race.objects.with_state_facts()
            .select_related("election")
            .order_by("-election__date", "pk")
            .only(
                "slug",
                "status",
                "cancelled",
                "results_updated_at",
                "election__slug",
                "election__date",
            )
        )

    def lastmod(self, race):
        return race.results_updated_at

    def changefreq(self, race):
        """From the race's RaceState, as every page reads it: hourly while its figures may
        change, daily before election day, monthly once it is over."""
        state = listed_race_state(race)
        if state.is_live:
            return "hourly"
        return "daily" if state == RaceState.UPCOMING else "monthly"


class MeasureSitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return (
            BallotMeasure.objects.select_related("election")
            .order_by("-election__date", "pk")
            .only("slug", "results_updated_at", "election__slug")
        )

    def lastmod(self, measure):
        return measure.results_updated_at


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


SITEMAPS = {
    "candidates": CandidateSitemap,
    "elections": ElectionSitemap,
    "races": RaceSitemap,
    "measures": MeasureSitemap,
    "guides": GuideSitemap,
}
