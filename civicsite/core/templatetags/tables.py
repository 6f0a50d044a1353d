"""Wide tables as a labelled, focusable, keyboard-scrollable region (no queries).

    {% load tables %}
    {% table_region "county-heading" %}<table>...</table>{% endtable_region %}
    {% table_region "results-caption-" race.pk %}...{% endtable_region %}  (parts joined)

A table wider than a phone scrolls sideways inside its region instead of widening the page.
The region is named by the element whose id is given (a heading or the table's caption) and
takes keyboard focus (tabindex="0"), so a keyboard user can scroll it with the arrow keys
(axe's "scrollable-region-focusable"). The visible cues, a shadow on the side with more and a
"Scroll sideways" hint, show only while the table overflows (civicsite/static/css/site.css).
Every table on the public pages is wrapped this way, here, once.
"""

from django import template
from django.utils.html import format_html

register = template.Library()

HINT = "Scroll sideways to see the whole table"


class TableRegionNode(template.Node):
    def __init__(self, nodelist, label_parts):
        self.nodelist = nodelist
        self.label_parts = label_parts

    def render(self, context):
        return format_html(
            '<div class="table-scroll" role="region" aria-labelledby="{}" tabindex="0">'
            '<p class="table-scroll__hint" aria-hidden="true">{}</p>{}</div>',
            "".join(str(part.resolve(context)) for part in self.label_parts),
            HINT,
            self.nodelist.render(context),
        )


@register.tag
def table_region(parser, token):
    """{% table_region label_id ... %} ... {% endtable_region %}: the parts, joined, are the
    id of the element (heading or caption) whose text labels the region."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"{bits[0]} needs the id of the region's label")
    nodelist = parser.parse(("endtable_region",))
    parser.delete_first_token()
    return TableRegionNode(nodelist, [parser.compile_filter(bit) for bit in bits[1:]])
