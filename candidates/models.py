"""Who runs for what, and how it went.

A Candidate is a person across elections; a Candidacy is that person in one Race (one Office on
one Election's ballot). Votes are stored per Candidacy and ReportingUnit (a county, optionally
its precincts); totals, shares and outcomes are derived (see candidates/results.py), never
stored twice. A BallotMeasure (a question put to the voters) has no candidates: its Yes and No
votes are stored per county (MeasureCount).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from civicsite.core.markup import render_light_markdown


def unique_slug(instance, value, *, scope=None, max_length=80):
    """A slug from ``value`` that is unique within ``scope`` (a dict of filters)."""
    base = slugify(value)[:max_length] or "item"
    slug, n = base, 2
    manager = type(instance)._default_manager
    while manager.filter(slug=slug, **(scope or {})).exclude(pk=instance.pk).exists():
        suffix = f"-{n}"
        slug, n = f"{base[: max_length - len(suffix)]}{suffix}", n + 1
    return slug


class SlugFromNameMixin:
    """Fills a blank ``slug`` from ``name`` on save, unique across the model."""

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.name)
        super().save(*args, **kwargs)


class Candidate(SlugFromNameMixin, models.Model):
    name = models.CharField(max_length=200, help_text="The name readers know, e.g. Katie Kissell.")
    ballot_name = models.CharField(
        max_length=200,
        blank=True,
        help_text='Full name as usually printed on ballots, e.g. Katrina "Katie" Kissell. '
        "A candidacy can override it for one race.",
    )
    slug = models.SlugField(max_length=80, unique=True, blank=True, help_text="Used in the URL.")
    photo = models.ImageField(upload_to="candidates/", blank=True)
    photo_credit = models.CharField(max_length=200, blank=True, help_text="Who took the photo.")
    photo_alt = models.CharField(
        max_length=300,
        blank=True,
        help_text="Describe the photo for readers who cannot see it. Required with a photo.",
    )
    bio = models.TextField(blank=True, help_text="A short, factual biography (plain text).")
    website = models.URLField(blank=True, help_text="The campaign or personal website.")
    x_handle = models.CharField("X/Twitter handle", max_length=50, blank=True, help_text="No @.")
    facebook_url = models.URLField(blank=True)
    instagram_handle = models.CharField(max_length=50, blank=True, help_text="No @.")
    party = models.CharField(
        max_length=100, blank=True, help_text="Current party. Leave blank for nonpartisan."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("candidates:candidate-detail", kwargs={"slug": self.slug})

    @property
    def display_ballot_name(self):
        return self.ballot_name or self.name


class Office(SlugFromNameMixin, models.Model):
    name = models.CharField(max_length=200, help_text="e.g. Atlanta City Council District 5.")
    slug = models.SlugField(max_length=80, unique=True, blank=True)
    body = models.CharField(max_length=200, help_text="The body the seat belongs to.")
    district = models.CharField(max_length=50, blank=True, help_text='e.g. "5"; blank if at-large.')
    seats = models.PositiveSmallIntegerField(default=1, help_text="Seats filled by one race.")
    ocd_division_id = models.CharField(
        "OCD division id",
        max_length=200,
        blank=True,
        help_text="Open Civic Data id, e.g. ocd-division/country:us/state:ga/place:atlanta/"
        "council_district:5",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["body", "district", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "district"], name="office_unique_body_district"
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="office_seats_at_least_one"),
        ]

    def __str__(self):
        return self.name


class ElectionQuerySet(models.QuerySet):
    def not_over(self):
        """Elections whose day has not passed (in the newsroom's time zone), soonest first.
        Whether one is upcoming, today or counting is its ElectionState
        (candidates/results.py), from its races."""
        return self.filter(date__gte=timezone.localdate()).order_by("date", "name")

    def with_race_states(self):
        """Each election's races with what their RaceState needs (``with_state_facts``),
        prefetched: two queries however many elections and races."""
        return self.prefetch_related(
            models.Prefetch("races", queryset=Race.objects.with_state_facts().order_by())
        )


class Election(models.Model):
    class Kind(models.TextChoices):
        GENERAL = "general", "General"
        PRIMARY = "primary", "Primary"
        SPECIAL = "special", "Special"
        RUNOFF = "runoff", "Runoff"

    name = models.CharField(max_length=200, help_text="e.g. Atlanta municipal general election.")
    slug = models.SlugField(max_length=80, unique=True, blank=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.GENERAL)
    date = models.DateField(help_text="Election day.")
    jurisdiction = models.CharField(max_length=200, blank=True, help_text="e.g. City of Atlanta.")
    description = models.TextField(blank=True, help_text="What is on the ballot, in a sentence.")
    runoff_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runoffs",
        help_text="For a runoff: the election it follows.",
    )

    objects = ElectionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "name"]

    def __str__(self):
        return f"{self.name} ({self.date:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, f"{self.date:%Y-%m-%d} {self.name}")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("candidates:election-detail", kwargs={"slug": self.slug})


# A party as it qualifies a primary: "Democrat" -> "Democratic primary" (AP style).
PARTY_ADJECTIVES = {"Democrat": "Democratic"}


class RaceQuerySet(models.QuerySet):
    def with_results(self):
        """Races with everything ``race_results`` and the result partials read, prefetched:
        the candidacies in result order and the top-level reporting units (``top_units``)."""
        return self.select_related(*Race.PAGE_RELATIONS).prefetch_related(
            *Race.LINKED_RACE_ELECTIONS,
            models.Prefetch("candidacies", queryset=Candidacy.objects.for_results()),
            models.Prefetch(
                "reporting_units", queryset=ReportingUnit.objects.top_level(), to_attr="top_units"
            ),
        )

    def with_state_facts(self):
        """What a race's RaceState needs besides its own fields, annotated (no query per
        row; candidates/results.py ``listed_race_state``): whether any votes are on file
        (``has_votes``, top-level units only, as the totals) and any reported outcome."""
        return self.annotate(
            has_votes=models.Exists(
                VoteCount.objects.filter(
                    candidacy__race=OuterRef("pk"), unit__parent__isnull=True, votes__gt=0
                )
            ),
            has_reported_outcome=models.Exists(
                Candidacy.objects.filter(race=OuterRef("pk")).exclude(reported_outcome="")
            ),
        )


class Race(models.Model):
    class DecisionRule(models.TextChoices):
        PLURALITY = "plurality", "Most votes wins"
        MAJORITY = "majority", "Majority, else a runoff between the top two"

    class Status(models.TextChoices):
        UPCOMING = "upcoming", "Upcoming"
        COUNTING = "counting", "Counting"
        UNOFFICIAL_FINAL = "unofficial_final", "Unofficial final"
        CERTIFIED = "certified", "Certified"

    # The statuses in which results are final (races and ballot measures alike).
    FINAL_STATUSES = frozenset({Status.UNOFFICIAL_FINAL, Status.CERTIFIED})
    # The others: with votes on file, such a race is being counted (results.race_state).
    NOT_FINAL_STATUSES = frozenset({Status.UPCOMING, Status.COUNTING})

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="races")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="races")
    slug = models.SlugField(max_length=80, blank=True, help_text="Unique within the election.")
    party = models.CharField(
        max_length=100,
        blank=True,
        help_text="Primaries only: the party whose nominee this race chooses (one race per "
        "party for the same office). Blank for general elections and nonpartisan races.",
    )
    seats = models.PositiveSmallIntegerField(default=1, help_text="Seats this race fills.")
    expected_units = models.PositiveSmallIntegerField(
        "counties in this race",
        null=True,
        blank=True,
        help_text="How many counties vote in this race (1 for a city race in one county). "
        "While fewer have figures on file, no winner is shown and the race cannot be marked "
        "final. Filled by an import from the file or the office's last race; blank: not known.",
    )
    decision_rule = models.CharField(
        max_length=20, choices=DecisionRule, default=DecisionRule.MAJORITY
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.UPCOMING)
    cancelled = models.BooleanField(
        default=False, help_text="The race was taken off the ballot (say why in the note)."
    )
    note = models.TextField(
        blank=True,
        help_text="Shown on the race page: why a race was cancelled, what is known of a race "
        "whose totals are not on file, etc.",
    )
    results_updated_at = models.DateTimeField(null=True, blank=True)
    results_source = models.CharField(
        max_length=300, blank=True, help_text="Where the figures come from, e.g. DeKalb County."
    )
    results_source_url = models.URLField(blank=True)
    reported_margin = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Only when vote totals are not on file: the winner's margin in votes as "
        "reported publicly.",
    )
    expected_votes = models.PositiveIntegerField(
        "expected total vote",
        null=True,
        blank=True,
        help_text="Election night: the desk's estimate of how many votes this race will "
        "count in all, shown to readers with its basis while the race is counted. Blank: no "
        "estimate.",
    )
    expected_votes_basis = models.CharField(
        "basis of the estimate",
        max_length=300,
        blank=True,
        help_text='How the estimate was made, shown beside it, e.g. "turnout in the 2017 '
        'general plus new registrations". Required with an estimate.',
    )
    runoff_of = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runoff",
        help_text="For a runoff race: the race it continues.",
    )
    final_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the results first became final (unofficial final or certified). "
        "Figures changed after this are listed publicly as corrections.",
    )

    # What a race page shows with it: its election and office, its voter guide, if any, which
    # is linked from every place a race is shown (published_guide), and the races it continues
    # or is continued by. The elections of those races (RaceResults.threshold_sentence reads
    # race.runoff.election) are prefetched, not joined: two more joins made PostgreSQL plan the
    # race query for ~8 ms, and the prefetch costs nothing when there is no runoff.
    PAGE_RELATIONS = ("election", "office", "questionnaire", "runoff_of", "runoff")
    LINKED_RACE_ELECTIONS = ("runoff_of__election", "runoff__election")

    objects = RaceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["election__date", "office__body", "office__district"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "office", "party"], name="race_unique_office_party"
            ),
            models.UniqueConstraint(fields=["election", "slug"], name="race_unique_slug"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="race_seats_at_least_one"),
            models.CheckConstraint(
                condition=Q(expected_votes__isnull=True) | ~Q(expected_votes_basis=""),
                name="race_expected_votes_has_basis",
            ),
        ]

    def __str__(self):
        return self.slug

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.heading, scope={"election_id": self.election_id})
        if self.is_final and self.final_at is None:
            # The moment the results first became final: set once, never moved, so a race
            # taken back to counting and declared final again keeps its corrections log.
            self.final_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "final_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse(
            "candidates:race-detail",
            kwargs={"election_slug": self.election.slug, "slug": self.slug},
        )

    @property
    def heading(self):
        """The race's public name: "Governor", or "Governor, Republican primary"."""
        if not self.party:
            return self.office.name
        return f"{self.office.name}, {PARTY_ADJECTIVES.get(self.party, self.party)} primary"

    @property
    def is_final(self):
        return self.status in Race.FINAL_STATUSES

    @property
    def published_guide(self):
        """The race's voter guide if readers may see it (select_related "questionnaire")."""
        try:
            questionnaire = self.questionnaire
        except Questionnaire.DoesNotExist:
            return None
        return questionnaire if questionnaire.published else None


