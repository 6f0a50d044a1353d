"""Permissions that hold (issue 19): every admin POST checks the object as it is now and the
user's permission, contributors' edits to public profiles wait for an editor, and the admin
log says what changed.

The models a Contributor may touch (civicsite/roles.py): articles with their bylines, figures,
pull quotes, embeds and interview turns (drafts only), and candidate and author profiles
(their edits wait for review, civicsite/review.py).
"""

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from articles.models import Article, Author, Byline, Embed, Exchange, Figure, PullQuote
from articles.services import article_publish, article_unpublish
from candidates.models import Candidate
from civicsite.models import PendingEdit
from civicsite.roles import CONTRIBUTOR, DATA_EDITOR, EDITOR
from tests.articles.factories import jpeg_bytes, make_article, make_author
from tests.articles.test_admin import article_form, management
from tests.candidates.factories import make_candidate
from tests.civicsite.test_roles import member_of

pytestmark = pytest.mark.django_db


def signed_in(role, username=None):
    client = Client()
    client.force_login(member_of(role, username))
    return client


@pytest.fixture
def contributor():
    return signed_in(CONTRIBUTOR)


@pytest.fixture
def editor():
    return signed_in(EDITOR)


def revert_url(obj, version):
    opts = obj._meta
    name = f"admin:{opts.app_label}_{opts.model_name}_simple_history"
    return reverse(name, args=[obj.pk, version.history_id])


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def log_messages(obj):
    return [
        entry.get_change_message()
        for entry in LogEntry.objects.filter(object_id=str(obj.pk)).order_by("action_time")
    ]


# --- Articles: a contributor changes drafts only, whatever the path -----------------------


def test_a_contributor_cannot_unpublish_a_published_article_through_history_revert(contributor):
    """The hole: the revert form's draft check read the restored version's status."""
    article = make_article(status=Article.Status.DRAFT, slug="runoff-set-in-district-5")
    draft = article.history.earliest()
    article_publish(article=article)
    data = article_form(title="Rewritten by a contributor", status="draft")

    response = contributor.post(revert_url(article, draft), data)

    assert response.status_code == 403
    article.refresh_from_db()
    assert (article.status, article.title) == (Article.Status.PUBLISHED, draft.title)
    assert contributor.get(revert_url(article, draft)).context["revert_disabled"] is True


def test_a_contributor_reverts_a_draft_and_the_log_says_what_changed(contributor):
    article = make_article(status=Article.Status.DRAFT, title="Runoff set in District 5")
    first = article.history.earliest()
    article.title = "Runoff set"
    article.save()

    data = article_form(title=first.title, slug=article.slug, status="draft")
    response = contributor.post(revert_url(article, first), data)

    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.status) == ("Runoff set in District 5", Article.Status.DRAFT)
    [message] = log_messages(article)
    assert message.startswith("Changed Title: “Runoff set” → “Runoff set in District 5”")
    assert "Reverted to the version of" in message
    assert article.history.first().history_change_reason.startswith("Reverted to the version")


def test_a_contributor_cannot_restore_the_published_version_of_an_unpublished_draft(contributor):
    article = make_article(slug="runoff-set-in-district-5")
    published = article.history.earliest()
    article_unpublish(article=article)
    data = article_form(
        status="published",
        publish_at_0=f"{article.publish_at:%Y-%m-%d}",
        publish_at_1=f"{article.publish_at:%H:%M:%S}",
    )

    response = contributor.post(revert_url(article, published), data)

    assert response.status_code == 200
    assert "Only an editor can publish" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


INLINE_ROWS = {
    "bylines": (Byline, lambda: {"bylines-0-author": str(make_author().pk), "bylines-0-order": 0}),
    "figures": (
        Figure,
        lambda: {
            "figures-0-key": "count",
            "figures-0-image": SimpleUploadedFile("c.jpg", jpeg_bytes(), "image/jpeg"),
            "figures-0-alt_text": "Poll workers counting ballots",
            "figures-0-caption": "Counting.",
            "figures-0-credit": "Illustration",
            "figures-0-order": 0,
        },
    ),
    "pull_quotes": (PullQuote, lambda: {"pull_quotes-0-key": "rule", "pull_quotes-0-text": "50%"}),
    "embeds": (
        Embed,
        lambda: {
            "embeds-0-key": "post",
            "embeds-0-author_name": "Demo Campaign",
            "embeds-0-handle": "@democampaign",
            "embeds-0-posted_on": "2021-11-02",
            "embeds-0-text": "Thank you, District 5.",
            "embeds-0-url": "https://example.com/posts/1",
        },
    ),
    "exchanges": (
        Exchange,
        lambda: {
            "exchanges-0-order": 0,
            "exchanges-0-speaker": "Demo Desk",
            "exchanges-0-text": "Why run?",
            "exchanges-0-is_question": "on",
        },
    ),
}


