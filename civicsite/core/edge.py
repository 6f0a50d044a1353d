"""The edge cache in front of the site (Varnish, deploy/varnish.vcl.template): what to drop.

Readers' pages are kept by Varnish for the max-age the site sends. So that a change shows at
once rather than a minute later, every public page carries its tags in an ``xkey`` header (the
page cache's tags, civicsite/core/pagetags.py, plus ``all``), and each time the page cache is
emptied -- wholly or for some tags -- the site sends ``PURGE`` with ``xkey-purge: <tags>`` to
every address in EDGE_PURGE_URLS. Varnish soft-purges: a purged page is stale at once and kept
for its grace, so one request fetches it again while the others get the last copy.

A purge that fails (Varnish restarting) is logged, never raised: the site's own page cache is
already current, and Varnish's copies expire within their max-age.
"""

import logging
import urllib.error
import urllib.request

from django.conf import settings

log = logging.getLogger(__name__)

ALL_PAGES = "all"
TAGS_HEADER = "xkey"
PURGE_TIMEOUT_SECONDS = 1


def is_on():
    return bool(settings.EDGE_PURGE_URLS)


def tag_response(response, tags):
    """Name ``tags`` (and ``all``) on a public response, for the edge cache's purges."""
    if is_on():
        response[TAGS_HEADER] = " ".join([ALL_PAGES, *sorted(tags)])


def purge(tags):
    """Drop the edge cache's pages carrying any of ``tags`` (``[ALL_PAGES]``: every page)."""
    if not is_on() or not tags:
        return
    for url in settings.EDGE_PURGE_URLS:
        request = urllib.request.Request(
            url, method="PURGE", headers={"xkey-purge": " ".join(sorted(tags))}
        )
        try:
            with urllib.request.urlopen(request, timeout=PURGE_TIMEOUT_SECONDS):
                pass
        except (urllib.error.URLError, OSError) as error:
            log.warning("edge cache purge of %s at %s failed: %s", sorted(tags), url, error)
