"""Election night in a real browser (issue 16): the race page updates itself in place as new
figures are imported, after the desk's call and once final; the embed is framed by a partner
origin on the allow-list and refused for one that is not. Screenshots (16-*.png) at 1280 and
390 px in tests/browser/screenshots/.

Figures go in through the importer (candidates.importing.import_results), the one door for
figures the feed poller uses too. The county split of the seed's totals is invented (see
tests/candidates/factories.py, DISTRICT_5_2021)."""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from candidates.calls import call_race
from candidates.embeds import snippet_height
from candidates.importing import import_results
from candidates.models import Candidacy, Candidate, Election, EmbedOrigin, Office, Race
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOT_DIR

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = ["Samuel Bacote", "Liliana Bakhtiari", "Katie Kissell", "Mandy Mahoney", "Doug Williams"]
FINAL = {"DeKalb": [600, 1700, 300, 650, 200], "Fulton": [1252, 3434, 548, 1244, 442]}
PRECINCTS = {"DeKalb": 6, "Fulton": 8}
JSON_PATH = re.compile(r"/elections/.+\.json$")


def shoot(page, label):
    """16-<label>-desktop.png and 16-<label>-phone.png, full page."""
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    for width_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOT_DIR / f"16-{label}-{width_name}.png"), full_page=True)
        if width_name == "phone":
            assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), label
    page.set_viewport_size(DESKTOP)


def results_csv(counties):
    """{county: (share of its final votes, precincts reporting)} as an OpenElections file."""
    lines = ["county,office,candidate,votes,precincts_reporting,precincts_total"]
    for county, (part, reporting) in counties.items():
        for name, votes in zip(NAMES, FINAL[county], strict=True):
            lines.append(
                f"{county},Atlanta City Council District 5,{name},{int(votes * part)},"
                f"{reporting},{PRECINCTS[county]}"
            )
    return "\n".join(lines) + "\n"


@pytest.fixture
def night(settings):
    settings.RESULTS_REFRESH_SECONDS = 1  # the server's interval: short, for the test
    election = Election.objects.create(
        name="Atlanta municipal general (rehearsal)", date=timezone.localdate()
    )
    office = Office.objects.create(
        name="Atlanta City Council District 5", body="Atlanta City Council", district="5"
    )
    race = Race.objects.create(
        election=election,
        office=office,
        expected_units=2,
        expected_votes=10400,
        expected_votes_basis="turnout in the 2017 general plus new registrations",
    )
    for order, name in enumerate(NAMES, start=1):
        Candidacy.objects.create(
            race=race, candidate=Candidate.objects.create(name=name), ballot_order=order
        )
    return race


def json_polls(page):
    """The race JSON responses the page receives, as statuses, in order."""
    seen = []
    page.on("response", lambda r: seen.append(r.status) if JSON_PATH.search(r.url) else None)
    return seen


