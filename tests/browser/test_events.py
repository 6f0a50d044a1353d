"""Issue 20 end to end: a candidate forum before and after, in real Chromium.

A reader finds the forum on the home, race and guide pages, opens it (with "Add to
calendar"), suggests a question; nothing is requested from the stream's host until the
reader presses play. An editor accepts the question in the admin, marks the forum held with
its recording and the question asked at 12:34; the reader then sees "Questions from readers".

Every request the browser makes is logged; any that is not to the live server on 127.0.0.1 is
aborted by Playwright before it leaves the machine (so the players' hosts are never
contacted), and the log shows none was even attempted before the click.

Screenshots (1280 and 390 px): tests/browser/screenshots/20-*.png; the requests of each
phase: tests/browser/screenshots/20-network.log.
"""

import datetime
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from articles.events.models import Event, GuideQuestionCall, ReaderQuestion
from candidates.models import Election, Questionnaire
from tests.articles.test_events import make_event
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOT_DIR
from tests.candidates.factories import make_candidacy, make_candidate, make_election, make_race

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-passphrase"
LOOPBACK = {"127.0.0.1", "localhost"}


def shoot(page, label):
    """Full-page screenshots at both widths, named for the issue: 20-<label>-<width>.png."""
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    for width, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        if width == "phone":
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{label}: {overflow}px of horizontal scroll at 390 px"
        page.screenshot(path=str(SCREENSHOT_DIR / f"20-{label}-{width}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def network(page):
    """Every request the page attempts, in order; anything off 127.0.0.1 is aborted."""
    log = []

    def route(route):
        host = urlsplit(route.request.url).hostname
        if host in LOOPBACK:
            route.continue_()
        else:
            route.abort("blockedbyclient")

    page.context.route("**/*", route)
    page.on("request", lambda request: log.append(request.url))
    return log


def off_machine(log):
    return [url for url in log if urlsplit(url).hostname not in LOOPBACK]


def save_network_log(sections):
    """The requests the browser attempted, phase by phase, beside the screenshots: the
    evidence that nothing went to the stream's host before the click."""
    lines = []
    for phase, log in sections:
        lines.append(f"## {phase}: {len(log)} requests, {len(off_machine(log))} off the machine")
        lines.extend(f"{'OFF ' if url in off_machine(log) else '    '}{url}" for url in log)
    (SCREENSHOT_DIR / "20-network.log").write_text("\n".join(lines) + "\n")


def test_a_reader_asks_an_editor_accepts_and_the_forum_page_shows_it_asked(
    live_server, page, network, csp_violations, settings
):
    settings.COMMENTS_MIN_SECONDS = 0  # the browser is faster than a person
    general = make_election(
        name="Fictional city general", date=timezone.localdate() + datetime.timedelta(days=2)
    )
    runoff = make_election(
        name="Fictional city runoff",
        kind=Election.Kind.RUNOFF,
        date=timezone.localdate() + datetime.timedelta(days=30),
        runoff_of=general,
    )
    race = make_race(election=runoff, status="upcoming")
    people = [make_candidate(name="Ada Fictional"), make_candidate(name="Ben Imaginary")]
    for person in people:
        make_candidacy(race, candidate=person)
    guide = Questionnaire.objects.create(race=race, title="Runoff voter guide", published=True)
    GuideQuestionCall.objects.create(questionnaire=guide)
    starts = timezone.localtime().replace(hour=10, minute=30, second=0, microsecond=0)
    forum = make_event(
        title="Runoff forum with Ada Fictional and Ben Imaginary",
        slug="runoff-forum",
        starts_at=starts + datetime.timedelta(days=8),
        ends_at=starts + datetime.timedelta(days=8, hours=1),
        host="Fictional Gazette",
        stream_url="https://www.twitch.tv/fictional_gazette",
        description="Both runoff candidates answer readers' questions. One hour, live.",
        races=[race],
        candidates=people,
    )
    get_user_model().objects.create_superuser("editor", "editor@example.org", PASSWORD)

    # The forum where readers look for it.
    for label, url in (("home", "/"), ("race", race.get_absolute_url())):
        page.goto(live_server.url + url)
        expect(page.get_by_role("heading", name="Coming up")).to_be_visible()
        expect(page.get_by_role("link", name=forum.title)).to_be_visible()
        shoot(page, label)
    page.goto(live_server.url + guide.get_absolute_url())
    expect(page.get_by_role("link", name=forum.title)).to_be_visible()
    expect(
        page.get_by_role("heading", name="Suggest a question for the candidates")
    ).to_be_visible()
    shoot(page, "guide")

    # Before the forum: the page, "Add to calendar", the stream as a placeholder.
    page.goto(live_server.url + forum.get_absolute_url())
    add = page.get_by_role("link", name="Add to calendar")
    expect(add).to_be_visible()
    assert add.get_attribute("href") == forum.get_calendar_url()
    calendar = page.request.get(live_server.url + forum.get_calendar_url())
    assert calendar.ok and b"BEGIN:VEVENT" in calendar.body()
    assert page.locator("iframe").count() == 0
    expect(page.get_by_role("link", name="Watch the live stream on Twitch")).to_be_visible()
    play = page.get_by_role("button", name="Play the live stream from Twitch")
    expect(play).to_be_visible()
    shoot(page, "event-before")
    page.wait_for_load_state("networkidle")
    before_click = list(network)
    assert off_machine(before_click) == [], before_click

    # The reader asks a question.
    trap = page.locator(".question-form__trap")
    assert trap.get_attribute("aria-hidden") == "true"
    page.get_by_label("Name").fill("Dana Reader")
    page.get_by_label("Email").fill("dana@example.org")
    page.get_by_label("Neighbourhood").fill("Kirkwood")
    page.get_by_label("Your question").fill("What will you do about the broken sidewalks?")
    page.get_by_role("button", name="Send question").click()
    expect(page.get_by_text("your question has reached the newsroom")).to_be_visible()
    expect(page.get_by_text("What will you do about the broken sidewalks?")).to_have_count(0)
    assert off_machine(network) == []

    # Only the click loads the player (its request is aborted here, never sent).
    page.get_by_role("button", name="Play the live stream from Twitch").click()
    frame = page.locator("iframe.stream-embed__player")
    expect(frame).to_have_count(1)
    host = urlsplit(live_server.url).hostname  # Twitch plays only under the page's host
    assert frame.get_attribute("src").startswith(
        f"https://player.twitch.tv/?channel=fictional_gazette&parent={host}"
    )
    page.wait_for_timeout(300)
    assert [urlsplit(url).hostname for url in off_machine(network)] == ["player.twitch.tv"]
    live_log = list(network)

    # The editor accepts it, then marks the forum held with its recording and the question asked.
    page.context.clear_cookies()
    page.goto(live_server.url + "/admin/login/?next=/admin/articles/readerquestion/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    question = ReaderQuestion.objects.get()
    assert question.status == ReaderQuestion.Status.PENDING
    page.locator(f'input[name="_selected_action"][value="{question.pk}"]').check()
    page.locator('select[name="action"]').select_option("accept")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("Accepted 1 question(s).")).to_be_visible()
    shoot(page, "admin-questions")

    page.goto(live_server.url + f"/admin/articles/event/{forum.pk}/change/")
    page.locator('select[name="status"]').select_option("held")
    page.locator('input[name="recording_url"]').fill("https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    page.locator('input[name="reader_questions-0-topic"]').fill("Streets and sidewalks")
    page.locator('input[name="reader_questions-0-asked"]').check()
    page.locator('input[name="reader_questions-0-recording_time"]').fill("00:12:34")
    page.locator('input[name="_save"]').click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    question.refresh_from_db()
    assert question.asked and question.recording_time == datetime.timedelta(minutes=12, seconds=34)
    assert Event.objects.get().sequence == 1  # calendars take the change

    # After the forum: the recording (a placeholder too) and the question, asked at 12:34.
    page.context.clear_cookies()
    network.clear()
    page.goto(live_server.url + forum.get_absolute_url())
    section = page.locator("#questions")
    expect(section.get_by_role("heading", name="Questions from readers")).to_be_visible()
    expect(section.get_by_role("heading", name="Streets and sidewalks")).to_be_visible()
    expect(section.get_by_text("What will you do about the broken sidewalks?")).to_be_visible()
    link = section.get_by_role("link", name="at 12:34 in the recording")
    assert link.get_attribute("href") == "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=754s"
    expect(page.get_by_role("button", name="Play the recording from YouTube")).to_be_visible()
    expect(page.get_by_role("link", name="Add to calendar")).to_have_count(0)
    assert "dana@example.org" not in page.content()
    shoot(page, "event-after")
    page.wait_for_load_state("networkidle")
    assert off_machine(network) == []
    page.get_by_role("button", name="Play the recording from YouTube").click()
    expect(page.locator("iframe.stream-embed__player")).to_have_count(1)
    page.wait_for_timeout(300)
    assert [urlsplit(url).hostname for url in off_machine(network)] == ["www.youtube-nocookie.com"]
    assert csp_violations == []
    save_network_log(
        [
            ("Before the forum, until the page settled (no click)", before_click),
            ("Then the question posted and Play pressed", live_log[len(before_click) :]),
            ("After the forum: the page, then Play the recording", list(network)),
        ]
    )
