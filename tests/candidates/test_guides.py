"""Voter guides: the race guide page, the index, the Q&A helpers, word counts and demo content.

All people here are fictional except in the demo-content tests, which load the demo loader's
own data and check it invents nothing.
"""

import datetime
import random
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from candidates import demo_guides
from candidates.guides import (
    candidacy_answers,
    candidacy_qa,
    count_words,
    general_counterpart,
    runoff_counterpart,
    word_limit_error,
)
from candidates.models import Answer, Election, Question, Questionnaire
from civicsite.core.markup import render_light_markdown
from tests.candidates.factories import (
    make_candidacy,
    make_candidate,
    make_election,
    make_office,
    make_race,
)

pytestmark = pytest.mark.django_db


def make_guide(race=None, *, questions=2, published=True, **fields):
    race = race or make_race()
    questionnaire = Questionnaire.objects.create(
        race=race, title=fields.pop("title", "District guide"), published=published, **fields
    )
    for n in range(1, questions + 1):
        Question.objects.create(
            questionnaire=questionnaire, order=n, short_label=f"Topic {n}", text=f"Question {n}?"
        )
    return questionnaire


def answer(questionnaire, candidacy, text="An answer.", *, order=1, **fields):
    question = questionnaire.questions.get(order=order)
    return Answer.objects.create(question=question, candidacy=candidacy, text=text, **fields)


def guide_url(race, query=""):
    url = reverse(
        "candidates:race-guide", kwargs={"election_slug": race.election.slug, "slug": race.slug}
    )
    return url + query


@pytest.fixture
def guide():
    """A published guide: Ada answered, Ben did not respond, Cy has no answer on file."""
    race = make_race()
    questionnaire = make_guide(race, sent_on=datetime.date(2021, 10, 1), max_words=200)
    ada = make_candidacy(race, name="Ada Fictional")
    ben = make_candidacy(race, name="Ben Fictional")
    cy = make_candidacy(race, name="Cy Fictional")
    for order in (1, 2):
        answer(
            questionnaire,
            ada,
            f"Ada's **answer** {order}.",
            order=order,
            received_on=datetime.date(2021, 10, 12),
        )
        answer(questionnaire, ben, "", order=order, status=Answer.Status.DID_NOT_RESPOND)
    return questionnaire, ada, ben, cy


def shown_names(response):
    return [cell.candidacy.candidate.name for cell in response.context["page"].rows[0].cells]


# --- The race guide page ---------------------------------------------------------------------


def test_a_candidate_who_did_not_respond_is_shown_as_did_not_respond(client, guide):
    questionnaire, _ada, _ben, _cy = guide
    response = client.get(guide_url(questionnaire.race))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("Did not respond</p>") == 2  # one per question
    assert "<p>Ada's <strong>answer</strong> 1.</p>" in html


def test_a_candidate_with_no_answer_row_is_shown_as_no_answer_on_file_never_blank(client, guide):
    questionnaire, *_ = guide
    html = client.get(guide_url(questionnaire.race)).content.decode()
    assert html.count("No answer on file</p>") == 2
    assert 'class="guide-answer__text"></div>' not in html


def test_the_guide_shows_answers_in_ballot_order_with_received_dates_and_method(client, guide):
    questionnaire, *_ = guide
    Questionnaire.objects.filter(pk=questionnaire.pk).update(method_note="Sent by email.")
    response = client.get(guide_url(questionnaire.race))
    assert shown_names(response) == ["Ada Fictional", "Ben Fictional", "Cy Fictional"]
    html = response.content.decode()
    assert "Candidates appear in ballot order." in html
    assert "Received Oct. 12, 2021" in html
    assert "Sent by email." in html
    assert "limited to 200 words" in html


def test_the_guide_links_each_candidates_profile_and_website_and_marks_withdrawals(client, guide):
    questionnaire, ada, ben, _cy = guide
    ada.candidate.website = "https://ada.example.org/"
    ada.candidate.save()
    ben.withdrawn = True
    ben.save()
    html = client.get(guide_url(questionnaire.race)).content.decode()
    assert 'href="https://ada.example.org/"' in html
    assert f'href="{ada.candidate.get_absolute_url()}"' in html
    assert "Withdrawn" in html


