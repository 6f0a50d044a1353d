"""Hostile input through the readers' question forms (event page and voter guide).

For every post: never a 5xx; a refused post writes no row; an accepted one is stored as plain
text (escaped once, only <p>, <br> and nofollow links added), and once accepted and shown on
the page after the event it has nothing live in it (tests/hostile/inert.py); a refused one
draws the page again, with the reader's text, inert.
"""

import itertools
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from articles.events.forms import question_form_token
from articles.events.models import Event, GuideQuestionCall, ReaderQuestion
from candidates.models import Questionnaire
from tests.articles.test_events import make_event
from tests.candidates.factories import make_race
from tests.hostile.inert import assert_inert, injected
from tests.hostile.payloads import PAYLOADS
from tests.hostile.strategies import hostile_settings, hostile_text, payload

pytestmark = pytest.mark.django_db

_serial = itertools.count()
TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)")


@pytest.fixture(autouse=True)
def _fast_questions(settings):
    # Timing and flood have their own tests (tests/articles/test_questions.py).
    settings.COMMENTS_MIN_SECONDS = 0
    settings.COMMENTS_FLOOD_SECONDS = 0


@pytest.fixture
def forum(db):
    # Held, so accepted questions are shown on the page; the form stays open for follow-ups.
    return make_event(
        title="District 5 runoff forum",
        status=Event.Status.HELD,
        recording_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        races=[make_race()],
    )


def page(client, url):
    cache.clear()
    response = client.get(url)
    assert response.status_code == 200
    return response


def send(client, url, target, fields):
    data = {
        "name": "Dana Reader",
        "email": f"dana{next(_serial)}@example.org",
        "neighbourhood": "",
        "text": f"What about the sidewalks ({next(_serial)})?",
        "url_confirm": "",
        "form_token": question_form_token(target),
        **fields,
    }
    cache.clear()
    return client.post(url, data, REMOTE_ADDR="203.0.113.30")


def check_post(client, forum, fields, baseline, count_case):
    url = reverse("articles:event-question", kwargs={"slug": forum.slug})
    before = ReaderQuestion.objects.count()
    response = send(client, url, forum, fields)
    assert response.status_code < 500, (fields, response.status_code)
    count_case("stored" if response.status_code == 302 else f"refused {response.status_code}")
    if response.status_code != 302:
        assert response.status_code in (400, 409, 429), fields
        assert ReaderQuestion.objects.count() == before, f"a refused post wrote a row: {fields!r}"
        assert_inert(response, baseline, payload=fields)
        return None
    assert ReaderQuestion.objects.count() == before + 1
    question = ReaderQuestion.objects.latest("pk")
    assert question.status in (ReaderQuestion.Status.PENDING, ReaderQuestion.Status.SPAM)
    ReaderQuestion.objects.filter(pk=question.pk).update(
        status=ReaderQuestion.Status.ACCEPTED, asked=True, topic=question.name[:100]
    )
    assert not injected(question.text_html), (fields, question.text_html)
    assert set(TAG.findall(question.text_html)) <= {"p", "br", "a"}, question.text_html
    shown = page(client, forum.get_absolute_url())
    assert "Questions from readers" in shown.content.decode()
    assert_inert(shown, baseline, payload=fields)
    question.delete()
    return question


def test_every_known_payload_in_each_question_field_is_stored_as_text_or_refused(
    client, forum, count_case
):
    baseline = page(client, forum.get_absolute_url()).content.decode()
    for number, value in enumerate(PAYLOADS):
        # Every payload in the name, neighbourhood and text (mostly stored, shown again as
        # text); every other one in the email too (refused: the form is drawn again with it).
        fields = {
            "name": value,
            "neighbourhood": value,
            "text": f"Why {value} and https://x.org/{value}?",
        }
        if number % 2:
            fields["email"] = value
        check_post(client, forum, fields, baseline, count_case)


def test_generated_questions_are_stored_as_text_or_refused_and_never_run(client, forum, count_case):
    baseline = page(client, forum.get_absolute_url()).content.decode()
    question_fields = st.fixed_dictionaries(
        {},
        optional={
            "name": hostile_text,
            "email": st.one_of(hostile_text, payload.map(lambda p: f"{p}@example.org")),
            "neighbourhood": hostile_text,
            "text": hostile_text,
            "url_confirm": st.one_of(st.just(""), hostile_text),
            "form_token": st.one_of(st.just(question_form_token(forum)), hostile_text),
        },
    )

    @hostile_settings
    @given(fields=question_fields)
    def check(fields):
        stored = check_post(client, forum, fields, baseline, count_case)
        if stored is not None and fields.get("url_confirm"):
            pytest.fail(f"a filled honeypot was accepted: {fields!r}")

    check()


def test_hostile_questions_on_the_voter_guide_form_never_give_a_5xx(client, count_case):
    guide = Questionnaire.objects.create(race=make_race(), title="Guide", published=True)
    GuideQuestionCall.objects.create(questionnaire=guide)
    race = guide.race
    url = reverse(
        "articles:guide-question", kwargs={"election_slug": race.election.slug, "slug": race.slug}
    )
    baseline = page(client, url).content.decode()

    @hostile_settings
    @given(name=hostile_text, text=hostile_text, neighbourhood=hostile_text)
    def check(name, text, neighbourhood):
        before = ReaderQuestion.objects.count()
        response = send(
            client, url, guide, {"name": name, "text": text, "neighbourhood": neighbourhood}
        )
        assert response.status_code < 500
        count_case("stored" if response.status_code == 302 else f"refused {response.status_code}")
        if response.status_code == 302:
            assert ReaderQuestion.objects.count() == before + 1
            ReaderQuestion.objects.filter(questionnaire=guide).delete()
        else:
            assert ReaderQuestion.objects.count() == before
            assert_inert(response, baseline, payload=(name, text))

    check()
