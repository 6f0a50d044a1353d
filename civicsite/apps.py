from django.apps import AppConfig


class CivicsiteConfig(AppConfig):
    """The project package as an app, for its static files, templates tags and commands."""

    name = "civicsite"
    verbose_name = "Site"

    def ready(self):
        # Every save of a model shown on public pages empties the page cache (civicsite/caching.py).
        from civicsite import caching

        caching.connect_signals()
