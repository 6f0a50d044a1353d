"""Results boxes that partner sites (and our own articles) put in an iframe.

``/embed/elections/<election>/<race>/`` is one race, ``/embed/elections/<election>/`` every
race of an election: small pages with no site chrome that read without JavaScript, refresh
themselves while a race is live (the race page's script, or a meta refresh in a <noscript>
when scripts are off), and link back to the full results in the top window.

Framing is allowed only here, and only for the origins editors list in the admin
(EmbedOrigin) plus our own pages: ``frame-ancestors 'self' <origins>`` through django-csp's
``csp_replace`` and no X-Frame-Options header (``xframe_options_exempt``). Every other page
keeps ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY`` (civicsite/settings.py).
Editing the list saves a row of this app, which empties the page cache, so a stored embed
never keeps an old policy.
"""

from functools import wraps

from csp.constants import SELF
from csp.decorators import csp_replace
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from candidates import queries, race_data
from candidates.models import Election, EmbedOrigin, Race

# Heights for the snippet editors copy (the box has no script to size its frame), measured
# in Chromium on a 376 px wide frame while counting, the tallest case: the heading, the state
# line, the lead and majority sentences, the expected vote and the table's head and foot take
# about 360 px, and a candidate's row, with its outcome under the name on a phone, 63 to 85.
# Wider frames keep some white space below the link back rather than cutting it off.
EMBED_BASE_HEIGHT = 360
EMBED_ROW_HEIGHT = 70


def snippet_height(candidate_count):
    """The frame height (px) that shows a race of ``candidate_count`` rows down to its link."""
    return EMBED_BASE_HEIGHT + EMBED_ROW_HEIGHT * candidate_count


def framable_by_partners(view):
    """Let the allow-listed origins (and our own pages) frame ``view``'s responses."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        ancestors = [SELF, *EmbedOrigin.objects.allowed()]
        allowed = csp_replace({"frame-ancestors": ancestors})(view)
        return xframe_options_exempt(allowed)(request, *args, **kwargs)

    return wrapped


@require_safe
@framable_by_partners
def embed_race(request, election_slug, slug):
    race = get_object_or_404(Race.objects.with_results(), election__slug=election_slug, slug=slug)
    page = queries.race_page(race)
    context = {"page": page, "race": race, "refresh": race_data.refresh_seconds(page.results)}
    return render(request, "candidates/embed_race.html", context)


@require_safe
@framable_by_partners
def embed_election(request, slug):
    election = get_object_or_404(Election, slug=slug)
    race_pages = queries.election_races(election)
    refreshes = [race_data.refresh_seconds(page.results) for page in race_pages]
    context = {
        "election": election,
        "race_pages": race_pages,
        "refresh": min((seconds for seconds in refreshes if seconds), default=None),
    }
    return render(request, "candidates/embed_election.html", context)


def race_snippet(request, race):
    """The iframe HTML an editor copies into a partner's page (the race admin shows it)."""
    url = request.build_absolute_uri(
        reverse(
            "candidates:embed-race",
            kwargs={"election_slug": race.election.slug, "slug": race.slug},
        )
    )
    return format_html(
        '<iframe src="{}" title="Results: {}" width="100%" height="{}" '
        'style="border:0;max-width:40rem" loading="lazy"></iframe>',
        url,
        race.heading,
        snippet_height(race.candidacies.count()),
    )
