"""Forms for articles: the admin's (plain messages for slug clashes, safe image uploads) and
the readers' comment form."""

import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, URLValidator
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from taggit.forms import TagWidget
from taggit.models import Tag

from articles import comments
from articles.comment_text import clean_plain_text, comment_fingerprint
from articles.comments import REFUSED_MESSAGE, form_token_for_page, form_token_is_valid
from articles.models import Article, Author, Comment, Figure, LibraryImage
from candidates.models import Candidacy
from candidates.race_pickers import use_race_labels

# Safe image uploads (size, pixels, format, full decode, re-encode, server-made name) are
# shared with candidate photos: civicsite/core/uploads.py.
from civicsite.core.uploads import UploadedImageField

# The publishing buttons of the article form (templates/admin/articles/article/
# change_form.html); the one pressed comes with the POST.
PUBLISH_NOW = "_publish_now"
SCHEDULE = "_schedule"
BACK_TO_DRAFT = "_back_to_draft"
PUBLISHING_BUTTONS = (PUBLISH_NOW, SCHEDULE, BACK_TO_DRAFT)
# How many existing tags the tags field suggests.
TAG_SUGGESTIONS = 500

SLUG_TAKEN = (
    "Another article already uses this address (slug): “{slug}”. Change the slug, for example "
    "by adding the year or the district."
)


class TagsWithSuggestions(TagWidget):
    """The tags input with a list of the tags already in use (an HTML datalist): browsers
    suggest them as the editor types, with no script; admin_editing.js makes the suggestions
    follow the last tag after a comma. The names are read (one query) when the form is drawn.
    """

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["list"] = f"{widget_attrs.get('id', name)}-suggestions"
        widget_attrs["autocomplete"] = "off"
        return context

    def render(self, name, value, attrs=None, renderer=None):
        list_id = f"{(attrs or {}).get('id', name)}-suggestions"
        names = Tag.objects.order_by("name").values_list("name", flat=True)[:TAG_SUGGESTIONS]
        return format_html(
            '{}<datalist id="{}">{}</datalist>',
            super().render(name, value, attrs, renderer),
            list_id,
            format_html_join("", '<option value="{}">', ((tag,) for tag in names)),
        )


