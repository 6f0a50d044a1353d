"""What the newsroom publishes: articles of every kind, their authors, figures and extras.

An article's body is Markdown written in the admin; it is rendered once, on save, to sanitized
HTML (articles/rendering.py) and stored in ``body_html``. Figures carry their responsive
renditions (articles/images.py) in ``renditions``, made once when the image is saved, so a
page never touches Markdown or Pillow per request.
"""

import datetime

from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager
from taggit.models import TaggedItem

from articles import images
from articles.comment_text import ReaderTextModel
from articles.rendering import render_body, render_markdown
from candidates.models import Candidacy, Candidate, Election, Race, SlugFromNameMixin

# Edits within this time after first publication (typo fixes right after the story goes out)
# do not earn an "Updated" line.
UPDATE_GRACE_PERIOD = datetime.timedelta(minutes=15)


class Author(SlugFromNameMixin, models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True, blank=True)
    bio = models.TextField(blank=True, help_text="One or two sentences, shown on the author page.")
    photo = models.ImageField(upload_to="authors/", blank=True)
    photo_alt = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:author-detail", kwargs={"slug": self.slug})


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What readers may see: published, and its publish time has come.

        Every public view, feed, sitemap and search starts here, so a draft or a scheduled
        article never leaks.
        """
        return self.filter(
            status__in=[Article.Status.PUBLISHED, Article.Status.SCHEDULED],
            publish_at__lte=timezone.now(),
        )

    def of_kind(self, kind):
        return self.filter(kind=kind)

    def about_candidate(self, candidate):
        """Stories about a candidate: the ones naming them among their candidates, and the
        voter-guide Q&As showing one of their candidacies' answers."""
        return self.filter(
            Q(
                pk__in=Article.candidates.through.objects.filter(candidate=candidate).values(
                    "article_id"
                )
            )
            | Q(candidacy__candidate=candidate)
        )

    def about_race(self, race):
        """Stories about a race: the ones naming it among their races, and the voter-guide
        Q&As of its candidacies."""
        return self.filter(
            Q(pk__in=Article.races.through.objects.filter(race=race).values("article_id"))
            | Q(candidacy__race=race)
        )

    def for_coverage(self):
        """What a coverage list shows (headline, kind, date, standfirst), newest first, in
        one query: no body, no figure, no byline."""
        return self.only("title", "slug", "dek", "kind", "publish_at").order_by(
            "-publish_at", "-id"
        )

    def for_listing(self):
        """What a list of article cards needs, without a query per card."""
        return (
            self.defer("body", "body_html")  # cards show the dek; bodies are large
            .select_related("lead_figure")
            .prefetch_related(
                models.Prefetch(
                    "bylines", queryset=Byline.objects.select_related("author").order_by("order")
                )
            )
            .order_by("-publish_at", "-id")
        )

    def for_page(self):
        """Everything the article page shows, in a fixed number of queries however much there is.

        Figures, pull quotes and embeds placed in the body are already inside ``body_html``
        (rendered on save), so only the lead figure is fetched here. Related races come with
        their candidacies and counties (``Race.objects.with_results()``), all the result box
        reads. The comments readers see come in one query (``Comment.objects.for_page()``); the
        view arranges them in threads and counts them.
        """
        return self.select_related(
            "lead_figure", "candidacy__candidate", "candidacy__race__election"
        ).prefetch_related(
            models.Prefetch(
                "bylines", queryset=Byline.objects.select_related("author").order_by("order")
            ),
            "tags",
            models.Prefetch("candidates", queryset=Candidate.objects.order_by("name")),
            models.Prefetch(
                "races", queryset=Race.objects.with_results().order_by("-election__date")
            ),
            "exchanges",
            "corrections",
            models.Prefetch(
                "comments", queryset=Comment.objects.for_page(), to_attr="page_comments"
            ),
        )


