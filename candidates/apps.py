from django.apps import AppConfig

from civicsite.core.pagecache import PublicContent


class CandidatesConfig(PublicContent, AppConfig):
    name = "candidates"
    verbose_name = "Elections and candidates"
