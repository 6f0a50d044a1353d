"""The benchmark's ceiling: the fastest page the middleware stack can serve.

``make bench`` (scripts/bench.py) compares every page's requests per second with this one's,
measured in the same run: a constant HTML page of about 2 KB that touches neither the
database nor the page cache, so the ratio shows what a page costs beyond the stack itself.
It exists only when settings.BENCH_CEILING is on; otherwise the address is a 404.
"""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from civicsite.core.pagecache import skip_page_cache

CEILING_HTML = (
    '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
    "<title>Benchmark ceiling</title></head>\n<body><main>\n<h1>Benchmark ceiling</h1>\n"
    + "".join(
        f"<p>Line {n:02d}: a constant paragraph of plain text so the page weighs about 2 KB.</p>\n"
        for n in range(22)
    )
    + "</main></body>\n</html>\n"
)


@require_GET
@skip_page_cache
def ceiling(request):
    if not settings.BENCH_CEILING:
        raise Http404("The benchmark ceiling is off (BENCH_CEILING).")
    return HttpResponse(CEILING_HTML)
