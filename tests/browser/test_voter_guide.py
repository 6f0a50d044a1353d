"""The voter-guide issue end to end: an editor builds a guide in the admin, a reader compares.

The candidates are fictional. Screenshots: the guide at desktop and phone widths (full and
compared) and its print view, in tests/browser/screenshots/.
"""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from candidates.models import Answer, Election, Questionnaire
from tests.candidates.factories import make_candidacy, make_candidate, make_election, make_race

pytestmark = [
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "a-long-passphrase"


def placeholder_photo(initials, colour):
    """A generated stand-in portrait (demo images are made with Pillow, never real photos)."""
    image = Image.new("RGB", (240, 240), colour)
    ImageDraw.Draw(image).text((100, 110), initials, fill="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name=f"{initials.lower()}.png")


def make_race_with_candidates():
    election = make_election(
        name="Fictional city runoff",
        kind=Election.Kind.RUNOFF,
        date=datetime.date(2031, 11, 30),
    )
    race = make_race(election=election)
    people = [
        ("Ada Fictional", "https://ada.example.org/", ("AF", "#2a6f97")),
        ("Ben Imaginary", "https://ben.example.org/", None),
        ("Cy Madeup", "", ("CM", "#7a4a00")),
    ]
    for name, website, photo in people:
        candidate = make_candidate(name=name, website=website)
        if photo:
            candidate.photo.save(f"{photo[0]}.png", placeholder_photo(*photo))
            candidate.photo_alt = f"Illustration standing in for a photo of {name}"
            candidate.save()
        make_candidacy(race, candidate=candidate)
    return race


def test_an_editor_builds_a_guide_and_a_reader_compares_two_candidates(
    live_server, page, screenshot, csp_violations
):
    race = make_race_with_candidates()
    get_user_model().objects.create_superuser("editor", "editor@example.org", PASSWORD)

    # The editor signs in and creates the questionnaire with two questions.
    page.goto(live_server.url + "/admin/candidates/questionnaire/add/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.locator("#id_race").locator("xpath=..").locator(".select2-selection").click()
    page.locator(".select2-search__field").fill(race.office.name)
    page.locator(".select2-results__option", has_text=race.office.name).first.click()
    page.get_by_label("Title").fill("Fictional runoff voter guide")
    page.locator("#id_intro").fill("We asked every candidate the same two questions.")
    page.locator("#id_max_words").fill("50")
    page.locator("#id_method_note").fill("Questions sent by email; answers are unedited.")
    page.locator("#id_questions-0-order").fill("1")
    page.locator("#id_questions-0-short_label").fill("Transit")
    page.locator("#id_questions-0-text").fill("How would you improve bus service?")
    page.locator(".add-row a", has_text="Add another Question").click()
    page.locator("#id_questions-1-order").fill("2")
    page.locator("#id_questions-1-short_label").fill("Parks")
    page.locator("#id_questions-1-text").fill("What would you do for the district's parks?")
    page.get_by_role("button", name="Save and continue editing").click()
    questionnaire = Questionnaire.objects.get()
    assert questionnaire.questions.count() == 2 and not questionnaire.published

    # Answers for two candidates; the third is marked as not responding.
    page.get_by_role("link", name="Enter answers").click()
    ada, ben, cy = race.candidacies.order_by("ballot_order")
    q1, q2 = questionnaire.questions.order_by("order")
    page.locator(f"#id_c{ada.pk}-q{q1.pk}").fill("More frequent buses on the **main lines**.")
    page.locator(f"#id_c{ada.pk}-q{q2.pk}").fill("Shade trees and:\n\n- water fountains\n- lights")
    page.locator(f"#id_c{ada.pk}-received_on").fill("2031-10-20")
    page.locator(f"#id_c{ben.pk}-q{q1.pk}").fill("Dedicated bus lanes downtown.")
    page.locator(f"#id_c{cy.pk}-did_not_respond").check()
    page.get_by_role("button", name="Save answers").click()
    assert page.get_by_text("Answers saved").is_visible()
    assert Answer.objects.filter(candidacy=cy, status=Answer.Status.DID_NOT_RESPOND).count() == 2
    screenshot("admin-answer-grid")

    page.get_by_role("link", name="Completion").first.click()
    assert page.get_by_role("table", name="Answers on file").is_visible()
    screenshot("admin-completion")

    # Publish.
    page.goto(live_server.url + f"/admin/candidates/questionnaire/{questionnaire.pk}/change/")
    page.get_by_label("Published").check()
    page.get_by_role("button", name="Save", exact=True).click()
    questionnaire.refresh_from_db()
    assert questionnaire.published

    # A reader (signed out) reads the guide and compares two candidates.
    page.context.clear_cookies()
    guide_path = questionnaire.get_absolute_url()
    page.goto(live_server.url + guide_path)
    assert page.get_by_role("heading", name="Fictional runoff voter guide").is_visible()
    statuses = page.locator(".guide-answer__status")
    assert statuses.filter(has_text="Did not respond").count() == 2
    assert statuses.filter(has_text="No answer on file").count() == 1  # Ben, question 2
    screenshot("guide")

    page.get_by_label("First candidate").select_option(label="Ada Fictional")
    page.get_by_label("Second candidate").select_option(label="Cy Madeup")
    page.get_by_role("button", name="Compare").click()
    assert "compare=" in page.url
    assert page.get_by_text("Showing 2 of 3 candidates").is_visible()
    assert page.locator(".guide-answer", has_text="Ben Imaginary").count() == 0
    screenshot("guide-compare")

    page.goto(live_server.url + guide_path)
    page.emulate_media(media="print")
    assert not page.locator(".guide-compare").is_visible()
    assert not page.locator(".site-footer").is_visible()
    screenshot("guide-print")
    page.emulate_media(media="screen")
    assert csp_violations == []


def test_a_guide_with_six_candidates_wraps_at_four_per_row_and_stacks_on_phones(
    live_server, page, screenshot, csp_violations
):
    race = make_race(election=make_election(date=datetime.date(2031, 11, 4)))
    questionnaire = Questionnaire.objects.create(
        race=race, title="Six-way guide", published=True, random_order=True
    )
    question = questionnaire.questions.create(order=1, text="What is your first priority?")
    for n in range(6):
        candidacy = make_candidacy(race, name=f"Fictional Person {n + 1}", withdrawn=n == 4)
        if n % 3 != 2:
            Answer.objects.create(
                question=question,
                candidacy=candidacy,
                text="Repave the worst streets first and publish the list. " * (n + 1),
            )
    page.goto(live_server.url + questionnaire.get_absolute_url())
    assert page.get_by_text("Candidates appear in random order").is_visible()
    tops = page.locator(".guide-answer").evaluate_all(
        "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
    )
    assert len(set(tops)) == 2 and sorted(tops).count(min(tops)) == 4  # 4, then 2
    screenshot("guide-six")

    page.set_viewport_size({"width": 390, "height": 844})
    widths = page.locator(".guide-answer").evaluate_all(
        "els => els.map(e => Math.round(e.getBoundingClientRect().width))"
    )
    assert len(set(widths)) == 1  # one column on a phone
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert csp_violations == []


def test_the_demo_runoff_guide_reads_well(live_server, page, screenshot, csp_violations):
    demo = pytest.importorskip("candidates.demo")
    from candidates import demo_guides

    demo.load(stdout=io.StringIO(), verbosity=0)
    questionnaire = demo_guides.load(stdout=io.StringIO(), verbosity=0)
    page.goto(live_server.url + questionnaire.get_absolute_url())
    assert page.locator(".guide-answer__status", has_text="No answer on file").count() == 4
    assert page.locator(".guide-answer__status", has_text="Did not respond").count() == 0
    screenshot("demo-guide")
    assert csp_violations == []
