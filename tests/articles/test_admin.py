"""The articles admin: editors write, place and publish stories without touching HTML."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.articles.factories import jpeg_bytes, make_article, make_author

pytestmark = pytest.mark.django_db

INLINES = ["bylines", "figures", "pull_quotes", "embeds", "exchanges", "corrections"]


@pytest.fixture
def editor_client(client):
    user = get_user_model().objects.create_superuser("editor", "editor@example.com", "pw")
    client.force_login(user)
    return client


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def article_form(**fields):
    data = {
        "title": "Runoff set in District 5",
        "slug": "runoff-set-in-district-5",
        "dek": "No candidate passed 50%.",
        "kind": "news",
        "body": "Results are in.\n\n[figure: count]\n\n[pullquote: rule]",
        "status": "draft",
        "publish_at_0": "",
        "publish_at_1": "",
        "content_updated_at_0": "",
        "content_updated_at_1": "",
        "lead_figure": "",
        "photo_credit_line": "",
        "tags": "District 5, runoff",
        "comments_open": "on",
    }
    for prefix in INLINES:
        data.update(management(prefix, 0))
    data.update(fields)
    return data


def test_an_editor_adds_an_article_with_its_inlines_and_the_figure_is_placed(editor_client):
    author = make_author(name="Demo Desk")
    data = article_form(
        **management("bylines", 1),
        **{"bylines-0-author": str(author.pk), "bylines-0-order": "0"},
        **management("figures", 1),
        **{
            "figures-0-key": "count",
            "figures-0-image": SimpleUploadedFile(
                "count.jpg", jpeg_bytes(1400, 900), content_type="image/jpeg"
            ),
            "figures-0-alt_text": "Poll workers counting ballots",
            "figures-0-caption": "Counting in Fulton County.",
            "figures-0-credit": "Illustration",
            "figures-0-order": "0",
        },
        **management("pull_quotes", 1),
        **{"pull_quotes-0-key": "rule", "pull_quotes-0-text": "Fifty percent plus one."},
        **management("exchanges", 2),
        **{
            "exchanges-0-order": "0",
            "exchanges-0-speaker": "Demo Desk",
            "exchanges-0-is_question": "on",
            "exchanges-0-text": "What happens *now*?",
            "exchanges-1-order": "1",
            "exchanges-1-speaker": "A candidate",
            "exchanges-1-text": "We keep knocking on doors.",
        },
    )
    response = editor_client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 302, response.context["errors"]
    article = Article.objects.get(slug="runoff-set-in-district-5")
    assert article.status == Article.Status.DRAFT
    assert [b.author for b in article.bylines.all()] == [author]
    figure = article.figures.get()
    assert figure.renditions
    assert "<picture>" in article.body_html and 'class="pull-quote"' in article.body_html
    assert [e.text_html for e in article.exchanges.all()] == [
        "<p>What happens <em>now</em>?</p>",
        "<p>We keep knocking on doors.</p>",
    ]
    assert set(article.tags.names()) == {"District 5", "runoff"}


def test_a_body_placing_a_missing_figure_warns_the_editor(editor_client):
    response = editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(body="Text.\n\n[figure: nowhere]"),
        follow=True,
    )
    warnings = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("figure “nowhere”" in m and "readers see nothing" in m for m in warnings)


def test_a_slug_already_in_use_gets_a_plain_form_error(editor_client):
    make_article(slug="runoff-set-in-district-5")
    response = editor_client.post(reverse("admin:articles_article_add"), article_form())

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["slug"]
    assert errors == [
        "Another article already uses this address (slug): “runoff-set-in-district-5”. "
        "Change the slug, for example by adding the year or the district."
    ]
    assert Article.objects.count() == 1


def test_a_refused_upload_is_a_form_error_not_a_server_error(editor_client):
    data = article_form(
        **management("figures", 1),
        **{
            "figures-0-key": "fake",
            "figures-0-image": SimpleUploadedFile("fake.jpg", b"<svg onload=alert(1)>"),
            "figures-0-alt_text": "Nothing",
            "figures-0-order": "0",
        },
    )
    response = editor_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 200
    assert "not a JPEG, PNG, WebP or GIF image" in response.content.decode()
    assert not Article.objects.exists()


def test_publish_now_and_unpublish_actions_change_what_readers_can_see(editor_client):
    drafts = [make_article(status=Article.Status.DRAFT) for _ in range(2)]
    changelist = reverse("admin:articles_article_changelist")

    editor_client.post(
        changelist,
        {"action": "publish_now", "_selected_action": [a.pk for a in drafts]},
    )
    published = Article.objects.published()
    assert set(published.values_list("pk", flat=True)) == {a.pk for a in drafts}
    first = Article.objects.get(pk=drafts[0].pk)
    assert first.first_published_at is not None

    editor_client.post(changelist, {"action": "unpublish", "_selected_action": [drafts[0].pk]})
    assert list(Article.objects.published().values_list("pk", flat=True)) == [drafts[1].pk]
    # The first publication time is kept when the article is published again.
    assert Article.objects.get(pk=drafts[0].pk).first_published_at == first.first_published_at


def test_publish_now_leaves_an_already_public_article_and_its_date_alone(editor_client):
    public = make_article()
    before = Article.objects.get(pk=public.pk).publish_at
    editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_now", "_selected_action": [public.pk]},
    )
    assert Article.objects.get(pk=public.pk).publish_at == before


def test_the_change_page_offers_a_preview_of_a_draft_and_view_on_site_once_public(
    editor_client,
):
    draft = make_article(status=Article.Status.DRAFT)
    page = editor_client.get(reverse("admin:articles_article_change", args=[draft.pk]))
    assert "Preview (not published)" in page.content.decode()

    public = make_article()
    page = editor_client.get(reverse("admin:articles_article_change", args=[public.pk]))
    assert "View on site" in page.content.decode()


def test_editing_a_public_story_after_the_grace_period_sets_updated(editor_client):
    long_ago = timezone.now() - datetime.timedelta(days=2)
    article = make_article(publish_at=long_ago)
    article = Article.objects.get(pk=article.pk)
    article.body = "A corrected paragraph."
    article.save()
    assert article.content_updated_at is not None

    fresh = Article.objects.get(pk=make_article().pk)  # published an hour ago: past the grace
    fresh.title = "A sharper headline"
    fresh.save()
    assert fresh.content_updated_at is not None

    draft = Article.objects.get(pk=make_article(status=Article.Status.DRAFT).pk)
    draft.body = "Still drafting."
    draft.save()
    assert draft.content_updated_at is None


def test_a_typo_fixed_right_after_publishing_does_not_earn_an_updated_line():
    article = make_article(publish_at=timezone.now() - datetime.timedelta(minutes=5))
    article = Article.objects.get(pk=article.pk)
    article.dek = "A fixed typo."
    article.save()
    assert article.content_updated_at is None


@pytest.mark.parametrize("count", [3, 30])
def test_the_changelist_costs_the_same_queries_for_3_and_30_articles(
    editor_client, django_assert_num_queries, count
):
    """The lead author column reads prefetched bylines: no query per row (N+1)."""
    for _ in range(count):
        make_article(authors=[make_author()])
    editor_client.get(reverse("admin:articles_article_changelist"))  # warm the session
    with django_assert_num_queries(9):
        response = editor_client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 200
    assert "Demo Desk" in response.content.decode()