@pytest.mark.parametrize("prefix", INLINE_ROWS)
def test_a_contributor_adds_inline_rows_to_a_draft_only(contributor, prefix):
    """Bylines, figures, pull quotes, embeds and interview turns are rows of the article
    form: on a draft they are saved; on a published article the whole POST is refused."""
    model, row = INLINE_ROWS[prefix]
    for status, expected_status, expected_rows in (
        (Article.Status.DRAFT, 302, 1),
        (Article.Status.PUBLISHED, 403, 0),
    ):
        article = make_article(status=status)
        data = article_form(title=article.title, slug=article.slug, status="draft")
        data.update({**management(prefix, 1), **row()})
        if status == Article.Status.PUBLISHED:
            data.update(publish_at_0=f"{article.publish_at:%Y-%m-%d}", publish_at_1="10:00:00")

        response = contributor.post(change_url(article), data)

        assert response.status_code == expected_status, (status, response.content[:2000])
        assert model.objects.filter(article=article).count() == expected_rows
        article.refresh_from_db()
        assert article.status == status


def test_a_contributor_cannot_delete_or_publish_with_bulk_actions(contributor):
    published, draft = make_article(), make_article(status=Article.Status.DRAFT)
    changelist = reverse("admin:articles_article_changelist")
    for action in ("delete_selected", "publish_now", "unpublish"):
        contributor.post(
            changelist,
            {"action": action, "_selected_action": [published.pk, draft.pk], "post": "yes"},
        )
    assert Article.objects.count() == 2
    assert set(Article.objects.values_list("status", flat=True)) == {"published", "draft"}


def test_an_editors_save_is_logged_field_by_field_with_its_inline_rows(editor):
    article = make_article(title="Runoff set", body="Short.")
    author = make_author(name="Demo Desk")
    data = article_form(
        title="Runoff set in District 5",
        slug=article.slug,
        body="A longer body. " * 20,
        status="draft",
        **management("bylines", 1),
        **{"bylines-0-author": str(author.pk), "bylines-0-order": "0"},
        **management("comments", 0),  # the read-only list editors see on a saved article
    )

    assert editor.post(change_url(article), data).status_code == 302

    [message] = log_messages(article)
    assert "Title: “Runoff set” → “Runoff set in District 5”" in message
    assert "Status: Published → Draft" in message
    assert "Body: edited (6 → 299 characters)" in message  # the form strips the last space
    assert "Added byline" in message
    history_page = editor.get(reverse("admin:articles_article_history", args=[article.pk]))
    assert "Status: Published → Draft" in history_page.content.decode()


# --- Profiles: contributors' edits wait for an editor -------------------------------------


def candidate_profile(**fields):
    return make_candidate(name="Ann Able", slug="ann-able", bio="Runs a bakery.", **fields)


def author_profile(**fields):
    return make_author(name="Demo Desk", slug="demo-desk", bio="The desk.", **fields)


PROFILES = {"candidate": candidate_profile, "author": author_profile}


def profile_form(profile, **changes):
    """The profile's admin form as it stands, with ``changes``."""
    data = {
        name: value if value is not None else ""
        for name, value in model_to_dict(profile, exclude=["id", "photo"]).items()
    }
    return {**data, **changes}


def add_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def apply_url(edit):
    return reverse("admin:civicsite_pendingedit_apply", args=[edit.pk])


def reject_url(edit):
    return reverse("admin:civicsite_pendingedit_reject", args=[edit.pk])


@pytest.mark.parametrize("kind", PROFILES)
def test_a_contributors_edit_of_a_public_profile_waits_and_readers_see_the_old_one(
    contributor, client, kind
):
    profile = PROFILES[kind]()
    response = contributor.post(change_url(profile), profile_form(profile, bio="Made up."))

    edit = PendingEdit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:civicsite_pendingedit_change", args=[edit.pk])
    assert (edit.status, edit.object_id) == (PendingEdit.Status.PENDING, profile.pk)
    assert edit.changes == {"bio": {"old": profile.bio, "new": "Made up."}}
    profile.refresh_from_db()
    assert profile.bio != "Made up."
    page = client.get(profile.get_absolute_url()).content.decode()
    assert profile.bio in page and "Made up." not in page
    assert log_messages(profile) == []  # nothing changed yet; the edit is the record


