"""The editor's article admin (issue 18): the media library, the lead chosen on the first save,
"Publish now" and "Schedule", word counts, tag suggestions and the revision diff."""

import datetime
import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Figure, LibraryImage
from candidates.guide_forms import CandidacyAnswersForm
from civicsite.roles import CONTRIBUTOR, EDITOR
from tests.articles.factories import jpeg_bytes, make_article, make_figure
from tests.articles.test_admin import article_form, management
from tests.civicsite.test_roles import client_for

pytestmark = pytest.mark.django_db

ADD = reverse("admin:articles_article_add")


@pytest.fixture
def editor(client):
    return client_for(client, EDITOR)


@pytest.fixture
def contributor():
    return client_for(Client(), CONTRIBUTOR)


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def change_form(**fields):
    """The article form as the change page posts it (with its read-only comments inline)."""
    return article_form(**management("comments", 0), **fields)


def library_image(**fields):
    fields.setdefault("title", "Ballots")
    fields.setdefault("alt_text", "Ballots in a box")
    image = SimpleUploadedFile("b.jpg", jpeg_bytes(64, 40), content_type="image/jpeg")
    return LibraryImage.objects.create(image=image, **fields)


def upload_row(key="count", *, lead=False, **fields):
    row = {
        "figures-0-key": key,
        "figures-0-image": SimpleUploadedFile(
            "count.jpg", jpeg_bytes(1000, 600), content_type="image/jpeg"
        ),
        "figures-0-alt_text": "Poll workers counting ballots",
        "figures-0-caption": "Counting in Fulton County.",
        "figures-0-credit": "Illustration",
        "figures-0-order": "0",
        **fields,
    }
    if lead:
        row["figures-0-is_lead"] = "on"
    return {**management("figures", 1), **row}


def media_files():
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- The media library, and the lead on the first save -----------------------------------------


def test_an_upload_joins_the_library_once_and_a_second_article_reuses_it(editor):
    response = editor.post(ADD, article_form(**upload_row(lead=True)))
    assert response.status_code == 302, response.context and response.context["errors"]
    first = Article.objects.get()
    library_image = LibraryImage.objects.get()
    assert library_image.alt_text == "Poll workers counting ballots"
    assert library_image.renditions and library_image.image.name.startswith("library/")
    # The lead was chosen on the first save.
    assert first.lead_figure == first.figures.get()
    files_after_upload = media_files()

    data = article_form(
        title="A second story",
        slug="a-second-story",
        body="More.\n\n[figure: again]",
        **management("figures", 1),
        **{
            "figures-0-key": "again",
            "figures-0-library_image": str(library_image.pk),
            "figures-0-alt_text": "",
            "figures-0-credit": "",
            "figures-0-order": "0",
            "figures-0-is_lead": "on",
        },
    )
    assert editor.post(ADD, data).status_code == 302
    second = Article.objects.get(slug="a-second-story")
    figure = second.figures.get()
    assert second.lead_figure == figure
    # Reused, not uploaded again: same file, same renditions, no new file on the disk.
    assert figure.image.name == library_image.image.name
    assert figure.renditions == library_image.renditions
    assert (figure.alt_text, figure.credit) == ("Poll workers counting ballots", "Illustration")
    assert media_files() == files_after_upload
    assert LibraryImage.objects.count() == 1
    assert "<picture>" in second.body_html


def test_a_new_upload_needs_alt_text_and_a_figure_needs_an_image(editor):
    response = editor.post(ADD, article_form(**upload_row(**{"figures-0-alt_text": ""})))
    assert response.status_code == 200
    assert "the alt text is required" in response.content.decode()
    data = article_form(**management("figures", 1), **{"figures-0-key": "x", "figures-0-order": 0})
    response = editor.post(ADD, data)
    assert "Choose an image from the media library or upload one." in response.content.decode()
    assert not Article.objects.exists() and not LibraryImage.objects.exists()


def test_only_one_figure_can_be_the_lead(editor):
    picture = library_image()
    rows = {**management("figures", 2)}
    for n in range(2):
        rows |= {
            f"figures-{n}-key": f"f{n}",
            f"figures-{n}-library_image": str(picture.pk),
            f"figures-{n}-order": str(n),
            f"figures-{n}-is_lead": "on",
        }
    response = editor.post(ADD, article_form(**rows))
    assert response.status_code == 200
    assert "Tick “Lead image” on one figure only." in response.content.decode()