def test_a_random_order_guide_says_so_and_shuffles_on_page_loads(client, guide):
    questionnaire, *_ = guide
    questionnaire.random_order = True
    questionnaire.save()
    random.seed(5)
    orders = set()
    for _ in range(20):
        response = client.get(guide_url(questionnaire.race))
        assert "Candidates appear in random order" in response.content.decode()
        names = shown_names(response)
        assert sorted(names) == ["Ada Fictional", "Ben Fictional", "Cy Fictional"]
        orders.add(tuple(names))
        # Every question shows the candidates in the same order on one page.
        rows = response.context["page"].rows
        assert [c.candidacy for c in rows[0].cells] == [c.candidacy for c in rows[1].cells]
    assert len(orders) > 1


def test_readers_get_404_for_an_unpublished_guide(client, guide):
    questionnaire, *_ = guide
    questionnaire.published = False
    questionnaire.save()
    assert client.get(guide_url(questionnaire.race)).status_code == 404


def test_readers_get_404_for_a_race_without_a_guide(client):
    race = make_race()
    assert client.get(guide_url(race)).status_code == 404


def test_staff_who_may_view_questionnaires_preview_an_unpublished_guide_behind_a_bar(client, guide):
    questionnaire, *_ = guide
    questionnaire.published = False
    questionnaire.save()
    staff = get_user_model().objects.create_user("desk", password="pw-long-enough", is_staff=True)
    client.force_login(staff)
    assert client.get(guide_url(questionnaire.race)).status_code == 404  # staff, no permission

    staff.user_permissions.add(Permission.objects.get(codename="view_questionnaire"))
    response = client.get(guide_url(questionnaire.race))
    assert response.status_code == 200
    assert "This voter guide is not published" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_published_guide_has_no_preview_bar(client, guide):
    questionnaire, *_ = guide
    assert "preview-bar" not in client.get(guide_url(questionnaire.race)).content.decode()


def test_the_compare_filter_shows_only_the_two_chosen_candidates(client, guide):
    questionnaire, ada, _ben, cy = guide
    response = client.get(guide_url(questionnaire.race, f"?compare={cy.pk}&compare={ada.pk}"))
    assert response.status_code == 200
    assert shown_names(response) == ["Ada Fictional", "Cy Fictional"]  # still ballot order
    html = response.content.decode()
    assert "Showing 2 of 3 candidates" in html
    assert f'<option value="{cy.pk}" selected>' in html
    assert '<meta name="robots" content="noindex">' in html


def test_an_empty_compare_choice_means_any_candidate(client, guide):
    questionnaire, ada, *_ = guide
    response = client.get(guide_url(questionnaire.race, f"?compare={ada.pk}&compare="))
    assert shown_names(response) == ["Ada Fictional"]
    response = client.get(guide_url(questionnaire.race, "?compare=&compare="))
    assert len(shown_names(response)) == 3


@pytest.mark.parametrize(
    "query",
    [
        "?compare=abc",
        "?compare=999999",
        "?compare=%00",
        "?compare=" + "9" * 10_000,
        "?compare=1%27%20OR%201=1",
        "?compare=%E2%80%AEevil",
    ],
)
def test_junk_compare_values_give_the_full_guide_with_a_message(client, guide, query):
    questionnaire, *_ = guide
    response = client.get(guide_url(questionnaire.race, query))
    assert response.status_code == 200
    assert len(shown_names(response)) == 3
    assert "We could not find that candidate in this guide" in response.content.decode()


def test_another_races_candidacy_cannot_be_compared(client, guide):
    questionnaire, ada, *_ = guide
    stranger = make_candidacy(make_race(), name="Dee Elsewhere")
    response = client.get(guide_url(questionnaire.race, f"?compare={ada.pk}&compare={stranger.pk}"))
    assert response.status_code == 200
    assert len(shown_names(response)) == 3
    assert "Dee Elsewhere" not in response.content.decode()


def test_comparing_three_candidates_is_refused_with_a_message(client, guide):
    questionnaire, ada, ben, cy = guide
    query = f"?compare={ada.pk}&compare={ben.pk}&compare={cy.pk}"
    response = client.get(guide_url(questionnaire.race, query))
    assert response.status_code == 200
    assert "Choose at most two candidates" in response.content.decode()


