"""The newsroom's roles (civicsite/roles.py): the groups the migration creates, and each
permission boundary as the admin enforces it for a staff member in each group."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article, Comment
from candidates.models import Candidate, Race, VoteCount
from civicsite.models import PendingEdit
from civicsite.roles import CONTRIBUTOR, DATA_EDITOR, EDITOR, ROLES
from tests.articles.factories import make_article
from tests.articles.test_admin import article_form
from tests.candidates.factories import make_race_with_votes

pytestmark = pytest.mark.django_db


def member_of(role, username=None):
    user = get_user_model().objects.create_user(
        username or role.lower().replace(" ", "-"), password="a-long-passphrase", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def client_for(client, role):
    client.force_login(member_of(role))
    return client


@pytest.fixture
def contributor(client):
    return client_for(client, CONTRIBUTOR)


@pytest.fixture
def editor(client):
    return client_for(client, EDITOR)


@pytest.fixture
def data_editor(client):
    return client_for(client, DATA_EDITOR)


@pytest.fixture
def race():
    return make_race_with_votes([("Ann Able", 300), ("Bo Baker", 200)])


def grid_url(race):
    return reverse("admin:candidates_race_results", args=[race.pk])


def upload_url(race):
    return reverse("admin:candidates_election_upload_results", args=[race.election.pk])


def grid_data(race, **votes_by_name):
    unit = race.reporting_units.get()
    data = {
        "status": race.status,
        f"reporting_{unit.pk}": str(unit.precincts_reporting),
        "_publish": "Publish these figures",
    }
    for candidacy in race.candidacies.select_related("candidate"):
        data[f"votes_{candidacy.pk}_{unit.pk}"] = str(votes_by_name[candidacy.candidate.name])
    return data


def available_actions(response):
    """The changelist's action names (none at all: Django shows no action form)."""
    form = response.context["action_form"]
    return {value for value, _ in form.fields["action"].choices} if form else set()


def group_permissions(role):
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


# --- The groups --------------------------------------------------------------------------------


def test_the_migration_creates_the_three_groups_with_exactly_their_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= {CONTRIBUTOR, EDITOR, DATA_EDITOR}
    for role, permissions in ROLES.items():
        assert group_permissions(role) == set(permissions), role


def test_only_editors_hold_the_publish_permission():
    assert "articles.publish_article" in group_permissions(EDITOR)
    assert "articles.publish_article" not in group_permissions(CONTRIBUTOR)
    assert "articles.publish_article" not in group_permissions(DATA_EDITOR)


def test_contributors_draft_but_touch_no_results_and_no_comments():
    perms = group_permissions(CONTRIBUTOR)
    assert {"articles.add_article", "articles.change_article", "candidates.change_candidate"} <= (
        perms
    )
    assert not perms & {
        "candidates.change_race",
        "candidates.change_votecount",
        "candidates.change_reportingunit",
        "articles.change_comment",
        "articles.delete_article",
    }


def test_data_editors_keep_results_and_nothing_else():
    perms = group_permissions(DATA_EDITOR)
    assert {"candidates.change_race", "candidates.change_votecount"} <= perms
    assert {"candidates.view_election"} <= perms
    assert not [p for p in perms if p.startswith("articles.")]
    assert "candidates.change_election" not in perms
    assert "candidates.change_questionnaire" not in perms


def test_sync_roles_puts_back_a_permission_removed_by_hand_and_says_so():
    group = Group.objects.get(name=CONTRIBUTOR)
    group.permissions.remove(Permission.objects.get(codename="add_article"))

    dry = StringIO()
    call_command("sync_roles", "--dry-run", stdout=dry)
    assert "Would change Contributor: 1 added, 0 removed." in dry.getvalue()
    assert "articles.add_article" not in group_permissions(CONTRIBUTOR)

    out = StringIO()
    call_command("sync_roles", verbosity=2, stdout=out)
    assert "Changed Contributor: 1 added, 0 removed." in out.getvalue()
    assert "  + articles.add_article" in out.getvalue()
    assert "Editor: up to date." in out.getvalue()
    assert "articles.add_article" in group_permissions(CONTRIBUTOR)


def test_sync_roles_takes_away_a_permission_given_to_a_group_by_hand():
    group = Group.objects.get(name=DATA_EDITOR)
    group.permissions.add(Permission.objects.get(codename="change_article"))
    out = StringIO()
    call_command("sync_roles", stdout=out)
    assert "Changed Data editor: 0 added, 1 removed." in out.getvalue()
    assert "articles.change_article" not in group_permissions(DATA_EDITOR)


# --- Contributor -------------------------------------------------------------------------------


def test_a_contributor_saves_a_draft_article(contributor):
    response = contributor.post(reverse("admin:articles_article_add"), article_form())
    assert response.status_code == 302
    assert Article.objects.get(slug="runoff-set-in-district-5").status == Article.Status.DRAFT


@pytest.mark.parametrize("status", [Article.Status.PUBLISHED, Article.Status.SCHEDULED])
def test_a_contributor_cannot_publish_or_schedule_through_the_form(contributor, status):
    data = article_form(status=status, publish_at_0="2021-11-05", publish_at_1="10:00:00")
    response = contributor.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 200
    assert "Only an editor can publish" in response.content.decode()
    assert not Article.objects.exists()


