"""The readers' question form, and the editors' event form."""

from django import forms
from django.db import models

from articles.comments import make_form_token
from articles.events.models import Event, ReaderQuestion
from articles.forms import ReaderTextForm

REFUSED_MESSAGE = (
    "Please confirm your question: check it, then press “Send question” again to send it."
)


def form_key(target):
    """What the form's signed time is bound to: this event or this guide, never an article
    (articles/comments.py signs the string it is given; a comment form's token says "12")."""
    kind = "event" if isinstance(target, Event) else "guide"
    return f"question:{kind}:{target.pk}"


def question_form_token(target):
    return make_form_token(form_key(target))


class ReaderQuestionForm(ReaderTextForm, forms.ModelForm):
    """A reader suggests a question: name, email (never shown), neighbourhood, the question.

    The same hidden checks as the comment form (articles/forms.py, CommentForm): the honeypot
    ``url_confirm`` and the signed form time ``form_token``, refused with one message whichever
    fired, and the text's length limit (the model's 2,000 characters): ReaderTextForm.
    """

    empty_text_message = "Please write your question."
    text_noun = "question"
    refused_message = REFUSED_MESSAGE

    form_token = forms.CharField(required=False, widget=forms.HiddenInput)
    url_confirm = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    class Meta:
        model = ReaderQuestion
        fields = ["name", "email", "neighbourhood", "text"]
        labels = {
            "name": "Name",
            "email": "Email",
            "neighbourhood": "Neighbourhood",
            "text": "Your question",
        }
        help_texts = {
            "name": "Shown with your question if we publish it.",
            "email": "Never published; only to reach you about your question.",
            "neighbourhood": "Optional; shown with your name.",
            "text": "One question at a time.",
        }
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "text": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, target, **kwargs):
        self.target = target
        super().__init__(*args, **kwargs)

    @property
    def token_key(self):
        return form_key(self.target)

    def clean_neighbourhood(self):
        return self._clean_plain("neighbourhood")


PUBLISH_REFUSED = (
    "Only an editor can publish, schedule or unpublish an event, or change one that is "
    "published or scheduled. Save it as a draft and ask an editor."
)


def https_form_field(field, **kwargs):
    """Model fields to form fields, web addresses typed without a scheme read as https."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class EventAdminForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = [
            "title",
            "slug",
            "kind",
            "description",
            "host",
            "host_url",
            "starts_at",
            "ends_at",
            "venue",
            "address",
            "stream_url",
            "online",
            "election",
            "races",
            "candidates",
            "status",
            "status_note",
            "previous_starts_at",
            "recording_url",
            "writeup",
            "questions_open",
            "questions_close_at",
            "publication",
            "publish_at",
        ]
        formfield_callback = https_form_field

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status == Event.Status.CANCELLED and not cleaned.get("status_note", "").strip():
            self.add_error("status_note", "Say why the event was cancelled: readers see it.")
        if cleaned.get("previous_starts_at") and status != Event.Status.POSTPONED:
            self.add_error(
                "previous_starts_at", "Only a postponed event has an original date; clear it."
            )
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", "The end is before the start.")
        publication = cleaned.get("publication")
        if publication and publication != Event.Publication.DRAFT and not cleaned.get("publish_at"):
            self.add_error(
                "publish_at",
                "Give a publish time: a published or scheduled event needs one "
                "(use the “Now” link for straight away).",
            )
        return cleaned


class DraftOnlyEventForm(EventAdminForm):
    """For staff without ``articles.publish_event``: drafts only, as for articles."""

    def clean(self):
        cleaned = super().clean()
        # The publication stored now, from the database: History's Revert form's instance is
        # the version being restored, which may be a draft while the event is public.
        stored = Event.Publication.DRAFT
        if self.instance.pk:
            row = Event.objects.filter(pk=self.instance.pk).values("publication").first()
            stored = row["publication"] if row else Event.Publication.DRAFT
        wanted = cleaned.get("publication", Event.Publication.DRAFT)
        if wanted != Event.Publication.DRAFT or stored != Event.Publication.DRAFT:
            self.add_error("publication", PUBLISH_REFUSED)
        return cleaned