def tagged_article_ids(tag_ids):
    """Subquery: ids of articles carrying any of ``tag_ids`` (a list or a values subquery).

    The article content type is named by app label and model, joined in the same query,
    rather than read with ``ContentType.objects.get_for_model()``: that lookup goes through a
    per-process cache, so whether it costs a query would depend on what ran before, and the
    pinned query counts of the tag page, feeds, sitemap and search would not hold.
    """
    return TaggedItem.objects.filter(
        tag_id__in=tag_ids, content_type__app_label="articles", content_type__model="article"
    ).values("object_id")


class Article(models.Model):
    """A story of any kind.

    Rules kept by save() (it fills only this row's own fields):

    - body_html follows body. When the body changed (or body_html is empty), save() renders it
      with the figures, pull quotes and embeds already saved for the article. Whoever adds or
      changes those pieces afterwards calls ``services.article_render`` (the admin does it in
      save_related, the demo loader after creating them), so body_html is never stale.
    - first_published_at is set once, the first time the article is saved as not a draft
      with a publish time.
    - content_updated_at ("Updated ..." for readers) is set to now when the title, dek or body
      changes on an article that was already public when loaded, unless the change comes
      within UPDATE_GRACE_PERIOD of first publication or the editor set the date by hand.
    """

    class Kind(models.TextChoices):
        NEWS = "news", "News"
        PROFILE = "profile", "Profile"
        INTERVIEW = "interview", "Interview"
        VOTER_GUIDE_QA = "guide_qa", "Voter-guide Q&A"
        OPINION = "opinion", "Opinion"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=250)
    slug = models.SlugField(
        max_length=100, unique=True, help_text="The article's address; cannot clash with another."
    )
    dek = models.CharField(
        "standfirst",
        max_length=400,
        blank=True,
        help_text="One sentence under the headline that says why the story matters.",
    )
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.NEWS)
    body = models.TextField(
        blank=True,
        help_text="Markdown. Place a figure with [figure: key] on a line of its own, a pull "
        "quote with [pullquote: key], an embedded post with [embed: key].",
    )
    body_html = models.TextField(blank=True, editable=False)
    lead_figure = models.ForeignKey(
        "Figure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The image at the top of the article and on cards and social previews.",
    )
    photo_credit_line = models.CharField(
        max_length=300,
        blank=True,
        help_text='Separate from the byline, e.g. "Photos by Figure and Ground ATL".',
    )
    tags = TaggableManager(blank=True)
    candidates = models.ManyToManyField(
        Candidate, blank=True, related_name="articles", help_text="Candidates the story is about."
    )
    races = models.ManyToManyField(Race, blank=True, related_name="articles")
    elections = models.ManyToManyField(Election, blank=True, related_name="articles")
    candidacy = models.ForeignKey(
        Candidacy,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="For a voter-guide Q&A: the candidacy whose answers the article shows.",
    )
    comments_open = models.BooleanField(default=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    publish_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When readers may see it. In the future with status Scheduled to schedule.",
    )
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    content_updated_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text='Set when the story itself changes after publication; readers see "Updated".',
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ArticleQuerySet.as_manager()
    # body_html is rendered from body on save; the history keeps the Markdown the editor wrote.
    history = HistoricalRecords(excluded_fields=["body_html"])

    class Meta:
        ordering = ["-publish_at", "-id"]
        # Publishing is a permission, not only a status (civicsite/roles.py: editors have it).
        permissions = [("publish_article", "Can publish, schedule and unpublish articles")]
        indexes = [
            models.Index(fields=["status", "publish_at"], name="article_status_publish"),
            # Lists, feeds and the home page read the newest published first: walking this
            # index backwards finds them without sorting every article.
            models.Index(fields=["-publish_at", "-id"], name="article_newest_first"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(publish_at__isnull=False),
                name="article_published_has_date",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        now = timezone.now()
        if self.pk and (self._changed("body") or (self.body and not self.body_html)):
            self.body_html = self.render_body().html
        elif not self.pk:
            self.body_html = render_body(self.body).html
        if (
            self.first_published_at is None
            and self.status != self.Status.DRAFT
            and self.publish_at is not None
        ):
            self.first_published_at = self.publish_at
        if (
            getattr(self, "_loaded_public", False)
            and any(self._changed(name) for name in ("title", "dek", "body"))
            and not self._changed("content_updated_at")
            and self.first_published_at is not None
            and now - self.first_published_at > UPDATE_GRACE_PERIOD
        ):
            self.content_updated_at = now
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"title", "dek", "body"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "body_html", "content_updated_at"}
        super().save(*args, **kwargs)
        self._loaded = {
            name: getattr(self, name) for name in ("title", "dek", "body", "content_updated_at")
        }
        self._loaded_public = self.is_public

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded = {
            name: getattr(instance, name)
            for name in ("title", "dek", "body", "content_updated_at")
            if name in field_names
        }
        instance._loaded_public = instance.is_public if "status" in field_names else False
        return instance

    def _changed(self, name):
        loaded = getattr(self, "_loaded", {})
        return name not in loaded or loaded[name] != getattr(self, name)

    def render_body(self):
        """The body as sanitized HTML with this article's placements (three queries)."""
        return render_body(
            self.body,
            figures=self.figures.all(),
            pull_quotes=self.pull_quotes.all(),
            embeds=self.embeds.all(),
        )

    @property
    def is_public(self):
        return (
            self.status != self.Status.DRAFT
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )


class Byline(models.Model):
    """An author on an article, in order (the first is the lead byline)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="byline_unique_author"),
        ]

    def __str__(self):
        return f"Byline {self.order}"


class RenditionsMixin:
    """Reading ``renditions`` (made once, when the image is saved): srcsets and a src.

    ``_loaded_image`` remembers the file a row was read with, so ``save()`` makes renditions
    only for a new file.
    """

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_image = instance.image.name if "image" in field_names else None
        return instance

    def _renditions(self, image_format):
        return sorted(
            (r for r in self.renditions if (r["format"] == "webp") == (image_format == "webp")),
            key=lambda r: r["width"],
        )

    @staticmethod
    def _srcset(renditions):
        return ", ".join(f"{default_storage.url(r['name'])} {r['width']}w" for r in renditions)

    @property
    def srcset_webp(self):
        return self._srcset(self._renditions("webp"))

    @property
    def srcset_fallback(self):
        return self._srcset(self._renditions("fallback"))

    @property
    def src(self):
        """The largest fallback rendition up to 1200 px wide (the original if none yet)."""
        fallbacks = self._renditions("fallback")
        if not fallbacks:
            return self.image.url if self.image else ""
        fitting = [r for r in fallbacks if r["width"] <= 1200] or fallbacks[:1]
        return default_storage.url(fitting[-1]["name"])

    @property
    def thumbnail_src(self):
        """The smallest fallback rendition, for lists and pickers in the admin."""
        fallbacks = self._renditions("fallback")
        if not fallbacks:
            return self.image.url if self.image else ""
        return default_storage.url(fallbacks[0]["name"])


class LibraryImageQuerySet(models.QuerySet):
    def search(self, text):
        """The library images whose title, alt text or credit contain ``text``."""
        return self.filter(
            Q(title__icontains=text) | Q(alt_text__icontains=text) | Q(credit__icontains=text)
        )


class LibraryImage(RenditionsMixin, models.Model):
    """One picture in the media library, uploaded once and reused by any number of figures.

    The upload is checked and re-encoded (civicsite/core/uploads.py: no camera data, a
    server-made name) and its renditions are made once, when the row is saved with a new
    file (articles/images.py), under MEDIA_ROOT/renditions/library/<pk>/. A figure that shows
    it copies the file's name, size and renditions onto its own row (Figure.save), so article
    pages, cards and feeds read one row per figure, as before the library.
    """

    title = models.CharField(
        max_length=200,
        help_text="What the picture is, in words an editor would search for, e.g. "
        "“Fulton County poll workers counting ballots”.",
    )
    image = models.ImageField(
        upload_to="library/%Y/%m/", width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    alt_text = models.CharField(
        max_length=300,
        help_text="What the image shows, for readers who cannot see it. Required; a figure may "
        "say it differently for its story.",
    )
    credit = models.CharField(
        max_length=200, blank=True, help_text="Who made it, e.g. “Illustration” or a name."
    )
    renditions = models.JSONField(default=list, blank=True, editable=False)
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = LibraryImageQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = "library image"
        verbose_name_plural = "media library"

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        """Saves the row, then (for a new or replaced file) its renditions, once; the
        figures showing this image are brought in step with it."""
        super().save(*args, **kwargs)
        if self.image and (
            self.image.name != getattr(self, "_loaded_image", None) or not self.renditions
        ):
            self.renditions = images.make_renditions(self)
            type(self).objects.filter(pk=self.pk).update(renditions=self.renditions)
            if getattr(self, "_loaded_image", None) is not None:
                Figure.objects.filter(library_image=self).update(
                    image=self.image.name,
                    width=self.width,
                    height=self.height,
                    renditions=self.renditions,
                )
        self._loaded_image = self.image.name

    @property
    def rendition_folder(self):
        return f"renditions/library/{self.pk}"


class Figure(RenditionsMixin, models.Model):
    """A picture placed in one article, with its caption, credit and alt text.

    The picture usually comes from the media library (``library_image``, the admin's way:
    an upload in the article form joins the library, so the next story can reuse it). Its
    file, size and renditions are copied here on save, and the alt text and credit too when
    the figure leaves them empty. A figure made in code without a library image (tests, the
    demo loader) keeps its own file and renditions, under MEDIA_ROOT/renditions/<pk>/.
    """

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="figures", null=True, blank=True
    )
    key = models.SlugField(
        max_length=50, help_text="Short name to place it in the body: [figure: key]."
    )
    library_image = models.ForeignKey(
        LibraryImage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="figures",
        verbose_name="image from the media library",
        help_text="Search the media library by title, alt text or credit.",
    )
    image = models.ImageField(
        upload_to="figures/%Y/%m/", width_field="width", height_field="height", blank=True
    )
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    alt_text = models.CharField(
        max_length=300,
        blank=True,
        help_text="What the image shows, for readers who cannot see it. Leave empty to use the "
        "library image's.",
    )
    caption = models.CharField(max_length=500, blank=True)
    credit = models.CharField(
        max_length=200, blank=True, help_text='e.g. "Illustration". Empty: the library\'s.'
    )
    renditions = models.JSONField(default=list, blank=True, editable=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="figure_unique_key"),
        ]

    def __str__(self):
        return self.key

    def save(self, *args, **kwargs):
        """Saves the row: a library image's file and renditions are copied (never made
        again); a figure's own new or replaced file gets its renditions."""
        library = self.library_image
        if library is not None:
            # Assigned by name: the figure shows the library's file and never writes one (an
            # upload the form put here joined the library instead).
            if self.image.name != library.image.name or not self.image._committed:
                self.image = library.image.name
            self.width, self.height = library.width, library.height
            self.renditions = library.renditions
            self.alt_text = self.alt_text or library.alt_text
            self.credit = self.credit or library.credit
        super().save(*args, **kwargs)
        if (
            library is None
            and self.image
            and (self.image.name != getattr(self, "_loaded_image", None) or not self.renditions)
        ):
            self.renditions = images.make_renditions(self)
            type(self).objects.filter(pk=self.pk).update(renditions=self.renditions)
        self._loaded_image = self.image.name

    @property
    def rendition_folder(self):
        return f"renditions/{self.pk}"


