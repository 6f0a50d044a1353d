"""The page cache for anonymous readers, its invalidation, its HTTP headers and CSRF on it.

Every test here turns the page cache on (CACHE_PAGES) with the test cache (local memory, fresh
per test; Redis when REDIS_URL is set). ``X-Page-Cache: hit`` marks a page served from it.
"""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from articles.comments import APPROVED_MESSAGE
from articles.models import Article, Comment
from articles.services import comment_approve
from articles.views import CROSS_SITE_MESSAGE
from candidates.guides import CandidacyEntry, questionnaire_save_answers
from candidates.importing import import_results
from candidates.models import Answer, Question, Questionnaire
from candidates.services import race_save_results
from civicsite.bench_views import CEILING_HTML
from civicsite.core import pagecache
from tests.articles.factories import make_article
from tests.candidates.factories import make_candidacy, make_district_5_general, make_race

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=datetime.UTC)
SITE = "http://testserver"


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.CACHE_PAGES = True
    settings.CACHE_MAX_AGE = 60
    settings.CACHE_STALE_WHILE_REVALIDATE = 300
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_MIN_SECONDS = 3


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def article(clock):
    return make_article(title="District 5 heads to a runoff", slug="district-5-runoff")


def get(url, client=None):
    return (client or Client()).get(url)


def race_url(race):
    return reverse(
        "candidates:race-detail", kwargs={"election_slug": race.election.slug, "slug": race.slug}
    )


def warm(url):
    """Two anonymous visits: the first stores the page, the second is served from the cache."""
    assert get(url)["X-Page-Cache"] == "miss"
    response = get(url)
    assert response["X-Page-Cache"] == "hit"
    return response