class ArticleAdminForm(forms.ModelForm):
    """The article form. Publishing is two buttons, "Publish now" and "Schedule" (with one
    date and time, ``schedule_at``), plus "Back to draft": the button pressed sets the status
    and publish time (``clean``). The stored status and publish time travel with the form as
    hidden fields, so a plain Save leaves them as they are; a contributor's form refuses any
    change to them (admin.DraftOnlyFormMixin)."""

    schedule_at = forms.DateTimeField(
        required=False,
        label="Schedule for",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Date and time, in the newsroom's time zone.",
    )

    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "dek",
            "kind",
            "body",
            "status",
            "publish_at",
            "content_updated_at",
            "photo_credit_line",
            "candidates",
            "races",
            "elections",
            "tags",
            "comments_open",
            "candidacy",
        ]
        help_texts = {
            "body": "Markdown: # for a section heading, ## below it, *italic*, **bold**, "
            "[text](https://...) for a link, > for a quotation. Place a figure with "
            "[figure: key] on a line of its own, a pull quote with [pullquote: key], an "
            "embedded post with [embed: key].",
        }
        widgets = {
            "status": forms.HiddenInput,
            "publish_at": forms.SplitHiddenDateTimeWidget,
            "tags": TagsWithSuggestions,
            "body": forms.Textarea(attrs={"rows": 20, "cols": 80, "data-word-count": "body"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "races" in self.fields:
            # Named by office, election and date, not by slug (candidates/race_pickers.py).
            use_race_labels(self.fields["races"])
        if "candidacy" in self.fields:
            field = self.fields["candidacy"]
            field.queryset = Candidacy.objects.select_related(
                "candidate", "race__office", "race__election"
            ).order_by("-race__election__date", "candidate__name")
            field.label_from_instance = lambda c: (
                f"{c.candidate.name}: {c.race.heading}, {c.race.election.name} "
                f"({c.race.election.date:%Y-%m-%d})"
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("candidacy") and cleaned.get("kind") != Article.Kind.VOTER_GUIDE_QA:
            self.add_error("candidacy", "Only a voter-guide Q&A shows a candidacy's answers.")
        self._clean_publishing(cleaned)
        return cleaned

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        clash = Article.objects.filter(slug=slug)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(SLUG_TAKEN.format(slug=slug), code="unique")
        return slug

    def _clean_publishing(self, cleaned):
        pressed = next((name for name in PUBLISHING_BUTTONS if name in self.data), None)
        if pressed == PUBLISH_NOW:
            stored_public = self.instance.pk and self.instance.is_public
            cleaned["status"] = Article.Status.PUBLISHED
            if not (stored_public and self.instance.status == Article.Status.PUBLISHED):
                # Publishing again what readers already see keeps its date (services.py).
                cleaned["publish_at"] = timezone.now()
        elif pressed == SCHEDULE:
            when = cleaned.get("schedule_at")
            if "schedule_at" in self.errors:
                return
            if when is None or when <= timezone.now():
                self.add_error("schedule_at", "Give a date and time in the future to schedule.")
                return
            cleaned["status"] = Article.Status.SCHEDULED
            cleaned["publish_at"] = when
        elif pressed == BACK_TO_DRAFT:
            cleaned["status"] = Article.Status.DRAFT
        status = cleaned.get("status")
        if status and status != Article.Status.DRAFT and not cleaned.get("publish_at"):
            self.add_error(
                None,
                "A published or scheduled article needs a publish time: use “Publish now”, "
                "or “Schedule” with a date and time.",
            )


class FigureForm(forms.ModelForm):
    """A figure in the article form: a picture from the media library, or a new upload that
    joins the library (with this form's alt text and credit), so the next story can reuse it.

    "Lead image" is the one control that makes a figure the article's lead: it works on the
    first save too, since the figures are saved with the article (ArticleAdmin.save_related).
    """

    image = UploadedImageField(required=False, label="Or upload a new image")
    is_lead = forms.BooleanField(
        required=False,
        label="Lead image",
        help_text="Shown at the top of the article and on cards and social previews. If the "
        "body also places it, readers see it once, where the body places it.",
    )

    class Meta:
        model = Figure
        fields = ["key", "library_image", "alt_text", "caption", "credit", "order"]

    def __init__(self, *args, lead_figure_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["image"].help_text = (
            f"JPEG, PNG, WebP or GIF, at most {filesizeformat(settings.IMAGE_UPLOAD_MAX_BYTES)} "
            f"and {settings.IMAGE_MAX_PIXELS / 1_000_000:g} megapixels. It joins the media "
            "library; the file is re-saved without its camera data (EXIF, GPS) and sized for "
            "phones and desktops, once."
        )
        if self.instance.pk and lead_figure_id is not None:
            self.initial.setdefault("is_lead", lead_figure_id == self.instance.pk)

    def clean(self):
        cleaned = super().clean()
        upload, chosen = self.new_upload(), cleaned.get("library_image")
        if "image" in self.errors or "library_image" in self.errors:
            return cleaned
        if upload and chosen:
            self.add_error(
                "image",
                "Choose an image from the media library or upload a new one, not both.",
            )
        elif not upload and not chosen and not (self.instance.pk and self.instance.image):
            self.add_error("library_image", "Choose an image from the media library or upload one.")
        elif upload and not cleaned.get("alt_text"):
            self.add_error(
                "alt_text",
                "Describe the new image for readers who cannot see it: the alt text is "
                "required, and the media library keeps it for the next story.",
            )
        return cleaned

    def new_upload(self):
        """The file uploaded with this form, if any (without one, a file field hands back the
        figure's current file)."""
        return self.cleaned_data.get("image") if "image" in self.changed_data else None

    def save(self, commit=True):
        upload = self.new_upload()
        if upload:
            # The library image is written before the figure, inside the admin's transaction:
            # a failure later on rolls both back (and civicsite/core/uploads.py removes the
            # files of rows that were not committed).
            self.instance.library_image = LibraryImage.objects.create(
                title=(self.cleaned_data.get("caption") or self.cleaned_data["alt_text"])[:200],
                image=upload,
                alt_text=self.cleaned_data["alt_text"],
                credit=self.cleaned_data.get("credit", ""),
            )
        return super().save(commit)


class FigureFormSet(forms.BaseInlineFormSet):
    """The article's figures: each row knows whether it is the lead; at most one is."""

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "lead_figure_id": self.instance.lead_figure_id}

    def clean(self):
        super().clean()
        leads = [
            form
            for form in self.forms
            if form.cleaned_data.get("is_lead") and not form.cleaned_data.get("DELETE")
        ]
        if len(leads) > 1:
            raise ValidationError("Tick “Lead image” on one figure only.")

    def lead_figure(self):
        """The figure ticked as the lead (saved), or None; call after save()."""
        for form in self.forms:
            if form.cleaned_data.get("is_lead") and not form.cleaned_data.get("DELETE"):
                return form.instance
        return None


class LibraryImageForm(forms.ModelForm):
    """Adding to the media library directly: the same upload checks as every image."""

    image = UploadedImageField()

    class Meta:
        model = LibraryImage
        fields = ["title", "image", "alt_text", "credit"]


class AuthorAdminForm(forms.ModelForm):
    """An author's photo goes through the same upload checks as figures and candidates'."""

    photo = UploadedImageField(required=False)

    class Meta:
        model = Author
        fields = ["name", "slug", "bio", "photo", "photo_alt"]


class WebAddressField(forms.URLField):
    """A web address: http or https only (no ftp:, javascript: or data: links)."""

    default_validators = [URLValidator(schemes=["http", "https"])]


def shows_something(value):
    """Whether a reader's text has a character that shows: not only spaces and invisible
    format characters (zero-width space and joiners, word joiner, byte-order mark: Unicode's
    category Cf), which clean_plain_text keeps because scripts such as Persian need them."""
    return any(not char.isspace() and unicodedata.category(char) != "Cf" for char in value)


class ReaderTextForm:
    """Mixed into the forms readers fill in (comments, questions), so both follow one set of
    rules: their name, email and text as plain text (clean_plain_text), the name and text
    required with a readable message, the text no longer than ``text_limit()`` (refused with
    its length and the limit; the widget's ``maxlength`` and the page's counter say it first),
    and the two hidden checks that refuse machines without saying which fired
    (articles/comments.py): the honeypot ``url_confirm`` and the signed form time
    ``form_token``, bound to ``token_key``, drawn in the page by ``page_token`` and fetched by
    the form's script from ``token_url`` on a cached page.
    """

    empty_text_message = "Please write your message."
    text_noun = "message"
    refused_message = REFUSED_MESSAGE
    refused = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        text = self.fields["text"]
        text.max_length = self.text_limit()
        # The limit is checked once, in clean_text, with the message readers should see.
        text.validators = [v for v in text.validators if not isinstance(v, MaxLengthValidator)]
        text.widget.attrs["maxlength"] = text.max_length
        if self.auto_id:
            text_id = self.auto_id % "text"
            described = [f"{text_id}_helptext"] if text.help_text else []
            text.widget.attrs["aria-describedby"] = " ".join([*described, f"{text_id}_count"])

    @property
    def token_key(self):
        """What this form's signed time is bound to (an article, an event, a guide)."""
        raise NotImplementedError

    @property
    def page_token(self):
        return form_token_for_page(self.token_key, bound=self.is_bound)

    @property
    def token_url(self):
        return f"{reverse('articles:form-token')}?{urlencode({'for': self.token_key})}"

    def text_limit(self):
        return self._meta.model._meta.get_field("text").max_length

    def _clean_plain(self, name):
        return clean_plain_text(self.cleaned_data.get(name, "")).strip()

    def clean_name(self):
        name = self._clean_plain("name")
        if not shows_something(name):
            raise ValidationError("Please give a name.", code="required")
        return name

    def clean_email(self):
        return self._clean_plain("email").lower()

    def clean_text(self):
        text = self._clean_plain("text")
        if not shows_something(text):
            raise ValidationError(self.empty_text_message, code="required")
        limit = self.fields["text"].max_length
        if len(text) > limit:
            raise ValidationError(
                f"Your {self.text_noun} is {len(text):,} characters long; the limit is "
                f"{limit:,}. Please shorten it and send it again.",
                code="max_length",
            )
        return text

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("url_confirm") or not form_token_is_valid(
            cleaned.get("form_token"), self.token_key
        ):
            # One refusal, whichever check fired (README, "Robustness", Comments); the form
            # comes back with a fresh signed time, so pressing again confirms.
            self.refused = True
            raise ValidationError(self.refused_message, code="refused")
        return cleaned


class CommentForm(ReaderTextForm, forms.ModelForm):
    """The reader's comment form under an article.

    Two hidden checks refuse machines without telling them which one fired (articles/
    comments.py): ``url_confirm`` is a honeypot people never see (hidden by a CSS class, out of
    the tab order, aria-hidden), and ``form_token`` signs the article id and the time the form
    was served. ``parent`` is the comment being replied to; a reply to a reply is attached to
    the top-level comment, so threads are one level deep.
    """

    empty_text_message = "Please write a comment."
    text_noun = "comment"

    website = WebAddressField(
        label="Website", max_length=200, required=False, assume_scheme="https"
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # Empty in a page drawn for a GET (cached); fresh in one drawn again after a post
    # (ReaderTextForm.page_token); filled by the form's script from token_url.
    form_token = forms.CharField(required=False, widget=forms.HiddenInput)
    url_confirm = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    class Meta:
        model = Comment
        fields = ["name", "email", "website", "text"]
        labels = {"name": "Name", "email": "Email", "website": "Website", "text": "Comment"}
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "text": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, article, **kwargs):
        self.article = article
        # Approved comments shown on the page, by id, so a reply finds its parent without a
        # query (views pass the page's prefetched thread); None means look it up.
        self.visible_comments = kwargs.pop("visible_comments", None)
        super().__init__(*args, **kwargs)
        self.fields["website"].widget.attrs["autocomplete"] = "url"

    @property
    def token_key(self):
        return str(self.article.pk)

    def text_limit(self):
        return comments.setting("MAX_LENGTH")

    def clean_website(self):
        return self._clean_plain("website")

    def clean_parent(self):
        parent_id = self.cleaned_data.get("parent")
        if parent_id is None:
            return None
        parent = self.reply_target(parent_id)
        if parent is None:
            raise ValidationError(
                "The comment you are replying to is not available any more. Your comment can "
                "still be posted without it.",
                code="invalid_parent",
            )
        return parent

    def reply_target(self, comment_id):
        """The approved top-level comment a reply to ``comment_id`` attaches to, or None."""
        if self.visible_comments is not None:
            comment = self.visible_comments.get(comment_id)
            if comment is not None and comment.parent_id:
                comment = self.visible_comments.get(comment.parent_id)
            return comment
        comment = (
            Comment.objects.visible()
            .filter(article=self.article, pk=comment_id)
            .select_related("parent")
            .first()
        )
        if comment is not None and comment.parent_id:
            comment = comment.parent
        return comment


class CommentAdminForm(forms.ModelForm):
    """Editing a comment in the admin: refuse an edit that would duplicate another comment."""

    website = forms.URLField(required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Comment
        fields = ["article", "parent", "status", "name", "email", "website", "text"]

    def clean(self):
        cleaned = super().clean()
        article = cleaned.get("article") or getattr(self.instance, "article", None)
        if article is None or not all(cleaned.get(name) for name in ("name", "email", "text")):
            return cleaned
        fingerprint = comment_fingerprint(
            name=cleaned["name"], email=cleaned["email"], text=cleaned["text"]
        )
        clash = Comment.objects.filter(article=article, fingerprint=fingerprint)
        if clash.exclude(pk=self.instance.pk).exists():
            raise ValidationError(
                "Another comment on this article has the same name, email and text."
            )
        return cleaned
