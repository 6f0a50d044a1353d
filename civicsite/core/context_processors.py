from django.conf import settings
from django.utils.functional import SimpleLazyObject


def site(request):
    """Site-wide values every template may use; no queries here (it runs on every page).

    ``page_address``: this page's absolute address without its query string, for pages that
    state no canonical address of their own. Never the full address: a stored page is shared by
    requests whose queries differ in parameters the view does not read (core/pagekeys.py).
    Lazy, so a page that does not print it never reads the Host header.
    """
    return {
        "SITE_NAME": settings.SITE_NAME,
        "DEMO_BANNER": settings.DEMO_BANNER,
        "page_address": SimpleLazyObject(lambda: request.build_absolute_uri(request.path)),
    }
