from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def sync_roles_after_migrate(sender, app_config=None, **kwargs):
    """Keep the role groups in step after every migrate and every test-database flush.

    post_migrate is sent once per app; acting after the last installed app means every app's
    permissions exist by then. A flush between transactional tests also sends it, so the
    groups the data migration made come back instead of vanishing for later tests.
    """
    if app_config is not list(apps.get_app_configs())[-1]:
        return
    from civicsite.roles import sync_roles

    sync_roles()


class CivicsiteConfig(AppConfig):
    """The project package as an app, for its static files, templates tags and commands."""

    name = "civicsite"
    verbose_name = "Site"

    def ready(self):
        # Every save of a model shown on public pages empties the page cache (civicsite/caching.py).
        from civicsite import caching

        caching.connect_signals()
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="civicsite-sync-roles")
