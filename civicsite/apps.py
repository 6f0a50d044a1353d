from django.apps import AppConfig


class CivicsiteConfig(AppConfig):
    """The project package as an app, for its static files, templates tags and commands."""

    name = "civicsite"
    verbose_name = "Site"
