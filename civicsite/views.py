"""Site-wide pages: home, search, tag pages, the site's own pages (About, Contact,
Corrections policy), the 404 page, robots.txt, the favicon, the health check and local media.

Every list here starts from ``Article.objects.published()`` (drafts and scheduled stories
never show) and reads in a fixed number of queries (tests/civicsite pin the counts).
"""

import functools
import re
from pathlib import Path
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.static import serve
from taggit.models import Tag

from articles.models import Article, tagged_article_ids
from candidates import queries
from candidates.models import Questionnaire
from civicsite import search as site_search
from civicsite.core import metadata, outage, pagination
from civicsite.models import FrontPage, Page

HOME_NEWS = 6
HOME_FEATURES = 4
HOME_RESULTS_RACES = 6
TAG_ARTICLES_PER_PAGE = 20
FAVICON = "icons/favicon.ico"
FAVICON_MAX_AGE = 24 * 60 * 60
SEARCH_EXAMPLES = ["Bakhtiari", "District 5 runoff", "City Council", '"voter guide"']


def countdown(days):
    """Days until an election, in words: "today", "tomorrow", "in 12 days"."""
    if days <= 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"


def results_heading(pages):
    """The home results module's heading: "Now counting" while any race is counted,
    "Election day" before the first figures, "Latest results" once every race is decided."""
    states = [page.results.state for page in pages]
    if any(state.is_counting for state in states):
        return "Now counting"
    if any(state.is_live for state in states):
        return "Election day"
    return "Latest results"


@require_GET
def home(request):
    """Election week first: the latest races counted and decided, the next election, then
    the news."""
    published = Article.objects.published().for_listing()
    pinned = list(published.filter(pk__in=FrontPage.objects.values("lead_article"))[:1])
    news = list(published.of_kind(Article.Kind.NEWS)[: HOME_NEWS + 1])
    lead = pinned[0] if pinned else (news[0] if news else None)
    next_election = queries.next_election()
    guides = []
    days_to_go = None
    if next_election:
        days_to_go = (next_election.date - timezone.localdate()).days
        guides = list(
            Questionnaire.objects.published()
            .filter(race__election=next_election)
            .select_related("race__election", "race__office")
            .order_by("race__office__name")
        )
    results_pages = queries.home_results_pages(
        days=settings.HOME_RESULTS_DAYS, limit=HOME_RESULTS_RACES
    )
    context = {
        "lead": lead,
        "news": [article for article in news if article != lead][:HOME_NEWS],
        "features": list(
            published.filter(kind__in=[Article.Kind.PROFILE, Article.Kind.INTERVIEW]).exclude(
                pk=getattr(lead, "pk", None)
            )[:HOME_FEATURES]
        ),
        "results_pages": results_pages,
        "results_heading": results_heading(results_pages),
        "next_election": next_election,
        "next_election_guides": guides,
        "countdown": countdown(days_to_go) if next_election else "",
        "meta": metadata.page_meta(
            request,
            title=settings.SITE_NAME,
            path=reverse("home"),
            description="Local election news, live and final results, candidate profiles and "
            "voter guides.",
            json_ld=[
                metadata.website(
                    settings.SITE_NAME,
                    url=request.build_absolute_uri(reverse("home")),
                    search_url=request.build_absolute_uri(reverse("search") + "?q="),
                )
            ],
        ),
    }
    return render(request, "civicsite/home.html", context)


class SearchForm(forms.Form):
    """?q= for the search page; a query that cannot be searched is a clear 400, never a 500.

    Django's CharField already refuses NUL bytes (PostgreSQL cannot store or search them).
    A query over SEARCH_QUERY_MAX_LENGTH characters is searched cut to that length, and the
    page says so (``was_cut``): a pasted paragraph still finds something. Past the request
    line nginx takes, its 414 page answers in the site's words (deploy/nginx.conf.template).
    ?page= is read like every list's (civicsite/core/pagination.py): a page that does not exist
    is a 404.
    """

    q = forms.CharField(
        label="Search the site",
        required=False,
        strip=True,
        error_messages={
            "null_characters_not_allowed": "Search terms cannot contain null characters.",
        },
    )

    was_cut = False

    def clean_q(self):
        text = self.cleaned_data["q"]
        limit = settings.SEARCH_QUERY_MAX_LENGTH
        if len(text) > limit:
            self.was_cut = True
            text = text[:limit].strip()
        return text


