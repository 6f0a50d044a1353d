"""Coverage linked everywhere, and article text that reads right.

Profiles and race pages list the published stories about them (articles/templatetags/
coverage_tags.py); articles link to their races and guides; the Q&A article links to the
side-by-side guide; headings start at h2; a lead figure shows once, with one credit line;
names show typographic quotes.
"""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.templatetags.coverage_tags import COVERAGE_LIMIT
from candidates.models import Answer, Question, Questionnaire
from tests.articles.factories import make_article, make_figure
from tests.candidates.factories import (
    make_candidacy,
    make_candidate,
    make_race,
    make_race_with_votes,
    make_unit,
    record_votes,
)

pytestmark = pytest.mark.django_db


def html_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def coverage_titles(html):
    section = html.split('class="coverage"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'class="coverage__title"><a href="[^"]+">([^<]+)</a>', section)


def story(days_ago, **fields):
    return make_article(publish_at=timezone.now() - datetime.timedelta(days=days_ago), **fields)


def test_a_profile_lists_the_published_stories_about_the_candidate_newest_first(client):
    person = make_candidate(name="Vera Fictional")
    race = make_race()
    candidacy = make_candidacy(race, candidate=person)
    story(3, title="Older story").candidates.add(person)
    story(1, title="Newer story").candidates.add(person)
    # A voter-guide Q&A about one of her candidacies counts, without naming her by hand.
    story(2, title="Her Q&A", kind=Article.Kind.VOTER_GUIDE_QA, candidacy=candidacy)
    story(1, title="A draft", status=Article.Status.DRAFT).candidates.add(person)
    make_article(
        title="Scheduled",
        status=Article.Status.SCHEDULED,
        publish_at=timezone.now() + datetime.timedelta(days=1),
    ).candidates.add(person)
    story(1, title="About someone else").candidates.add(make_candidate())

    titles = coverage_titles(html_of(client, person.get_absolute_url()))

    assert titles == ["Newer story", "Her Q&amp;A", "Older story"]


def test_a_race_page_lists_its_stories_and_a_more_link_beyond_the_limit(client):
    race = make_race_with_votes([("Ann Able", 300), ("Bo Baker", 200)])
    for n in range(COVERAGE_LIMIT + 2):
        story(n + 1, title=f"Race story {n}").races.add(race)

    html = html_of(client, race.get_absolute_url())

    titles = coverage_titles(html)
    assert len(titles) == COVERAGE_LIMIT and titles[0] == "Race story 0"
    more = reverse(
        "articles:race-coverage", kwargs={"election_slug": race.election.slug, "slug": race.slug}
    )
    assert f'href="{more}"' in html
    listing = html_of(client, more)
    assert listing.count('class="article-card"') == COVERAGE_LIMIT + 2
    assert f'href="{race.get_absolute_url()}"' in listing  # back to the race


def test_a_profile_with_few_stories_has_no_more_link_and_says_when_there_are_none(client):
    person = make_candidate(name="Vera Fictional")
    html = html_of(client, person.get_absolute_url())
    assert "No stories about Vera Fictional are published yet." in html
    story(1).candidates.add(person)
    html = html_of(client, person.get_absolute_url())
    assert reverse("articles:candidate-coverage", kwargs={"slug": person.slug}) not in html


def test_coverage_lists_of_unknown_subjects_are_404s(client):
    assert client.get("/articles/about/candidates/nobody/").status_code == 404
    assert client.get("/articles/about/elections/none/no-race/").status_code == 404


@pytest.mark.parametrize("size", [2, 30])
def test_profile_and_race_page_coverage_costs_one_query_at_any_size(
    client, django_assert_num_queries, size
):
    """Prevents a query per listed story (kind, date, byline or figure): the coverage list is
    one bounded query on the profile (5 queries before, 6 now) and on the race page (7, 8)."""
    person = make_candidate(name="Vera Fictional")
    race = make_race()
    unit = make_unit(race)
    record_votes(make_candidacy(race, candidate=person), unit, 100)
    for n in range(size):
        article = story(n + 1)
        article.candidates.add(person)
        article.races.add(race)
        make_figure(article, width=64, height=40)
    with django_assert_num_queries(6):
        client.get(person.get_absolute_url())
    with django_assert_num_queries(8):
        client.get(race.get_absolute_url())


def test_the_qa_article_links_to_the_side_by_side_guide_and_its_race(client):
    race = make_race()
    candidacy = make_candidacy(race, ballot_name='Jim "Bo" Smith')
    guide = Questionnaire.objects.create(race=race, title="District guide", published=True)
    question = Question.objects.create(questionnaire=guide, order=1, text="Why run?")
    Answer.objects.create(question=question, candidacy=candidacy, text="To fix the roads.")
    article = story(1, kind=Article.Kind.VOTER_GUIDE_QA, candidacy=candidacy)
    article.races.add(race)

    html = html_of(client, article.get_absolute_url())

    guide_url = guide.get_absolute_url()
    answers = html.split('class="article__qa prose"', 1)[1]
    assert f'href="{guide_url}"' in answers.split("</section>", 1)[0]  # inside the column
    assert f'href="{race.get_absolute_url()}"' in html  # the results box links the race
    assert "Jim “Bo” Smith" in html and "Jim &quot;Bo&quot;" not in html


def test_body_headings_start_at_h2_whatever_level_the_editor_wrote(client):
    article = story(1, body="## Why it matters\n\nText.\n\n#### A detail\n\n> A quoted line.")
    body = html_of(client, article.get_absolute_url()).split('class="article__body prose">')[1]
    body = body.split("</div>", 1)[0]
    assert "<h2>Why it matters</h2>" in body and "<h3>A detail</h3>" in body
    assert "<h1" not in body and "<h4" not in body
    assert "<blockquote>" in body


def test_a_lead_figure_also_placed_in_the_body_shows_once_with_one_credit_line(client):
    article = story(1, photo_credit_line="Photos by the demo desk")
    lead = make_figure(article, key="lead", credit="Illustration")
    article.lead_figure = lead
    article.body = "Before.\n\n[figure: lead]\n\nAfter."
    article.save()

    html = html_of(client, article.get_absolute_url())

    assert html.count(f'src="{lead.src}"') == 1
    assert 'class="article__lead"' not in html
    # The credit line sits with the byline, not under the image beside the figure's credit.
    header = html.split('class="article__header"', 1)[1].split("</header>", 1)[0]
    assert "Photos by the demo desk" in header
    assert html.count("Photos by the demo desk") == 1

    article.body = "No placement."
    article.save()
    html = html_of(client, article.get_absolute_url())
    assert 'class="article__lead"' in html and html.count(f'src="{lead.src}"') == 1


def test_render_articles_brings_stored_bodies_up_to_the_current_rules():
    article = story(1, body="## Section\n\nText.")
    Article.objects.filter(pk=article.pk).update(body_html="<h3>Section</h3><p>Text.</p>")

    dry = StringIO()
    call_command("render_articles", "--dry-run", stdout=dry)
    assert "Articles: 1 would change." in dry.getvalue()
    assert Article.objects.get(pk=article.pk).body_html.startswith("<h3>")

    out = StringIO()
    call_command("render_articles", stdout=out)
    assert "Articles: 1 rendered again." in out.getvalue()
    assert Article.objects.get(pk=article.pk).body_html.startswith("<h2>Section</h2>")
