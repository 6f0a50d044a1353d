"""The editors' workplace for articles (README, "For editors").

Publishing goes through articles/services.py; body_html is rendered again after the inlines
are saved (save_related), because figures, pull quotes and embeds placed in the body are
saved after the article itself.
"""

from django.contrib import admin, messages
from django.db import models
from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.forms import Textarea
from django.http import HttpResponseRedirect
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from articles.events import admin as event_admin  # noqa: F401 (registers events, questions)
from articles.forms import (
    PUBLISHING_BUTTONS,
    ArticleAdminForm,
    AuthorAdminForm,
    CommentAdminForm,
    FigureForm,
    FigureFormSet,
    LibraryImageForm,
)
from articles.models import (
    Article,
    Author,
    Byline,
    Comment,
    Correction,
    Embed,
    Exchange,
    Figure,
    LibraryImage,
    PullQuote,
)
from articles.services import (
    article_publish,
    article_render,
    article_unpublish,
    comment_approve,
    comment_mark_spam,
    comment_remove,
)
from civicsite.core.history import HistoryAdmin

PLACEMENT_NAMES = {
    "figure": "figure",
    "pullquote": "pull quote",
    "embed": "embedded post",
    "results": "results box (race)",
}
PUBLISH_PERMISSION = "articles.publish_article"
NOT_YOURS_TO_PUBLISH = (
    "Only an editor can publish, schedule or unpublish an article, or change one that is "
    "published or scheduled. Save it as a draft and ask an editor."
)


class DraftOnlyFormMixin:
    """For staff without ``articles.publish_article`` (contributors, civicsite/roles.py):
    an article is saved only as a draft, and only while it is a draft.

    Publishing is a permission, not just a status: without it the status field may not be
    set to published or scheduled, and a published or scheduled article (which readers may
    already see) is not theirs to change, nor to take back to draft.

    The status that counts is the one stored now, read from the database: the History
    "Revert" form's instance is the version being restored, whose status may be "draft" while
    the article is published (issue 19).
    """

    def clean(self):
        cleaned = super().clean()
        stored = Article.Status.DRAFT
        if self.instance.pk:
            row = Article.objects.filter(pk=self.instance.pk).values("status").first()
            stored = row["status"] if row else Article.Status.DRAFT
        if cleaned.get("status", Article.Status.DRAFT) != Article.Status.DRAFT or (
            stored != Article.Status.DRAFT
        ):
            # The status is no control of its own (the form's publishing buttons set it): the
            # refusal is said above the form.
            self.add_error(None, NOT_YOURS_TO_PUBLISH)
        return cleaned


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    form = AuthorAdminForm
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
    """The article's figures: each a picture from the media library (searched by title, alt
    text or credit) or a new upload that joins it; "Lead image" makes one the lead."""

    model = Figure
    form = FigureForm
    formset = FigureFormSet
    extra = 1
    autocomplete_fields = ["library_image"]
    fields = [
        "key",
        "library_image",
        "image",
        "is_lead",
        "preview",
        "alt_text",
        "caption",
        "credit",
        "order",
    ]
    readonly_fields = ["preview"]

    @admin.display(description="Preview")
    def preview(self, figure):
        if not figure.pk or not figure.image:
            return "Shown after saving."
        return format_html(
            '<img src="{}" alt="" width="160" class="figure-preview"><br>{} × {} px',
            figure.thumbnail_src,
            figure.width,
            figure.height,
        )


@admin.register(LibraryImage)
class LibraryImageAdmin(admin.ModelAdmin):
    """The media library: every picture once, with its alt text and credit, searchable, and
    how many figures use it. Renditions are made once, when the file is saved."""

    form = LibraryImageForm
    list_display = ["thumbnail", "title", "alt_text", "credit", "size", "used_in", "uploaded_at"]
    list_display_links = ["thumbnail", "title"]
    search_fields = ["title", "alt_text", "credit"]
    date_hierarchy = "uploaded_at"
    fields = ["title", "image", "thumbnail", "alt_text", "credit", "size", "articles_using_it"]
    readonly_fields = ["thumbnail", "size", "articles_using_it"]
    list_per_page = 50

    def get_queryset(self, request):
        # The figure count is one annotated column, not a query per row.
        # An aggregate drops Meta.ordering: name it again, so pages of the list are stable.
        return (
            super()
            .get_queryset(request)
            .annotate(figure_count=Count("figures"))
            .order_by(*LibraryImage._meta.ordering)
        )

    @admin.display(description="Image")
    def thumbnail(self, image):
        if not image.pk or not image.image:
            return "Shown after saving."
        return format_html(
            '<img src="{}" alt="" width="120" class="figure-preview" loading="lazy">',
            image.thumbnail_src,
        )

    @admin.display(description="Size")
    def size(self, image):
        return f"{image.width} × {image.height} px" if image.width else "—"

    @admin.display(description="Figures", ordering="figure_count")
    def used_in(self, image):
        return image.figure_count

    @admin.display(description="Used in")
    def articles_using_it(self, image):
        if not image.pk:
            return "—"
        articles = (
            Article.objects.filter(figures__library_image=image)
            .distinct()
            .only("pk", "title")
            .order_by("-publish_at", "-id")[:20]
        )
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:articles_article_change", args=[article.pk]), article.title)
                for article in articles
            ),
        )
        return links or "No article yet."


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


