from django.apps import AppConfig, apps
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate

from civicsite.core import pagecache


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


class CivicsiteConfig(pagecache.PublicContent, AppConfig):
    """The site that composes the apps: home, search, front page, commands, static files."""

    name = "civicsite"
    verbose_name = "Site"

    def changes_public_pages(self, instance, created):
        # An edit waiting for review (civicsite/review.py) is seen by editors only.
        return instance._meta.model_name != "pendingedit"

    def ready(self):
        # Every save of a model shown on public pages empties the page cache
        # (civicsite/core/pagecache.py); tags appear on article and tag pages.
        pagecache.connect_signals(also_watch=["taggit"])
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="civicsite-sync-roles")
        from django.db.backends.signals import connection_created

        from civicsite.search import register_sqlite_functions

        # Search folds accents and case on SQLite with a function of ours (civicsite/search.py).
        connection_created.connect(register_sqlite_functions, dispatch_uid="civicsite-search-fold")


class DeskAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the desk's site as the default ``admin.site`` (INSTALLED_APPS names
    it; ``default = False`` keeps CivicsiteConfig this module's config for "civicsite")."""

    default = False
    default_site = "civicsite.admin_site.DeskAdminSite"
