"""The page-metadata filter (no queries): any dict as a schema.org JSON-LD block.

    {% load metadata %}
    {{ data|json_ld }}

Pages get their canonical address, Open Graph tags and JSON-LD from the PageMeta their view
builds (civicsite/core/metadata.py), printed by templates/includes/page_meta.html.
"""

from django import template

from civicsite.core import metadata

register = template.Library()


@register.filter
def json_ld(data):
    """A schema.org JSON-LD block, escaped for <, > and & (civicsite/core/metadata.py)."""
    return metadata.json_ld_script(data)
