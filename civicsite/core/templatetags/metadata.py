"""Template tags for page metadata: JSON-LD blocks and absolute addresses (no queries).

    {% load metadata %}
    {{ data|json_ld }}                                    any dict as a JSON-LD block
    {% breadcrumbs_ld "Elections" list_url race.election.name election_url race.office.name %}
    {% candidate_ld candidate %}   {% election_ld election %}
    {% absolute_uri figure.src as og_image %}

The breadcrumb tag takes (name, path) pairs; the last name may come without a path, in which
case it is the current page's canonical address (the request path without a query string).
"""

from django import template
from django.urls import reverse

from candidates.templatetags.results_tags import instagram_url, web_url, x_url
from civicsite.core import metadata

register = template.Library()


@register.filter
def json_ld(data):
    """A schema.org JSON-LD block, escaped for <, > and & (see civicsite/core/metadata.py)."""
    return metadata.json_ld_script(data)


@register.filter
def with_publisher(data, site_name):
    """A copy of a NewsArticle dict with the site as its publisher."""
    return {**data, "publisher": metadata.publisher(site_name)}


@register.simple_tag(takes_context=True)
def absolute_uri(context, path):
    """``path`` (or an empty string) as an absolute address on this site."""
    if not path:
        return ""
    return context["request"].build_absolute_uri(path)


@register.simple_tag(takes_context=True)
def breadcrumbs_ld(context, *names_and_paths):
    request = context["request"]
    pairs = list(names_and_paths)
    if len(pairs) % 2:
        pairs.append(request.path)
    items = [("Home", request.build_absolute_uri(reverse("home")))]
    items += [
        (str(name), request.build_absolute_uri(path))
        for name, path in zip(pairs[::2], pairs[1::2], strict=True)
    ]
    return metadata.json_ld_script(metadata.breadcrumb_list(items))


@register.simple_tag(takes_context=True)
def candidate_ld(context, candidate):
    request = context["request"]
    data = metadata.person(
        candidate,
        url=request.build_absolute_uri(candidate.get_absolute_url()),
        image_url=request.build_absolute_uri(candidate.photo.url) if candidate.photo else "",
        same_as=[
            web_url(candidate.website),
            x_url(candidate.x_handle),
            web_url(candidate.facebook_url),
            instagram_url(candidate.instagram_handle),
        ],
    )
    return metadata.json_ld_script(data)


@register.simple_tag(takes_context=True)
def election_ld(context, election):
    url = context["request"].build_absolute_uri(election.get_absolute_url())
    return metadata.json_ld_script(metadata.election_event(election, url=url))
