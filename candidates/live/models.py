"""Results feeds on election night: where figures come from, every pull, and what was held.

- A **FeedSource** is a county's (or a state's) results file an editor attaches to an
  election: a URL or a local path, and its format. ``poll_results`` fetches it on its interval.
- Every fetch is a **Pull**. A pull whose figures differ from what readers see is staged:
  applied through the results importer (the one door for figures), or **held** when a rule
  says it looks wrong (candidates/live/staging.py), until an editor applies or rejects it.
- The bytes of every pull that changed something are kept once each, by checksum, as a
  **Payload**, so a night can be audited and replayed (``replay_results``).
- **LiveSettings**: an election's hold rules (thresholds) and its review switch; an election
  without a row uses the defaults written here.
- A **Rehearsal** is one run of ``replay_results``: while it runs every public page carries a
  TEST banner.

Nothing here is shown on a public page, so saving these rows never empties the page cache.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from candidates.models import Election

# A source that has not answered for this many of its intervals is stale (the desk is told).
STALE_AFTER_INTERVALS = 3


def local_feed_dirs():
    """Folders the admin may name local feed files in (settings.LIVE_FEED_LOCAL_DIRS)."""
    return [Path(folder).resolve() for folder in settings.LIVE_FEED_LOCAL_DIRS]


class LiveSettings(models.Model):
    """How an election's pulls are staged. An election without a row gets these defaults."""

    DEFAULT_JUMP_PERCENT = 100
    DEFAULT_JUMP_FLOOR = 500

    election = models.OneToOneField(
        Election, on_delete=models.CASCADE, related_name="live_settings"
    )
    review_every_pull = models.BooleanField(
        default=False,
        help_text="Hold every pull that changes figures until an editor applies it, even when "
        "nothing looks wrong. Off: normal changes go to readers at once; only suspicious "
        "pulls wait.",
    )
    jump_percent = models.PositiveIntegerField(
        "hold a jump of more than (%)",
        null=True,
        blank=True,
        default=DEFAULT_JUMP_PERCENT,
        help_text="Hold a pull in which a county's total votes in a race grow by more than "
        "this share of what readers see for it (100: the total would more than double). "
        "Blank: never hold a pull for a jump.",
    )
    jump_floor = models.PositiveIntegerField(
        "only once a county has (votes)",
        default=DEFAULT_JUMP_FLOOR,
        help_text="The jump rule applies only to a county that already shows at least this "
        "many votes, so the first reports of the night go through.",
    )

    class Meta:
        verbose_name = "live settings"
        verbose_name_plural = "live settings"
        ordering = ["election"]

    def __str__(self):
        return f"Live settings {self.pk}"

    @classmethod
    def for_election(cls, election):
        """The election's row, or an unsaved one with the defaults."""
        found = cls.objects.filter(election=election).first()
        return found or cls(election=election)


class FeedSourceQuerySet(models.QuerySet):
    def due(self, now=None):
        """Active sources whose next pull time has come (or that were never pulled)."""
        now = now or timezone.now()
        return self.filter(active=True).filter(
            Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)
        )