class CandidacyQuerySet(models.QuerySet):
    def with_votes(self):
        """Each candidacy's votes, summed in the database (a correlated subquery, no GROUP BY).

        Only top-level units are summed (counties, or one "all counties combined" unit when
        per-county figures are not on file); precincts roll up into their county, so nothing
        is counted twice. The race's total is the sum over its candidacies
        (``results.race_results``), so it needs no query of its own.
        """
        votes = (
            VoteCount.objects.filter(candidacy=OuterRef("pk"), unit__parent__isnull=True)
            .order_by()
            .values("candidacy")
            .annotate(total=Sum("votes"))
            .values("total")
        )
        return self.annotate(votes=Coalesce(Subquery(votes), 0))

    def with_call(self):
        """The desk's standing call on each candidacy, if it is named in one: ``called_at``
        and ``call_outcome`` (None otherwise). Correlated subqueries, so every page that reads
        results through ``for_results()`` knows a race's call without a query of its own
        (candidates/results.py decides whether readers see it)."""
        standing = RaceCall.candidacies.through.objects.filter(
            candidacy=OuterRef("pk"), racecall__uncalled_at__isnull=True
        ).order_by()
        return self.annotate(
            called_at=Subquery(standing.values("racecall__called_at")[:1]),
            call_outcome=Subquery(standing.values("racecall__outcome")[:1]),
        )

    def for_results(self):
        return (
            self.with_votes()
            .with_call()
            .select_related("candidate")
            .order_by("-votes", "ballot_order")
        )


