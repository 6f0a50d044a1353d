"""Staff sign-in and the review of contributors' edits, in Chromium (issue 19).

A contributor's change to a candidate's bio waits; an editor signs in for the first time,
sets up an authenticator app (the test computes its codes from the stored secret, as the
phone would), keeps the recovery codes, applies the edit, and signs in again with a recovery
code. A reader sees the old bio until the editor applies the new one.

Names and text are invented for this test. Screenshots: tests/browser/screenshots/19-*.png.
"""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from civicsite.roles import CONTRIBUTOR, EDITOR
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOT_DIR
from tests.candidates.factories import make_candidate
from tests.civicsite.test_roles import member_of

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-passphrase"  # member_of's


def shoot(page, label):
    """Full-page screenshots at both widths, named for the issue: 19-<label>-<width>.png."""
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    for width, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        if width == "phone":
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{label}: {overflow}px of horizontal scroll at 390 px"
        page.screenshot(path=str(SCREENSHOT_DIR / f"19-{label}-{width}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def sign_in(page, base_url, username):
    page.goto(base_url + "/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_an_editor_sets_up_two_factor_sign_in_and_applies_a_contributors_edit(
    live_server, page, settings, csp_violations
):
    settings.TWO_FACTOR_REQUIRED = True
    member_of(CONTRIBUTOR, "writer")
    editor = member_of(EDITOR, "editor")
    candidate = make_candidate(name="Ann Able", slug="ann-able", bio="Runs a bakery on Main St.")
    base = live_server.url
    profile_url = base + candidate.get_absolute_url()

    # A contributor's edit waits; the reader still sees the published bio.
    sign_in(page, base, "writer")
    expect(page.get_by_role("heading", name="Election desk")).to_be_visible()
    page.goto(base + f"/admin/candidates/candidate/{candidate.pk}/change/")
    expect(page.get_by_text("waits for an editor's review")).to_be_visible()
    page.get_by_label("Bio").fill("Runs a bakery on Main St. and chairs the library board.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Your changes to “Ann Able” wait for an editor")).to_be_visible()
    shoot(page, "contributor-edit-waits")
    page.context.clear_cookies()
    reader = page.context.browser.new_page()  # a reader of its own, with its own HTTP cache
    reader.goto(profile_url)
    expect(reader.get_by_text("Runs a bakery on Main St.", exact=True)).to_be_visible()
    expect(reader.get_by_text("library board")).to_have_count(0)
    reader.close()

    # The editor's first sign-in: password, then setting up the app.
    sign_in(page, base, "editor")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.locator("svg.segno title")).to_have_text("QR code for your authenticator app")
    shoot(page, "setup")
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    page.get_by_label("Code from the app").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in is on")).to_be_visible()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".two-factor__codes code").all_inner_texts()
    assert len(codes) == 10
    shoot(page, "recovery-codes")
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name="Election desk")).to_be_visible()

    # The review: readers' version against the proposal, then Apply.
    page.goto(base + "/admin/civicsite/pendingedit/")
    page.get_by_role("link", name="Ann Able").click()
    expect(page.get_by_text("Readers see now", exact=True)).to_be_visible()
    shoot(page, "review")
    page.get_by_role("button", name="Apply: readers see it now").click()
    expect(
        page.get_by_text("Applied: readers now see “Ann Able” with these changes.")
    ).to_be_visible()
    reader = page.context.browser.new_page()
    reader.goto(profile_url)
    expect(reader.get_by_text("chairs the library board")).to_be_visible()
    reader.close()
    page.context.clear_cookies()

    # Next time: password, then a recovery code (the phone is elsewhere).
    sign_in(page, base, "editor")
    expect(page.get_by_role("heading", name="Second step")).to_be_visible()
    shoot(page, "second-step")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("You signed in with a recovery code; 9 left.")).to_be_visible()
    expect(page.get_by_role("heading", name="Election desk")).to_be_visible()
    assert csp_violations == []
