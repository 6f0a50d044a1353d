"""Page metadata for search engines and social previews, in one place.

Every public page's view builds one ``PageMeta`` (``page_meta()``): its canonical address, rel
prev/next for a list, the Open Graph and Twitter card fields, its breadcrumb trail and any
schema.org JSON-LD. ``base.html`` prints it with one include (templates/includes/page_meta.html);
no template builds a canonical address or an Open Graph tag of its own.

JSON-LD blocks are printed by ``json_ld_script``: a ``<script type="application/ld+json">``
element is data, not script, so the CSP (no inline script) does not block it; its text is
escaped for ``<``, ``>`` and ``&`` with the same rule as Django's ``json_script``, so a
hostile title such as ``</script><script>alert(1)</script>`` cannot end the element.
"""

import json
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

SCHEMA_CONTEXT = "https://schema.org"

# The escapes of django.utils.html.json_script: inside <script>, "<", ">" and "&" could end
# the element or start markup, so they are written as JSON escapes.
JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld_dumps(data):
    """``data`` as JSON text that is safe inside a <script> element."""
    return json.dumps(data, cls=DjangoJSONEncoder).translate(JSON_SCRIPT_ESCAPES)


def json_ld_script(data):
    """A complete ``<script type="application/ld+json">`` element for ``data``."""
    return format_html(
        '<script type="application/ld+json">{}</script>', mark_safe(json_ld_dumps(data))
    )


def publisher(site_name):
    return {"@type": "Organization", "name": site_name}


def website(name, *, url, search_url):
    """schema.org WebSite with the site search (``search_url`` ends with "?q=")."""
    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "WebSite",
        "name": name,
        "url": url,
        "potentialAction": {
            "@type": "SearchAction",
            "target": f"{search_url}{{search_term_string}}",
            "query-input": "required name=search_term_string",
        },
    }


def breadcrumb_list(items):
    """BreadcrumbList from [(name, absolute url), ...], first to last (the page itself)."""
    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": url}
            for position, (name, url) in enumerate(items, start=1)
        ],
    }


def absolute_url(request, path):
    """``path`` (or "") as an absolute address on this site; the one place that builds them."""
    return request.build_absolute_uri(path) if path else ""


@dataclass(frozen=True)
class PageMeta:
    """What a page says about itself in <head>; every URL absolute."""

    title: str
    url: str
    description: str = ""
    og_type: str = "website"
    image: str = ""
    image_alt: str = ""
    prev_url: str = ""
    next_url: str = ""
    published_time: object = None  # article:published_time, a datetime
    modified_time: object = None
    robots: str = ""  # "noindex" for previews, "noindex, follow" for search results
    json_ld: list = field(default_factory=list)


def page_meta(
    request,
    *,
    title,
    path=None,
    url="",
    description="",
    og_type="website",
    image="",
    image_alt="",
    list_page=None,
    published_time=None,
    modified_time=None,
    robots="",
    breadcrumbs=(),
    json_ld=(),
):
    """A page's metadata.

    ``path`` is the canonical path (the request's path, without its query string, when neither
    it nor an absolute ``url`` is given); a paginated list passes its ``list_page``
    (civicsite/core/pagination.py) for its canonical and rel prev/next addresses instead;
    ``image`` is a path or URL. ``breadcrumbs`` are (name,
    path) pairs after Home, ending with the page itself; the last may have no path.
    """
    if list_page is not None:
        url = list_page.canonical_url
    url = url or absolute_url(request, path or request.path)
    blocks = list(json_ld)
    if breadcrumbs:
        items = [("Home", absolute_url(request, reverse("home")))]
        items += [
            (str(name), absolute_url(request, crumb_path) if crumb_path else url)
            for name, crumb_path in breadcrumbs
        ]
        blocks.append(breadcrumb_list(items))
    return PageMeta(
        title=str(title),
        url=url,
        description=str(description or ""),
        og_type=og_type,
        image=absolute_url(request, image),
        image_alt=image_alt if image else "",
        prev_url=list_page.prev_url if list_page else "",
        next_url=list_page.next_url if list_page else "",
        published_time=published_time,
        modified_time=modified_time,
        robots=robots,
        json_ld=blocks,
    )