class Candidacy(models.Model):
    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="candidacies")
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="candidacies")
    ballot_name = models.CharField(
        max_length=200, blank=True, help_text="Exactly as printed on this ballot."
    )
    party = models.CharField(
        max_length=100, blank=True, help_text="Party at the time. Blank = nonpartisan."
    )
    incumbent = models.BooleanField(default=False, help_text="Held this seat on election day.")
    ballot_order = models.PositiveSmallIntegerField(default=0)
    withdrawn = models.BooleanField(
        default=False,
        help_text="Withdrew but stays on the ballot; keeps its votes, never advances.",
    )
    withdrawn_on = models.DateField(null=True, blank=True)
    write_in = models.BooleanField(default=False)
    reported_outcome = models.CharField(
        max_length=20,
        blank=True,
        choices=[("won", "Won"), ("lost", "Lost"), ("runoff", "Advanced to runoff")],
        help_text="Only when vote totals are not on file: the outcome as reported publicly.",
    )

    objects = CandidacyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["ballot_order", "id"]
        verbose_name_plural = "candidacies"
        constraints = [
            models.UniqueConstraint(fields=["race", "candidate"], name="candidacy_unique_in_race"),
        ]

    def __str__(self):
        return self.ballot_name or f"Candidacy {self.pk}"

    @property
    def display_name(self):
        """The name as on the ballot ("Katrina "Katie" Kissell"), for readers. A ballot name a
        county system printed in capitals ("HILLARY CLINTON") gives the candidate's readable
        public name instead; the printed one is kept. The candidate is select_related by the
        callers."""
        if self.ballot_name and self.ballot_name.isupper():
            return self.candidate.name
        return self.ballot_name or self.candidate.display_ballot_name


