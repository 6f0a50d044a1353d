from django.apps import AppConfig
from django.utils import timezone

from civicsite.core.pagecache import PublicContent


class ArticlesConfig(PublicContent, AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def changes_public_pages(self, instance, created):
        """A new comment that is held or filed as spam changes no public page."""
        Comment = self.get_model("Comment")
        if isinstance(instance, Comment) and created:
            return instance.status == Comment.Status.APPROVED
        return True

    def goes_public_at(self, instance):
        """A scheduled article appears at its publish time, with no save then."""
        publish_at = getattr(instance, "publish_at", None)
        if isinstance(instance, self.get_model("Article")) and publish_at:
            return publish_at if publish_at > timezone.now() else None
        return None