@require_GET
def search(request):
    form = SearchForm(request.GET)
    context = {
        "form": form,
        "examples": SEARCH_EXAMPLES,
        "results": None,
        "query_max_length": settings.SEARCH_QUERY_MAX_LENGTH,
        # One address for the search page; a page of results is not for search engines.
        "meta": metadata.page_meta(
            request,
            title="Search",
            path=reverse("search"),
            description="Search articles, candidates, races and elections.",
            robots="noindex, follow" if request.GET.get("q", "").strip() else "",
        ),
    }
    if not form.is_valid():
        context["errors"] = [error for errors in form.errors.values() for error in errors]
        return render(request, "civicsite/search.html", context, status=400)
    text = form.cleaned_data["q"]
    context.update(query=text, query_was_cut=form.was_cut)
    if text:
        number = pagination.page_number(request)
        with pagination.page_or_404():
            results = site_search.search(text, page=number)
        listing = pagination.list_page(request, results.page, query={"q": text})
        context.update({"results": results, **listing.context()})
        # Each race hit's state, as its page says it (candidates/results.py).
        context["race_states"] = queries.race_states(results.races)
    return render(request, "civicsite/search.html", context)


@require_GET
def tag_detail(request, slug):
    """Published articles with one tag, newest first, paginated like the article lists."""
    tag = get_object_or_404(Tag, slug=slug)
    articles = Article.objects.published().filter(pk__in=tagged_article_ids([tag.pk])).for_listing()
    listing = pagination.paginate(request, articles, TAG_ARTICLES_PER_PAGE)
    if not listing.page_obj.paginator.count:
        # A tag with no published story is not a page (its page 1 is not an empty list).
        raise Http404("No published articles with this tag.")
    context = {
        "tag": tag,
        "articles": listing.page_obj.object_list,
        "meta": metadata.page_meta(
            request,
            title=tag.name,
            description="Published articles on this topic, newest first.",
            list_page=listing,
        ),
        **listing.context(),
    }
    return render(request, "civicsite/tag_detail.html", context)


@require_GET
def robots_txt(request):
    sitemap_url = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "", f"Sitemap: {sitemap_url}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain")


@never_cache
@require_GET
def healthz(request):
    """For a load balancer and monitoring, within a second: database, cache, media disk space.

    200 when all answer, 503 naming the failing part otherwise (civicsite/core/outage.py).
    """
    report = outage.health()
    return JsonResponse(report, status=503 if report["failing"] else 200)


@require_GET
def serve_media(request, path):
    """Uploaded media for laptops and `make serve`; MEDIA_ROOT is read per request."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


@require_GET
def site_page(request, slug):
    """About, Contact or the Corrections policy (civicsite.models.Page), as editors wrote it."""
    page = get_object_or_404(Page, slug=slug)
    context = {
        "page": page,
        "meta": metadata.page_meta(
            request, title=page.title, path=page.get_absolute_url(), description=page.summary
        ),
    }
    return render(request, "civicsite/page.html", context)


# A search suggested from a missing address: the words of its last part, e.g.
# /candidates/liliana-bakhtiar/ -> "liliana bakhtiar". Letters and digits only, a few words.
_ADDRESS_WORD = re.compile(r"[^\W_]+")
NOT_FOUND_SEARCH_WORDS = 6


def not_found_search_words(path):
    parts = [part for part in path.split("/") if part]
    words = _ADDRESS_WORD.findall(parts[-1]) if parts else []
    return " ".join(words[:NOT_FOUND_SEARCH_WORDS])[: settings.SEARCH_QUERY_MAX_LENGTH]


def page_not_found(request, exception):
    """The 404 page (handler404): why, and links to where the reader may be going, with a
    search for the words of the address they tried. No query, so a flood of bad addresses
    costs the database nothing."""
    words = not_found_search_words(request.path)
    context = {
        "search_words": words,
        "search_url": f"{reverse('search')}?{urlencode({'q': words})}" if words else "",
    }
    return render(request, "404.html", context, status=404)


@functools.cache
def _favicon_bytes():
    return Path(finders.find(FAVICON)).read_bytes()


@require_GET
def favicon(request):
    """/favicon.ico, which browsers and feed readers ask for whatever the page links: the
    site's icon (civicsite/static/icons/, drawn by scripts/make_icons.py), kept a day."""
    response = HttpResponse(_favicon_bytes(), content_type="image/x-icon")
    patch_cache_control(response, public=True, max_age=FAVICON_MAX_AGE)
    return response