class CommentInline(admin.TabularInline):
    """The article's comments, read-only, newest first; moderation happens in the Comment
    admin (each row links there)."""

    model = Comment
    fk_name = "article"
    extra = 0
    can_delete = False
    fields = ["name", "excerpt", "status", "created_at", "moderate"]
    readonly_fields = fields
    ordering = ["-created_at"]
    verbose_name_plural = "Comments (moderate them under Articles › Comments)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Comment")
    def excerpt(self, comment):
        return truncatechars(comment.text, 80)

    @admin.display(description="Moderate")
    def moderate(self, comment):
        url = reverse("admin:articles_comment_change", args=[comment.pk])
        return format_html('<a href="{}">Open comment {}</a>', url, comment.pk)


@admin.register(Article)
class ArticleAdmin(HistoryAdmin):
    form = ArticleAdminForm
    list_display = ["title", "kind", "status", "lead_author", "publish_at"]
    list_filter = ["status", "kind", "tags"]
    search_fields = ["title", "dek", "body"]
    date_hierarchy = "publish_at"
    # No foreign key is shown in the list; the lead author comes from the bylines prefetched
    # in get_queryset, so a page of articles costs the same queries as one.
    list_select_related = []
    change_form_template = "admin/articles/article/change_form.html"
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
        # Status and publish time are set by the buttons under the form ("Publish now",
        # "Schedule"); they travel as hidden fields.
        ("Publishing", {"fields": ["status", "publish_at", "content_updated_at"]}),
        (
            "Images",
            {
                "fields": ["photo_credit_line"],
                "description": "Figures are below; tick “Lead image” on the one to show at "
                "the top, on this first save too.",
            },
        ),
        ("About", {"fields": ["candidates", "races", "elections", "tags", "comments_open"]}),
        ("Voter-guide Q&A", {"fields": ["candidacy"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("bylines", queryset=Byline.objects.select_related("author")))
        )

    def has_publish_permission(self, request):
        return request.user.has_perm(PUBLISH_PERMISSION)

    def has_change_permission(self, request, obj=None):
        """Without the publish permission, only drafts: a published or scheduled article opens
        read-only, and every POST that would change it (the form, its inlines, History's
        Revert) is refused. ``obj`` is the article as stored now; HistoryAdmin asks about the
        current row, never the version a revert form restores."""
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or self.has_publish_permission(request):
            return True
        return obj.status == Article.Status.DRAFT

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if self.has_publish_permission(request):
            return form
        return type(form.__name__, (DraftOnlyFormMixin, form), {})

    def get_inlines(self, request, obj):
        # A new article has no comments: the read-only list appears once it exists.
        return [*self.inlines, CommentInline] if obj is not None else self.inlines

    @admin.display(description="Lead author")
    def lead_author(self, article):
        bylines = article.bylines.all()
        return bylines[0].author.name if bylines else "—"

    class Media:
        css = {"all": ["articles/admin_editing.css"]}
        js = ["core/word_count.js", "articles/admin_editing.js"]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["has_publish_permission"] = self.has_publish_permission(request)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_add(self, request, obj, post_url_continue=None):
        if self.publishing_button(request):
            self.say_publishing_state(request, obj)
            return self.stay_on_the_form(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if self.publishing_button(request):
            self.say_publishing_state(request, obj)
            return self.stay_on_the_form(request, obj)
        return super().response_change(request, obj)

    @staticmethod
    def publishing_button(request):
        return next((name for name in PUBLISHING_BUTTONS if name in request.POST), None)

    def stay_on_the_form(self, request, obj):
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[obj.pk]))

    def say_publishing_state(self, request, article):
        if article.is_public:
            message = "Published: readers can see it now."
        elif article.status == Article.Status.SCHEDULED:
            when = timezone.localtime(article.publish_at)
            message = f"Scheduled: readers see it from {when:%A %-d %B %Y, %H:%M}."
        else:
            message = "Back to draft: readers get “not found” for it."
        self.message_user(request, message, messages.SUCCESS)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        figures = next((f for f in formsets if isinstance(f, FigureFormSet)), None)
        if figures is not None:
            lead = figures.lead_figure()
            lead_id = lead.pk if lead is not None else None
            if form.instance.lead_figure_id != lead_id:
                form.instance.lead_figure = lead
                Article.objects.filter(pk=form.instance.pk).update(lead_figure=lead)
        unknown = article_render(article=form.instance)
        for kind, key in unknown:
            self.message_user(
                request,
                f"The body places a {PLACEMENT_NAMES[kind]} “{key}” ([{kind}: {key}]) but "
                f"this article has none with that key; readers see nothing there. Add it "
                f"below or correct the key.",
                messages.WARNING,
            )

    @admin.action(description="Publish now", permissions=["publish"])
    def publish_now(self, request, queryset):
        count = 0
        for article in queryset:
            article_publish(article=article)
            count += 1
        self.message_user(request, f"Published {count} article(s); readers can see them now.")

    @admin.action(description="Unpublish (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        count = 0
        for article in queryset:
            article_unpublish(article=article)
            count += 1
        self.message_user(
            request, f"Unpublished {count} article(s); readers now get “not found” for them."
        )


# Pending comments first in the moderation queue, then the rest by how much they need a look.
STATUS_RANK = {
    Comment.Status.PENDING: 0,
    Comment.Status.SPAM: 1,
    Comment.Status.APPROVED: 2,
    Comment.Status.REMOVED: 3,
}


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """The moderation queue: held comments on top, bulk actions through articles/services.py,
    and the count per status above the list."""

    form = CommentAdminForm
    list_display = ["name", "article_title", "excerpt", "status", "created_at", "ip_address"]
    list_filter = ["status"]
    search_fields = ["name", "email", "text"]
    list_select_related = ["article"]
    date_hierarchy = "created_at"
    actions = ["approve", "mark_spam", "remove"]
    raw_id_fields = ["article", "parent"]
    readonly_fields = ["ip_address", "user_agent", "created_at", "shown_as"]
    fields = [
        "article",
        "parent",
        "status",
        "name",
        "email",
        "website",
        "text",
        "shown_as",
        "created_at",
        "ip_address",
        "user_agent",
    ]
    change_list_template = "admin/articles/comment/change_list.html"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_ordering(self, request):
        status_rank = Case(
            *[When(status=status, then=Value(rank)) for status, rank in STATUS_RANK.items()],
            default=Value(9),
            output_field=IntegerField(),
        )
        return [status_rank.asc(), "-created_at", "-id"]

    @admin.display(description="Article", ordering="article__title")
    def article_title(self, comment):
        return comment.article.title

    @admin.display(description="Comment")
    def excerpt(self, comment):
        return truncatechars(comment.text, 80)

    @admin.display(description="As readers see it")
    def shown_as(self, comment):
        # text_html is the comment escaped at save time (articles/comments.py).
        return format_html('<div class="comment-preview">{}</div>', comment.text_html)

    def changelist_view(self, request, extra_context=None):
        counts = Comment.objects.aggregate(
            **{
                status.value: Count("pk", filter=Q(status=status.value))
                for status in Comment.Status
            }
        )
        extra_context = {
            **(extra_context or {}),
            "status_counts": [
                (status.label, status.value, counts[status.value]) for status in Comment.Status
            ],
            "status_summary": " · ".join(
                f"{status.label} {counts[status.value]}" for status in Comment.Status
            ),
        }
        return super().changelist_view(request, extra_context=extra_context)

    @admin.action(description="Approve selected comments", permissions=["change"])
    def approve(self, request, queryset):
        count = comment_approve(comments=queryset)
        self.message_user(request, f"Approved {count} comment(s); readers can see them now.")

    @admin.action(description="Mark selected comments as spam", permissions=["change"])
    def mark_spam(self, request, queryset):
        count = comment_mark_spam(comments=queryset)
        self.message_user(request, f"Marked {count} comment(s) as spam; readers do not see them.")

    @admin.action(description="Remove selected comments", permissions=["change"])
    def remove(self, request, queryset):
        count = comment_remove(comments=queryset)
        self.message_user(request, f"Removed {count} comment(s); readers do not see them.")
