from django.apps import AppConfig
from django.utils import timezone

from civicsite.core.pagecache import PublicContent


class ArticlesConfig(PublicContent, AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def changes_public_pages(self, instance, created):
        """A new comment that is held or filed as spam changes no public page; nor does a
        reader's question, which is never public before an editor accepts it."""
        Comment = self.get_model("Comment")
        if isinstance(instance, Comment) and created:
            return instance.status == Comment.Status.APPROVED
        return not (created and isinstance(instance, self.get_model("ReaderQuestion")))

    def goes_public_at(self, instance):
        """A scheduled article or event appears at its publish time, and an event leaves
        "Coming up" (for the past events) when it ends: no save happens at either moment."""
        publish_at = getattr(instance, "publish_at", None)
        if isinstance(instance, self.get_model("Event")):
            ends_at = instance.ends_at or instance.starts_at
            return [when for when in (publish_at, ends_at) if when and when > timezone.now()]
        if isinstance(instance, self.get_model("Article")) and publish_at:
            return publish_at if publish_at > timezone.now() else None
        return None