def set_visibility(page, state):
    page.evaluate(
        """state => {
            Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )


def test_the_race_page_updates_in_place_while_counting_after_a_call_and_once_final(
    live_server, page, browser, csp_violations, night
):
    import_results(results_csv({"DeKalb": (0.1, 1), "Fulton": (0.05, 0)}), election=night.election)
    polls = json_polls(page)
    page.goto(live_server.url + night.get_absolute_url())
    page.evaluate("window.sameDocument = true")  # gone if the page reloads
    # The first precinct in: votes, no shares yet, saying why.
    expect(page.get_by_text("Shares are shown once 10% of precincts are reporting")).to_be_visible()
    shoot(page, "race-first-precinct")
    # Nothing new: the second poll carries the first one's ETag and is answered 304.
    with page.expect_response(lambda r: JSON_PATH.search(r.url) and r.status == 304):
        pass

    # New figures arrive through the importer: the page changes in place.
    import_results(results_csv({"DeKalb": (0.6, 4), "Fulton": (0.5, 4)}), election=night.election)
    threshold = page.locator('[data-live-text="threshold"]')
    expect(threshold).to_have_text(
        "A majority of the 5,530 votes counted so far is 2,766; Bakhtiari has 2,737 and needs "
        "29 more votes for a majority.",
        timeout=10_000,
    )
    assert page.evaluate("window.sameDocument") is True
    expect(page.get_by_text("Shares are shown once")).to_be_hidden()
    expect(
        page.locator('[data-live-row="liliana-bakhtiari"] [data-live-field="share"]').first
    ).to_have_text("49.49%")
    expect(page.locator('[data-live-text="precincts"]').first).to_have_text("8 of 14 precincts")
    expect(page.locator('[data-live-text="counties"]')).to_have_text("2 of 2")
    expect(page.locator("[data-live-announce]")).to_have_text(
        "Atlanta City Council District 5: Leading: Liliana Bakhtiari, 49.49%, by 1,725 votes. "
        "8 of 14 precincts reporting."
    )
    shoot(page, "race-counting")

    # A hidden tab does not poll; it catches up when it is shown again.
    set_visibility(page, "hidden")
    page.wait_for_timeout(1300)  # a poll already on its way may land
    while_hidden = len(polls)
    page.wait_for_timeout(1500)  # more than the longest interval (1 s + 20% jitter)
    assert len(polls) == while_hidden
    with page.expect_response(lambda r: JSON_PATH.search(r.url)):
        set_visibility(page, "visible")

    # The desk calls the runoff: labels and the "Called by" line appear in place.
    desk = get_user_model().objects.create_user("desk", password="a-long-passphrase")
    call_race(
        race=night,
        outcome="runoff",
        candidacies=night.candidacies.filter(candidate__name__in=NAMES[1:4:2]),
        user=desk,
        note="Nobody can reach a majority with the ballots left.",
    )
    call_line = page.locator("p.call-line")
    expect(call_line).to_have_text(
        re.compile(r"^Called by civicsite at \d{1,2}:\d\d [ap]\.m\.$"), timeout=10_000
    )
    expect(
        page.locator('[data-live-row="mandy-mahoney"] .results__outcome-col .outcome')
    ).to_have_text("Advances to runoff (called)")
    expect(page.locator('[data-live-text="status"]').first).to_have_text(
        "Called; counting continues"
    )
    assert page.evaluate("window.sameDocument") is True
    shoot(page, "race-called")

    # The final figures: the rule decides, the call agrees, polling stops.
    import_results(
        results_csv({"DeKalb": (1, 6), "Fulton": (1, 8)}), election=night.election, final=True
    )
    expect(threshold).to_have_text(
        "A majority needed 5,186 of 10,370 votes; Bakhtiari was 52 short, so the top two meet "
        "in a runoff.",
        timeout=10_000,
    )
    expect(
        page.locator('[data-live-row="mandy-mahoney"] .results__outcome-col .outcome')
    ).to_have_text("Advances to runoff")
    expect(page.locator('[data-live-text="status"]').first).to_have_text("Unofficial final")
    expect(page.locator(".county-status")).to_be_hidden()
    assert page.evaluate("window.sameDocument") is True
    after_final = len(polls)
    page.wait_for_timeout(1500)
    assert len(polls) == after_final  # refresh: null, the script stopped
    shoot(page, "race-final")
    assert csp_violations == []

    # With scripts off the page reads the same, with its "as of" time.
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(live_server.url + night.get_absolute_url())
    expect(plain.get_by_text("Last updated")).to_be_visible()
    expect(plain.get_by_text("Bakhtiari was 52 short")).to_be_visible()
    context.close()


def test_a_race_with_a_row_per_county_updates_in_place_too(live_server, page, settings):
    """More counties than candidates: the table has a row per county (a statewide race), and
    the script fills the same keyed cells, each county's total and each candidate's."""
    settings.RESULTS_REFRESH_SECONDS = 1
    election = Election.objects.create(name="Statewide general", date=timezone.localdate())
    office = Office.objects.create(name="Public Service Commission District 1")
    race = Race.objects.create(election=election, office=office, expected_units=6)
    for order, name in enumerate(["Ada Fictional", "Ben Imaginary"], start=1):
        Candidacy.objects.create(
            race=race, candidate=Candidate.objects.create(name=name), ballot_order=order
        )
    counties = [f"County {letter}" for letter in "ABCDEF"]

    def figures(scale):
        lines = ["county,office,candidate,votes,precincts_reporting,precincts_total"]
        for i, county in enumerate(counties):
            for name, base in (("Ada Fictional", 100), ("Ben Imaginary", 60)):
                lines.append(f"{county},{office.name},{name},{(base + i) * scale},{2 * scale},4")
        return "\n".join(lines) + "\n"

    import_results(figures(1), election=election)
    page.goto(live_server.url + race.get_absolute_url())
    page.evaluate("window.sameDocument = true")
    table = page.locator("table.county-table--rows")
    expect(table.locator("tbody tr")).to_have_count(6)
    ada = Candidate.objects.get(name="Ada Fictional").slug
    expect(table.locator(f'[data-live-votes="{ada}"]')).to_have_text("615")

    import_results(figures(2), election=election)
    expect(table.locator(f'[data-live-votes="{ada}"]')).to_have_text("1,230", timeout=10_000)
    last = race.reporting_units.get(name="County F")
    expect(table.locator(f'[data-live-cell="{ada}:{last.pk}"]')).to_have_text("210")
    expect(table.locator(f'[data-live-unit="{last.pk}:total"]')).to_have_text("340")
    expect(table.locator(f'[data-live-unit="{last.pk}:precincts"]')).to_have_text(
        "4 of 4 precincts"
    )
    assert page.evaluate("window.sameDocument") is True


class _Partner(BaseHTTPRequestHandler):
    """A partner's article page on another loopback origin, framing our results box."""

    frame_url = ""

    def do_GET(self):
        body = (
            "<!doctype html><html lang=en><title>Partner News</title><h1>Partner News</h1>"
            "<p>Our election coverage, with results from civicsite:</p>"
            # The admin snippet's size (candidates/embeds.py), with a border to see the frame.
            f'<iframe src="{self.frame_url}" title="Results" width="100%" '
            f'height="{snippet_height(len(NAMES))}" '
            'style="border:1px solid #ccc;max-width:40rem"></iframe>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def partner_sites(live_server, night):
    """Two partner pages on 127.0.0.1 (other ports, so other origins than the live server)."""
    import_results(results_csv({"DeKalb": (0.6, 4), "Fulton": (0.5, 4)}), election=night.election)
    handler = type(
        "Partner",
        (_Partner,),
        {
            "frame_url": live_server.url
            + reverse(
                "candidates:embed-race",
                kwargs={"election_slug": night.election.slug, "slug": night.slug},
            )
        },
    )
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), handler) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield [f"http://127.0.0.1:{server.server_address[1]}" for server in servers]
    for server in servers:
        server.shutdown()
        server.server_close()


