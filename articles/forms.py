"""Admin forms for articles: plain messages for slug clashes, safe image uploads."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from articles.images import reencode_upload
from articles.models import Article, Figure
from articles.validators import ALLOWED_FORMATS
from candidates.models import Candidacy

SLUG_TAKEN = (
    "Another article already uses this address (slug): “{slug}”. Change the slug, for example "
    "by adding the year or the district."
)


class UploadedImageField(forms.ImageField):
    """An image field that refuses unsafe uploads and hands on a re-encoded copy.

    Django's own ImageField decodes the whole file before any limit is checked; this one runs
    articles/validators.py (size first, then the header, then the pixels) and returns the
    clean copy made by articles/images.reencode_upload, with a server-made name.
    """

    default_error_messages = {"invalid_image": "Upload a JPEG, PNG, WebP or GIF image."}

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.ClearableFileInput(
                attrs={"accept": ",".join(f"image/{fmt.lower()}" for fmt in ALLOWED_FORMATS)}
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        return reencode_upload(upload)


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
                f"{c.candidate.name}: {c.race.office.name}, {c.race.election.name} "
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
