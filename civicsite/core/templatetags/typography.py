"""Display typography (no queries).

    {% load typography %}
    {{ candidacy.display_name|curly_quotes }}

Used wherever a candidate's name is displayed (civicsite/core/typography.py says why).
"""

from django import template

from civicsite.core import typography

register = template.Library()


@register.filter(is_safe=True)
def curly_quotes(value):
    """Straight quotes as typographic ones, for plain text (a name), not for HTML. It adds
    no HTML character, so the value stays exactly as safe (or as unsafe, and escaped on
    output) as it came in."""
    if not isinstance(value, str):
        return value
    return typography.curly_quotes(value)