class FeedSource(models.Model):
    class Format(models.TextChoices):
        CLARITY_VERSION = (
            "clarity_version",
            "Clarity: current_ver.txt (fetches the newest version's detailxml.zip)",
        )
        CLARITY = "clarity", "Clarity: detailxml.zip or detail.xml"
        CSV = "csv", "OpenElections-style CSV"

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="feed_sources")
    name = models.CharField(
        max_length=200, help_text='For the desk, e.g. "DeKalb County (Clarity)".'
    )
    url = models.CharField(
        "URL or path",
        max_length=1000,
        blank=True,
        help_text="Where the results file is: an http(s) address, or a file on this server "
        "(inside the folders in LIVE_FEED_LOCAL_DIRS). For Clarity's current_ver.txt, the "
        "address of current_ver.txt or of the election's results page. Blank: a source that "
        "only keeps stored snapshots (a rehearsal night); it is never pulled.",
    )
    format = models.CharField(
        max_length=20,
        choices=Format,
        blank=True,
        default=Format.CLARITY_VERSION,
        help_text="Blank: told from the address, or else from the first file the feed sends.",
    )
    interval = models.PositiveIntegerField(
        "seconds between pulls",
        default=60,
        validators=[MinValueValidator(5)],
        help_text="How often to pull (a little is added or taken at random, so sources do not "
        "all ask at the same second). After an error the wait doubles, up to 15 minutes.",
    )
    active = models.BooleanField(
        default=True, help_text="Pulled by poll_results. Switch off once the count is over."
    )
    create_missing = models.BooleanField(
        "add what the site does not know",
        default=True,
        help_text="Add offices, races, candidates and counties that the feed names and the site "
        "does not have yet. Off: a feed naming anything unknown fails, and nothing is applied.",
    )

    # What the last pulls found (filled by poll_results, read-only in the admin).
    etag = models.CharField(max_length=500, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    version = models.CharField(
        max_length=50, blank=True, editable=False, help_text="Clarity's version number."
    )
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_ok_at = models.DateTimeField(
        "last answered", null=True, blank=True, editable=False, help_text="200 or 304."
    )
    last_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_downloaded_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="The last full download (not a 304)."
    )
    last_error = models.TextField(blank=True, editable=False)
    failures = models.PositiveIntegerField(
        "errors in a row", default=0, editable=False, help_text="Each one doubles the wait."
    )
    next_poll_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = FeedSourceQuerySet.as_manager()

    class Meta:
        ordering = ["election", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "url"], condition=~Q(url=""), name="feedsource_unique_url"
            ),
            models.CheckConstraint(
                condition=Q(interval__gte=5), name="feedsource_interval_at_least_5s"
            ),
            models.CheckConstraint(
                condition=Q(active=False) | ~Q(url=""), name="feedsource_active_needs_url"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("admin:live_feedsource_change", args=[self.pk])

    @property
    def is_local(self):
        return self.url.startswith("/") or self.url.startswith("file:")

    def local_path(self):
        return Path(urlsplit(self.url).path if self.url.startswith("file:") else self.url)

    def clean(self):
        super().clean()
        if self.active and not self.url:
            raise ValidationError({"url": "An active source needs a URL or a path."})
        if not self.url:
            return
        if self.is_local:
            path = self.local_path().resolve()
            if not any(path.is_relative_to(folder) for folder in local_feed_dirs()):
                raise ValidationError(
                    {
                        "url": "Local files must be inside one of the folders set in "
                        "LIVE_FEED_LOCAL_DIRS; give an http(s) address otherwise."
                    }
                )
            return
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValidationError(
                {"url": "Give an http:// or https:// address, or a path starting with /."}
            )
        if parts.username or parts.password:
            raise ValidationError({"url": "Leave user names and passwords out of the address."})

    def is_stale(self, now=None):
        if not self.active:
            return False
        now = now or timezone.now()
        last = self.last_ok_at or self.created_at
        return now - last > timedelta(seconds=self.interval * STALE_AFTER_INTERVALS)


class Payload(models.Model):
    """The bytes of one pulled file, stored once whatever the number of pulls that brought it."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveIntegerField(help_text="Bytes.")
    content = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.sha256[:12]


class PullQuerySet(models.QuerySet):
    def held(self):
        return self.filter(status=Pull.Status.HELD)

    def replayable(self):
        """A night's own pulls that brought a file (not the replays of it), oldest first."""
        return (
            self.filter(replay=False, payload__isnull=False)
            .exclude(status__in=[Pull.Status.UNCHANGED, Pull.Status.FAILED])
            .order_by("started_at", "pk")
        )


class Pull(models.Model):
    """One fetch of a source: what came, what it would change, and what became of it."""

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        HELD = "held", "Held for review"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Superseded (a newer pull was applied)"
        UNCHANGED = "unchanged", "Unchanged"
        FAILED = "failed", "Failed"

    # A pull in these states carries its file (for Apply, audit and replay).
    WITH_FILE = (Status.APPLIED, Status.HELD, Status.REJECTED, Status.SUPERSEDED)

    source = models.ForeignKey(FeedSource, on_delete=models.CASCADE, related_name="pulls")
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_seen_at = models.DateTimeField(
        null=True, blank=True, help_text="Unchanged pulls in a row are one row: the last of them."
    )
    repeats = models.PositiveIntegerField(default=1, help_text="Unchanged pulls in a row.")
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    fetched_url = models.CharField(max_length=1000, blank=True)
    version = models.CharField(max_length=50, blank=True, help_text="Clarity's version number.")
    size = models.PositiveIntegerField(null=True, blank=True, help_text="Bytes.")
    sha256 = models.CharField(max_length=64, blank=True)
    payload = models.ForeignKey(
        Payload, on_delete=models.PROTECT, null=True, blank=True, related_name="pulls"
    )
    summary = models.CharField(max_length=500, blank=True, help_text="What changed, in a line.")
    reasons = models.JSONField(
        default=list, blank=True, help_text="Why it was held, one sentence each."
    )
    changes = models.JSONField(
        default=list, blank=True, help_text="Every figure that differs from what readers saw."
    )
    figures = models.JSONField(
        default=list, blank=True, help_text="The file's counties and figures, as staged."
    )
    error = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="The editor's note on applying or rejecting.")
    replay = models.BooleanField(
        default=False, help_text="Made by replay_results during a rehearsal."
    )

    objects = PullQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["applied", "held", "rejected", "superseded"])
                | Q(payload__isnull=False),
                name="pull_with_file_has_payload",
            ),
        ]

    def __str__(self):
        return f"Pull {self.pk} ({self.status})"

    def get_absolute_url(self):
        return reverse("admin:live_pull_change", args=[self.pk])


class Rehearsal(models.Model):
    """One run of replay_results: the TEST banner is up from ``started_at`` until it ends."""

    election = models.ForeignKey(
        Election, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    until = models.DateTimeField(help_text="The banner goes at the latest then.")
    ended_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"Rehearsal {self.pk}"

    @property
    def running(self):
        return self.ended_at is None and self.until > timezone.now()
