"""Events (forums, debates, town halls, meet-and-greets, deadlines) and readers' questions.

An Event has two statuses that must not be confused: ``publication`` (draft, scheduled,
published: whether readers may see the page, exactly as for articles) and ``status`` (what
happens to the event itself: scheduled, postponed, cancelled, held). Times are stored in UTC
and shown, and written into calendars, in the newsroom's zone (settings.TIME_ZONE).

A ReaderQuestion is a reader's suggestion for an event or for a voter guide (while its
GuideQuestionCall is open). It is plain text, escaped once when saved (as comments are,
articles/comment_text.py), and never public until an editor accepts it; the reader's email is
never shown. Posting and moderating go through articles/events/questions.py.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from articles.comment_text import ReaderTextModel
from candidates.models import Candidate, Election, Question, Questionnaire, Race
from civicsite.core.markup import render_light_markdown

# What a calendar shows of an event: a change to any of these on a published event is an
# update calendar clients must take, so SEQUENCE goes up by one (RFC 5545, 3.8.7.4).
CALENDAR_FIELDS = (
    "title",
    "description",
    "host",
    "starts_at",
    "ends_at",
    "venue",
    "address",
    "stream_url",
    "online",
    "recording_url",
    "status",
    "status_note",
)


class EventQuerySet(models.QuerySet):
    def published(self):
        """What readers may see: published (or scheduled) and its publish time has come.

        Every public view, calendar, sitemap and template tag starts here.
        """
        return self.filter(
            publication__in=[Event.Publication.PUBLISHED, Event.Publication.SCHEDULED],
            publish_at__lte=timezone.now(),
        )

    def with_end(self):
        """``end_time``: the end, or the start for an event without one (a deadline)."""
        return self.annotate(end_time=Coalesce("ends_at", "starts_at"))

    def upcoming(self):
        """Not over yet (happening now counts), soonest first."""
        return self.with_end().filter(end_time__gte=timezone.now()).order_by("starts_at", "id")

    def for_election(self, election):
        """Events of an election's calendar: the election, the one it is a runoff of and its
        runoffs, by the event's own election or by its races. One query (subqueries)."""
        family = Election.objects.filter(
            Q(pk=election.pk) | Q(runoff_of=election.pk) | Q(pk=election.runoff_of_id or 0)
        ).values("pk")
        matching = Event.objects.filter(
            Q(election__in=family) | Q(races__election__in=family)
        ).values("pk")
        return self.filter(pk__in=matching)

    def for_cards(self):
        """What a line in an events list shows: the row without its long text."""
        return self.defer("description", "description_html", "status_note")


