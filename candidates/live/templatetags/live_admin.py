"""The admin home's notice for the election desk: held pulls and sources gone quiet."""

from django import template

from candidates.live.models import Pull
from candidates.live.services import sources_stale

register = template.Library()


@register.inclusion_tag("admin/live/desk_notice.html", takes_context=True)
def live_desk_notice(context):
    """Two queries, for staff who may see pulls; nothing for anyone else."""
    user = context["request"].user
    if not user.has_perm("live.view_pull"):
        return {"held": 0, "stale": []}
    return {"held": Pull.objects.held().count(), "stale": sources_stale()}
