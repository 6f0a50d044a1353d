"""The voter-guide admin: questionnaire pages, the answer grid and the completion view."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from candidates.models import Answer, Question, Questionnaire
from tests.candidates.factories import make_candidacy, make_race

pytestmark = pytest.mark.django_db


@pytest.fixture
def questionnaire():
    race = make_race()
    guide = Questionnaire.objects.create(race=race, title="Fictional guide", max_words=10)
    for n in (1, 2):
        Question.objects.create(questionnaire=guide, order=n, text=f"Question {n}?")
    for name in ("Ada Fictional", "Ben Fictional", "Cy Fictional"):
        make_candidacy(race, name=name)
    return guide


def make_staff(*codenames, username="desk"):
    user = get_user_model().objects.create_user(
        username, password="a-long-passphrase", is_staff=True
    )
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def editor_client(client):
    client.force_login(make_staff("view_questionnaire", "change_questionnaire"))
    return client


def answers_url(guide):
    return reverse("admin:candidates_questionnaire_answers", args=[guide.pk])


def completion_url(guide):
    return reverse("admin:candidates_questionnaire_completion", args=[guide.pk])


def grid_data(guide, entries):
    """POST data for the grid: entries maps candidacy -> {order: text} or "dnr"."""
    questions = list(guide.questions.order_by("order"))
    data = {}
    for candidacy in guide.race.candidacies.all():
        prefix = f"c{candidacy.pk}"
        entry = entries.get(candidacy, {})
        if entry == "dnr":
            data[f"{prefix}-did_not_respond"] = "on"
            entry = {}
        data[f"{prefix}-received_on"] = "2021-10-12"
        for question in questions:
            data[f"{prefix}-q{question.pk}"] = entry.get(question.order, "")
    return data


def test_the_grid_saves_every_candidates_answers_in_one_post(editor_client, questionnaire):
    ada, ben, cy = questionnaire.race.candidacies.order_by("ballot_order")
    response = editor_client.get(answers_url(questionnaire))
    assert response.status_code == 200
    assert "Ada Fictional" in response.content.decode()

    data = grid_data(questionnaire, {ada: {1: "Fix the *roads*.", 2: "Parks."}, ben: {1: "Yes."}})
    response = editor_client.post(answers_url(questionnaire), data)
    assert response.status_code == 302
    saved = {(a.candidacy_id, a.question.order): a for a in Answer.objects.all()}
    assert set(saved) == {(ada.pk, 1), (ada.pk, 2), (ben.pk, 1)}
    assert saved[(ada.pk, 1)].text_html == "<p>Fix the <em>roads</em>.</p>"
    assert saved[(ada.pk, 1)].received_on == datetime.date(2021, 10, 12)
    assert not Answer.objects.filter(candidacy=cy).exists()  # no answer on file, no row

    # Saving again with one answer cleared removes it: back to "no answer on file".
    data = grid_data(questionnaire, {ada: {1: "Fix the *roads*.", 2: ""}, ben: {1: "Yes."}})
    editor_client.post(answers_url(questionnaire), data)
    assert not Answer.objects.filter(candidacy=ada, question__order=2).exists()
    assert Answer.objects.count() == 2


def test_an_answer_over_the_word_limit_is_refused_and_nothing_is_saved(
    editor_client, questionnaire
):
    ada, ben, _cy = questionnaire.race.candidacies.order_by("ballot_order")
    data = grid_data(questionnaire, {ada: {1: "Short."}, ben: {2: "word " * 12}})
    response = editor_client.post(answers_url(questionnaire), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "This answer has 12 words; the limit is 10." in html
    assert "Nothing was saved" in html
    assert Answer.objects.count() == 0
    ben_form = response.context["forms"][1]
    assert list(ben_form.errors) == [f"q{questionnaire.questions.get(order=2).pk}"]


def test_did_not_respond_marks_every_question_so(editor_client, questionnaire):
    _ada, _ben, cy = questionnaire.race.candidacies.order_by("ballot_order")
    editor_client.post(answers_url(questionnaire), grid_data(questionnaire, {cy: "dnr"}))
    statuses = list(Answer.objects.filter(candidacy=cy).values_list("status", flat=True))
    assert statuses == [Answer.Status.DID_NOT_RESPOND] * 2
    # The grid shows the box ticked when reopened.
    response = editor_client.get(answers_url(questionnaire))
    assert response.context["forms"][2]["did_not_respond"].value() is True


def test_did_not_respond_with_answers_typed_is_a_form_error(editor_client, questionnaire):
    ada, *_ = questionnaire.race.candidacies.order_by("ballot_order")
    data = grid_data(questionnaire, {ada: {1: "An answer."}})
    data[f"c{ada.pk}-did_not_respond"] = "on"
    response = editor_client.post(answers_url(questionnaire), data)
    assert response.status_code == 200
    assert "Clear them or untick" in response.content.decode()
    assert Answer.objects.count() == 0


def test_the_completion_view_shows_answered_did_not_respond_and_missing(
    editor_client, questionnaire
):
    ada, ben, _cy = questionnaire.race.candidacies.order_by("ballot_order")
    editor_client.post(
        answers_url(questionnaire), grid_data(questionnaire, {ada: {1: "A.", 2: "B."}, ben: "dnr"})
    )
    response = editor_client.get(completion_url(questionnaire))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("guide-completion__cell--answered") == 2
    assert html.count("guide-completion__cell--no_response") == 2
    assert html.count("guide-completion__cell--missing") == 2
    assert "Answered: 2; Did not respond: 2; No answer on file: 2." in html


def test_the_change_page_links_the_grid_and_completion(editor_client, questionnaire):
    url = reverse("admin:candidates_questionnaire_change", args=[questionnaire.pk])
    html = editor_client.get(url).content.decode()
    assert answers_url(questionnaire) in html
    assert completion_url(questionnaire) in html


@pytest.mark.parametrize("answered", [1, 3])
def test_the_changelist_shows_completion_in_a_constant_number_of_queries(
    client, django_assert_max_num_queries, answered
):
    """Prevents a query per row for the race, election, office or the completion count."""
    client.force_login(
        get_user_model().objects.create_superuser("chief", "c@example.org", "a-long-passphrase")
    )
    for n in range(answered):
        race = make_race()
        guide = Questionnaire.objects.create(race=race, title=f"Guide {n}")
        question = Question.objects.create(questionnaire=guide, text="Q?")
        candidacies = [make_candidacy(race) for _ in range(5)]
        for candidacy in candidacies[:3]:
            Answer.objects.create(question=question, candidacy=candidacy, text="A.")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:candidates_questionnaire_changelist"))
    assert response.content.decode().count("3 of 5 answered") == answered


def test_anonymous_users_are_sent_to_the_login_page(client, questionnaire):
    for url in (answers_url(questionnaire), completion_url(questionnaire)):
        response = client.get(url)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_staff_without_change_questionnaire_get_403_and_save_nothing(client, questionnaire):
    client.force_login(make_staff("view_questionnaire"))
    assert client.get(answers_url(questionnaire)).status_code == 403
    assert client.get(completion_url(questionnaire)).status_code == 403
    ada, *_ = questionnaire.race.candidacies.order_by("ballot_order")
    response = client.post(answers_url(questionnaire), grid_data(questionnaire, {ada: {1: "x"}}))
    assert response.status_code == 403
    assert Answer.objects.count() == 0


def test_the_grid_refuses_a_post_without_a_csrf_token(questionnaire):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff("view_questionnaire", "change_questionnaire"))
    ada, *_ = questionnaire.race.candidacies.order_by("ballot_order")
    response = client.post(answers_url(questionnaire), grid_data(questionnaire, {ada: {1: "x"}}))
    assert response.status_code == 403
    assert Answer.objects.count() == 0


def test_an_unknown_questionnaire_redirects_with_a_message(editor_client):
    response = editor_client.get(reverse("admin:candidates_questionnaire_answers", args=[9999]))
    assert response.status_code == 302


def test_the_add_page_renders_with_race_autocomplete_and_question_inline(editor_client):
    editor_client.force_login(
        get_user_model().objects.create_superuser("chief", "c@example.org", "a-long-passphrase")
    )
    response = editor_client.get(reverse("admin:candidates_questionnaire_add"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "admin-autocomplete" in html
    assert "questions-TOTAL_FORMS" in html
