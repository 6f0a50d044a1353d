"""Public article pages: one article, the section lists and an author's page.

Every view starts from ``Article.objects.published()``; the only exception is the staff
preview, which shows a draft or scheduled article at its own address with a visible bar and
``never_cache`` headers. Lists paginate 20 to a page with ``?page=N``; a page that does not
exist is a 404 (the one policy of civicsite/core/pagination.py), never a 500.

Readers' comments are posted to ``comment_post`` (POST, then a redirect back to the article);
a form that cannot be accepted draws the article page again with the reader's text and the
reason, with a 4xx status.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe
from django.views.generic import DetailView, ListView

from articles import comments, metadata
from articles.forms import CommentForm
from articles.models import Article, Author, Comment
from articles.services import CommentRefused
from articles.services import comment_post as comment_post_service
from candidates.guides import candidacy_qa
from candidates.models import Candidate, Race
from candidates.queries import RacePage
from civicsite.core import pagetags, pagination
from civicsite.core.metadata import page_meta

ARTICLES_PER_PAGE = 20

# Section slugs in the address, the kind they list and their heading.
SECTIONS = {
    "news": (Article.Kind.NEWS, "News"),
    "profiles": (Article.Kind.PROFILE, "Profiles"),
    "interviews": (Article.Kind.INTERVIEW, "Interviews"),
    "voter-guide-qa": (Article.Kind.VOTER_GUIDE_QA, "Voter-guide Q&As"),
    "opinion": (Article.Kind.OPINION, "Opinion"),
}
SECTION_OF_KIND = {kind: slug for slug, (kind, _) in SECTIONS.items()}


class PaginatedMixin:
    """The shared pagination (civicsite/core/pagination.py) for a ListView: its policy for
    bad page numbers (a 404), and the canonical, rel="prev" and rel="next" addresses."""

    def paginate_queryset(self, queryset, page_size):
        self.list_page = pagination.paginate(self.request, queryset, page_size)
        page = self.list_page.page_obj
        return page.paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.list_page.context())
        return context


class ArticleDetailView(DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def can_preview(self):
        """Staff with the view permission may see drafts and scheduled articles."""
        user = self.request.user
        return user.is_staff and user.has_perm("articles.view_article")

    def get_queryset(self):
        articles = Article.objects.all() if self.can_preview() else Article.objects.published()
        return articles.for_page()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        published_on = article.first_published_at or article.publish_at
        updated_on = article.content_updated_at
        if not (updated_on and published_on and updated_on > published_on):
            updated_on = None
        bylines = list(article.bylines.all())
        # Its results boxes (RacePage.summary) say which races' figures it shows; elsewhere it
        # names races and candidacies only (core/pagetags.py: no default tag).
        pagetags.shows()
        context.update(
            {
                "is_preview": not article.is_public,
                "meta": metadata.article_meta(
                    self.request,
                    article,
                    section_path=reverse(
                        "articles:section", kwargs={"kind": SECTION_OF_KIND[article.kind]}
                    ),
                    bylines=bylines,
                    published_on=published_on,
                    updated_on=updated_on,
                ),
                "published_on": published_on,
                "updated_on": updated_on,
                "bylines": bylines,
                "qa": self.voter_guide_answers(article),
                "race_pages": [RacePage.summary(race) for race in article.races.all()],
                **self.comments_context(article, kwargs.get("comment_form")),
            }
        )
        return context

    def comments_context(self, article, form=None):
        """The thread, and the form (with a fresh signed time) when comments are open.

        ``?replyto=<id>`` fills the form's parent with a comment shown on the page; anything
        else there is ignored. No query: the thread is prefetched.
        """
        by_id = visible_comments_by_id(article)
        if form is None and article.comments_open:
            initial = {}
            reply_to = self.request.GET.get("replyto", "")
            # ASCII digits only: "¹".isdigit() is True but int() refuses it.
            if reply_to.isascii() and reply_to.isdigit() and int(reply_to) in by_id:
                initial["parent"] = int(reply_to)
            form = CommentForm(article=article, initial=initial, visible_comments=by_id)
        parent_id = None
        if form is not None:
            value = form["parent"].value()
            value = str(value or "")
            parent_id = int(value) if value.isascii() and value.isdigit() else None
        return {
            "comment_threads": comments.threads(article.page_comments),
            "comment_count": len(by_id),
            "comment_form": form,
            "replying_to": by_id.get(parent_id),
        }

    def voter_guide_answers(self, article):
        """A voter-guide Q&A shows its candidacy's answers; links to the same candidate's
        other guide point at that guide's Q&A article when one is published."""
        if article.kind != Article.Kind.VOTER_GUIDE_QA or article.candidacy is None:
            return None
        qa = candidacy_qa(article.candidacy)
        others = [candidacy for candidacy in (qa.general, qa.runoff) if candidacy]
        if others:
            articles_by_candidacy = {
                other.candidacy_id: other.get_absolute_url()
                for other in Article.objects.published().filter(
                    kind=Article.Kind.VOTER_GUIDE_QA, candidacy__in=others
                )
            }
            qa.general_link = articles_by_candidacy.get(getattr(qa.general, "pk", None), "")
            qa.runoff_link = articles_by_candidacy.get(getattr(qa.runoff, "pk", None), "")
        return qa

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if context["is_preview"]:
            # A preview must never be stored by a browser or a shared cache.
            add_never_cache_headers(response)
        return response