class PullQuote(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="pull_quotes")
    key = models.SlugField(max_length=50, help_text="Place it in the body: [pullquote: key].")
    text = models.TextField()
    source = models.CharField(max_length=200, blank=True, help_text='e.g. "Politico, 2014".')

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="pullquote_unique_key"),
        ]

    def __str__(self):
        return self.key


class Embed(models.Model):
    """A social post shown as a static quote: nothing is fetched, no third-party script."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="embeds")
    key = models.SlugField(max_length=50, help_text="Place it in the body: [embed: key].")
    author_name = models.CharField(max_length=200)
    handle = models.CharField(max_length=100, blank=True, help_text="e.g. @LilianaforATL")
    posted_on = models.DateField()
    text = models.TextField()
    url = models.URLField(help_text="Link to the original post.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="embed_unique_key"),
        ]

    def __str__(self):
        return self.key


class Exchange(models.Model):
    """One turn of an interview: a speaker label and what they said (Markdown)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="exchanges")
    speaker = models.CharField(max_length=200, help_text="The outlet or interviewer, or the guest.")
    is_question = models.BooleanField(
        default=False, help_text="Tick for the interviewer's turns (set in bold)."
    )
    text = models.TextField(help_text="Markdown.")
    text_html = models.TextField(blank=True, editable=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self):
        return self.speaker

    def save(self, *args, **kwargs):
        """text_html follows text: rendered and sanitized here, once, never per request."""
        self.text_html = render_markdown(self.text)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "text" in update_fields:
            kwargs["update_fields"] = {*update_fields, "text_html"}
        super().save(*args, **kwargs)