@pytest.mark.parametrize("kind", PROFILES)
def test_a_new_profile_by_a_contributor_is_nowhere_until_an_editor_applies_it(
    contributor, editor, client, kind
):
    model = {"candidate": Candidate, "author": Author}[kind]
    data = {"name": "Made-Up Person", "slug": "made-up-person", "bio": "Invented."}
    if kind == "candidate":
        data.update(ballot_name="", party="", website="", x_handle="")
    assert contributor.post(add_url(model), data).status_code == 302
    assert not model.objects.filter(slug="made-up-person").exists()
    if kind == "candidate":
        assert (
            "Made-Up Person"
            not in client.get(reverse("candidates:candidate-list")).content.decode()
        )
        assert "Made-Up Person" not in client.get("/search/?q=Made-Up").content.decode()

    edit = PendingEdit.objects.get()
    assert edit.object_id is None
    response = editor.post(apply_url(edit))

    assert response.status_code == 302
    profile = model.objects.get(slug="made-up-person")
    edit.refresh_from_db()
    assert (edit.status, edit.object_id) == (PendingEdit.Status.APPLIED, profile.pk)
    assert client.get(profile.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("kind", PROFILES)
def test_an_editor_applies_an_edit_and_the_log_names_both_people(contributor, editor, kind):
    profile = PROFILES[kind]()
    old_name = profile.name
    contributor.post(change_url(profile), profile_form(profile, name="Ann B. Able"))
    edit = PendingEdit.objects.get()
    review_page = editor.get(reverse("admin:civicsite_pendingedit_change", args=[edit.pk]))
    assert review_page.context["can_review"] is True
    assert "Ann B. Able" in review_page.content.decode()

    editor.post(apply_url(edit))

    profile.refresh_from_db()
    assert profile.name == "Ann B. Able"
    [message] = log_messages(profile)
    assert message == (
        f"Changed Name: “{old_name}” → “Ann B. Able”. Applied edit #{edit.pk} by contributor."
    )
    if kind == "candidate":
        record = profile.history.first()
        assert record.history_user.username == "editor"
        assert record.history_change_reason == f"Applied edit #{edit.pk} by contributor"


@pytest.mark.parametrize("kind", PROFILES)
def test_an_editor_rejects_an_edit_and_nothing_changes(contributor, editor, kind):
    profile = PROFILES[kind]()
    contributor.post(change_url(profile), profile_form(profile, bio="Made up."))
    edit = PendingEdit.objects.get()

    editor.post(reject_url(edit), {"review_note": "Not sourced."})

    edit.refresh_from_db()
    assert (edit.status, edit.review_note) == (PendingEdit.Status.REJECTED, "Not sourced.")
    profile.refresh_from_db()
    assert profile.bio != "Made up."
    assert editor.post(apply_url(edit)).status_code == 302  # refused with a message
    profile.refresh_from_db()
    assert profile.bio != "Made up."


@pytest.mark.parametrize("kind", PROFILES)
def test_a_contributor_cannot_apply_an_edit_even_their_own(contributor, kind):
    profile = PROFILES[kind]()
    contributor.post(change_url(profile), profile_form(profile, bio="Made up."))
    edit = PendingEdit.objects.get()

    assert contributor.post(apply_url(edit)).status_code == 403
    changelist = reverse("admin:civicsite_pendingedit_changelist")
    assert contributor.get(changelist).status_code == 200  # their own edits, to follow them
    contributor.post(changelist, {"action": "apply_selected", "_selected_action": [edit.pk]})
    edit.refresh_from_db()
    assert edit.status == PendingEdit.Status.PENDING
    profile.refresh_from_db()
    assert profile.bio != "Made up."


def test_an_editors_own_profile_edits_are_public_at_once(editor):
    profile = candidate_profile()
    assert (
        editor.post(change_url(profile), profile_form(profile, bio="Checked.")).status_code == 302
    )
    profile.refresh_from_db()
    assert profile.bio == "Checked."
    assert not PendingEdit.objects.exists()
    assert log_messages(profile) == ["Changed Bio: edited (14 → 8 characters)."]


def test_a_contributors_revert_of_a_candidate_waits_for_an_editor_too(contributor):
    profile = candidate_profile()
    first = profile.history.earliest()
    profile.bio = "Checked by the desk."
    profile.save()

    response = contributor.post(revert_url(profile, first), profile_form(profile, bio=first.bio))

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.bio == "Checked by the desk."
    assert PendingEdit.objects.get().changes["bio"]["new"] == "Runs a bakery."


def test_applying_writes_only_the_edit_onto_the_profile_as_it_is_then(contributor, editor):
    profile = candidate_profile(party="")
    contributor.post(change_url(profile), profile_form(profile, bio="New bio."))
    edit = PendingEdit.objects.get()
    # Meanwhile an editor renames the candidate and changes the bio too.
    Candidate.objects.filter(pk=profile.pk).update(name="Ann Able-Baker", bio="Desk's bio.")

    review_page = editor.get(reverse("admin:civicsite_pendingedit_change", args=[edit.pk]))
    assert "Changed by someone else since this edit was made" in review_page.content.decode()
    editor.post(apply_url(edit))

    profile.refresh_from_db()
    assert (profile.name, profile.bio) == ("Ann Able-Baker", "New bio.")


def test_applying_a_new_profile_whose_slug_was_taken_since_is_refused_with_the_reason(
    contributor, editor
):
    data = {"name": "Ann Able", "slug": "ann-able", "bio": "", "ballot_name": "", "party": ""}
    contributor.post(add_url(Candidate), data)
    edit = PendingEdit.objects.get()
    candidate_profile()

    response = editor.post(apply_url(edit), follow=True)

    assert (
        "Not applied: Slug: Candidate with this Slug already exists." in response.content.decode()
    )
    edit.refresh_from_db()
    assert edit.status == PendingEdit.Status.PENDING
    assert Candidate.objects.count() == 1


def test_a_photo_in_a_waiting_edit_is_stored_but_shown_only_once_applied(contributor, editor):
    profile = candidate_profile()
    data = profile_form(
        profile,
        photo=SimpleUploadedFile("me.jpg", jpeg_bytes(400, 300), "image/jpeg"),
        photo_alt="Ann Able at the forum",
    )
    contributor.post(change_url(profile), data)
    edit = PendingEdit.objects.get()
    stored_name = edit.changes["photo"]["new"]
    assert stored_name.startswith("candidates/") and stored_name.endswith(".jpg")
    profile.refresh_from_db()
    assert not profile.photo

    editor.post(apply_url(edit))

    profile.refresh_from_db()
    assert (profile.photo.name, profile.photo_alt) == (stored_name, "Ann Able at the forum")
    assert profile.photo.storage.exists(stored_name)


def test_a_data_editor_can_neither_see_the_edits_nor_revert_a_candidate(contributor):
    profile = candidate_profile()
    contributor.post(change_url(profile), profile_form(profile, bio="Made up."))
    data_editor = signed_in(DATA_EDITOR)
    assert data_editor.get(reverse("admin:civicsite_pendingedit_changelist")).status_code == 403
    assert data_editor.post(apply_url(PendingEdit.objects.get())).status_code == 403
    version = profile.history.earliest()
    assert data_editor.post(revert_url(profile, version), profile_form(profile)).status_code == 403


def test_the_review_list_costs_the_same_queries_for_one_edit_or_many(
    editor, django_assert_num_queries
):
    """Pins the changelist: each row's kind, fields and contributor come with the list query
    (no query per edit for its content type or its submitter)."""
    changelist = reverse("admin:civicsite_pendingedit_changelist")
    writer = member_of(CONTRIBUTOR, "writer")

    def propose(count):
        for n in range(count):
            PendingEdit.objects.create(
                content_type_id=_candidate_type(),
                object_repr=f"Candidate {n}",
                changes={"bio": {"old": "", "new": "x"}},
                submitted_by=writer,
            )

    propose(1)
    editor.get(changelist)  # warm: sessions, content types
    with django_assert_num_queries(8) as one:
        editor.get(changelist)
    propose(9)
    with django_assert_num_queries(len(one.captured_queries)):
        response = editor.get(changelist)
    assert response.context["cl"].result_count == 10


def _candidate_type():
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Candidate).pk


def test_a_profile_photo_from_the_media_library_uses_its_file_and_its_words(editor):
    from tests.articles.test_admin_editing import library_image

    picture = library_image(alt_text="Ann Able at the forum", credit="Staff photo")
    profile = candidate_profile()
    editor.post(change_url(profile), profile_form(profile, library_photo=picture.pk))
    profile.refresh_from_db()
    assert profile.photo.name == picture.image.name  # the library's file, not a copy
    assert (profile.photo_alt, profile.photo_credit) == ("Ann Able at the forum", "Staff photo")


def test_rejecting_a_contributors_library_photo_keeps_the_librarys_file(
    contributor, editor, django_capture_on_commit_callbacks
):
    from tests.articles.test_admin_editing import library_image

    picture = library_image()
    profile = candidate_profile()
    contributor.post(change_url(profile), profile_form(profile, library_photo=picture.pk))
    edit = PendingEdit.objects.get()
    assert edit.changes["photo"]["new"] == picture.image.name
    with django_capture_on_commit_callbacks(execute=True):
        editor.post(reject_url(edit), {"review_note": "Not this one."})
    edit.refresh_from_db()
    assert edit.status == PendingEdit.Status.REJECTED
    assert picture.image.storage.exists(picture.image.name)
