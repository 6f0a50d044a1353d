import pytest
from django.template.loader import render_to_string

from tests.civicsite.test_settings import run_manage


@pytest.mark.django_db
def test_home_page_answers_with_the_site_layout(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert '<nav class="site-nav" aria-label="Main">' in html


@pytest.mark.django_db
def test_unknown_address_gets_the_friendly_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_500_page_renders_without_a_request_context():
    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html


@pytest.mark.django_db
def test_demo_banner_shows_only_when_switched_on(client, settings):
    assert "demo-banner" not in client.get("/").content.decode()
    settings.DEMO_BANNER = True
    assert "demo-banner" in client.get("/").content.decode()


@pytest.mark.django_db
def test_healthz_reports_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"  # each part: tests/civicsite/test_healthz.py


def test_healthz_reports_503_when_the_database_is_unreachable():
    # A real server process whose database is a closed port on this machine.
    code = (
        "from django.test import RequestFactory; from civicsite.views import healthz; "
        "print(healthz(RequestFactory().get('/healthz')).status_code)"
    )
    result = run_manage(
        "shell",
        "--verbosity",
        "0",
        "-c",
        code,
        DEBUG="1",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/nowhere",
    )
    assert result.stdout.strip() == "503", result.stderr


def test_robots_txt_is_plain_text(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