class Correction(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    corrected_on = models.DateField(default=timezone.localdate)
    text = models.TextField(help_text="What was wrong and what is right, in a sentence or two.")

    class Meta:
        ordering = ["corrected_on", "id"]

    def __str__(self):
        return f"Correction of {self.corrected_on:%Y-%m-%d}"


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def visible(self):
        """What readers see and count: approved, and (for a reply) under an approved comment."""
        return self.approved().filter(
            Q(parent__isnull=True) | Q(parent__status=Comment.Status.APPROVED)
        )

    def for_page(self):
        """The comments readers see under an article, oldest first, in one query: arrange
        them with ``threads()`` (articles/comments.py).

        Only the columns a reader may see are loaded: the email address, IP and user agent
        never leave the database on a public page.
        """
        return (
            self.visible()
            .only("id", "article_id", "parent_id", "name", "website", "text_html", "created_at")
            .order_by("created_at", "id")
        )


class Comment(ReaderTextModel, models.Model):
    """A reader's comment on an article: plain text, shown only once approved.

    The rules that decide a new comment's status, and the refusals (honeypot, signed form
    time, flood, duplicates), live in articles/comments.py, the text rules in
    articles/comment_text.py; posting and moderating go through
    articles/services.py. save() fills this row's own derived fields: ``text_html`` (the text
    escaped, with line breaks and nofollow links, rendered once) and ``fingerprint`` (what the
    database uses to refuse the same comment twice, even from two requests at once).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        help_text="The comment this one replies to (always a top-level comment).",
    )
    name = models.CharField(max_length=245)
    email = models.EmailField(
        max_length=100, help_text="Never shown to readers; used to recognise returning commenters."
    )
    website = models.URLField(max_length=200, blank=True)
    text = models.TextField(max_length=65525)
    text_html = models.TextField(blank=True, editable=False)
    fingerprint = models.CharField(max_length=64, editable=False)
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["article", "status", "created_at"], name="comment_article_status"),
            models.Index(fields=["email", "status"], name="comment_email_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "fingerprint"], name="comment_unique_per_article"
            ),
        ]

    def __str__(self):
        return f"Comment by {self.name}"

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#comment-{self.pk}"

    @property
    def website_url(self):
        """The website as a link target only when it is http(s)."""
        return self.website if self.website.lower().startswith(("http://", "https://")) else ""


# Events and readers' questions live in their own modules (articles/events/); importing them
# here registers them with the app, as Django finds an app's models through its models module.
from articles.events.models import Event, GuideQuestionCall, ReaderQuestion  # noqa: E402, F401