class ArticleListView(PaginatedMixin, ListView):
    """All published articles, newest first (``/articles/``)."""

    template_name = "articles/article_list.html"
    context_object_name = "articles"
    paginate_by = ARTICLES_PER_PAGE
    allow_empty = True
    heading = "Latest articles"
    description = "News, profiles, interviews and voter guides about local elections."

    def get_queryset(self):
        return Article.objects.published().for_listing()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "heading": self.heading,
                "description": self.description,
                "meta": page_meta(
                    self.request,
                    title=self.heading,
                    description=self.description,
                    list_page=self.list_page,
                ),
                "sections": self.sections_with_stories(),
                "current_section": self.kwargs.get("kind", ""),
            }
        )
        return context

    def sections_with_stories(self):
        """The sections to link to: only those with a published story (one query), so a
        reader never follows a link to an empty list."""
        kinds = set(
            Article.objects.published().order_by().values_list("kind", flat=True).distinct()
        )
        return [(slug, label) for slug, (kind, label) in SECTIONS.items() if kind in kinds]


class SectionListView(ArticleListView):
    """One kind of article (``/articles/section/<kind>/``); an unknown kind is a 404."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.section = SECTIONS.get(kwargs["kind"])

    def get_queryset(self):
        if self.section is None:
            raise Http404("There is no such section.")
        return super().get_queryset().of_kind(self.section[0])

    @property
    def heading(self):
        return self.section[1]

    @property
    def description(self):
        return f"{self.section[1]} about local elections, newest first."


class CoverageListView(ArticleListView):
    """Every published story about one candidate or one race, newest first: where the
    coverage list on a profile or a race page (articles/templatetags/coverage_tags.py) leads
    when it has more stories than it shows. An unknown candidate or race is a 404."""

    def get_queryset(self):
        published = Article.objects.published()
        if "election_slug" in self.kwargs:
            race = get_object_or_404(
                Race.objects.select_related("election", "office"),
                election__slug=self.kwargs["election_slug"],
                slug=self.kwargs["slug"],
            )
            self.subject, self.subject_name = race, f"{race.heading}, {race.election.date:%Y}"
            articles = published.about_race(race)
        else:
            candidate = get_object_or_404(Candidate, slug=self.kwargs["slug"])
            self.subject, self.subject_name = candidate, candidate.name
            articles = published.about_candidate(candidate)
        self.heading = f"Stories about {self.subject_name}"
        self.description = f"Published stories about {self.subject_name}, newest first."
        return articles.for_listing()

    def sections_with_stories(self):
        return []  # a list about one subject is not one of the sections

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            subject=self.subject, subject_name=self.subject_name, **kwargs
        )


class AuthorDetailView(PaginatedMixin, ListView):
    """An author's bio and published articles, paginated like the section lists."""

    template_name = "articles/author_detail.html"
    context_object_name = "articles"
    paginate_by = ARTICLES_PER_PAGE
    allow_empty = True

    def get_queryset(self):
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        return Article.objects.published().filter(bylines__author=self.author).for_listing()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(author=self.author, **kwargs)
        context["meta"] = metadata.author_meta(self.request, self.author, list_page=self.list_page)
        return context


