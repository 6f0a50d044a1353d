"""Site-wide rows editors keep in the admin: the front page's pinned lead story, the site's own
pages (About, Contact, Corrections policy), and the edits to public profiles that wait for an
editor's review."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from civicsite.core.markup import render_page_markdown


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


class Page(models.Model):
    """One of the site's own pages, linked in every page's footer: About, Contact, and the
    Corrections policy. The set is fixed (``Slug``): the rows are made by the migration that
    made the table (0007) and cannot be added or deleted in the admin, so the footer links to
    them without a query and never to a missing page. Editors write the text.
    """

    class Slug(models.TextChoices):
        ABOUT = "about", "About"
        CONTACT = "contact", "Contact"
        CORRECTIONS = "corrections-policy", "Corrections policy"

    slug = models.SlugField(max_length=40, choices=Slug, unique=True, editable=False)
    title = models.CharField(max_length=200, help_text="The page's headline.")
    summary = models.CharField(
        max_length=300,
        blank=True,
        help_text="One sentence for search engines and link previews.",
    )
    body = models.TextField(
        help_text="Markdown: paragraphs, ## headings, - lists, [links](https://...), > quotes."
    )
    body_html = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # body_html is rendered from body on save; the history keeps the Markdown.
    history = HistoricalRecords(excluded_fields=["body_html"])

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slug__in=["about", "contact", "corrections-policy"]),
                name="page_known_slug",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        """body_html follows body: sanitized once, here (civicsite/core/markup.py)."""
        self.body_html = render_page_markdown(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("page", kwargs={"slug": self.slug})


class PendingEdit(models.Model):
    """A change to a public profile by someone whose edits wait for an editor (civicsite/review.py).

    Readers keep seeing the profile as it is until an editor applies the change; a new profile
    does not exist for readers until then. ``changes`` maps each changed field to its value
    before and after: {"bio": {"old": "...", "new": "..."}}, as the columns store them (a photo
    as its file name: the new file is already stored, under a name nobody can guess).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected"

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, verbose_name="kind of profile"
    )
    object_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The profile changed; empty for a new profile."
    )
    object_repr = models.CharField("profile", max_length=200)
    changes = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="pending_edits",
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(
        blank=True, help_text="Why it was rejected, or anything the contributor should know."
    )

    class Meta:
        verbose_name = "edit waiting for review"
        verbose_name_plural = "edits waiting for review"
        ordering = ["-submitted_at", "-id"]
        permissions = [("review_pendingedit", "Can apply or reject edits waiting for review")]
        indexes = [
            models.Index(fields=["content_type", "object_id", "status"], name="pendingedit_target")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "applied", "rejected"]),
                name="pendingedit_known_status",
            ),
        ]

    def __str__(self):
        return f"{self.object_repr} ({self.get_status_display().lower()})"
