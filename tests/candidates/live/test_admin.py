"""The desk's side of the feeds in the admin: held pulls with their diff, Apply and Reject, the
notice on the admin home, sources and their state."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from candidates.live import feeds, services
from candidates.live.models import FeedSource, Pull
from candidates.models import Race
from civicsite.roles import CONTRIBUTOR, DATA_EDITOR
from tests.candidates.factories import make_election
from tests.candidates.live.conftest import csv_scaled, csv_text, csv_totals

pytestmark = pytest.mark.django_db


def receive(source, text):
    """Hand ``source`` a file as a fetch would (the poller's own entry for what it fetched)."""
    fetched = feeds.Fetched(content=text.encode(), fetched_url="test file", format="csv")
    return services.source_receive(source, fetched, notify=False).pull


@pytest.fixture
def source():
    election = make_election(name="District 45 special", kind="special")
    return FeedSource.objects.create(
        election=election, name="District 45 feed", url="http://127.0.0.1:9/f.csv", format="csv"
    )


@pytest.fixture
def held(source):
    """The whole count applied, then a file in which every count fell to 90%: held."""
    assert receive(source, csv_text()).status == Pull.Status.APPLIED
    pull = receive(source, csv_scaled(90))
    assert pull.status == Pull.Status.HELD
    return pull


def member_of(role):
    user = get_user_model().objects.create_user(role.lower().replace(" ", "-"), is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def race_page(client):
    race = Race.objects.select_related("election").get(office__name="State House District 45")
    return client.get(race.get_absolute_url()).content.decode()


def change_url(pull):
    return reverse("admin:live_pull_change", args=[pull.pk])


def test_a_held_pull_shows_why_and_what_apply_would_change(admin_client, held):
    page = admin_client.get(change_url(held)).content.decode()
    assert "Held: readers keep the figures they had" in page
    assert "Cobb (State House District 45): Mitchell Kaye&#x27;s votes would fall from" in page
    assert "What Apply would change" in page
    assert f'action="{reverse("admin:live_pull_apply", args=[held.pk])}"' in page
    assert f'action="{reverse("admin:live_pull_reject", args=[held.pk])}"' in page
    assert 'name="_save"' not in page  # the record itself is read-only


def test_apply_shows_readers_the_held_figures(admin_client, client, held):
    assert f"{csv_totals(csv_text())['Mitchell Kaye']:,}" in race_page(client)
    response = admin_client.post(
        reverse("admin:live_pull_apply", args=[held.pk]), {"note": "County confirmed"}
    )
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == Pull.Status.APPLIED
    assert held.decided_by.is_superuser and held.note == "County confirmed"
    assert f"{csv_totals(csv_scaled(90))['Mitchell Kaye']:,}" in race_page(client)
    follow = admin_client.get(response.url).content.decode()
    assert "Readers see it now." in follow


def test_reject_keeps_readers_on_their_figures(admin_client, client, held):
    before = race_page(client)
    response = admin_client.post(
        reverse("admin:live_pull_reject", args=[held.pk]), {"note": "Typo in the county file"}
    )
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == Pull.Status.REJECTED and held.note == "Typo in the county file"
    assert f"{csv_totals(csv_text())['Mitchell Kaye']:,}" in race_page(client)
    assert race_page(client) == before


def test_a_pull_already_decided_cannot_be_decided_again(admin_client, held):
    admin_client.post(reverse("admin:live_pull_reject", args=[held.pk]))
    response = admin_client.post(reverse("admin:live_pull_apply", args=[held.pk]), follow=True)
    assert "This pull is rejected, not held." in response.content.decode()
    held.refresh_from_db()
    assert held.status == Pull.Status.REJECTED


def test_apply_and_reject_are_posts_for_those_with_the_results_permission(client, held):
    url = reverse("admin:live_pull_apply", args=[held.pk])
    client.force_login(member_of(CONTRIBUTOR))
    assert client.post(url).status_code == 403
    client.force_login(member_of(DATA_EDITOR))
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    held.refresh_from_db()
    assert held.status == Pull.Status.APPLIED


def test_pulls_cannot_be_added_changed_or_deleted_in_the_admin(admin_client, held):
    assert admin_client.get(reverse("admin:live_pull_add")).status_code == 403
    delete = reverse("admin:live_pull_delete", args=[held.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Pull.objects.filter(pk=held.pk).exists()


def test_the_admin_home_and_the_pull_list_tell_the_desk_of_held_pulls(admin_client, held):
    home = admin_client.get(reverse("admin:index")).content.decode()
    assert "1 pull held for review" in home
    listing = admin_client.get(reverse("admin:live_pull_changelist")).content.decode()
    assert "1 pull held for review" in listing


def test_the_admin_home_names_a_stale_source(admin_client, source):
    FeedSource.objects.filter(pk=source.pk).update(
        created_at=source.created_at.replace(year=source.created_at.year - 1)
    )
    home = admin_client.get(reverse("admin:index")).content.decode()
    assert "District 45 feed" in home and "has not answered since it was added" in home


def test_a_held_pull_emails_the_desk(source, django_capture_on_commit_callbacks):
    receive(source, csv_text())
    fetched = feeds.Fetched(content=csv_scaled(90).encode(), fetched_url="t", format="csv")
    with django_capture_on_commit_callbacks(execute=True):
        services.source_receive(source, fetched)
    (message,) = mail.outbox
    assert message.subject == "Results pull held: District 45 feed"
    assert "would fall from" in message.body and "/admin/live/pull/" in message.body


def test_a_local_file_must_be_inside_the_allowed_folders(admin_client, source, settings, tmp_path):
    settings.LIVE_FEED_LOCAL_DIRS = [tmp_path / "feeds"]
    form = {
        "election": source.election.pk,
        "name": "Share",
        "format": "csv",
        "interval": 60,
        "active": "on",
        "create_missing": "on",
    }
    add = reverse("admin:live_feedsource_add")
    refused = admin_client.post(add, {**form, "url": "/etc/passwd"})
    assert refused.status_code == 200
    assert "Local files must be inside one of the folders" in refused.content.decode()
    accepted = admin_client.post(add, {**form, "url": str(tmp_path / "feeds" / "results.csv")})
    assert accepted.status_code == 302
    bad_scheme = admin_client.post(add, {**form, "url": "ftp://127.0.0.1/x.csv"})
    assert "Give an http:// or https:// address" in bad_scheme.content.decode()


def test_pull_now_pulls_the_selected_sources(admin_client, feed_server):
    election = make_election(kind="special")
    feed_server.serve("/now.csv", csv_text(), content_type="text/csv")
    source = FeedSource.objects.create(
        election=election, name="Now", url=feed_server.url("/now.csv"), format="csv"
    )
    response = admin_client.post(
        reverse("admin:live_feedsource_changelist"),
        {"action": "pull_now", "_selected_action": [source.pk]},
        follow=True,
    )
    assert f"Now [#{source.pk}]: applied" in response.content.decode()


def list_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_pull_and_source_lists_query_count_does_not_grow_with_rows(admin_client):
    """Each row names its source and election (list_select_related): no query per row."""
    election = make_election(kind="special")

    def add_sources(n, start):
        for i in range(start, start + n):
            source = FeedSource.objects.create(
                election=election, name=f"Feed {i}", url=f"http://127.0.0.1:9/{i}.csv", format="csv"
            )
            receive(source, csv_text())

    urls = [reverse("admin:live_pull_changelist"), reverse("admin:live_feedsource_changelist")]
    add_sources(1, 0)
    few = [list_queries(admin_client, url) for url in urls]
    add_sources(5, 1)
    assert [list_queries(admin_client, url) for url in urls] == few
