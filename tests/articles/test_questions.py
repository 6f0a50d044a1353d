"""Readers' questions: the form on the event page and the voter guide, the comments' defences
(honeypot, signed time, flood, duplicates, same origin), moderation and what readers see.

Time moves with time-machine: the signed form time must be COMMENTS_MIN_SECONDS old, so each
post is sent a few seconds after its form was "served".
"""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from articles.comments import make_form_token
from articles.events import questions as services
from articles.events.forms import question_form_token
from articles.events.models import Event, GuideQuestionCall, ReaderQuestion
from candidates.models import Question, Questionnaire
from tests.articles.test_events import make_event
from tests.candidates.factories import make_race

pytestmark = pytest.mark.django_db

START = datetime.datetime(2031, 10, 1, 15, 0, tzinfo=datetime.UTC)
READER_IP = "203.0.113.20"


@pytest.fixture(autouse=True)
def _question_settings(settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.EDITORS_EMAIL = ["desk@example.org"]


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def forum(clock):
    return make_event(title="Runoff forum", slug="runoff-forum", races=[make_race()])


@pytest.fixture
def guide(clock):
    questionnaire = Questionnaire.objects.create(
        race=make_race(), title="Runoff voter guide", published=True
    )
    GuideQuestionCall.objects.create(questionnaire=questionnaire, note="Send them by Oct. 15.")
    return questionnaire


def fields(target, **extra):
    return {
        "name": "Dana Reader",
        "email": "Dana@Example.org",
        "neighbourhood": "Kirkwood",
        "text": "How will you fix the sidewalks on our street?",
        "url_confirm": "",
        "form_token": question_form_token(target),
        **extra,
    }


def post(client, target, clock, *, wait=5, ip=READER_IP, headers=None, **extra):
    data = fields(target, **extra)
    clock.shift(datetime.timedelta(seconds=wait))
    if isinstance(target, Event):
        url = reverse("articles:event-question", kwargs={"slug": target.slug})
    else:
        race = target.race
        url = reverse(
            "articles:guide-question",
            kwargs={"election_slug": race.election.slug, "slug": race.slug},
        )
    return client.post(url, data, REMOTE_ADDR=ip, **(headers or {}))


def test_a_question_is_held_for_the_editors_and_the_reader_is_told(
    client, forum, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, forum, clock)
    assert response.status_code == 302 and response["Location"] == forum.get_absolute_url()
    question = ReaderQuestion.objects.get()
    assert question.status == ReaderQuestion.Status.PENDING
    assert question.email == "dana@example.org" and question.ip_address == READER_IP
    page = client.get(forum.get_absolute_url()).content.decode()
    assert "your question has reached the newsroom" in page
    assert "How will you fix the sidewalks" not in page
    assert "dana@example.org" not in page.lower()
    (message,) = mail.outbox
    assert message.to == ["desk@example.org"] and "sidewalks" in message.body
    assert f"/admin/articles/readerquestion/{question.pk}/change/" in message.body


def test_accepted_questions_show_only_after_the_event_with_where_they_were_answered(
    client, forum, clock
):
    post(client, forum, clock)
    question = ReaderQuestion.objects.get()
    services.question_accept(questions=ReaderQuestion.objects.all())
    assert "sidewalks" not in client.get(forum.get_absolute_url()).content.decode()
    guide = Questionnaire.objects.create(
        race=forum.races.get(), title="Runoff guide", published=True
    )
    guide_question = Question.objects.create(
        questionnaire=guide, text="Sidewalks?", short_label="Streets"
    )
    ReaderQuestion.objects.filter(pk=question.pk).update(
        topic="Streets", guide_question=guide_question
    )
    services.question_mark_asked(questions=ReaderQuestion.objects.all())
    forum.status = Event.Status.HELD
    forum.save()
    page = client.get(forum.get_absolute_url()).content.decode()
    assert "Questions from readers" in page and "Streets" in page
    assert "How will you fix the sidewalks on our street?" in page
    assert "Dana Reader</bdi>, <bdi>Kirkwood" in page
    assert "Asked at the candidate forum" in page
    assert f'href="{guide.get_absolute_url()}#question-{guide_question.pk}"' in page
    assert "dana@example.org" not in page.lower()
    services.question_decline(questions=ReaderQuestion.objects.all())
    assert "sidewalks on our street" not in client.get(forum.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "extra",
    [
        {"url_confirm": "https://spam.example"},  # the honeypot
        {"form_token": "tampered"},
        {"form_token": make_form_token(1)},  # an article's comment token
    ],
)
def test_hidden_checks_refuse_with_one_message_and_write_nothing(client, forum, clock, extra):
    response = post(client, forum, clock, **extra)
    assert response.status_code == 400
    assert "Please confirm your question" in response.content.decode()
    assert not ReaderQuestion.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("text", "\u200b", "Please write your question."),  # zero-width space
        ("text", " \u2060\ufeff\u200d \n\u202e ", "Please write your question."),
        ("name", "\u200b\u200c", "Please give a name."),
    ],
)
def test_a_question_or_name_of_only_invisible_characters_is_refused(
    client, forum, clock, field, value, message
):
    response = post(client, forum, clock, **{field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReaderQuestion.objects.exists()


def test_invisible_joiners_inside_a_name_are_kept(client, forum, clock):
    """Persian writes some words with a zero-width non-joiner: only text of nothing but
    invisible characters is refused."""
    assert post(client, forum, clock, name="Mehr\u200cnaz Reader").status_code == 302
    assert ReaderQuestion.objects.get().name == "Mehr\u200cnaz Reader"


def test_a_form_sent_back_too_fast_or_after_a_day_is_refused(client, forum, clock):
    assert post(client, forum, clock, wait=1).status_code == 400
    assert post(client, forum, clock, wait=60 * 60 * 24 + 5).status_code == 400
    assert not ReaderQuestion.objects.exists()


def test_a_duplicate_is_refused_with_409_and_the_flood_limit_with_429(
    client, forum, clock, settings
):
    assert post(client, forum, clock).status_code == 302
    duplicate = post(client, forum, clock)
    assert duplicate.status_code == 409
    assert "Duplicate question" in duplicate.content.decode()
    settings.COMMENTS_FLOOD_SECONDS = 15
    assert post(client, forum, clock, text="A second question?").status_code == 302
    flooded = post(client, forum, clock, text="A third question?", email="other@example.org")
    assert flooded.status_code == 429
    assert "too quickly" in flooded.content.decode()
    # X-Forwarded-For written by the client changes nothing (no trusted proxies).
    spoofed = post(
        client,
        forum,
        clock,
        text="A fourth?",
        email="x@example.org",
        headers={"HTTP_X_FORWARDED_FOR": "198.51.100.9"},
    )
    assert spoofed.status_code == 429
    assert ReaderQuestion.objects.count() == 2


def test_a_post_from_another_site_is_refused(client, forum, clock):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = post(strict, forum, clock, headers={"HTTP_ORIGIN": "https://evil.example"})
    assert response.status_code == 403
    assert not ReaderQuestion.objects.exists()


def test_a_closed_or_cancelled_event_takes_no_questions(client, forum, clock):
    forum.questions_open = False
    forum.save()
    assert "Suggest a question" not in client.get(forum.get_absolute_url()).content.decode()
    assert post(client, forum, clock).status_code == 403
    forum.questions_open = True
    forum.questions_close_at = START + datetime.timedelta(seconds=2)
    forum.save()
    assert post(client, forum, clock).status_code == 403
    assert not ReaderQuestion.objects.exists()


def test_the_form_stays_open_after_the_event_for_follow_up_questions(client, forum, clock):
    forum.status = Event.Status.HELD
    forum.starts_at = START - datetime.timedelta(days=2)
    forum.save()
    assert "Send a follow-up question" in client.get(forum.get_absolute_url()).content.decode()
    assert post(client, forum, clock).status_code == 302


def test_a_blocklisted_question_is_filed_as_spam_and_nobody_is_emailed(client, forum, clock):
    assert post(client, forum, clock, text="Cheap viagra here?").status_code == 302
    assert ReaderQuestion.objects.get().status == ReaderQuestion.Status.SPAM
    assert mail.outbox == []


def test_the_voter_guide_takes_questions_while_its_call_is_open(client, guide, clock):
    page = client.get(guide.get_absolute_url()).content.decode()
    assert "Suggest a question for the candidates" in page and "Send them by Oct. 15." in page
    response = post(client, guide, clock)
    assert response.status_code == 302 and response["Location"] == guide.get_absolute_url()
    question = ReaderQuestion.objects.get()
    assert question.questionnaire == guide and question.event is None
    # The event form's token is not the guide's.
    forum = make_event(races=[guide.race])
    other_token = question_form_token(forum)
    assert post(client, guide, clock, text="Other?", form_token=other_token).status_code == 400
    GuideQuestionCall.objects.filter(questionnaire=guide).update(is_open=False)
    assert "Suggest a question" not in client.get(guide.get_absolute_url()).content.decode()
    closed = post(client, guide, clock, text="Too late?")
    assert closed.status_code == 403 and "closed" in closed.content.decode()
    assert ReaderQuestion.objects.count() == 1


def test_an_unpublished_guide_or_one_without_a_call_takes_no_questions(client, guide, clock):
    guide.published = False
    guide.save()
    assert post(client, guide, clock).status_code == 404
    other = Questionnaire.objects.create(race=make_race(), title="No call", published=True)
    assert "Suggest a question" not in client.get(other.get_absolute_url()).content.decode()
    assert post(client, other, clock).status_code == 404


def test_a_guide_question_cannot_be_marked_asked(guide):
    from django.core.exceptions import ValidationError

    question = ReaderQuestion(questionnaire=guide, name="A", email="a@example.org", text="Q?")
    question.asked = True
    with pytest.raises(ValidationError):
        question.full_clean()
    assert services.question_mark_asked(questions=ReaderQuestion.objects.all()) == 0


def test_editors_mark_questions_asked_from_the_admin_list(client, forum, clock):
    post(client, forum, clock)
    from django.contrib.auth import get_user_model

    admin_client = client
    admin_client.force_login(
        get_user_model().objects.create_superuser("desk", "desk@example.org", "pw")
    )
    question = ReaderQuestion.objects.get()
    url = reverse("admin:articles_readerquestion_changelist")
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"action": "mark_asked", "_selected_action": [question.pk]})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.asked and question.status == ReaderQuestion.Status.ACCEPTED