def test_unticking_the_lead_leaves_the_article_without_one(editor):
    article = make_article()
    figure = make_figure(article, key="count")
    article.lead_figure = figure
    article.save()
    page = editor.get(change_url(article))
    assert page.context["inline_admin_formsets"][1].formset.forms[0].initial["is_lead"] is True
    data = change_form(
        title=article.title,
        slug=article.slug,
        status="published",
        publish_at_0=f"{timezone.localtime(article.publish_at):%Y-%m-%d}",
        publish_at_1=f"{timezone.localtime(article.publish_at):%H:%M:%S}",
        **management("figures", 1, initial=1),
        **{
            "figures-0-id": str(figure.pk),
            "figures-0-article": str(article.pk),
            "figures-0-key": "count",
            "figures-0-alt_text": figure.alt_text,
            "figures-0-order": "0",
        },
    )
    assert editor.post(change_url(article), data).status_code == 302
    assert Article.objects.get(pk=article.pk).lead_figure is None
    assert not LibraryImage.objects.exists()  # no upload, nothing added to the library


@pytest.mark.parametrize("count", [3, 30])
def test_the_library_list_costs_the_same_for_3_and_30_images(
    editor, django_assert_num_queries, count
):
    """The "Figures" column is an annotated count: no query per row (N+1)."""
    for n in range(count):
        library_image(title=f"Picture {n}")
    url = reverse("admin:articles_libraryimage_changelist")
    editor.get(url)  # warm the session
    with django_assert_num_queries(9):
        assert editor.get(url).status_code == 200


def test_the_library_is_searched_by_title_alt_text_and_credit(editor):
    library_image(title="Canvass", alt_text="Volunteers knock")
    library_image(title="Forum", alt_text="A", credit="Ann")
    url = reverse("admin:articles_libraryimage_changelist")
    for term, title in (("canv", "Canvass"), ("knock", "Canvass"), ("ann", "Forum")):
        response = editor.get(url, {"q": term})
        assert [image.title for image in response.context["cl"].result_list] == [title]


def test_the_migration_moves_existing_figures_into_the_library_without_copying_files():
    article = make_article()
    figures = [make_figure(article, key=key) for key in ("a", "b")]
    Figure.objects.filter(pk=figures[1].pk).update(image=figures[0].image.name)
    migration = importlib.import_module("articles.migrations.0007_media_library")

    state = MigrationExecutor(connection).loader.project_state(("articles", "0007_media_library"))

    migration.figures_into_the_library(state.apps, None)

    library = LibraryImage.objects.get()
    assert library.image.name == figures[0].image.name
    assert library.renditions == figures[0].renditions
    assert set(Figure.objects.values_list("library_image", flat=True)) == {library.pk}


# --- Publishing --------------------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2021, 11, 2, 15, 0, tzinfo=datetime.UTC), tick=False)
def test_publish_now_is_one_click_on_the_add_form(editor):
    response = editor.post(ADD, article_form(_publish_now="Publish now"), follow=True)
    article = Article.objects.get()
    assert article.status == Article.Status.PUBLISHED and article.is_public
    assert article.publish_at == timezone.now() == article.first_published_at
    assert response.redirect_chain[-1][0] == change_url(article)
    assert "Published: readers can see it now." in response.content.decode()


@time_machine.travel(datetime.datetime(2021, 11, 2, 15, 0, tzinfo=datetime.UTC), tick=False)
def test_schedule_takes_one_date_and_time_in_the_newsrooms_time_zone(editor):
    draft = make_article(status=Article.Status.DRAFT, slug="runoff-set-in-district-5")
    data = change_form(schedule_at="2021-11-03T07:00", _schedule="Schedule")
    response = editor.post(change_url(draft), data, follow=True)
    draft.refresh_from_db()
    assert draft.status == Article.Status.SCHEDULED and not draft.is_public
    assert timezone.localtime(draft.publish_at).strftime("%Y-%m-%d %H:%M") == "2021-11-03 07:00"
    assert str(timezone.get_current_timezone()) == settings.TIME_ZONE
    assert "Scheduled: readers see it from Wednesday 3 November 2021, 07:00." in (
        response.content.decode()
    )

    for bad in ("2021-11-01T07:00", "", "not a date"):
        data = change_form(schedule_at=bad, _schedule="Schedule")
        response = editor.post(change_url(draft), data)
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["schedule_at"]


