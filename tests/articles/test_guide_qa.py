"""A voter-guide Q&A article shows one candidacy's answers and links general <-> runoff."""

import datetime

import pytest

from articles.models import Article
from candidates.models import Answer, Question, Questionnaire
from tests.articles.factories import make_article
from tests.candidates.factories import make_candidacy, make_candidate, make_election, make_race

pytestmark = pytest.mark.django_db


def guide_with_answer(race, candidacy, text):
    questionnaire = Questionnaire.objects.create(race=race, title="Guide", published=True)
    question = Question.objects.create(questionnaire=questionnaire, order=1, text="Why run?")
    Answer.objects.create(question=question, candidacy=candidacy, text=text)
    return questionnaire


@pytest.fixture
def general_and_runoff():
    """A fictional candidate who answered both the general and the runoff guide."""
    person = make_candidate(name="Vera Fictional")
    general = make_race()
    runoff = make_race(
        election=make_election(date=datetime.date(2021, 11, 30), kind="runoff"),
        office=general.office,
        runoff_of=general,
    )
    in_general = make_candidacy(general, candidate=person)
    in_runoff = make_candidacy(runoff, candidate=person)
    guide_with_answer(general, in_general, "Answer from the general.")
    guide_with_answer(runoff, in_runoff, "Answer from the runoff.")
    return in_general, in_runoff


def qa_article(candidacy, slug):
    return make_article(slug=slug, kind=Article.Kind.VOTER_GUIDE_QA, candidacy=candidacy)


def test_the_qa_article_shows_the_candidacys_answers(client, general_and_runoff):
    _, in_runoff = general_and_runoff
    article = qa_article(in_runoff, "vera-runoff-qa")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Why run?" in html
    assert "Answer from the runoff." in html


def test_runoff_and_general_qa_articles_link_to_each_other(client, general_and_runoff):
    in_general, in_runoff = general_and_runoff
    general_article = qa_article(in_general, "vera-general-qa")
    runoff_article = qa_article(in_runoff, "vera-runoff-qa")

    runoff_html = client.get(runoff_article.get_absolute_url()).content.decode()
    assert "Read Vera Fictional's answers from the general election" in runoff_html
    assert f'href="{general_article.get_absolute_url()}"' in runoff_html

    general_html = client.get(general_article.get_absolute_url()).content.decode()
    assert "Read Vera Fictional's answers from the runoff" in general_html
    assert f'href="{runoff_article.get_absolute_url()}"' in general_html


def test_no_link_to_the_general_when_the_candidate_did_not_answer_it(client):
    person = make_candidate(name="Walt Fictional")
    general = make_race()
    runoff = make_race(office=general.office, runoff_of=general)
    make_candidacy(general, candidate=person)
    in_runoff = make_candidacy(runoff, candidate=person)
    guide_with_answer(runoff, in_runoff, "Only the runoff.")
    html = client.get(qa_article(in_runoff, "walt-qa").get_absolute_url()).content.decode()
    assert "answers from the general election" not in html


def test_a_qa_article_without_its_own_page_for_the_other_guide_links_to_the_guide(
    client, general_and_runoff
):
    in_general, in_runoff = general_and_runoff
    html = client.get(qa_article(in_runoff, "vera-only").get_absolute_url()).content.decode()
    assert f"/guide/?compare={in_general.pk}" in html


def test_an_unpublished_general_guide_gives_no_link(client, general_and_runoff):
    in_general, in_runoff = general_and_runoff
    Questionnaire.objects.filter(race=in_general.race).update(published=False)
    html = client.get(qa_article(in_runoff, "vera-hidden").get_absolute_url()).content.decode()
    assert "answers from the general election" not in html