class ReportingUnitQuerySet(models.QuerySet):
    def top_level(self):
        """Counties (or the one "all counties combined" unit), never their precincts."""
        return self.filter(parent__isnull=True).order_by("kind", "name")


class ReportingUnit(models.Model):
    class Kind(models.TextChoices):
        COUNTY = "county", "County"
        PRECINCT = "precinct", "Precinct"
        # Votes known only for the whole race (e.g. from a news report), not per county.
        COMBINED = "combined", "All counties combined"

    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="reporting_units")
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.COUNTY)
    name = models.CharField(max_length=200, help_text='e.g. "Fulton".')
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="precincts",
        help_text="For a precinct: its county.",
    )
    precincts_total = models.PositiveIntegerField(null=True, blank=True)
    precincts_reporting = models.PositiveIntegerField(null=True, blank=True)
    figures_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When this county's votes or precincts reporting last changed (set by the "
        "results importer; a pull that brings the same figures leaves it alone). Readers see "
        'it as the county\'s "as of" time.',
    )

    objects = ReportingUnitQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["race", "kind", "name"],
                condition=Q(parent__isnull=True),
                name="unit_unique_top_level_name",
            ),
            models.UniqueConstraint(
                fields=["race", "parent", "name"], name="unit_unique_name_in_parent"
            ),
            models.CheckConstraint(
                condition=Q(precincts_reporting__lte=F("precincts_total"))
                | Q(precincts_reporting__isnull=True)
                | Q(precincts_total__isnull=True),
                name="unit_reporting_within_total",
            ),
        ]

    def __str__(self):
        return self.name


class VoteCount(models.Model):
    """Votes for one candidacy in one reporting unit, with the method split when known."""

    candidacy = models.ForeignKey(Candidacy, on_delete=models.CASCADE, related_name="vote_counts")
    unit = models.ForeignKey(ReportingUnit, on_delete=models.CASCADE, related_name="vote_counts")
    votes = models.PositiveIntegerField(default=0)
    election_day = models.PositiveIntegerField(null=True, blank=True)
    advance = models.PositiveIntegerField("advance/early", null=True, blank=True)
    absentee_by_mail = models.PositiveIntegerField(null=True, blank=True)
    provisional = models.PositiveIntegerField(null=True, blank=True)
    # Vote methods a results file names that fit none of the columns above ("advance in person
    # 2"), by name: kept so the stored split always adds up to what the file said.
    other_methods = models.JSONField(
        default=dict, blank=True, help_text="Other vote methods from the results file, by name."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["candidacy", "unit"], name="votecount_unique"),
        ]

    def __str__(self):
        return f"{self.votes} votes"