def visible_comments_by_id(article):
    """The comments readers see on the page, by id, from the ``page_comments`` prefetch."""
    return {comment.pk: comment for comment in article.page_comments}


CROSS_SITE_MESSAGE = (
    "We could not accept this comment: it was not sent from this site's comment form. "
    "Please go back to the article and post it from there."
)


def request_is_same_origin(request):
    """True when a POST comes from a page of this site, by its Origin or Referer header.

    Article pages are cached and shared between readers (and CDNs), so the comment form carries
    no per-reader CSRF token. Instead the OWASP "verify origin with standard headers" check
    that Django's CsrfViewMiddleware runs before its token check: browsers set Origin on every
    cross-site POST (and SameSite=Lax keeps cookies off it); with no Origin, the Referer must
    be one of our pages; with neither, the POST is refused. CSRF_TRUSTED_ORIGINS count as ours.
    The test client's ``enforce_csrf_checks=False`` (the default) skips it, as it skips
    Django's own check.
    """
    if getattr(request, "_dont_enforce_csrf_checks", False):
        return True
    ours = {f"{request.scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin in ours
    referer = urlsplit(request.headers.get("Referer", ""))
    return bool(referer.netloc) and f"{referer.scheme}://{referer.netloc}" in ours


@require_safe
@never_cache  # private, no-store: a reader's own time, never in a shared cache
def form_token(request):
    """A fresh signed form time for a reader form on a cached page (``?for=`` the form's key:
    articles/comments.py), fetched by the form's script when the reader starts on it."""
    key = request.GET.get("for", "")
    if not comments.is_form_key(key):
        return JsonResponse({"error": "Unknown form."}, status=400)
    return JsonResponse({"token": comments.make_form_token(key)})


@csrf_exempt  # request_is_same_origin() instead: the form is on a cached, shared page
@require_POST
def comment_post(request, slug):
    """A reader's comment: stored and redirected back (POST-redirect-GET), or refused.

    Unpublished articles are a 404 and closed ones a 403; a form error, a failed hidden check
    (400), a duplicate (409) or a comment too soon after the last (429) draws the article page
    again with the reader's text and the reason. Nothing is written on a refusal.
    """
    if not request_is_same_origin(request):
        return HttpResponseForbidden(
            render_to_string("403.html", {"reason": CROSS_SITE_MESSAGE}, request=request)
        )
    article = get_object_or_404(Article.objects.published(), slug=slug)
    if not article.comments_open:
        return render_article_with_form(
            request, article, form=None, status=403, error=comments.CLOSED_MESSAGE
        )
    page_article = Article.objects.filter(pk=article.pk).for_page().get()
    form = CommentForm(
        request.POST,
        article=article,
        visible_comments=visible_comments_by_id(page_article),
    )
    if not form.is_valid():
        # Field errors, or the one generic refusal (form.refused), are the form's own errors.
        return render_article_with_form(request, page_article, form=form, status=400)
    try:
        comment = comment_post_service(article=article, data=form.cleaned_data, request=request)
    except CommentRefused as refusal:
        return render_article_with_form(
            request, page_article, form=form, status=refusal.status, error=refusal.message
        )
    if comment.status == Comment.Status.APPROVED:
        messages.success(request, comments.APPROVED_MESSAGE)
        return redirect(f"{article.get_absolute_url()}#comment-{comment.pk}")
    # Held (or quietly filed as spam): the reader is told it awaits moderation, at the top of
    # the page where the message is shown.
    messages.success(request, comments.PENDING_MESSAGE)
    return redirect(article.get_absolute_url())


def render_article_with_form(request, article, *, form, status, error=""):
    """The article page drawn again for a comment that was not accepted."""
    view = ArticleDetailView()
    view.setup(request, slug=article.slug)
    if not hasattr(article, "page_comments"):
        article = Article.objects.filter(pk=article.pk).for_page().get()
    view.object = article
    context = view.get_context_data(object=article, comment_form=form)
    context["comment_error"] = error
    context["comment_status"] = status
    return view.render_to_response(context, status=status)
