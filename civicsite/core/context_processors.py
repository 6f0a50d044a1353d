from django.conf import settings


def site(request):
    """Site-wide values every template may use; no queries here (it runs on every page)."""
    return {"SITE_NAME": settings.SITE_NAME, "DEMO_BANNER": settings.DEMO_BANNER}
