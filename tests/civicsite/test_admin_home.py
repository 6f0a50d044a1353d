"""The admin home shows what waits for an editor: counts with links, at a fixed query count."""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from articles.events.models import ReaderQuestion
from articles.models import Article, Comment
from candidates.live.models import FeedSource, Payload, Pull
from tests.articles.factories import make_article
from tests.articles.test_events import make_event
from tests.candidates.factories import make_election

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _morning():
    """Mid-morning in the newsroom, so "a minute from now" is still today."""
    with time_machine.travel(datetime.datetime(2025, 11, 4, 15, 0, tzinfo=datetime.UTC)):
        yield


def fill(size):
    """``size`` of each kind of waiting thing, plus one that does not wait."""
    article = make_article(slug="runoff-set")
    event = make_event()
    source = FeedSource.objects.create(
        election=make_election(), name="County feed", url="http://127.0.0.1:9/f.csv", format="csv"
    )
    payload = Payload.objects.create(sha256="0" * 64, size=1, content=b"x")
    later_today = timezone.now() + datetime.timedelta(minutes=1)
    for n in range(size):
        Comment.objects.create(article=article, name="Dana", email=f"d{n}@example.org", text=f"{n}")
        ReaderQuestion.objects.create(
            event=event, name="Sam", email=f"s{n}@example.org", text=f"Question {n}?"
        )
        Pull.objects.create(source=source, status=Pull.Status.HELD, payload=payload)
        make_article(slug=f"scheduled-{n}", status=Article.Status.SCHEDULED, publish_at=later_today)
    Comment.objects.create(
        article=article, name="Old", email="o@example.org", text="Old", status="approved"
    )


def waiting_box(html):
    return html.split('class="module desk-waiting"', 1)[1].split("</div>", 1)[0]


@pytest.mark.parametrize("size", [1, 6])
def test_the_admin_home_counts_what_waits_with_links_at_a_fixed_query_count(
    admin_client, django_assert_num_queries, size
):
    """Four count queries, one per line, however many rows wait (no query per row)."""
    fill(size)
    admin_client.get(reverse("admin:index"))  # session and permissions read once
    with django_assert_num_queries(9):
        html = admin_client.get(reverse("admin:index")).content.decode()
    box = waiting_box(html)
    plural = size != 1
    assert f"{size} comment{'s' if plural else ''} waiting for moderation" in box
    assert f"{size} {'readers’' if plural else 'reader’s'} question" in box
    assert f"{size} results pull{'s' if plural else ''} held for review" in box
    assert f"{size} article{'s' if plural else ''} scheduled to publish today" in box
    assert f"{reverse('admin:articles_comment_changelist')}?status__exact=pending" in box
    assert f"{reverse('admin:live_pull_changelist')}?status__exact=held" in box
    assert "?status__exact=scheduled&amp;publish_at__year=" in box


def test_the_links_open_lists_of_exactly_what_waits(admin_client):
    fill(2)
    html = admin_client.get(reverse("admin:index")).content.decode()
    comments_link = reverse("admin:articles_comment_changelist") + "?status__exact=pending"
    assert comments_link in html
    listed = admin_client.get(comments_link).content.decode()
    assert listed.count('name="_selected_action"') == 2  # the approved one is not listed


def test_staff_see_only_the_lines_of_what_they_may_see(client):
    user = get_user_model().objects.create_user("desk", password="a-long-passphrase")
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_comment"))
    client.force_login(user)
    fill(1)
    box = waiting_box(client.get(reverse("admin:index")).content.decode())
    assert "1 comment waiting for moderation" in box
    assert "held for review" not in box
    assert "scheduled to publish today" not in box
