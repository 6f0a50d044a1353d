"""Small display helpers for the article templates (no queries)."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles.views import SECTION_OF_KIND

register = template.Library()

# Inside <script>, "<", ">" and "&" could end the element or start markup: write them as
# JSON escapes (the same rule as Django's json_script).
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def section_slug(kind):
    """The section address slug for an article kind: "profile" -> "profiles"."""
    return SECTION_OF_KIND.get(kind, "")


@register.filter
def json_ld(data):
    """A schema.org JSON-LD block. It is data, not script, so the CSP does not block it."""
    text = json.dumps(data, cls=DjangoJSONEncoder).translate(_JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))
