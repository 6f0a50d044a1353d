"""Site-wide pages: home, search, tag pages, robots.txt, the health check and local media.

Every list here starts from ``Article.objects.published()`` (drafts and scheduled stories
never show) and reads in a fixed number of queries (tests/civicsite pin the counts).
"""

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.static import serve
from taggit.models import Tag

from articles.models import Article, tagged_article_ids
from candidates import queries, race_data
from candidates.models import Election, Questionnaire
from civicsite import search as site_search
from civicsite.core import metadata, outage, pagination
from civicsite.models import FrontPage

HOME_NEWS = 6
HOME_FEATURES = 4
HOME_COUNTING_RACES = 6
TAG_ARTICLES_PER_PAGE = 20
SEARCH_MAX_LENGTH = 200
SEARCH_EXAMPLES = ["Bakhtiari", "District 5 runoff", "City Council", '"voter guide"']


def countdown(days):
    """Days until an election, in words: "today", "tomorrow", "in 12 days"."""
    if days <= 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"


@require_GET
def home(request):
    """Election week first: races being counted, the next election, then the news."""
    published = Article.objects.published().for_listing()
    pinned = list(published.filter(pk__in=FrontPage.objects.values("lead_article"))[:1])
    news = list(published.of_kind(Article.Kind.NEWS)[: HOME_NEWS + 1])
    lead = pinned[0] if pinned else (news[0] if news else None)
    next_election = Election.objects.upcoming().first()
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
    counting = queries.counting_race_pages(limit=HOME_COUNTING_RACES)
    context = {
        "lead": lead,
        "news": [article for article in news if article != lead][:HOME_NEWS],
        "features": list(
            published.filter(kind__in=[Article.Kind.PROFILE, Article.Kind.INTERVIEW]).exclude(
                pk=getattr(lead, "pk", None)
            )[:HOME_FEATURES]
        ),
        "counting": counting,
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
    response = render(request, "civicsite/home.html", context)
    # Races being counted update themselves (candidates/race_data.py): keep the page briefly.
    return race_data.mark_live(response, [page.results for page in counting])


class SearchForm(forms.Form):
    """?q= for the search page; a query that cannot be searched is a clear 400, never a 500.

    Django's CharField already refuses NUL bytes (PostgreSQL cannot store or search them).
    ?page= is read like every list's (civicsite/core/pagination.py): a page that does not exist
    is a 404.
    """

    q = forms.CharField(
        label="Search the site",
        required=False,
        strip=True,
        max_length=SEARCH_MAX_LENGTH,
        error_messages={
            "max_length": f"Search terms can be at most {SEARCH_MAX_LENGTH} characters long.",
            "null_characters_not_allowed": "Search terms cannot contain null characters.",
        },
    )


@require_GET
def search(request):
    form = SearchForm(request.GET)
    context = {
        "form": form,
        "examples": SEARCH_EXAMPLES,
        "results": None,
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
    if text:
        number = pagination.page_number(request)
        with pagination.page_or_404():
            results = site_search.search(text, page=number)
        listing = pagination.list_page(request, results.page, query={"q": text})
        context.update({"results": results, **listing.context()})
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