def test_a_contributor_cannot_change_or_unpublish_a_published_article(contributor):
    article = make_article(slug="runoff-set-in-district-5")
    url = reverse("admin:articles_article_change", args=[article.pk])
    page = contributor.get(url)
    assert page.status_code == 200  # read-only: no Save button, no inline rows to add
    assert page.context["has_change_permission"] is False
    for status in (Article.Status.PUBLISHED, Article.Status.DRAFT):
        data = article_form(
            title="Changed by a contributor",
            status=status,
            publish_at_0=f"{article.publish_at:%Y-%m-%d}",
            publish_at_1=f"{article.publish_at:%H:%M:%S}",
        )
        assert contributor.post(url, data).status_code == 403, status
    article.refresh_from_db()
    assert (article.title, article.status) != ("Changed by a contributor", Article.Status.DRAFT)
    assert article.status == Article.Status.PUBLISHED


def test_a_contributor_sees_no_publish_actions_and_cannot_post_one(contributor):
    draft = make_article(status=Article.Status.DRAFT)
    changelist = reverse("admin:articles_article_changelist")
    response = contributor.get(changelist)
    assert response.status_code == 200
    assert not available_actions(response) & {"publish_now", "unpublish"}

    contributor.post(changelist, {"action": "publish_now", "_selected_action": [draft.pk]})
    assert not Article.objects.published().exists()


def test_a_contributor_cannot_see_or_use_the_results_grid_and_upload(contributor, race):
    change_page = contributor.get(reverse("admin:candidates_race_change", args=[race.pk]))
    assert change_page.status_code == 200  # view only: the article form's race picker
    assert grid_url(race) not in change_page.content.decode()
    assert contributor.get(grid_url(race)).status_code == 403
    votes = grid_data(race, **{"Ann Able": 1, "Bo Baker": 1})
    assert contributor.post(grid_url(race), votes).status_code == 403
    assert contributor.get(upload_url(race)).status_code == 403
    assert sorted(VoteCount.objects.values_list("votes", flat=True)) == [200, 300]


def test_a_contributor_cannot_change_a_race_through_the_revert_form(contributor, race):
    version = race.history.earliest()
    url = reverse("admin:candidates_race_simple_history", args=[race.pk, version.history_id])
    assert contributor.get(url).status_code == 200  # may look, as on the change page
    # A complete, valid form: without the guard in civicsite/core/history.py this saves.
    data = {
        "election": race.election_id,
        "office": race.office_id,
        "slug": race.slug,
        "seats": 1,
        "decision_rule": race.decision_rule,
        "status": Race.Status.COUNTING,
    }
    response = contributor.post(url, data)
    assert response.status_code == 403
    race.refresh_from_db()
    assert race.status == Race.Status.UNOFFICIAL_FINAL


def test_a_contributor_cannot_moderate_comments(contributor):
    article = make_article()
    comment = Comment.objects.create(article=article, name="A", email="a@example.com", text="Hi")
    changelist = reverse("admin:articles_comment_changelist")
    assert contributor.get(changelist).status_code == 403
    contributor.post(changelist, {"action": "approve", "_selected_action": [comment.pk]})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


def test_a_contributor_proposes_a_candidate_profile_that_waits_for_an_editor(contributor):
    response = contributor.post(
        reverse("admin:candidates_candidate_add"), {"name": "Ann Able", "slug": "ann-able"}
    )
    edit = PendingEdit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:civicsite_pendingedit_change", args=[edit.pk])
    assert not Candidate.objects.filter(slug="ann-able").exists()
    assert edit.changes["name"] == {"old": None, "new": "Ann Able"}


# --- Data editor -------------------------------------------------------------------------------


def test_a_data_editor_cannot_open_or_edit_articles(data_editor):
    article = make_article()
    assert data_editor.get(reverse("admin:articles_article_changelist")).status_code == 403
    url = reverse("admin:articles_article_change", args=[article.pk])
    assert data_editor.get(url).status_code == 403
    assert data_editor.post(url, article_form(title="Changed")).status_code == 403
    assert data_editor.get(reverse("admin:articles_comment_changelist")).status_code == 403


def test_a_data_editor_enters_results_in_the_grid_and_may_upload(data_editor, race):
    assert data_editor.get(grid_url(race)).status_code == 200
    response = data_editor.post(
        grid_url(race), grid_data(race, **{"Ann Able": 310, "Bo Baker": 200})
    )
    assert response.status_code == 302
    assert sorted(VoteCount.objects.values_list("votes", flat=True)) == [200, 310]
    assert data_editor.get(upload_url(race)).status_code == 200


def test_a_data_editor_may_view_but_not_change_an_election(data_editor, race):
    url = reverse("admin:candidates_election_change", args=[race.election.pk])
    assert data_editor.get(url).status_code == 200
    response = data_editor.post(url, {"name": "Renamed", "date": "2021-11-02"})
    assert response.status_code == 403


# --- Editor ------------------------------------------------------------------------------------


def test_an_editor_publishes_with_the_action_and_through_the_form(editor):
    draft = make_article(status=Article.Status.DRAFT)
    changelist = reverse("admin:articles_article_changelist")
    assert {"publish_now", "unpublish"} <= available_actions(editor.get(changelist))
    editor.post(changelist, {"action": "publish_now", "_selected_action": [draft.pk]})
    assert Article.objects.published().filter(pk=draft.pk).exists()

    data = article_form(status="published", publish_at_0="2021-11-05", publish_at_1="10:00:00")
    assert editor.post(reverse("admin:articles_article_add"), data).status_code == 302
    assert Article.objects.published().filter(slug="runoff-set-in-district-5").exists()


def test_an_editor_moderates_comments_and_enters_results(editor, race):
    comment = Comment.objects.create(
        article=make_article(), name="A", email="a@example.com", text="Hi"
    )
    changelist = reverse("admin:articles_comment_changelist")
    assert editor.get(changelist).status_code == 200
    editor.post(changelist, {"action": "approve", "_selected_action": [comment.pk]})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    assert editor.get(grid_url(race)).status_code == 200
    assert editor.get(upload_url(race)).status_code == 200
