"""Forms for articles: the admin's (plain messages for slug clashes, safe image uploads) and
the readers' comment form."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.template.defaultfilters import filesizeformat

from articles.comment_text import clean_plain_text, comment_fingerprint
from articles.comments import REFUSED_MESSAGE, form_token_is_valid
from articles.models import Article, Author, Comment, Figure
from candidates.models import Candidacy

# Safe image uploads (size, pixels, format, full decode, re-encode, server-made name) are
# shared with candidate photos: civicsite/core/uploads.py.
from civicsite.core.uploads import UploadedImageField

SLUG_TAKEN = (
    "Another article already uses this address (slug): “{slug}”. Change the slug, for example "
    "by adding the year or the district."
)


class ArticleAdminForm(forms.ModelForm):
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
            "lead_figure",
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
        status = cleaned.get("status")
        if status and status != Article.Status.DRAFT and not cleaned.get("publish_at"):
            self.add_error(
                "publish_at",
                "Give a publish time: a published or scheduled article needs one "
                "(use the “Now” link for straight away).",
            )


class FigureForm(forms.ModelForm):
    image = UploadedImageField()

    class Meta:
        model = Figure
        fields = ["key", "image", "alt_text", "caption", "credit", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["image"].help_text = (
            f"JPEG, PNG, WebP or GIF, at most {filesizeformat(settings.IMAGE_UPLOAD_MAX_BYTES)} "
            f"and {settings.IMAGE_MAX_PIXELS / 1_000_000:g} megapixels. The file is re-saved "
            "without its camera data (EXIF, GPS) and sized for phones and desktops."
        )


class AuthorAdminForm(forms.ModelForm):
    """An author's photo goes through the same upload checks as figures and candidates'."""

    photo = UploadedImageField(required=False)

    class Meta:
        model = Author
        fields = ["name", "slug", "bio", "photo", "photo_alt"]


class WebAddressField(forms.URLField):
    """A web address: http or https only (no ftp:, javascript: or data: links)."""

    default_validators = [URLValidator(schemes=["http", "https"])]


class ReaderTextForm:
    """Mixed into the forms readers fill in (comments, questions): their name, email and text
    as plain text (clean_plain_text), the name and text required with a readable message."""

    empty_text_message = "Please write your message."

    def _clean_plain(self, name):
        return clean_plain_text(self.cleaned_data.get(name, "")).strip()

    def clean_name(self):
        name = self._clean_plain("name")
        if not name:
            raise ValidationError("Please give a name.", code="required")
        return name

    def clean_email(self):
        return self._clean_plain("email").lower()

    def clean_text(self):
        text = self._clean_plain("text")
        if not text:
            raise ValidationError(self.empty_text_message, code="required")
        return text


class CommentForm(ReaderTextForm, forms.ModelForm):
    """The reader's comment form under an article.

    Two hidden checks refuse machines without telling them which one fired (articles/
    comments.py): ``url_confirm`` is a honeypot people never see (hidden by a CSS class, out of
    the tab order, aria-hidden), and ``form_token`` signs the article id and the time the form
    was served. ``parent`` is the comment being replied to; a reply to a reply is attached to
    the top-level comment, so threads are one level deep.
    """

    empty_text_message = "Please write a comment."

    website = WebAddressField(
        label="Website", max_length=200, required=False, assume_scheme="https"
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # Rendered by the template from a fresh token each time the page is drawn
    # (comments.make_form_token), so a form shown again after an error gets a new one.
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
        self.refused = False

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

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("url_confirm") or not form_token_is_valid(
            cleaned.get("form_token"), self.article.pk
        ):
            # One generic refusal, whichever check fired (README, "Robustness", Comments).
            self.refused = True
            raise ValidationError(REFUSED_MESSAGE, code="refused")
        return cleaned


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