class Event(models.Model):
    class Kind(models.TextChoices):
        FORUM = "forum", "Candidate forum"
        DEBATE = "debate", "Debate"
        TOWN_HALL = "town_hall", "Town hall"
        MEET_AND_GREET = "meet_greet", "Meet-and-greet"
        FILING_DEADLINE = "filing_deadline", "Filing deadline"
        VOTING_DEADLINE = "voting_deadline", "Voting deadline"

    DEADLINES = frozenset({Kind.FILING_DEADLINE, Kind.VOTING_DEADLINE})

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        POSTPONED = "postponed", "Postponed"
        CANCELLED = "cancelled", "Cancelled"
        HELD = "held", "Held"

    class Publication(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=250)
    slug = models.SlugField(max_length=100, unique=True, help_text="The event page's address.")
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.FORUM)
    description = models.TextField(
        blank=True, help_text="What readers should know: format, who moderates (light Markdown)."
    )
    description_html = models.TextField(blank=True, editable=False)
    host = models.CharField(
        max_length=200, blank=True, help_text="Who runs it, e.g. the newsroom or a civic group."
    )
    host_url = models.URLField(blank=True, help_text="The host's website, if any.")

    starts_at = models.DateTimeField(
        help_text="In the newsroom's time zone. For a postponed event, the new date."
    )
    ends_at = models.DateTimeField(
        null=True, blank=True, help_text="Leave blank when not known, or for a deadline."
    )
    previous_starts_at = models.DateTimeField(
        "originally planned for",
        null=True,
        blank=True,
        help_text="Postponed to a new date: the date it was first planned for. Postponed "
        "with no new date yet: leave blank and keep the old date above.",
    )
    venue = models.CharField(max_length=200, blank=True, help_text="e.g. Branan Towers.")
    address = models.CharField(max_length=300, blank=True)
    stream_url = models.URLField(
        blank=True,
        help_text="The live stream's page (Twitch or YouTube play in the page once a reader "
        "clicks; any other address is shown as a link).",
    )
    online = models.BooleanField(
        "streamed or held online",
        default=False,
        help_text="Tick when it is online but the stream's address is not known (yet): an "
        "event with a stream address above is online anyway.",
    )
    recording_url = models.URLField(
        blank=True, help_text="After the event: the recording (Twitch or YouTube, or a link)."
    )

    election = models.ForeignKey(
        Election,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        help_text="For a deadline or an event about the whole ballot. Events with races "
        "are in their elections' calendars anyway.",
    )
    races = models.ManyToManyField(Race, blank=True, related_name="events")
    candidates = models.ManyToManyField(
        Candidate, blank=True, related_name="events", help_text="The candidates taking part."
    )

    status = models.CharField(max_length=20, choices=Status, default=Status.SCHEDULED)
    status_note = models.TextField(
        "reason",
        blank=True,
        help_text="Why it was cancelled or postponed (required for a cancellation); shown "
        "to readers and in calendars.",
    )
    writeup = models.ForeignKey(
        "articles.Article",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="write-up",
        help_text="After the event: the article about it.",
    )

    publication = models.CharField(max_length=20, choices=Publication, default=Publication.DRAFT)
    publish_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When readers may see the page. In the future with Scheduled to schedule.",
    )

    questions_open = models.BooleanField(
        "readers may suggest questions",
        default=True,
        help_text="The question form stays open, also after the event (follow-up questions), "
        "until you untick this or the closing time below passes.",
    )
    questions_close_at = models.DateTimeField(
        "questions close at", null=True, blank=True, help_text="Optional closing time."
    )

    # Calendars: one UID per event for ever, and a SEQUENCE raised by every published change.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["description_html"])

    class Meta:
        ordering = ["starts_at", "id"]
        permissions = [("publish_event", "Can publish, schedule and unpublish events")]
        indexes = [
            models.Index(fields=["publication", "publish_at"], name="event_publication"),
            models.Index(fields=["starts_at"], name="event_starts_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(publication="draft") | Q(publish_at__isnull=False),
                name="event_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="event_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(status_note=""),
                name="event_cancelled_has_reason",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        """Fills this row's own derived fields: ``description_html`` (light Markdown,
        sanitized once here) and ``sequence`` (one up when a calendar field of an event that
        readers could already see changes)."""
        self.description_html = render_light_markdown(self.description)
        loaded = getattr(self, "_loaded", {})
        if getattr(self, "_loaded_public", False) and any(
            name in loaded and loaded[name] != getattr(self, name) for name in CALENDAR_FIELDS
        ):
            self.sequence += 1
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "description_html", "sequence"}
        super().save(*args, **kwargs)
        self._loaded = {name: getattr(self, name) for name in CALENDAR_FIELDS}
        self._loaded_public = self.is_public

    def get_absolute_url(self):
        return reverse("articles:event-detail", kwargs={"slug": self.slug})

    def get_calendar_url(self):
        return reverse("articles:event-ics", kwargs={"slug": self.slug})

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded = {
            name: getattr(instance, name) for name in CALENDAR_FIELDS if name in field_names
        }
        instance._loaded_public = (
            instance.is_public if {"publication", "publish_at"} <= set(field_names) else False
        )
        return instance

    @property
    def is_public(self):
        return (
            self.publication != self.Publication.DRAFT
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def is_deadline(self):
        return self.kind in self.DEADLINES

    @property
    def is_cancelled(self):
        return self.status == self.Status.CANCELLED

    @property
    def is_held(self):
        return self.status == self.Status.HELD

    @property
    def is_rescheduled(self):
        """Postponed to a new date (``starts_at``) from ``previous_starts_at``."""
        return self.status == self.Status.POSTPONED and self.previous_starts_at is not None

    @property
    def new_date_to_come(self):
        """Postponed, and no new date is known yet."""
        return self.status == self.Status.POSTPONED and self.previous_starts_at is None

    @property
    def ends(self):
        return self.ends_at or self.starts_at

    @property
    def is_over(self):
        return self.ends < timezone.now()

    @property
    def in_person(self):
        return bool(self.venue or self.address)

    @property
    def is_online(self):
        """Streamed or held online, with or without a known stream address."""
        return self.online or bool(self.stream_url)

    @property
    def accepts_questions(self):
        """The form shows while the editors keep it open, before and after the event."""
        return (
            self.questions_open
            and not self.is_cancelled
            and not self.is_deadline
            and (self.questions_close_at is None or self.questions_close_at > timezone.now())
        )


class GuideQuestionCall(models.Model):
    """Readers may suggest questions for a voter guide's questionnaire while this is open."""

    questionnaire = models.OneToOneField(
        Questionnaire, on_delete=models.CASCADE, related_name="reader_question_call"
    )
    is_open = models.BooleanField(
        "open", default=True, help_text="Untick to close the form on the voter guide."
    )
    closes_at = models.DateTimeField(null=True, blank=True, help_text="Optional closing time.")
    note = models.CharField(
        max_length=300,
        blank=True,
        help_text='Shown above the form, e.g. "We send the questions to the candidates on Oct. 1."',
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = "call for readers' questions (voter guide)"
        verbose_name_plural = "calls for readers' questions (voter guides)"

    def __str__(self):
        return f"Readers' questions {'open' if self.is_open else 'closed'}"

    @property
    def accepts_questions(self):
        return self.is_open and (self.closes_at is None or self.closes_at > timezone.now())


class ReaderQuestionQuerySet(models.QuerySet):
    def accepted(self):
        return self.filter(status=ReaderQuestion.Status.ACCEPTED)

    def for_event_page(self):
        """The accepted questions an event page shows after the event, by topic, asked first,
        with the guide question each links to (for its address). Only what readers may see is
        loaded: never the email, address or user agent."""
        return (
            self.accepted()
            .select_related("guide_question__questionnaire__race__election")
            .only(
                "id",
                "event_id",
                "name",
                "neighbourhood",
                "text_html",
                "topic",
                "asked",
                "recording_time",
                "guide_question__id",
                "guide_question__text",
                "guide_question__short_label",
                "guide_question__questionnaire__id",
                "guide_question__questionnaire__published",
                "guide_question__questionnaire__race__slug",
                "guide_question__questionnaire__race__election__slug",
            )
            .order_by("topic", "-asked", "recording_time", "created_at", "id")
        )


class ReaderQuestion(ReaderTextModel, models.Model):
    """A question a reader suggests for an event or a voter guide."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        SPAM = "spam", "Spam"

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="reader_questions"
    )
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reader_questions",
        verbose_name="voter guide",
    )
    name = models.CharField(max_length=245)
    email = models.EmailField(max_length=100, help_text="Never shown to readers.")
    neighbourhood = models.CharField(max_length=100, blank=True)
    text = models.TextField("question", max_length=2000)
    text_html = models.TextField(blank=True, editable=False)
    fingerprint = models.CharField(max_length=64, editable=False)
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    topic = models.CharField(
        max_length=100, blank=True, help_text='Group accepted questions, e.g. "Housing".'
    )
    asked = models.BooleanField("asked at the event", default=False)
    recording_time = models.DurationField(
        null=True,
        blank=True,
        help_text="Where in the recording it was asked, as hh:mm:ss (optional).",
    )
    guide_question = models.ForeignKey(
        Question,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The voter-guide question in which the candidates answer it, if any.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    objects = ReaderQuestionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "reader's question"
        verbose_name_plural = "readers' questions"
        indexes = [
            models.Index(fields=["event", "status"], name="readerquestion_event_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(event__isnull=False, questionnaire__isnull=True)
                | Q(event__isnull=True, questionnaire__isnull=False),
                name="readerquestion_one_target",
            ),
            models.CheckConstraint(
                condition=Q(asked=False) | Q(event__isnull=False),
                name="readerquestion_asked_at_an_event",
            ),
            models.UniqueConstraint(
                fields=["event", "fingerprint"], name="readerquestion_unique_per_event"
            ),
            models.UniqueConstraint(
                fields=["questionnaire", "fingerprint"], name="readerquestion_unique_per_guide"
            ),
        ]

    def __str__(self):
        return f"Question from {self.name}"

    def clean(self):
        if self.asked and self.event_id is None:
            raise ValidationError({"asked": "Only a question for an event can be asked at it."})
        if self.recording_time is not None and not self.asked:
            raise ValidationError(
                {"recording_time": "Tick “asked at the event” to give its time in the recording."}
            )

    @property
    def recording_seconds(self):
        return int(self.recording_time.total_seconds()) if self.recording_time else None

    @property
    def guide_answers_url(self):
        """The voter-guide question's place on its published guide, or ""."""
        question = self.guide_question
        if question is None or not question.questionnaire.published:
            return ""
        race = question.questionnaire.race
        guide = reverse(
            "candidates:race-guide",
            kwargs={"election_slug": race.election.slug, "slug": race.slug},
        )
        return f"{guide}#question-{question.pk}"