def form_token(html):
    """The signed form time as the form's script gets it: the cached page carries none, so it
    asks the form's data-token-url (articles/comments.py)."""
    assert re.search(r'name="form_token" value=""', html)
    token_url = re.search(r'data-token-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    return Client().get(token_url).json()["token"]


def comment_data(token, **fields):
    data = {
        "name": "Dana Reader",
        "email": "dana@example.org",
        "website": "",
        "text": "Turnout in DeKalb looked low this year.",
        "url_confirm": "",
        "parent": "",
        "form_token": token,
    }
    data.update(fields)
    return data


# --- Served from the cache --------------------------------------------------------------------


def test_a_second_anonymous_visit_is_served_from_the_cache_without_a_query(
    article, django_assert_num_queries
):
    first = get(article.get_absolute_url())
    with django_assert_num_queries(0):
        second = get(article.get_absolute_url())
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_the_query_string_and_the_host_are_part_of_the_key(article, settings):
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    url = article.get_absolute_url()
    warm(url)
    assert get(f"{url}?replyto=1")["X-Page-Cache"] == "miss"
    other = Client(HTTP_HOST="other.example").get(url)
    assert other["X-Page-Cache"] == "miss"
    assert "http://other.example/" in other.content.decode()


def test_with_the_page_cache_off_nothing_is_stored_but_the_headers_stay(article, settings):
    settings.CACHE_PAGES = False
    get(article.get_absolute_url())
    response = get(article.get_absolute_url())
    assert "X-Page-Cache" not in response
    assert "public" in response["Cache-Control"]


# --- Invalidated the moment an editor saves ---------------------------------------------------


def test_saving_an_article_shows_the_change_to_the_next_reader(article):
    warm(article.get_absolute_url())
    article.title = "District 5 runoff is set for November 30"
    article.save()
    response = get(article.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"
    assert "District 5 runoff is set for November 30" in response.content.decode()


def test_publishing_a_scheduled_article_replaces_its_404_at_once(clock):
    article = make_article(
        status=Article.Status.SCHEDULED, publish_at=START + datetime.timedelta(hours=1)
    )
    assert get(article.get_absolute_url()).status_code == 404
    assert "no-store" in get(article.get_absolute_url())["Cache-Control"]
    article.status = Article.Status.PUBLISHED
    article.publish_at = START - datetime.timedelta(minutes=1)
    article.save()
    assert get(article.get_absolute_url()).status_code == 200


def test_a_new_tag_on_an_article_empties_the_cache(article):
    warm(article.get_absolute_url())
    article.tags.add("Runoff watch")
    response = get(article.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"
    assert "Runoff watch" in response.content.decode()


def test_a_results_import_shows_the_new_figures_at_once():
    race = make_district_5_general()
    warm(race_url(race))
    office = race.office.name
    import_results(
        f"county,office,candidate,votes\nFulton,{office},Samuel Bacote,99999\n",
        election=race.election,
    )
    response = get(race_url(race))
    assert response["X-Page-Cache"] == "miss"
    assert "100,599" in response.content.decode()  # 600 in DeKalb + 99,999 in Fulton


def test_a_results_grid_save_shows_the_new_figures_at_once():
    race = make_district_5_general()
    warm(race_url(race))
    candidacy = race.candidacies.get(candidate__name="Samuel Bacote")
    units = list(race.reporting_units.order_by("name"))
    race_save_results(
        race=race,
        votes={(candidacy, unit): 50000 for unit in units},
        reporting={unit: unit.precincts_reporting for unit in units},
        status=race.status,
    )
    assert "100,000" in get(race_url(race)).content.decode()


def test_an_answers_grid_save_shows_the_answer_in_the_guide_at_once():
    race = make_race()
    questionnaire = Questionnaire.objects.create(race=race, title="District guide", published=True)
    question = Question.objects.create(
        questionnaire=questionnaire, order=1, short_label="Transit", text="Transit?"
    )
    candidacy = make_candidacy(race, name="Ada Fictional")
    url = reverse(
        "candidates:race-guide", kwargs={"election_slug": race.election.slug, "slug": race.slug}
    )
    warm(url)
    questionnaire_save_answers(
        questionnaire=questionnaire,
        entries=[
            CandidacyEntry(
                candidacy=candidacy,
                did_not_respond=False,
                received_on=None,
                texts={question.pk: "More buses on the Beltline."},
            )
        ],
    )
    assert Answer.objects.count() == 1
    assert "More buses on the Beltline." in get(url).content.decode()


def test_approving_a_held_comment_shows_it_at_once_but_holding_one_does_not_empty_the_cache(
    article,
):
    warm(article.get_absolute_url())
    held = Comment.objects.create(
        article=article,
        name="Pat Voter",
        email="pat@example.org",
        text="Where do I vote early?",
        status=Comment.Status.PENDING,
    )
    assert get(article.get_absolute_url())["X-Page-Cache"] == "hit"
    comment_approve(comments=Comment.objects.filter(pk=held.pk))
    response = get(article.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"
    assert "Where do I vote early?" in response.content.decode()


def test_removing_a_comment_hides_it_at_once(article):
    comment = Comment.objects.create(
        article=article,
        name="Pat",
        email="p@example.org",
        text="Spam link farm.",
        status="approved",
    )
    assert "Spam link farm." in warm(article.get_absolute_url()).content.decode()
    comment.delete()
    assert "Spam link farm." not in get(article.get_absolute_url()).content.decode()


def test_invalidate_gives_a_new_generation():
    before = pagecache.current_generation()
    pagecache.invalidate()
    assert pagecache.current_generation() != before


# --- Never cached -----------------------------------------------------------------------------


@pytest.fixture
def staff_client(db):
    user = User.objects.create_user("editor", password="pw-for-tests", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_article"))
    client = Client()
    client.force_login(user)
    return client


def test_signed_in_editors_neither_get_nor_fill_the_cache(article, staff_client):
    warm(article.get_absolute_url())
    response = staff_client.get(article.get_absolute_url())
    assert "X-Page-Cache" not in response
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_a_staff_preview_of_a_draft_is_never_stored(clock, staff_client):
    draft = make_article(status=Article.Status.DRAFT, title="Secret draft headline")
    response = staff_client.get(draft.get_absolute_url())
    assert "Secret draft headline" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert get(draft.get_absolute_url()).status_code == 404


def test_the_admin_is_never_stored_or_marked_public(staff_client):
    response = Client().get("/admin/login/")
    assert response.status_code == 200
    assert "X-Page-Cache" not in response
    assert "public" not in response["Cache-Control"]


def test_a_response_that_sets_a_cookie_is_not_stored(article):
    response = Client().get(reverse("admin:login"))  # sets the csrftoken cookie
    assert response.cookies
    assert "public" not in response["Cache-Control"]
    assert get(reverse("admin:login")).get("X-Page-Cache") is None


def test_a_view_marked_never_cache_is_not_stored():
    get(reverse("healthz"))
    response = get(reverse("healthz"))
    assert "X-Page-Cache" not in response
    assert "no-cache" in response["Cache-Control"]


def test_a_reader_with_a_message_waiting_is_not_served_the_cached_page(article, clock):
    url = article.get_absolute_url()
    warm(url)
    Comment.objects.create(
        article=article, name="Dana", email="dana@example.org", text="Earlier.", status="approved"
    )  # a returning commenter: the next comment is published directly
    warm(url)
    reader = Client(enforce_csrf_checks=True)
    html = reader.get(url).content.decode()
    token = form_token(html)  # the form's script asks as the reader starts
    clock.shift(5)
    posted = reader.post(
        reverse("articles:comment-post", kwargs={"slug": article.slug}),
        comment_data(token, text="A second comment."),
        headers={"Origin": SITE},
        follow=True,
    )
    page = posted.content.decode()
    assert APPROVED_MESSAGE in page
    assert "A second comment." in page
    # The page with the message was not stored: the next reader sees no message.
    assert APPROVED_MESSAGE not in get(url).content.decode()


# --- HTTP caching headers ---------------------------------------------------------------------


def test_public_pages_say_public_with_max_age_and_stale_while_revalidate(article):
    response = get(article.get_absolute_url())
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert directives == {
        "public",
        "max-age=60",
        "stale-while-revalidate=300",
        "stale-if-error=86400",
    }
    assert response["ETag"]


def test_a_reader_revalidating_with_the_etag_gets_a_304(article):
    url = article.get_absolute_url()
    etag = get(url)["ETag"]
    for _ in range(2):  # once rendered, once from the cache
        response = Client().get(url, headers={"If-None-Match": etag})
        assert response.status_code == 304
        assert response.content == b""


# --- CSRF on a cached page: the origin check --------------------------------------------------


def test_a_reader_posts_a_comment_from_a_page_another_reader_put_in_the_cache(article, clock):
    url = article.get_absolute_url()
    get(url)  # reader A warms the cache
    reader_b = Client(enforce_csrf_checks=True)
    response = reader_b.get(url)
    assert response["X-Page-Cache"] == "hit"
    html = response.content.decode()
    token = form_token(html)  # the form's script asks as the reader starts
    assert "csrfmiddlewaretoken" not in html
    assert "csrftoken" not in response.cookies
    assert "public" in response["Cache-Control"]
    clock.shift(5)
    posted = reader_b.post(
        reverse("articles:comment-post", kwargs={"slug": article.slug}),
        comment_data(token),
        headers={"Origin": SITE},
    )
    assert posted.status_code == 302
    assert Comment.objects.get().name == "Dana Reader"


def test_a_comment_with_a_referer_from_this_site_and_no_origin_is_accepted(article, clock):
    reader = Client(enforce_csrf_checks=True)
    html = reader.get(article.get_absolute_url()).content.decode()
    token = form_token(html)  # the form's script asks as the reader starts
    clock.shift(5)
    posted = reader.post(
        reverse("articles:comment-post", kwargs={"slug": article.slug}),
        comment_data(token),
        headers={"Referer": SITE + article.get_absolute_url()},
    )
    assert posted.status_code == 302
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://testserver.evil.example"},
        {"Referer": "https://evil.example/articles/district-5-runoff/"},
        {},
    ],
    ids=["other-origin", "null-origin", "lookalike-origin", "other-referer", "no-headers"],
)
def test_a_cross_site_or_unsourced_comment_post_is_refused_with_a_403_and_a_reason(
    article, clock, headers
):
    reader = Client(enforce_csrf_checks=True)
    html = reader.get(article.get_absolute_url()).content.decode()
    token = form_token(html)  # the form's script asks as the reader starts
    clock.shift(5)
    posted = reader.post(
        reverse("articles:comment-post", kwargs={"slug": article.slug}),
        comment_data(token),
        headers=headers,
    )
    assert posted.status_code == 403
    assert CROSS_SITE_MESSAGE.split(":")[0] in posted.content.decode()
    assert "no-store" in posted["Cache-Control"]
    assert not Comment.objects.exists()


def test_a_trusted_origin_may_post_comments(article, clock, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://www.example.org"]
    reader = Client(enforce_csrf_checks=True)
    html = reader.get(article.get_absolute_url()).content.decode()
    token = form_token(html)  # the form's script asks as the reader starts
    clock.shift(5)
    posted = reader.post(
        reverse("articles:comment-post", kwargs={"slug": article.slug}),
        comment_data(token),
        headers={"Origin": "https://www.example.org"},
    )
    assert posted.status_code == 302


# --- The benchmark ceiling --------------------------------------------------------------------


def test_the_benchmark_ceiling_is_a_404_unless_turned_on(settings):
    settings.BENCH_CEILING = False
    assert get(reverse("bench-ceiling")).status_code == 404


def test_the_benchmark_ceiling_is_a_constant_small_page_never_stored(
    settings, django_assert_num_queries
):
    settings.BENCH_CEILING = True
    with django_assert_num_queries(0):
        response = get(reverse("bench-ceiling"))
        response = get(reverse("bench-ceiling"))
    assert response.content.decode() == CEILING_HTML
    assert 1500 < len(response.content) < 2500
    assert "X-Page-Cache" not in response


def test_a_scheduled_article_reaches_the_cached_home_page_when_its_time_comes(clock):
    make_article(title="Polls are open")
    make_article(
        title="Runoff results are in",
        status=Article.Status.SCHEDULED,
        publish_at=START + datetime.timedelta(hours=1),
    )
    assert "Runoff results are in" not in warm(reverse("home")).content.decode()
    clock.shift(datetime.timedelta(minutes=61))
    response = get(reverse("home"))
    assert response["X-Page-Cache"] == "miss"
    assert "Runoff results are in" in response.content.decode()
