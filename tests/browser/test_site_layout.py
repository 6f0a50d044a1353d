import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_and_404_pages_render_at_desktop_and_phone_widths(
    live_server, page, screenshot, csp_violations
):
    page.goto(live_server.url + "/")
    assert page.locator("h1").first.is_visible()
    assert page.get_by_role("navigation", name="Main").is_visible()
    screenshot("home")

    response = page.goto(live_server.url + "/no-such-page/")
    assert response.status == 404
    assert page.get_by_role("heading", name="We could not find that page").is_visible()
    screenshot("404")
    assert csp_violations == []


def test_phone_width_has_no_horizontal_scroll(live_server, page):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server.url + "/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_editor_can_sign_in_to_the_admin_under_the_csp(live_server, page, csp_violations):
    get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-passphrase")
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("heading", name="Election desk").is_visible()
    assert csp_violations == []
