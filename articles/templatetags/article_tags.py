"""Small display helpers for the article templates (no queries)."""

from django import template

from articles.views import SECTION_OF_KIND

register = template.Library()


@register.filter
def section_slug(kind):
    """The section address slug for an article kind: "profile" -> "profiles"."""
    return SECTION_OF_KIND.get(kind, "")
