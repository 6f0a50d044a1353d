from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The floor every app stands on, installed as an app for its template tags."""

    name = "civicsite.core"
    label = "core"
    verbose_name = "Shared foundations"

    def ready(self):
        from django.db.backends.signals import connection_created

        from civicsite.core.outage import use_deadline_cursors

        # PostgreSQL queries give up on a frozen server (civicsite/core/outage.py).
        connection_created.connect(use_deadline_cursors, dispatch_uid="deadline-cursors")
