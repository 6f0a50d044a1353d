"""Pagination for every public list, and one answer for a page that does not exist.

The article index, sections and author pages, the tag pages, the candidate index and the
search results all read ``?page=N`` with ``page_number()``, page with ``paginate()`` (the
search pages its own ranked results, inside ``page_or_404()``, then calls ``list_page()``),
and print the nav with ``templates/includes/pagination.html``.

The policy: a page that does not exist is a 404 Not Found, whatever is wrong with it: a page
number that is not a whole number (``abc``, ``1.5``, ``%00``), zero or negative, absurdly
large, or past the last page. Such a page is "not found" for readers and crawlers alike, which
is also what Django's own ListView answers; a 400 would tell a crawler the request was
malformed and invite retries, and a redirect to page 1 would make every bad address a
duplicate of page 1. A missing or empty ``?page=`` is page 1, and page 1 of an empty list
exists (the template shows its empty message); a view whose page must not exist empty (a tag
with no published article) raises its own 404. ``?page=`` given more than once counts the
last, as ``QueryDict.get`` (and so ListView) does.

Page 1 has no ``?page=``, so every page has exactly one address: ``canonical_url``, and
``prev_url`` and ``next_url`` for the rel links, are absolute; the numbered links of the nav
are relative, as they have always been.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.core.paginator import InvalidPage, Page, Paginator
from django.http import Http404

PAGE_PARAMETER = "page"
# Far past the end of any list here; a longer number is refused before the list is counted.
MAX_PAGE_NUMBER = 1_000_000

NOT_A_PAGE_NUMBER = "There is no such page: page numbers are whole numbers from 1, like ?page=2."
PAST_THE_END = "There is no such page: the list is shorter."


@dataclass(frozen=True)
class PageLink:
    """One place in the page nav: a page's number and relative address, or a gap (no number)."""

    number: int | None
    href: str = ""
    current: bool = False


@dataclass(frozen=True)
class ListPage:
    """One page of a list and its addresses, as the list templates read them."""

    page_obj: Page
    page_links: list[PageLink]  # the elided page range: first, last and those around this one
    canonical_url: str
    prev_url: str  # "" on the first page
    next_url: str  # "" on the last page

    def context(self):
        """The template context for the page's nav and its canonical and rel links."""
        return {
            "page_obj": self.page_obj,
            "page_links": self.page_links,
            "canonical_url": self.canonical_url,
            "prev_url": self.prev_url,
            "next_url": self.next_url,
        }


def page_number(request):
    """The page asked for by ``?page=``: 1 when there is none, a 404 when it is no page number.

    Only ASCII digits count: ``int()`` would also take " 2", "+2", "٢" or "1_0".
    """
    value = request.GET.get(PAGE_PARAMETER, "")
    if not value:
        return 1
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_PAGE_NUMBER)):
        raise Http404(NOT_A_PAGE_NUMBER)
    number = int(value)
    if not 1 <= number <= MAX_PAGE_NUMBER:
        raise Http404(NOT_A_PAGE_NUMBER)
    return number


@contextmanager
def page_or_404():
    """Turn Paginator's "no such page" (InvalidPage, e.g. past the end) into a 404."""
    try:
        yield
    except InvalidPage as error:
        raise Http404(PAST_THE_END) from error


def paginate(request, object_list, per_page, *, query=None):
    """The requested page of ``object_list`` (a queryset or a list), or a 404.

    ``query`` holds the parameters that say which list this is (the search's ``q``); they
    are kept, before ``page``, in every page's address. Any other parameter is left out.
    """
    number = page_number(request)
    paginator = Paginator(object_list, per_page)
    with page_or_404():
        page = paginator.page(number)
    return list_page(request, page, query=query)


def list_page(request, page, *, query=None):
    """A ListPage for a page already taken from its paginator (see ``paginate``)."""
    query = query or {}

    def relative(number):
        string = _query_string(query, number)
        return f"?{string}" if string else request.path

    def absolute(number):
        string = _query_string(query, number)
        return request.build_absolute_uri(f"{request.path}?{string}" if string else request.path)

    links = [
        PageLink(number=number, href=relative(number), current=number == page.number)
        if isinstance(number, int)
        else PageLink(number=None)
        for number in page.paginator.get_elided_page_range(page.number)
    ]
    return ListPage(
        page_obj=page,
        page_links=links,
        canonical_url=absolute(page.number),
        prev_url=absolute(page.previous_page_number()) if page.has_previous() else "",
        next_url=absolute(page.next_page_number()) if page.has_next() else "",
    )


def _query_string(query, number):
    """``query`` and the page number (none for page 1), encoded as the templates' urlencode
    filter does (spaces as %20, "/" kept)."""
    params = {**query, PAGE_PARAMETER: number} if number > 1 else query
    return urlencode(params, safe="/", quote_via=quote)
