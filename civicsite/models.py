"""Site-wide settings editors change in the admin: the front page's pinned lead story."""

from django.db import models
from django.db.models import Q


class FrontPage(models.Model):
    """The home page's editable parts. One row only (pk 1), kept by a database check."""

    SINGLETON_PK = 1

    lead_article = models.ForeignKey(
        "articles.Article",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Pin a story at the top of the home page. Leave empty to lead with the "
        "newest news story. A pinned story shows only while it is published.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "front page"
        verbose_name_plural = "front page"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="frontpage_single_row"),
        ]

    def __str__(self):
        return "Front page"

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)

    @classmethod
    def load(cls):
        front_page, _ = cls.objects.get_or_create(pk=cls.SINGLETON_PK)
        return front_page
