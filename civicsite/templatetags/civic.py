from django import template

from civicsite.formatting import ap_date as format_ap_date

register = template.Library()


@register.filter
def ap_date(value, with_year=True):
    """{{ election.date|ap_date }} -> "Nov. 30, 2021"; {{ d|ap_date:False }} -> "Nov. 30"."""
    if not value:
        return ""
    return format_ap_date(value, with_year=with_year)