def test_back_to_draft_and_a_plain_save_keeps_the_status(editor):
    article = make_article(slug="runoff-set-in-district-5")
    stamp = {
        "status": "published",
        "publish_at_0": f"{timezone.localtime(article.publish_at):%Y-%m-%d}",
        "publish_at_1": f"{timezone.localtime(article.publish_at):%H:%M:%S}",
    }
    assert editor.post(change_url(article), change_form(title="New", **stamp)).status_code == 302
    assert Article.objects.get(pk=article.pk).is_public
    editor.post(change_url(article), change_form(**stamp, _back_to_draft="Back to draft"))
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT


def test_the_form_shows_two_publishing_controls_to_editors_and_none_to_contributors(
    editor, contributor
):
    page = editor.get(ADD).content.decode()
    assert 'name="_publish_now"' in page and 'name="_schedule"' in page
    assert 'type="datetime-local"' in page
    assert '<select name="status"' not in page and 'name="status" type="hidden"' not in page
    page = contributor.get(ADD).content.decode()
    assert 'name="_publish_now"' not in page and 'name="_schedule"' not in page
    assert "an editor publishes" in page


@pytest.mark.parametrize("button", ["_publish_now", "_schedule"])
def test_a_contributor_cannot_publish_or_schedule_with_the_buttons(contributor, button):
    data = article_form(**{button: "x"}, schedule_at="2099-01-01T10:00")
    response = contributor.post(ADD, data)
    assert response.status_code == 200
    assert "Only an editor can publish" in response.content.decode()
    assert not Article.objects.exists()


# --- Word counts, tags, autosave ---------------------------------------------------------------


def test_the_form_counts_words_suggests_tags_and_loads_its_scripts_from_files(editor):
    make_article().tags.add("District 5", "Runoff <b>")
    page = editor.get(ADD).content.decode()
    assert 'data-word-count="body"' in page
    assert 'list="id_tags-suggestions"' in page
    assert '<option value="District 5">' in page and '<option value="Runoff &lt;b&gt;">' in page
    assert "core/word_count.js" in page and "articles/admin_editing.js" in page
    assert "data-autosave-notice" in page
    assert "<script>" not in page  # CSP: no inline script


def test_guide_answers_carry_their_word_limit_for_the_live_count():
    question = SimpleNamespace(pk=7, short_label="Housing", text="What about housing?")
    form = CandidacyAnswersForm(candidacy=None, questions=[question], max_words=150)
    assert form.fields["q7"].widget.attrs["data-word-limit"] == 150
    assert 'data-word-limit="150"' in str(form["q7"])


# --- Revision diff -----------------------------------------------------------------------------


def test_the_history_compares_two_versions_word_by_word_in_the_newsrooms_time(editor, settings):
    settings.TIME_ZONE = "America/New_York"
    with time_machine.travel(datetime.datetime(2021, 11, 2, 23, 30, tzinfo=datetime.UTC)):
        article = make_article(body="The race drew five candidates in May.")
    with time_machine.travel(datetime.datetime(2021, 11, 3, 1, 0, tzinfo=datetime.UTC)):
        article = Article.objects.get(pk=article.pk)
        article.body = "The race drew six candidates <script>alert(1)</script> in May."
        article.save()

    history = editor.get(reverse("admin:articles_article_history", args=[article.pk]))
    compare = reverse("admin:articles_article_history_compare", args=[article.pk])
    assert f"{compare}?newer=" in history.content.decode()

    page = editor.get(compare).content.decode()
    assert "<del>five</del>" in page
    assert "<ins>six</ins> candidates<ins> &lt;script&gt;alert(1)&lt;/script&gt;</ins>" in page
    assert "<script>alert" not in page
    # 23:30 UTC on Nov. 2 is 19:30 in Atlanta (settings.TIME_ZONE, America/New_York).
    assert "Older: Tuesday 2 November 2021, 19:30" in page


def test_a_bad_version_to_compare_is_a_form_error_not_a_500(editor):
    article = make_article()
    compare = reverse("admin:articles_article_history_compare", args=[article.pk])
    for query in ({"newer": "x"}, {"older": "99999", "newer": "\x00"}):
        response = editor.get(compare, query)
        assert response.status_code == 200
        assert response.context["form"].errors
    assert editor.get(compare.replace(str(article.pk), "999999")).status_code == 404
