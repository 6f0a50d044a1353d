from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The floor every app stands on, installed as an app for its template tags."""

    name = "civicsite.core"
    label = "core"
    verbose_name = "Shared foundations"
