import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """A plain 503 page, not a traceback, when the database cannot be reached.

    Outermost, so it also covers the session and authentication middleware. Only connection
    failures are caught (OperationalError, InterfaceError); a bug in a query still surfaces
    as a 500 and reaches the logs as one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        except (OperationalError, InterfaceError) as exc:
            return self.unavailable(exc)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            return self.unavailable(exception)
        return None

    def unavailable(self, exc):
        logger.error("Database unavailable: %s", exc)
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        response["Cache-Control"] = "no-store"
        return response
