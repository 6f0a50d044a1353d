"""The results desk end to end: an editor builds a race in the admin, enters county results in
the grid, calls it unofficial final, and a reader sees the outcome on the public race page.

Names and figures are invented for this test (no real candidates)."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from candidates.models import Race

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-passphrase"
CANDIDATES = ["Ann Able", "Bo Baker", "Cy Carter"]
# county -> votes in ballot order. Totals 800 / 700 / 500 of 2,000: nobody has a majority,
# so the top two advance to a runoff and the third loses.
VOTES = {"Fulton": [500, 450, 300], "DeKalb": [300, 250, 200]}
PRECINCTS = {"Fulton": 8, "DeKalb": 6}


def pick_autocomplete(page, select_id, text):
    """Choose ``text`` in a Django admin autocomplete (Select2) widget."""
    page.locator(f"#{select_id} + .select2-container").click()
    page.locator(".select2-container--open .select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def sign_in(page, base_url):
    page.goto(base_url + "/admin/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Election desk")).to_be_visible()


def test_editor_enters_county_results_and_a_reader_sees_the_outcome(
    live_server, page, screenshot, csp_violations
):
    get_user_model().objects.create_superuser("editor", "editor@example.org", PASSWORD)
    base = live_server.url
    sign_in(page, base)

    # Candidates first, one after another with "Save and add another".
    page.goto(base + "/admin/candidates/candidate/add/")
    for name in CANDIDATES:
        page.get_by_label("Name:", exact=True).fill(name)
        page.get_by_label("Name:", exact=True).press("Tab")  # prepopulate listens for change
        expect(page.locator("#id_slug")).to_have_value(name.lower().replace(" ", "-"))
        page.get_by_role("button", name="Save and add another").click()
        expect(page.locator(".messagelist")).to_contain_text(name)

    page.goto(base + "/admin/candidates/office/add/")
    page.get_by_label("Name:", exact=True).fill("Springfield City Council District 2")
    page.get_by_label("Body:").fill("Springfield City Council")
    page.get_by_label("District:").fill("2")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # The election, with its race added inline.
    page.goto(base + "/admin/candidates/election/add/")
    page.get_by_label("Name:", exact=True).fill("Springfield municipal general election")
    page.locator("#id_date").fill("2025-11-04")
    page.locator("#id_date").press("Tab")
    expect(page.locator("#id_slug")).to_have_value(
        "2025-11-04-springfield-municipal-general-election"
    )
    page.get_by_label("Kind:").select_option("general")
    pick_autocomplete(page, "id_races-0-office", "District 2")
    page.locator("#id_races-0-status").select_option("counting")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # The race's own page: three candidacies and two counties.
    page.locator("#races-0 a.inlinechangelink").click()
    expect(page.get_by_role("link", name="Enter results")).to_be_visible()
    for index, name in enumerate(CANDIDATES):
        if index:
            page.get_by_role("button", name="Add another Candidacy").click()
        pick_autocomplete(page, f"id_candidacies-{index}-candidate", name)
        page.locator(f"#id_candidacies-{index}-ballot_order").fill(str(index + 1))
    for index, (county, total) in enumerate(PRECINCTS.items()):
        if index:
            page.get_by_role("button", name="Add another County").click()
        page.locator(f"#id_reporting_units-{index}-name").fill(county)
        page.locator(f"#id_reporting_units-{index}-precincts_total").fill(str(total))
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    screenshot("admin-race-page")

    # The results grid.
    page.get_by_role("link", name="Enter results").click()
    expect(page.get_by_role("heading", name=re.compile("Enter results"))).to_be_visible()
    for county, counts in VOTES.items():
        for name, votes in zip(CANDIDATES, counts, strict=True):
            page.get_by_label(f"Votes for {name} in {county}").fill(str(votes))
        page.get_by_label(f"Precincts reporting in {county}").fill(str(PRECINCTS[county]))
    page.get_by_label("Race status").select_option("unofficial_final")
    page.get_by_role("button", name="Review and publish").click()  # the confirmation page
    page.get_by_role("button", name="Publish these figures").click()
    expect(page.locator(".messagelist")).to_contain_text("Results saved")
    check = page.locator("table.results-check")
    expect(check).to_contain_text("2,000")
    expect(check.locator("tr", has_text="Ann Able")).to_contain_text("Advances to runoff")
    screenshot("admin-results-grid")

    race = Race.objects.select_related("election").get()
    assert race.status == Race.Status.UNOFFICIAL_FINAL
    assert race.results_updated_at is not None

    # A reader, signed out, sees the outcome on the public race page.
    page.context.clear_cookies()
    response = page.goto(base + race.get_absolute_url())
    assert response.status == 200
    rows = page.locator("table").first
    expect(rows.locator("tr", has_text="Ann Able")).to_contain_text("Advances to runoff")
    expect(rows.locator("tr", has_text="Bo Baker")).to_contain_text("Advances to runoff")
    expect(rows.locator("tr", has_text="Cy Carter")).to_contain_text("Lost")
    expect(rows.locator("tr", has_text="Ann Able")).to_contain_text("40.00%")
    screenshot("public-race-page")
    assert csp_violations == []
