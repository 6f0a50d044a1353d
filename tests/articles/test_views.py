"""The public article pages: the article, the section lists and the author page."""

import datetime
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.articles.factories import (
    make_article,
    make_author,
    make_correction,
    make_exchange,
    make_figure,
)
from tests.candidates.factories import (
    make_candidate,
    make_district_5_general,
    make_race_with_votes,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
PREVIEW_TEXT = "Preview: this article is not published"


def make_user(*, is_staff=False, can_view_articles=False):
    user = get_user_model().objects.create_user(
        f"user{get_user_model().objects.count() + 1}", password="a-long-passphrase"
    )
    user.is_staff = is_staff
    user.save()
    if can_view_articles:
        user.user_permissions.add(Permission.objects.get(codename="view_article"))
    return user


def draft():
    return make_article(status=Article.Status.DRAFT)


def scheduled():
    return make_article(
        status=Article.Status.SCHEDULED,
        publish_at=timezone.now() + datetime.timedelta(days=2),
    )


# --- Who may see what ---------------------------------------------------------------------


@pytest.mark.parametrize("make_hidden", [draft, scheduled], ids=["draft", "scheduled"])
def test_anonymous_reader_gets_404_for_drafts_and_scheduled_articles(client, make_hidden):
    article = make_hidden()
    assert client.get(article.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("make_hidden", [draft, scheduled], ids=["draft", "scheduled"])
def test_signed_in_reader_who_is_not_staff_gets_404_for_unpublished_articles(client, make_hidden):
    client.force_login(make_user(can_view_articles=True))
    assert client.get(make_hidden().get_absolute_url()).status_code == 404


def test_staff_without_the_view_permission_gets_404_for_a_draft(client):
    client.force_login(make_user(is_staff=True))
    assert client.get(draft().get_absolute_url()).status_code == 404


@pytest.mark.parametrize("make_hidden", [draft, scheduled], ids=["draft", "scheduled"])
def test_staff_editor_previews_an_unpublished_article_with_a_bar_and_no_caching(
    client, make_hidden
):
    client.force_login(make_user(is_staff=True, can_view_articles=True))
    article = make_hidden()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert f'role="status"><strong>{PREVIEW_TEXT}' in html
    assert article.title in html
    assert "no-store" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in html


def test_staff_editor_sees_a_published_article_without_the_preview_bar(client):
    client.force_login(make_user(is_staff=True, can_view_articles=True))
    response = client.get(make_article().get_absolute_url())
    assert PREVIEW_TEXT not in response.content.decode()


def test_published_article_is_shown_to_readers_and_missing_slugs_are_404(client):
    article = make_article(title="Runoff set in District 5")
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert '<h1 id="article-title">Runoff set in District 5</h1>' in response.content.decode()
    assert PREVIEW_TEXT not in response.content.decode()
    assert client.get("/articles/no-such-story/").status_code == 404


def test_article_page_answers_head_and_refuses_a_post(client):
    url = make_article().get_absolute_url()
    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405


# --- What the article page shows -------------------------------------------------------------


def test_article_page_shows_dek_byline_with_author_links_and_published_date(client):
    first, second = make_author(name="Demo Desk"), make_author(name="Demo Data Team")
    published = datetime.datetime(2021, 11, 3, 15, 0, tzinfo=UTC)
    article = make_article(
        title="Bakhtiari and Mahoney head to a runoff",
        dek="Nobody won a majority on Nov. 2.",
        publish_at=published,
        first_published_at=published,
        authors=[first, second],
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<title>Bakhtiari and Mahoney head to a runoff: civicsite</title>" in html
    assert '<meta name="description" content="Nobody won a majority on Nov. 2.">' in html
    assert f'<link rel="canonical" href="http://testserver{article.get_absolute_url()}">' in html
    assert (
        f'By <a href="{first.get_absolute_url()}">Demo Desk</a> and '
        f'<a href="{second.get_absolute_url()}">Demo Data Team</a>'
    ) in html
    assert 'Published <time datetime="2021-11-03T11:00:00-04:00">Nov. 3, 2021</time>' in html
    assert "Updated" not in html


def test_updated_line_appears_when_the_story_changed_after_publishing(client):
    published = datetime.datetime(2021, 11, 3, 15, 0, tzinfo=UTC)
    article = make_article(
        publish_at=published,
        first_published_at=published,
        content_updated_at=datetime.datetime(2021, 11, 4, 14, 30, tzinfo=UTC),
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert (
        'Updated <time datetime="2021-11-04T10:30:00-04:00">Nov. 4, 2021, 10:30 a.m.</time>' in html
    )


def test_an_update_time_before_publishing_is_not_shown_as_an_update(client):
    published = datetime.datetime(2021, 11, 3, 15, 0, tzinfo=UTC)
    article = make_article(
        publish_at=published,
        first_published_at=published,
        content_updated_at=published - datetime.timedelta(hours=2),
    )
    assert "Updated" not in client.get(article.get_absolute_url()).content.decode()


def test_corrections_are_listed_at_the_foot_of_the_article(client):
    article = make_article()
    make_correction(
        article,
        corrected_on=datetime.date(2021, 11, 4),
        text="An earlier version gave the wrong runoff date; it is Nov. 30.",
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert (
        '<strong>Correction, <time datetime="2021-11-04">Nov. 4, 2021</time>:</strong> '
        "An earlier version gave the wrong runoff date; it is Nov. 30."
    ) in html
    assert html.index("Correction, <time") > html.index('class="article__body')


def test_interview_turns_appear_in_order_with_questions_marked(client):
    article = make_article(kind=Article.Kind.INTERVIEW)
    make_exchange(article, speaker="Demo Desk", is_question=True, text="What comes next?", order=0)
    make_exchange(article, speaker="Guest", text="More organizing.", order=1)
    html = client.get(article.get_absolute_url()).content.decode()
    question = html.index('class="exchange exchange--question"')
    answer = html.index('<div class="exchange">')
    assert question < answer
    assert html.index("What comes next?") < html.index("More organizing.")
    assert '<p class="exchange__speaker">Guest</p>' in html


def test_article_page_describes_itself_in_escaped_json_ld(client):
    author = make_author(name="Demo Desk")
    article = make_article(title="Runoff </script><script>alert(1)</script>", authors=[author])
    html = client.get(article.get_absolute_url()).content.decode()
    start = html.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    block = html[start : html.index("</script>", start)]
    data = json.loads(block)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.title
    assert data["author"][0]["name"] == "Demo Desk"
    assert "<" not in block


def test_untrusted_looking_text_in_fields_is_escaped(client):
    article = make_article(title="<script>alert(1)</script>", dek='"><img src=x onerror=alert(1)>')
    make_exchange(article, speaker="<b>Guest</b>", text="<script>alert(2)</script>")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_related_candidates_link_to_their_profiles(client):
    article = make_article()
    candidate = make_candidate(name="Liliana Bakhtiari")
    article.candidates.add(candidate)
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'href="{candidate.get_absolute_url()}">Liliana Bakhtiari</a>' in html


def test_related_race_box_shows_votes_shares_outcomes_and_precincts(client):
    race = make_district_5_general()
    article = make_article()
    article.races.add(race)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Atlanta City Council District 5" in html
    assert "5,134" in html and "49.50%" in html  # truncated, never rounded up to a majority
    assert "1,894" in html and "18.26%" in html
    assert "Advances to runoff" in html
    assert "A majority needed 5,186 of 10,370 votes; Bakhtiari was 52 short" in html
    assert "DeKalb 6 of 6 precincts" in html and "Fulton 8 of 8 precincts" in html
    assert f'href="{race.get_absolute_url()}"' in html


def test_tags_link_to_their_tag_pages(client):
    article = make_article()
    article.tags.add("District 5", "runoff")
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<li><a href="/tags/district-5/">District 5</a></li>' in html
    assert '<li><a href="/tags/runoff/">runoff</a></li>' in html


def test_lead_figure_is_loaded_eagerly_with_its_credit_and_the_photo_credit_line(client):
    article = make_article(photo_credit_line="Illustrations by the demo desk")
    figure = make_figure(
        article, key="lead", alt_text="A flat blue placeholder", credit="Illustration"
    )
    article.lead_figure = figure
    article.save()
    html = client.get(article.get_absolute_url()).content.decode()
    lead = html[html.index('class="article__lead"') :]
    assert 'alt="A flat blue placeholder" loading="eager"' in lead
    assert '<span class="figure__credit">Illustration</span>' in lead
    assert "Illustrations by the demo desk" in html


# --- Lists ---------------------------------------------------------------------------------


def publish_many(count, **fields):
    start = timezone.now() - datetime.timedelta(days=count + 1)
    return [
        make_article(publish_at=start + datetime.timedelta(hours=n), **fields) for n in range(count)
    ]


def test_index_lists_published_articles_newest_first_and_leaves_out_unpublished(client):
    older, newer = publish_many(2)
    hidden = [draft(), scheduled()]
    html = client.get(reverse("articles:index")).content.decode()
    assert html.index(newer.title) < html.index(older.title)
    for article in hidden:
        assert article.title not in html


def test_section_lists_only_its_own_kind_and_unknown_sections_are_404(client):
    profile = make_article(kind=Article.Kind.PROFILE, title="A profile of a candidate")
    news = make_article(kind=Article.Kind.NEWS, title="A news story")
    response = client.get(reverse("articles:section", kwargs={"kind": "profiles"}))
    html = response.content.decode()
    assert profile.title in html and news.title not in html
    assert "<title>Profiles: civicsite</title>" in html
    assert client.get("/articles/section/no-such-kind/").status_code == 404


def test_article_card_shows_kind_dek_lead_byline_date_and_thumbnail(client):
    author = make_author(name="Demo Desk")
    article = make_article(
        kind=Article.Kind.PROFILE,
        dek="Who is running, and why.",
        authors=[author, make_author(name="Second Author")],
        publish_at=datetime.datetime(2021, 11, 3, 15, 0, tzinfo=UTC),
    )
    article.lead_figure = make_figure(article, alt_text="A green placeholder")
    article.save()
    html = client.get(reverse("articles:index")).content.decode()
    assert f'<a href="{article.get_absolute_url()}">{article.title}</a>' in html
    assert "Who is running, and why." in html
    assert ">Profile</span>" in html
    assert "By Demo Desk &middot; " in html and "Second Author" not in html
    assert ">Nov. 3, 2021</time>" in html
    assert 'alt="A green placeholder"' in html


def test_lists_paginate_twenty_to_a_page_with_rel_links_in_head_and_nav(client):
    publish_many(45)
    url = reverse("articles:index")
    first = client.get(url).content.decode()
    assert first.count('class="article-card"') == 20
    assert '<link rel="next" href="http://testserver/articles/?page=2">' in first
    assert 'rel="prev"' not in first
    assert '<link rel="canonical" href="http://testserver/articles/">' in first

    second = client.get(url, {"page": 2}).content.decode()
    assert '<link rel="prev" href="http://testserver/articles/">' in second
    assert '<link rel="next" href="http://testserver/articles/?page=3">' in second
    assert '<link rel="canonical" href="http://testserver/articles/?page=2">' in second
    assert 'class="pagination__step" rel="prev"' in second
    assert 'class="pagination__step" rel="next"' in second
    assert "<title>Latest articles, page 2: civicsite</title>" in second

    third = client.get(url, {"page": 3}).content.decode()
    assert third.count('class="article-card"') == 5
    assert 'rel="next"' not in third


@pytest.mark.parametrize(
    "page", ["abc", "0", "-1", "99999", "2.5", "1\x00", "%", "9" * 10_000, "x" * 10_000]
)
@pytest.mark.parametrize("url_name", ["articles:index", "author-page", "section-page"])
def test_junk_page_numbers_are_a_404_never_a_500(client, page, url_name):
    """The decision: a page that does not exist is a 404 (not silently page 1)."""
    author = make_author()
    publish_many(3, authors=[author])
    url = {
        "articles:index": reverse("articles:index"),
        "author-page": author.get_absolute_url(),
        "section-page": reverse("articles:section", kwargs={"kind": "news"}),
    }[url_name]
    assert client.get(url, {"page": page}).status_code == 404


def test_an_empty_list_is_a_page_that_says_so(client):
    response = client.get(reverse("articles:section", kwargs={"kind": "opinion"}))
    assert response.status_code == 200
    assert "Nothing published here yet." in response.content.decode()


def test_author_page_shows_bio_and_only_published_articles(client):
    author = make_author(name="Demo Desk", bio="An invented byline for demo content.")
    mine = make_article(authors=[author], title="Story by the desk")
    other = make_article(title="Story by someone else")
    hidden = make_article(authors=[author], status=Article.Status.DRAFT, title="Desk draft")
    html = client.get(author.get_absolute_url()).content.decode()
    assert "<h1>Demo Desk</h1>" in html and "An invented byline for demo content." in html
    assert mine.title in html
    assert other.title not in html and hidden.title not in html
    assert client.get("/authors/nobody-here/").status_code == 404


# --- Query counts ----------------------------------------------------------------------------


def article_with_related(count):
    """A published article with ``count`` of each related thing the page shows."""
    article = make_article(
        authors=[make_author() for _ in range(count)],
        content_updated_at=timezone.now(),
    )
    figures = [make_figure(article, width=64, height=40) for _ in range(count)]
    article.lead_figure = figures[0]
    article.save()
    article.tags.add(*[f"topic {n}" for n in range(count)])
    article.candidates.add(*[make_candidate() for _ in range(count)])
    article.races.add(
        *[make_race_with_votes([("First", 30 + n), ("Second", 20)]) for n in range(count)]
    )
    for n in range(count):
        make_exchange(article, is_question=n % 2 == 0, order=n)
        make_correction(article)
    return article


@pytest.mark.parametrize("count", [3, 30])
def test_article_page_queries_do_not_grow_with_related_items(
    client, django_assert_num_queries, count
):
    """Prevents an N+1 per byline author, tag, candidate, exchange and correction, and per
    related race (its election and office, its candidacies with votes, its counties)."""
    article = article_with_related(count)
    # article + lead figure, bylines+authors, tags, candidates, races (+ election, office,
    # runoff links), candidacies with votes, counties, exchanges, corrections, comments
    with django_assert_num_queries(10):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200


def articles_with_cards(count, **fields):
    articles = publish_many(count, **fields)
    for article in articles:
        article.lead_figure = make_figure(article, width=64, height=40)
        article.save()
    return articles


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("url", ["/articles/", "/articles/section/news/"])
def test_list_page_queries_do_not_grow_with_articles(client, django_assert_num_queries, count, url):
    """Prevents an N+1 per card on its lead figure (thumbnail) and its bylines' authors."""
    authors = [make_author(), make_author()]
    articles_with_cards(count, authors=authors)
    # count for the paginator, the page of articles + lead figures, bylines + authors, the
    # sections that have a story (the section links)
    with django_assert_num_queries(4):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_author_page_queries_do_not_grow_with_articles(client, django_assert_num_queries, count):
    """Prevents an N+1 per card on the author page (lead figure, bylines' authors)."""
    author = make_author()
    articles_with_cards(count, authors=[author])
    # the author, count for the paginator, the page of articles, bylines + authors
    with django_assert_num_queries(4):
        response = client.get(author.get_absolute_url())
    assert response.status_code == 200
