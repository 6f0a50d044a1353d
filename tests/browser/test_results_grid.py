"""The results grid as the desk uses it (issue 18): totals and the majority sentence follow the
figures before anything is saved, publishing asks to confirm on its own page, and "Mark final"
appears once every precinct is in. Also the admin home's "Waiting for you".

Names and figures are invented for this test (no real candidates)."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from candidates.models import Race, VoteCount
from tests.candidates.factories import make_candidacy, make_office, make_race, make_unit

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-passphrase"
VOTES = {"Fulton": [500, 450, 300], "DeKalb": [300, 250, 200]}
PRECINCTS = {"Fulton": 8, "DeKalb": 6}
CANDIDATES = ["Ann Able", "Bo Baker", "Cy Carter"]


def test_the_grid_totals_confirms_and_marks_final(live_server, page, screenshot, csp_violations):
    get_user_model().objects.create_superuser("editor", "editor@example.org", PASSWORD)
    race = make_race(
        office=make_office(name="Springfield City Council District 2"),
        status=Race.Status.COUNTING,
        expected_units=2,
    )
    for county, total in PRECINCTS.items():
        make_unit(race, county, precincts_total=total, precincts_reporting=0)
    for order, name in enumerate(CANDIDATES, start=1):
        make_candidacy(race, name=name, ballot_order=order)
    base = live_server.url

    page.goto(base + "/admin/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    waiting = page.get_by_role("region", name="Waiting for you")
    expect(waiting).to_contain_text("0 comments waiting for moderation")
    screenshot("admin-home")

    page.goto(base + f"/admin/candidates/race/{race.pk}/results/")
    for county, counts in VOTES.items():
        for name, votes in zip(CANDIDATES, counts, strict=True):
            page.get_by_label(f"Votes for {name} in {county}").fill(str(votes))
        page.get_by_label(f"Precincts reporting in {county}").fill("4")

    # Totals and the sentence as typed, before any save.
    expect(page.locator("[data-grand-total]")).to_have_text("2,000")
    expect(page.locator("tr", has_text="Ann Able").locator("[data-row-total]")).to_have_text("800")
    preview = page.locator("#results-preview")
    expect(preview).to_contain_text("A majority of the 2,000 votes counted so far is 1,001")
    expect(preview).to_contain_text("needs 201 more votes for a majority")
    expect(page.locator("#results-mark-final")).to_be_hidden()
    assert not VoteCount.objects.exists()
    screenshot("grid-typed")

    # Every precinct in: "Mark final" appears; it goes through the confirmation page.
    for county, total in PRECINCTS.items():
        page.get_by_label(f"Precincts reporting in {county}").fill(str(total))
    mark_final = page.get_by_role("button", name="Mark final and review")
    expect(mark_final).to_be_visible()
    mark_final.click()
    expect(page.get_by_role("heading", name=re.compile("Publish these figures"))).to_be_visible()
    expect(page.locator(".results-changes")).to_contain_text("Unofficial final")
    expect(page.locator(".results-check-module")).to_contain_text("Advances to runoff")
    assert not VoteCount.objects.exists()  # asked, not saved
    screenshot("confirm")

    page.get_by_role("button", name="Publish these figures").click()
    expect(page.locator(".messagelist")).to_contain_text("Results saved")
    race.refresh_from_db()
    assert race.status == Race.Status.UNOFFICIAL_FINAL
    assert VoteCount.objects.count() == 6
    expect(page.locator("#results-mark-final")).to_have_count(1)
    expect(page.locator("#results-mark-final")).to_be_hidden()  # final already
    screenshot("published")
    assert csp_violations == []