def test_hostile_answer_text_is_rendered_inert(client, guide):
    questionnaire, _ada, _ben, cy = guide
    hostile = (
        "<script>alert('x')</script> <img src=x onerror=alert(1)> "
        '[click](javascript:alert(1)) <a href="https://ok.example" onclick="evil()">ok</a> '
        "<style>body{display:none}</style><iframe src=//evil></iframe> <b onmouseover=x>b</b>"
    )
    answer(questionnaire, cy, hostile)
    html = client.get(guide_url(questionnaire.race)).content.decode()
    body = html.split('class="guide-answers"', 1)[1]
    for needle in ("<script", "onerror", "javascript:", "onclick", "<style", "<iframe", "<img"):
        assert needle not in body.lower()
    assert 'href="https://ok.example" rel="nofollow noopener"' in body


def test_the_light_markdown_allow_list_keeps_simple_formatting():
    html = render_light_markdown("*a* **b**\n\n- one\n- two\n\n> quoted\n\n[site](https://x.org)")
    for tag in ("<em>", "<strong>", "<ul>", "<li>", "<blockquote>", 'rel="nofollow noopener"'):
        assert tag in html
    assert render_light_markdown("   ") == ""


def test_answer_html_is_rendered_on_save(guide):
    questionnaire, ada, *_ = guide
    saved = Answer.objects.get(candidacy=ada, question__order=1)
    assert saved.text_html == "<p>Ada's <strong>answer</strong> 1.</p>"


def _guide_of_size(candidates, questions):
    race = make_race()
    questionnaire = make_guide(race, questions=questions)
    for n in range(candidates):
        candidacy = make_candidacy(race, name=f"Person {n}", withdrawn=n == 1)
        for question in questionnaire.questions.all():
            Answer.objects.create(question=question, candidacy=candidacy, text=f"Answer {n}")
    return questionnaire


@pytest.mark.parametrize("candidates,questions", [(2, 8), (12, 8)])
def test_the_guide_page_reads_in_a_constant_number_of_queries(
    client, django_assert_num_queries, candidates, questions
):
    """Prevents one query per question (answers) or per cell (candidacy, candidate)."""
    questionnaire = _guide_of_size(candidates, questions)
    # questionnaire+race, questions, candidacies, answers; the race's coming events and the
    # call for readers' questions (articles' guide_events tag)
    with django_assert_num_queries(6):
        response = client.get(guide_url(questionnaire.race))
    assert response.status_code == 200
    assert len(response.context["page"].rows) == questions


# --- The index --------------------------------------------------------------------------------