class ResultsCorrection(models.Model):
    """A figure changed after its race was final: one line of the race page's public
    "Corrections to these results".

    Written only by candidates/services.py, in the same transaction as the change, whenever
    the results grid or an import changes a stored vote count of a race whose results had
    already been final (``Race.final_at``). Names are copied at the time, so the log reads the
    same after a candidacy or county is renamed or removed.
    """

    class Source(models.TextChoices):
        GRID = "grid", "Results grid"
        IMPORT = "import", "Results import"

    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="corrections")
    unit_name = models.CharField(
        "county", max_length=200, blank=True, help_text="Blank: all counties combined."
    )
    candidate_name = models.CharField(max_length=200)
    old_votes = models.PositiveIntegerField(null=True, blank=True, help_text="Blank: none.")
    new_votes = models.PositiveIntegerField(null=True, blank=True, help_text="Blank: removed.")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(max_length=10, choices=Source)

    class Meta:
        ordering = ["changed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(old_votes__isnull=False) | Q(new_votes__isnull=False),
                name="correction_has_a_figure",
            ),
        ]

    def __str__(self):
        return f"Correction of {self.changed_at:%Y-%m-%d}"

    @property
    def changed_on(self):
        """The day of the change, in the newsroom's time zone."""
        return timezone.localdate(self.changed_at)

    @property
    def sentence(self):
        """E.g. "Fulton votes for Ann Able changed from 300 to 310." (no date: see the page)."""
        where = f"{self.unit_name} votes" if self.unit_name else "Votes"
        subject = f"{where} for {self.candidate_name}"
        if self.old_votes is None:
            return f"{subject} added: {self.new_votes:,}."
        if self.new_votes is None:
            return f"{subject} removed (had been {self.old_votes:,})."
        return f"{subject} changed from {self.old_votes:,} to {self.new_votes:,}."


class RaceCall(models.Model):
    """The desk's call of a race: who won, or the two who advance to a runoff, before the
    figures are final. One line of the race page's public call log.

    Written only by candidates/calls.py (``call_race`` / ``uncall_race``). A race has at most
    one standing call (``uncalled_at`` blank); an uncalled one stays as a line of the log. Who
    is shown as called, and whether the figures bear the call out, is decided by
    candidates/results.py; once the race is final the figures alone decide it.
    """

    class Outcome(models.TextChoices):
        WON = "won", "Winner"
        RUNOFF = "runoff", "The two who advance to a runoff"

    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="calls")
    outcome = models.CharField(max_length=10, choices=Outcome)
    candidacies = models.ManyToManyField(
        Candidacy, related_name="calls", help_text="The winner(s), or the two advancing."
    )
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    called_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(
        blank=True, help_text="Why the desk made the call; shown to readers in the call log."
    )
    uncalled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uncalled_at = models.DateTimeField(null=True, blank=True)
    uncall_note = models.TextField(
        blank=True, help_text="Why the call was withdrawn; shown to readers in the call log."
    )

    class Meta:
        ordering = ["called_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["race"],
                condition=Q(uncalled_at__isnull=True),
                name="racecall_one_standing_call",
            ),
            models.CheckConstraint(
                condition=Q(uncalled_at__isnull=True) | Q(uncalled_at__gte=F("called_at")),
                name="racecall_uncalled_after_called",
            ),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} call of {self.called_at:%Y-%m-%d %H:%M}"

    @property
    def is_standing(self):
        return self.uncalled_at is None


ORIGIN_ERROR = (
    "Enter a site's origin: https:// (or http://), the host name and, if it has one, the "
    "port; no path. For example https://www.partner-news.org."
)


def normalize_origin(value):
    """ "HTTPS://Partner.example.org/" -> "https://partner.example.org".

    Anything that is not a bare http(s) origin raises ValidationError: a path, a query,
    credentials, a wildcard, or a space or semicolon that could smuggle another directive
    into the Content-Security-Policy header these values are written into.
    """
    text = (value or "").strip()
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        raise ValidationError(ORIGIN_ERROR) from None
    host = parts.hostname or ""
    if not (
        parts.scheme.lower() in {"http", "https"}
        and host
        and all(c.isascii() and (c.isalnum() or c in "-.") for c in host)
        and host[0].isalnum()
        and parts.username is None
        and parts.password is None
        and parts.path in {"", "/"}
        and not parts.query
        and not parts.fragment
        and not any(c in text for c in "?#;,*")
    ):
        raise ValidationError(ORIGIN_ERROR)
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port else "")


