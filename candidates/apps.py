import datetime

from django.apps import AppConfig
from django.conf import settings
from django.utils import timezone

from civicsite.core.pagecache import PublicContent


class CandidatesConfig(PublicContent, AppConfig):
    name = "candidates"
    verbose_name = "Elections and candidates"

    def goes_public_at(self, instance):
        """A race's state follows its election's day with no save (candidates/results.py
        ``race_state``): pages change when election day begins and ends in the newsroom's
        time zone, and when the home page stops showing its results (HOME_RESULTS_DAYS)."""
        if not isinstance(instance, self.get_model("Election")):
            return None
        day = datetime.datetime.combine(instance.date, datetime.time())
        days = [0, 1, settings.HOME_RESULTS_DAYS + 1]
        moments = [timezone.make_aware(day + datetime.timedelta(days=n)) for n in days]
        return [moment for moment in moments if moment > timezone.now()]

    def ready(self):
        from candidates import models
        from candidates.results import RACES_TAG
        from civicsite.core import pagetags

        # A page that reads results and does not say which races it shows goes stale at every
        # results write (candidates/results.py tags the pages that do say).
        pagetags.default_tag_for(
            RACES_TAG,
            models.Race,
            models.Candidacy,
            models.ReportingUnit,
            models.VoteCount,
            models.RaceCall,
            models.BallotMeasure,
            models.MeasureCount,
        )
