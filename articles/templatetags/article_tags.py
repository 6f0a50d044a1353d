"""Small display helpers for the article templates (no queries)."""

from django import template

from articles import rendering
from articles.views import SECTION_OF_KIND

register = template.Library()


@register.filter
def section_slug(kind):
    """The section address slug for an article kind: "profile" -> "profiles"."""
    return SECTION_OF_KIND.get(kind, "")


@register.filter
def placed_in_body(figure, article):
    """Whether the article's body places ``figure`` ([figure: key]): then the page shows it
    there only, not a second time as the lead (articles/rendering.py, ``places``)."""
    return bool(figure) and rendering.places(article.body, "figure", figure.key)


@register.filter
def kinds_of(articles):
    """The kinds among ``articles`` (already loaded): a list links only to sections it shows
    a story of, so never to an empty one."""
    return {article.kind for article in articles}
