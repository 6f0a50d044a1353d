"""Events and readers' questions in the admin (imported by articles/admin.py).

- Events: drafts and scheduling as for articles (publishing needs ``articles.publish_event``,
  which editors have), edit history with revert, and the event's readers' questions inline,
  where editors set each one's status and topic, tick "asked" with the time in the recording
  and link the voter-guide question that answers it.
- Readers' questions: the moderation queue, pending first, with bulk accept, decline, spam and
  "asked at the event", all through articles/events/questions.py.
- Calls for readers' questions on voter guides: open or close the guide's form.
"""

from django.contrib import admin
from django.db import models
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.template.defaultfilters import truncatechars
from django.utils.html import format_html

from articles.events import questions as services
from articles.events.forms import DraftOnlyEventForm, EventAdminForm
from articles.events.models import Event, GuideQuestionCall, ReaderQuestion
from articles.events.services import event_mark_held, event_publish, event_unpublish
from candidates.models import Question
from candidates.race_pickers import RaceListFilter, RacePickersMixin
from civicsite.core.history import HistoryAdmin

PUBLISH_PERMISSION = "articles.publish_event"

STATUS_RANK = {
    ReaderQuestion.Status.PENDING: 0,
    ReaderQuestion.Status.ACCEPTED: 1,
    ReaderQuestion.Status.SPAM: 2,
    ReaderQuestion.Status.DECLINED: 3,
}


def _guide_question_field(field):
    field.queryset = Question.objects.select_related("questionnaire").order_by(
        "-questionnaire__id", "order", "id"
    )
    field.label_from_instance = lambda question: (
        f"{question.questionnaire.title}: {question.short_label or question.text[:60]}"
    )
    return field


class ReaderQuestionInline(admin.TabularInline):
    model = ReaderQuestion
    fk_name = "event"
    extra = 0
    can_delete = False
    fields = ["excerpt", "name", "status", "topic", "asked", "recording_time", "guide_question"]
    readonly_fields = ["excerpt", "name"]
    ordering = ["status", "topic", "created_at"]
    verbose_name_plural = "Readers' questions (accept, group by topic, mark those asked)"

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Question")
    def excerpt(self, question):
        return truncatechars(question.text, 120)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _guide_question_field(field) if db_field.name == "guide_question" else field


