from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.static import serve


@require_GET
def home(request):
    return render(request, "civicsite/home.html")


@require_GET
def robots_txt(request):
    lines = ["User-agent: *", "Disallow: /admin/", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain")


@never_cache
@require_GET
def healthz(request):
    """For a load balancer: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means this instance should not get traffic
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@require_GET
def serve_media(request, path):
    """Uploaded media for laptops and `make serve`; MEDIA_ROOT is read per request."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)
