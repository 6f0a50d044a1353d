from django.apps import AppConfig

from civicsite.core.pagecache import PublicContent


class CandidatesConfig(PublicContent, AppConfig):
    name = "candidates"
    verbose_name = "Elections and candidates"

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