@admin.register(Event)
class EventAdmin(RacePickersMixin, HistoryAdmin):
    form = EventAdminForm
    list_display = ["title", "kind", "starts_at", "status", "publication", "questions_waiting"]
    list_filter = ["publication", "status", "kind", "races__election", ("races", RaceListFilter)]
    search_fields = ["title", "host", "venue", "description"]
    date_hierarchy = "starts_at"
    list_select_related = []
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["election", "races", "candidates", "writeup"]
    inlines = [ReaderQuestionInline]
    actions = ["publish_now", "unpublish", "mark_held"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "description", "host", "host_url"]}),
        ("When", {"fields": ["starts_at", "ends_at"]}),
        ("Where", {"fields": ["venue", "address", "stream_url", "online"]}),
        ("Who", {"fields": ["election", "races", "candidates"]}),
        ("What happened", {"fields": ["status", "status_note", "previous_starts_at"]}),
        ("After the event", {"fields": ["recording_url", "writeup"]}),
        ("Readers' questions", {"fields": ["questions_open", "questions_close_at"]}),
        ("Publishing", {"fields": ["publication", "publish_at"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                pending=Count(
                    "reader_questions",
                    filter=Q(reader_questions__status=ReaderQuestion.Status.PENDING),
                )
            )
        )

    @admin.display(description="Questions waiting", ordering="pending")
    def questions_waiting(self, event):
        return event.pending

    def has_publish_permission(self, request):
        return request.user.has_perm(PUBLISH_PERMISSION)

    def has_change_permission(self, request, obj=None):
        """Without the publish permission, only drafts: a published or scheduled event opens
        read-only and every POST that would change it (the form, History's Revert) is refused.
        ``obj`` is the event as stored now (as for articles, articles/admin.py)."""
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or self.has_publish_permission(request):
            return True
        return obj.publication == Event.Publication.DRAFT

    def get_form(self, request, obj=None, **kwargs):
        if not self.has_publish_permission(request):
            kwargs["form"] = DraftOnlyEventForm
        return super().get_form(request, obj, **kwargs)

    @admin.action(description="Publish now", permissions=["publish"])
    def publish_now(self, request, queryset):
        for event in queryset:
            event_publish(event=event)
        self.message_user(request, f"Published {len(queryset)} event(s); readers can see them.")

    @admin.action(description="Unpublish (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        for event in queryset:
            event_unpublish(event=event)
        self.message_user(request, f"Unpublished {len(queryset)} event(s).")

    @admin.action(
        description="Mark as held (shows the readers' questions)", permissions=["publish"]
    )
    def mark_held(self, request, queryset):
        for event in queryset:
            event_mark_held(event=event)
        self.message_user(request, f"Marked {len(queryset)} event(s) as held.")


@admin.register(ReaderQuestion)
class ReaderQuestionAdmin(admin.ModelAdmin):
    """The moderation queue of readers' questions: pending first."""

    list_display = [
        "excerpt",
        "target",
        "name",
        "status",
        "topic",
        "asked",
        "recording_time",
        "created_at",
    ]
    list_editable = ["topic", "asked", "recording_time"]
    list_filter = ["status", "asked", "event"]
    search_fields = ["name", "email", "text", "topic"]
    list_select_related = ["event", "questionnaire"]
    date_hierarchy = "created_at"
    actions = ["accept", "decline", "mark_spam", "mark_asked"]
    raw_id_fields = ["event", "questionnaire"]
    readonly_fields = ["shown_as", "created_at", "ip_address", "user_agent"]
    fields = [
        "event",
        "questionnaire",
        "status",
        "name",
        "email",
        "neighbourhood",
        "text",
        "shown_as",
        "topic",
        "asked",
        "recording_time",
        "guide_question",
        "created_at",
        "ip_address",
        "user_agent",
    ]

    def get_ordering(self, request):
        rank = Case(
            *[When(status=status, then=Value(value)) for status, value in STATUS_RANK.items()],
            default=Value(9),
            output_field=IntegerField(),
        )
        return [rank.asc(), "topic", "-created_at", "-id"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _guide_question_field(field) if db_field.name == "guide_question" else field

    @admin.display(description="Question")
    def excerpt(self, question):
        return truncatechars(question.text, 90)

    @admin.display(description="For")
    def target(self, question):
        return question.event or question.questionnaire

    @admin.display(description="As readers would see it")
    def shown_as(self, question):
        # text_html is the question escaped at save time (articles/comment_text.py).
        return format_html('<div class="comment-preview">{}</div>', question.text_html)

    @admin.action(description="Accept selected questions", permissions=["change"])
    def accept(self, request, queryset):
        count = services.question_accept(questions=queryset)
        self.message_user(request, f"Accepted {count} question(s).")

    @admin.action(description="Decline selected questions", permissions=["change"])
    def decline(self, request, queryset):
        count = services.question_decline(questions=queryset)
        self.message_user(request, f"Declined {count} question(s); readers do not see them.")

    @admin.action(description="Mark selected questions as spam", permissions=["change"])
    def mark_spam(self, request, queryset):
        count = services.question_mark_spam(questions=queryset)
        self.message_user(request, f"Marked {count} question(s) as spam.")

    @admin.action(description="Mark as asked at the event (accepts them)", permissions=["change"])
    def mark_asked(self, request, queryset):
        count = services.question_mark_asked(questions=queryset)
        self.message_user(request, f"Marked {count} question(s) as asked at the event.")


@admin.register(GuideQuestionCall)
class GuideQuestionCallAdmin(admin.ModelAdmin):
    list_display = ["questionnaire", "is_open", "closes_at"]
    list_select_related = ["questionnaire"]
    autocomplete_fields = ["questionnaire"]