def test_the_index_lists_published_guides_upcoming_first_then_past_with_answer_counts(client):
    today = timezone.localdate()
    past_race = make_race(election=make_election(date=today - datetime.timedelta(days=400)))
    soon_race = make_race(election=make_election(date=today + datetime.timedelta(days=30)))
    later_race = make_race(election=make_election(date=today + datetime.timedelta(days=90)))
    hidden_race = make_race()
    past = make_guide(past_race, title="Past guide")
    make_guide(soon_race, title="Soon guide")
    make_guide(later_race, title="Later guide")
    make_guide(hidden_race, title="Hidden guide", published=False)
    answered = make_candidacy(past_race)
    make_candidacy(past_race)
    silent = make_candidacy(past_race)
    answer(past, answered, order=1)
    answer(past, answered, order=2)
    answer(past, silent, "", status=Answer.Status.DID_NOT_RESPOND)

    response = client.get(reverse("candidates:guide-list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hidden guide" not in html
    assert html.index("Soon guide") < html.index("Later guide") < html.index("Past guide")
    assert "1 of 3 candidates answered" in html


@pytest.mark.parametrize("guides", [2, 10])
def test_the_index_reads_in_a_constant_number_of_queries(client, django_assert_num_queries, guides):
    """Prevents a query per guide for its race, election, office or answer count."""
    for _ in range(guides):
        questionnaire = _guide_of_size(3, 2)
        assert questionnaire.published
    with django_assert_num_queries(2):  # upcoming, past
        response = client.get(reverse("candidates:guide-list"))
    assert response.content.decode().count("3 of 3 candidates answered") == guides


# --- Word counting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,words",
    [
        ("", 0),
        ("One two  three\nfour", 4),
        ("A well-known fact", 3),
        ("She won 5,134 votes.", 4),
        ("- one\n- two\n* three", 3),
        ("**Bold** and _emphasis_", 3),
        ("Read [our plan](https://example.org/a-long-plan) now", 4),
        ("Yes — and no", 3),
        ("1. first\n2. second", 4),  # list numbers are read aloud
        ("# Heading here", 2),
        ("Ação é política", 3),
    ],
)
def test_words_are_counted_the_way_a_reader_counts_them(text, words):
    assert count_words(text) == words


def test_the_word_limit_message_gives_the_count_and_the_limit():
    assert word_limit_error("word " * 212, 200) == "This answer has 212 words; the limit is 200."
    assert word_limit_error("word " * 200, 200) is None
    assert word_limit_error("word " * 999, None) is None


# --- Candidate Q&A helpers (for the articles app) ------------------------------------------------


@pytest.fixture
def general_and_runoff():
    """A fictional general race and its runoff, with the same two candidates in both."""
    office = make_office(name="Fictional Council District 9")
    general_election = make_election(name="Fictional general", date=datetime.date(2021, 11, 2))
    runoff_election = make_election(
        name="Fictional runoff",
        kind=Election.Kind.RUNOFF,
        date=datetime.date(2021, 11, 30),
        runoff_of=general_election,
    )
    general = make_race(election=general_election, office=office)
    runoff = make_race(election=runoff_election, office=office, runoff_of=general)
    pat, quinn = make_candidate(name="Pat Imaginary"), make_candidate(name="Quinn Imaginary")
    return {
        "general": make_guide(general),
        "runoff": make_guide(runoff),
        "pat_general": make_candidacy(general, candidate=pat),
        "pat_runoff": make_candidacy(runoff, candidate=pat),
        "quinn_general": make_candidacy(general, candidate=quinn),
        "quinn_runoff": make_candidacy(runoff, candidate=quinn),
    }


def test_candidacy_answers_come_in_question_order_in_two_queries(
    general_and_runoff, django_assert_num_queries
):
    guide, pat = general_and_runoff["runoff"], general_and_runoff["pat_runoff"]
    Question.objects.filter(questionnaire=guide, order=1).update(order=3)  # now last
    answer(guide, pat, "About topic two.", order=2)
    with django_assert_num_queries(2):
        pairs = candidacy_answers(pat)
    assert [q.short_label for q, _ in pairs] == ["Topic 2", "Topic 1"]
    assert pairs[0][1].text == "About topic two."
    assert pairs[1][1] is None


def test_candidacy_answers_skip_unpublished_questionnaires(general_and_runoff):
    guide, pat = general_and_runoff["runoff"], general_and_runoff["pat_runoff"]
    answer(guide, pat)
    Questionnaire.objects.filter(pk=guide.pk).update(published=False)
    assert candidacy_answers(pat) == []


def test_general_and_runoff_links_appear_in_both_directions_only_when_both_exist(
    general_and_runoff,
):
    g = general_and_runoff
    # No answers anywhere yet: no links either way.
    assert general_counterpart(g["pat_runoff"]) is None
    assert runoff_counterpart(g["pat_general"]) is None

    answer(g["general"], g["pat_general"])
    assert general_counterpart(g["pat_runoff"]) == g["pat_general"]
    assert runoff_counterpart(g["pat_general"]) is None  # no runoff answers yet

    answer(g["runoff"], g["pat_runoff"])
    assert runoff_counterpart(g["pat_general"]) == g["pat_runoff"]
    # Quinn answered nowhere; "did not respond" is not an answer to link to.
    answer(g["general"], g["quinn_general"], "", status=Answer.Status.DID_NOT_RESPOND)
    assert general_counterpart(g["quinn_runoff"]) is None
    # An unpublished guide is never linked.
    Questionnaire.objects.filter(pk=g["general"].pk).update(published=False)
    assert general_counterpart(g["pat_runoff"]) is None


def test_the_qa_include_links_to_the_other_guide_filtered_to_the_candidate(general_and_runoff):
    g = general_and_runoff
    answer(g["general"], g["pat_general"], "General answer.")
    answer(g["runoff"], g["pat_runoff"], "Runoff answer.")

    runoff_html = render_to_string(
        "candidates/includes/candidacy_answers.html", {"qa": candidacy_qa(g["pat_runoff"])}
    )
    assert "Runoff answer." in runoff_html
    assert "Read Pat Imaginary's answers from the general election" in runoff_html
    assert guide_url(g["general"].race, f"?compare={g['pat_general'].pk}") in runoff_html
    assert "No answer on file" in runoff_html  # question 2

    general_html = render_to_string(
        "candidates/includes/candidacy_answers.html", {"qa": candidacy_qa(g["pat_general"])}
    )
    assert "Read Pat Imaginary's answers from the runoff" in general_html
    assert guide_url(g["runoff"].race, f"?compare={g['pat_runoff'].pk}") in general_html

    quinn_html = render_to_string(
        "candidates/includes/candidacy_answers.html", {"qa": candidacy_qa(g["quinn_runoff"])}
    )
    assert "Read " not in quinn_html


# --- Demo content --------------------------------------------------------------------------------


def _district_5_runoff():
    office = make_office(name=demo_guides.OFFICE_NAME, body="Atlanta City Council", district="5")
    general = make_race(office=office)
    runoff_election = make_election(
        name="Atlanta municipal runoff",
        kind=Election.Kind.RUNOFF,
        date=datetime.date(2021, 11, 30),
        runoff_of=general.election,
    )
    runoff = make_race(election=runoff_election, office=office, runoff_of=general)
    bakhtiari = make_candidacy(runoff, name="Liliana Bakhtiari")
    mahoney = make_candidacy(runoff, name="Amanda Mahoney")
    return runoff, bakhtiari, mahoney


def test_the_demo_guide_loads_twice_with_one_copy_and_invents_no_answers(client):
    runoff, bakhtiari, mahoney = _district_5_runoff()
    out = StringIO()
    demo_guides.load(stdout=out)
    demo_guides.load(stdout=out)
    assert Questionnaire.objects.count() == 1
    questionnaire = Questionnaire.objects.get()
    assert questionnaire.published and questionnaire.questions.count() == 4
    assert Answer.objects.filter(candidacy=bakhtiari).count() == 4
    assert not Answer.objects.filter(candidacy=mahoney).exists()
    assert not Answer.objects.filter(status=Answer.Status.DID_NOT_RESPOND).exists()
    assert "Voter guide: District 5 runoff voter guide" in out.getvalue()

    html = client.get(guide_url(runoff)).content.decode()
    assert "summary" in html.lower()
    assert html.count("No answer on file</p>") == 4
    assert "Did not respond</p>" not in html


def test_the_demo_guide_is_skipped_politely_without_the_runoff_race():
    out = StringIO()
    assert demo_guides.load(stdout=out) is None
    assert "Voter guide skipped" in out.getvalue()
    assert Questionnaire.objects.count() == 0
    demo_guides.load(stdout=out, verbosity=0)


def test_race_election_and_profile_pages_link_a_published_guide_in_fixed_queries(
    client, django_assert_num_queries
):
    """The guide link rides on the race's select_related; it adds no query per race."""
    race = make_race()
    questionnaire = make_guide(race, title="District 9 voter guide")
    candidacy = make_candidacy(race, name="Ida Fictional")
    answer(questionnaire, candidacy)
    guide_path = guide_url(race)

    race_html = client.get(race.get_absolute_url()).content.decode()
    assert f'href="{guide_path}"' in race_html
    election_html = client.get(race.election.get_absolute_url()).content.decode()
    assert "District 9 voter guide" in election_html
    profile_html = client.get(candidacy.candidate.get_absolute_url()).content.decode()
    assert f'href="{guide_path}?compare={candidacy.pk}"' in profile_html

    questionnaire.published = False
    questionnaire.save()
    assert guide_path not in client.get(race.get_absolute_url()).content.decode()
    assert (
        "District 9 voter guide"
        not in client.get(race.election.get_absolute_url()).content.decode()
    )