class EmbedOriginQuerySet(models.QuerySet):
    def allowed(self):
        """The origins that may frame the results boxes now, as CSP frame-ancestors sources."""
        return self.filter(active=True).order_by("origin").values_list("origin", flat=True)


class EmbedOrigin(models.Model):
    """A partner site allowed to show our results boxes (/embed/...) in an iframe.

    Only the embed pages name these origins in their ``frame-ancestors``
    (candidates/embeds.py); every other page keeps ``frame-ancestors 'none'`` and
    ``X-Frame-Options: DENY``.
    """

    origin = models.CharField(
        max_length=200,
        unique=True,
        help_text="The partner site's origin: https://, the host name and the port if it has "
        "one; no path. E.g. https://www.partner-news.org. Each host name needs its own line "
        "(www. or not).",
    )
    name = models.CharField(max_length=200, help_text="Who this is, e.g. Partner News.")
    active = models.BooleanField(
        default=True, help_text="Untick to stop this site framing the boxes at once."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EmbedOriginQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["origin"]
        verbose_name = "embed partner site"

    def __str__(self):
        return self.origin

    def save(self, *args, **kwargs):
        # Never store what could break the CSP header, whichever path saves the row.
        self.origin = normalize_origin(self.origin)
        super().save(*args, **kwargs)

    def clean(self):
        try:
            self.origin = normalize_origin(self.origin)
        except ValidationError as error:
            raise ValidationError({"origin": error.messages}) from None


class BallotMeasureQuerySet(models.QuerySet):
    def with_counts(self):
        """Measures with everything ``measure_results`` and the measure partials read: the
        election (joined) and the county counts (prefetched, A to Z)."""
        return self.select_related("election").prefetch_related("counts")


class BallotMeasure(models.Model):
    """A question put to the voters (amendment, referendum, bond): Yes or No, never candidates.

    Votes are stored per county (MeasureCount); totals, shares and whether it passed are
    derived by candidates/results.py (``measure_results``), never stored.
    """

    class PassRule(models.TextChoices):
        # The rules of candidates/results.py (measure_passes), counted among the Yes and No
        # votes cast on the measure.
        SIMPLE_MAJORITY = "simple_majority", "Simple majority: more Yes than No votes"
        THREE_FIFTHS = "three_fifths", "Three-fifths: at least 60% of the votes are Yes"
        TWO_THIRDS = "two_thirds", "Two-thirds: at least two of every three votes are Yes"

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="measures")
    title = models.CharField(
        max_length=200,
        help_text='The name on the ballot, e.g. "Amendment 1" or "Referendum A". A results '
        "file is matched to the measure by this name.",
    )
    question = models.TextField(
        blank=True, help_text="The question as printed on the ballot (plain text)."
    )
    slug = models.SlugField(
        max_length=80, blank=True, help_text="Used in the URL; unique within the election."
    )
    pass_rule = models.CharField(
        max_length=20,
        choices=PassRule,
        default=PassRule.SIMPLE_MAJORITY,
        help_text="What it takes to pass, counted among the Yes and No votes on this measure "
        "(blank ballots do not count). A tie fails. Check the law that puts it on the ballot: "
        "many constitutional amendments need three-fifths or two-thirds.",
    )
    status = models.CharField(max_length=20, choices=Race.Status, default=Race.Status.UPCOMING)
    expected_units = models.PositiveSmallIntegerField(
        "counties voting on it",
        null=True,
        blank=True,
        help_text="How many counties vote on this measure. While fewer have figures on file, "
        "it is shown as neither passed nor failed and cannot be marked final. Filled by an "
        "import of a state export; blank: not known.",
    )
    results_updated_at = models.DateTimeField(null=True, blank=True)
    final_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the results first became final (unofficial final or certified).",
    )

    objects = BallotMeasureQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["election__date", "title"]
        constraints = [
            models.UniqueConstraint(fields=["election", "slug"], name="measure_unique_slug"),
            models.UniqueConstraint(fields=["election", "title"], name="measure_unique_title"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.title, scope={"election_id": self.election_id})
        if self.is_final and self.final_at is None:
            # Set once, never moved (as Race.save does).
            self.final_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "final_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse(
            "candidates:measure-detail",
            kwargs={"election_slug": self.election.slug, "slug": self.slug},
        )

    @property
    def is_final(self):
        return self.status in Race.FINAL_STATUSES


