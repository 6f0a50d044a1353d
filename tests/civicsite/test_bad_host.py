"""A request for a host the site does not serve gets the site's 400 page, never a 500 (issue 19).

Django refuses the Host header the first time anything asks for it (``request.get_host()``,
``build_absolute_uri``): the SSL redirect, the page cache's key, the CSRF check. The 400 page
is then drawn for the same request, so it must not ask again (templates/400.html extends
base.html, which prints no absolute address once the page overrides ``page_meta``).
Production posture throughout: DEBUG off, HTTPS redirect on.
"""

import io
import wsgiref.util

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.template.loader import render_to_string
from django.test import RequestFactory, override_settings

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("production_posture"),
]

PATHS = [
    "/",
    "/admin/",
    "/admin/login/",
    "/search/?q=runoff",
    "/feeds/latest/",
    "/sitemap.xml",
    "/robots.txt",
    "/healthz",
    "/candidates/",
    "/no-such-page/",
]
BAD_HOSTS = ["evil.example", "example.org.evil.example", "evil.example:443", "[::1", "a b", "-"]


@pytest.fixture
def production_posture():
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["example.org"], SECURE_SSL_REDIRECT=True):
        yield


def assert_site_400(status, body):
    assert status == 400
    html = body.decode()
    assert "We could not understand that request" in html
    assert 'class="masthead' in html  # the site's design, not a bare error
    assert "evil.example" not in html  # the refused host is not written back


@pytest.mark.parametrize("path", PATHS)
def test_an_unknown_host_gets_the_400_page_through_the_test_client(client, path):
    for method in ("get", "head", "post"):
        response = getattr(client, method)(path, HTTP_HOST="evil.example")
        assert response.status_code == 400, method
        assert response["Content-Type"] == "text/html; charset=utf-8"
        if method != "head":
            assert_site_400(response.status_code, response.content)


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_malformed_and_lookalike_hosts_get_the_400_page(client, host):
    response = client.get("/", HTTP_HOST=host, secure=True)
    assert_site_400(response.status_code, response.content)


def test_the_allowed_host_is_still_served(client):
    assert client.get("/", HTTP_HOST="example.org", secure=True).status_code == 200


def call_wsgi(path, host):
    """The WSGI handler gunicorn calls, with the environ a server builds from the request."""
    environ = {"PATH_INFO": path, "HTTP_HOST": host, "wsgi.input": io.BytesIO(b"")}
    wsgiref.util.setup_testing_defaults(environ)
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"], started["headers"] = status, dict(headers)

    body = b"".join(WSGIHandler()(environ, start_response))
    return started["status"], started["headers"], body


@pytest.mark.parametrize("path", ["/", "/admin/", "/feeds/latest/"])
def test_an_unknown_host_gets_the_400_page_through_the_wsgi_handler(path):
    status, headers, body = call_wsgi(path, "evil.example")
    assert status.startswith("400 ")
    assert headers["Content-Type"].startswith("text/html")
    assert_site_400(400, body)


def test_the_400_template_never_asks_for_the_host():
    """Rendered for a request whose Host is refused: reading it would raise DisallowedHost."""
    request = RequestFactory().get("/", HTTP_HOST="evil.example")
    html = render_to_string("400.html", request=request)
    assert "We could not understand that request" in html