def test_the_embed_shows_on_a_listed_partner_site_and_is_refused_on_another(page, partner_sites):
    listed, unlisted = partner_sites
    EmbedOrigin.objects.create(origin=listed, name="Partner News")
    console = []
    page.on("console", lambda message: console.append(message.text))

    page.goto(listed)
    box = page.frame_locator("iframe")
    expect(box.get_by_role("link", name="Full results at civicsite")).to_be_visible()
    expect(box.get_by_text("needs 29 more votes for a majority")).to_be_visible()
    assert (
        box.get_by_role("link", name="Full results at civicsite").get_attribute("target") == "_top"
    )
    # At the snippet's height the whole box shows, down to its link back, at both widths.
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        frame = page.locator("iframe").bounding_box()
        link = box.get_by_role("link", name="Full results at civicsite").bounding_box()
        assert link["y"] + link["height"] <= frame["y"] + frame["height"], (size, link, frame)
    page.set_viewport_size(DESKTOP)
    shoot(page, "embed-allowed")

    page.goto(unlisted)
    page.wait_for_timeout(500)
    # Chromium refuses to show the frame (the policy names only the listed origin).
    expect(box.get_by_role("link", name="Full results at civicsite")).to_have_count(0)
    assert any("frame-ancestors" in message for message in console), console
    shoot(page, "embed-refused")