class MeasureCount(models.Model):
    """Yes and No votes on one ballot measure in one county."""

    measure = models.ForeignKey(BallotMeasure, on_delete=models.CASCADE, related_name="counts")
    county = models.CharField(max_length=200, help_text='e.g. "Fulton".')
    precincts_total = models.PositiveIntegerField(null=True, blank=True)
    precincts_reporting = models.PositiveIntegerField(
        null=True, blank=True, help_text="0: the county is set up but nothing is on file yet."
    )
    yes_votes = models.PositiveIntegerField("yes", default=0, help_text="Yes (or For) votes.")
    no_votes = models.PositiveIntegerField("no", default=0, help_text="No (or Against) votes.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["county"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "county"], name="measurecount_unique"),
            models.CheckConstraint(
                condition=Q(precincts_reporting__lte=F("precincts_total"))
                | Q(precincts_reporting__isnull=True)
                | Q(precincts_total__isnull=True),
                name="measurecount_reporting_within_total",
            ),
        ]

    def __str__(self):
        return self.county


class QuestionnaireQuerySet(models.QuerySet):
    def published(self):
        """Voter guides readers may see; every public view starts here."""
        return self.filter(published=True)


class Questionnaire(models.Model):
    """The same questions put to every candidate in a race: the voter guide."""

    race = models.OneToOneField(Race, on_delete=models.CASCADE, related_name="questionnaire")
    title = models.CharField(max_length=250, help_text="e.g. District 5 runoff voter guide.")
    intro = models.TextField(blank=True, help_text="Shown above the questions (plain text).")
    method_note = models.TextField(
        blank=True,
        help_text="How the questions were put to candidates: when, how, any word limit, "
        "whether answers were edited.",
    )
    sent_on = models.DateField(null=True, blank=True, help_text="When candidates got it.")
    published = models.BooleanField(default=False)
    random_order = models.BooleanField(
        default=False,
        help_text="Show candidates in a random order on each page load instead of ballot order.",
    )
    max_words = models.PositiveIntegerField(
        null=True, blank=True, help_text="Longest answer allowed, in words. Blank for no limit."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = QuestionnaireQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-race__election__date", "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse(
            "candidates:race-guide",
            kwargs={"election_slug": self.race.election.slug, "slug": self.race.slug},
        )


class Question(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    text = models.TextField()
    short_label = models.CharField(
        max_length=80, blank=True, help_text='A topic label, e.g. "Public safety".'
    )
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]

    def __str__(self):
        return self.short_label or self.text[:60]


class Answer(models.Model):
    """One candidacy's answer to one question. No row at all means "no answer on file"."""

    class Status(models.TextChoices):
        ANSWERED = "answered", "Answered"
        DID_NOT_RESPOND = "no_response", "Did not respond"

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    candidacy = models.ForeignKey(Candidacy, on_delete=models.CASCADE, related_name="answers")
    status = models.CharField(max_length=20, choices=Status, default=Status.ANSWERED)
    text = models.TextField(blank=True, help_text="The candidate's words (light Markdown).")
    text_html = models.TextField(blank=True, editable=False)
    received_on = models.DateField(null=True, blank=True)

    # text_html is derived from text on save; the history keeps what the candidate wrote.
    history = HistoricalRecords(excluded_fields=["text_html"])

    class Meta:
        ordering = ["question__order", "candidacy__ballot_order"]
        constraints = [
            models.UniqueConstraint(fields=["question", "candidacy"], name="answer_unique"),
            models.CheckConstraint(
                condition=~Q(status="answered") | ~Q(text=""),
                name="answer_has_text_when_answered",
            ),
        ]

    def __str__(self):
        return self.get_status_display()

    def save(self, *args, **kwargs):
        # The candidate's text is untrusted: rendered and sanitized once, here, on save.
        self.text_html = render_light_markdown(self.text)
        super().save(*args, **kwargs)
