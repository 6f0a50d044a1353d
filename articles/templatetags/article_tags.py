"""Small display helpers for the article templates (no queries)."""

from django import template

from articles.views import SECTION_OF_KIND
from civicsite.core.metadata import json_ld_script

register = template.Library()


@register.filter
def section_slug(kind):
    """The section address slug for an article kind: "profile" -> "profiles"."""
    return SECTION_OF_KIND.get(kind, "")


@register.filter
def json_ld(data):
    """A schema.org JSON-LD block; the one implementation lives in civicsite/core/metadata.py."""
    return json_ld_script(data)
