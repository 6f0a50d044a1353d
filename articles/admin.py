"""The editors' workplace for articles (STYLE.md, "Admin and commands").

Publishing goes through articles/services.py; body_html is rendered again after the inlines
are saved (save_related), because figures, pull quotes and embeds placed in the body are
saved after the article itself.
"""

from django.contrib import admin, messages
from django.db import models
from django.db.models import Prefetch
from django.forms import Textarea
from django.utils.html import format_html

from articles.forms import ArticleAdminForm, FigureForm
from articles.models import (
    Article,
    Author,
    Byline,
    Correction,
    Embed,
    Exchange,
    Figure,
    PullQuote,
)
from articles.services import article_publish, article_render, article_unpublish

PLACEMENT_NAMES = {"figure": "figure", "pullquote": "pull quote", "embed": "embedded post"}


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class BylineInline(admin.TabularInline):
    model = Byline
    extra = 1
    autocomplete_fields = ["author"]
    fields = ["author", "order"]
    verbose_name = "byline"
    verbose_name_plural = "Bylines (the first in order is the lead byline)"


class FigureInline(admin.StackedInline):
    model = Figure
    form = FigureForm
    extra = 1
    fields = ["key", "image", "preview", "alt_text", "caption", "credit", "order"]
    readonly_fields = ["preview"]

    @admin.display(description="Preview")
    def preview(self, figure):
        if not figure.pk or not figure.image:
            return "Shown after saving."
        return format_html(
            '<img src="{}" alt="" width="160" class="figure-preview"><br>{} × {} px',
            figure.src,
            figure.width,
            figure.height,
        )


SHORT_TEXT = {models.TextField: {"widget": Textarea(attrs={"rows": 3, "cols": 80})}}


class PullQuoteInline(admin.StackedInline):
    model = PullQuote
    extra = 0
    formfield_overrides = SHORT_TEXT


class EmbedInline(admin.StackedInline):
    model = Embed
    extra = 0
    formfield_overrides = {**SHORT_TEXT, models.URLField: {"assume_scheme": "https"}}


class ExchangeInline(admin.StackedInline):
    model = Exchange
    extra = 0
    fields = ["order", "speaker", "is_question", "text"]
    formfield_overrides = SHORT_TEXT
    verbose_name = "interview turn"
    verbose_name_plural = "Interview (questions and answers, in order)"


class CorrectionInline(admin.TabularInline):
    model = Correction
    extra = 0
    formfield_overrides = SHORT_TEXT


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "kind", "status", "lead_author", "publish_at"]
    list_filter = ["status", "kind", "tags"]
    search_fields = ["title", "dek", "body"]
    date_hierarchy = "publish_at"
    # No foreign key is shown in the list; the lead author comes from the bylines prefetched
    # in get_queryset, so a page of articles costs the same queries as one.
    list_select_related = []
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["candidates", "races", "elections"]
    inlines = [
        BylineInline,
        FigureInline,
        PullQuoteInline,
        EmbedInline,
        ExchangeInline,
        CorrectionInline,
    ]
    actions = ["publish_now", "unpublish"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "dek", "kind", "body"]}),
        ("Publishing", {"fields": ["status", "publish_at", "content_updated_at"]}),
        ("Images", {"fields": ["lead_figure", "photo_credit_line"]}),
        ("About", {"fields": ["candidates", "races", "elections", "tags", "comments_open"]}),
        ("Voter-guide Q&A", {"fields": ["candidacy"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("bylines", queryset=Byline.objects.select_related("author")))
        )

    @admin.display(description="Lead author")
    def lead_author(self, article):
        bylines = article.bylines.all()
        return bylines[0].author.name if bylines else "—"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lead_figure":
            # Only this article's own figures; a new article gets its figures on first save.
            object_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Figure.objects.filter(article_id=object_id or None)
            kwargs["help_text"] = (
                "The image at the top of the article and on cards. Choose among this article's "
                "figures (save the article with its figures first)."
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        unknown = article_render(article=form.instance)
        for kind, key in unknown:
            self.message_user(
                request,
                f"The body places a {PLACEMENT_NAMES[kind]} “{key}” ([{kind}: {key}]) but "
                f"this article has none with that key; readers see nothing there. Add it "
                f"below or correct the key.",
                messages.WARNING,
            )

    @admin.action(description="Publish now", permissions=["change"])
    def publish_now(self, request, queryset):
        count = 0
        for article in queryset:
            article_publish(article=article)
            count += 1
        self.message_user(request, f"Published {count} article(s); readers can see them now.")

    @admin.action(description="Unpublish (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        count = 0
        for article in queryset:
            article_unpublish(article=article)
            count += 1
        self.message_user(
            request, f"Unpublished {count} article(s); readers now get “not found” for them."
        )
