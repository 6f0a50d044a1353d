"""Readers' comments: posting, the moderation rules, the refusals, privacy and hostile input.

Time moves with time-machine (no sleeps): the signed form time must be at least
COMMENTS_MIN_SECONDS old, so each post is sent a few seconds after its form was "served".
The flood limit is off in this module (COMMENTS_FLOOD_SECONDS = 0) except in the flood tests,
so the other tests can post several comments in a row.
"""

import datetime
import re
import threading
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail, signing
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.test import Client
from django.urls import reverse

from articles import comments
from articles.comment_text import render_comment_text
from articles.comments import make_form_token
from articles.models import Article, Comment
from articles.services import CommentRefused, comment_post
from civicsite import roles
from tests.articles.factories import make_article
from tests.candidates.factories import make_race_with_votes

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=datetime.UTC)
READER_IP = "203.0.113.10"


@pytest.fixture(autouse=True)
def _comment_settings(settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_MIN_SECONDS = 3
    settings.COMMENTS_TRUST_RETURNING = True
    settings.COMMENTS_MAX_LINKS = 2
    settings.COMMENTS_BLOCKLIST = ["casino bonus"]
    settings.COMMENTS_TRUSTED_PROXIES = 0
    settings.EDITORS_EMAIL = ["desk@example.com"]


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def article(clock):
    return make_article(title="District 5 heads to a runoff", slug="district-5-runoff")


def make_comment(article, **fields):
    fields.setdefault("name", "Earlier Reader")
    fields.setdefault("email", "earlier@example.org")
    fields.setdefault("text", "An earlier comment.")
    fields.setdefault("status", Comment.Status.APPROVED)
    return Comment.objects.create(article=article, **fields)


def form_data(article, **fields):
    data = {
        "name": "Dana Reader",
        "email": "dana@example.org",
        "website": "",
        "text": "Turnout in DeKalb looked low this year.",
        "url_confirm": "",
        "parent": "",
        "form_token": make_form_token(article.pk),
    }
    data.update(fields)
    return data


def post(client, article, clock, *, wait=5, ip=READER_IP, headers=None, **fields):
    """Serve the form (sign the time), wait ``wait`` seconds, send it from ``ip``."""
    data = form_data(article, **fields)
    clock.shift(wait)
    return client.post(
        reverse("articles:comment-post", kwargs={"slug": article.slug}),
        data,
        REMOTE_ADDR=ip,
        headers=headers or {},
    )


def page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


# --- The moderation rules --------------------------------------------------------------------


def test_first_time_commenter_is_held_and_told_it_awaits_moderation(client, article, clock):
    response = post(client, article, clock)
    assert response.status_code == 302
    assert response["Location"] == article.get_absolute_url()
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert comment.ip_address == READER_IP
    html = page(client, article)
    assert "Thanks: your comment is awaiting moderation." in html
    assert "Turnout in DeKalb" not in html


def test_returning_commenter_with_an_approved_comment_is_published_directly(client, article, clock):
    make_comment(article, email="dana@example.org")
    response = post(client, article, clock, email="Dana@Example.ORG")
    comment = Comment.objects.latest("id")
    assert comment.status == Comment.Status.APPROVED
    assert response["Location"] == f"{article.get_absolute_url()}#comment-{comment.pk}"
    html = page(client, article)
    assert "Your comment is published." in html
    assert f'id="comment-{comment.pk}"' in html and "Turnout in DeKalb" in html


def test_editors_can_switch_off_trust_in_returning_commenters(client, article, clock, settings):
    settings.COMMENTS_TRUST_RETURNING = False
    make_comment(article, email="dana@example.org")
    post(client, article, clock)
    assert Comment.objects.latest("id").status == Comment.Status.PENDING


def test_a_commenter_whose_earlier_comment_was_only_held_is_still_held(client, article, clock):
    make_comment(article, email="dana@example.org", status=Comment.Status.PENDING)
    post(client, article, clock)
    assert Comment.objects.latest("id").status == Comment.Status.PENDING


def test_a_comment_with_two_links_is_held_even_from_a_returning_commenter(client, article, clock):
    make_comment(article, email="dana@example.org")
    post(client, article, clock, text="See https://a.example and www.b.example for more.")
    assert Comment.objects.latest("id").status == Comment.Status.PENDING


def test_a_comment_with_one_link_from_a_returning_commenter_is_published(client, article, clock):
    make_comment(article, email="dana@example.org")
    post(client, article, clock, text="The county's page: https://a.example/results")
    assert Comment.objects.latest("id").status == Comment.Status.APPROVED


def test_a_blocklisted_phrase_files_the_comment_as_spam_and_tells_the_reader_nothing(
    client, article, clock
):
    make_comment(article, email="dana@example.org")
    response = post(client, article, clock, text="Best CASINO bonus in town!")
    assert Comment.objects.latest("id").status == Comment.Status.SPAM
    assert response["Location"] == article.get_absolute_url()
    assert "Thanks: your comment is awaiting moderation." in page(client, article)
    assert not mail.outbox  # spam is not announced to the editors


def hold_everything(comment_data, request):
    return comments.HOLD


def test_spam_checks_are_pluggable_functions_named_in_the_settings(
    client, article, clock, settings
):
    settings.COMMENTS_SPAM_CHECKS = ["tests.articles.test_comments.hold_everything"]
    make_comment(article, email="dana@example.org")
    post(client, article, clock)
    assert Comment.objects.latest("id").status == Comment.Status.PENDING


# --- Refusals: nothing written, a 4xx with a message ------------------------------------------


def tampered_token(article):
    value, timestamp, signature = make_form_token(article.pk).split(":")
    return f"{value}:{timestamp}:{signature[:-2]}xx"


@pytest.mark.parametrize(
    ("fields", "wait"),
    [
        ({"url_confirm": "https://spam.example"}, 5),
        ({}, 1),
        ({}, 24 * 60 * 60 + 5),
        ({"form_token": "tampered"}, 5),
        ({"form_token": ""}, 5),
        ({"form_token": "other-article"}, 5),
    ],
    ids=["honeypot", "too-fast", "too-old", "tampered", "missing", "other-article"],
)
def test_hidden_checks_refuse_with_one_generic_message_and_write_nothing(
    client, article, clock, fields, wait
):
    if fields.get("form_token") == "tampered":
        fields["form_token"] = tampered_token(article)
    elif fields.get("form_token") == "other-article":
        fields["form_token"] = signing.TimestampSigner(salt="articles.comments.form-time").sign(
            str(article.pk + 1)
        )
    response = post(client, article, clock, wait=wait, **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert comments.REFUSED_MESSAGE in html
    assert "Turnout in DeKalb looked low this year." in html  # the reader's text is kept
    assert not Comment.objects.exists()


def test_a_form_sent_back_after_a_refusal_carries_a_fresh_signed_time(client, article, clock):
    html = post(client, article, clock, wait=1).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', html)[1]
    clock.shift(5)
    response = client.post(
        reverse("articles:comment-post", kwargs={"slug": article.slug}),
        form_data(article, form_token=token),
        REMOTE_ADDR=READER_IP,
    )
    assert response.status_code == 302


def test_a_duplicate_comment_is_refused_with_409(client, article, clock):
    assert post(client, article, clock).status_code == 302
    response = post(client, article, clock)
    assert response.status_code == 409
    assert comments.DUPLICATE_MESSAGE in response.content.decode()
    assert Comment.objects.count() == 1


def test_the_same_text_from_someone_else_is_not_a_duplicate(client, article, clock):
    post(client, article, clock)
    assert post(client, article, clock, name="Sam", email="sam@example.org").status_code == 302
    assert Comment.objects.count() == 2


def test_the_database_refuses_the_same_comment_twice(article):
    make_comment(article)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_comment(article)


@pytest.mark.django_db(transaction=True)
def test_two_identical_posts_at_the_same_moment_store_exactly_one(settings):
    """Both requests pass the duplicate look-up before either has written; the unique
    constraint lets one insert through and the other gets the 409.

    PostgreSQL only: the in-memory SQLite test database shares one cache between threads and
    answers "table is locked" at once instead of waiting as the site's SQLite file does (WAL,
    IMMEDIATE, busy timeout); scripts/comment_storm.py covers a SQLite file under gunicorn.
    """
    if connection.vendor == "sqlite":
        pytest.skip("needs a database that lets two connections wait for each other")
    settings.COMMENTS_MIN_SECONDS = 0
    article = make_article()
    data = form_data(article)
    url = reverse("articles:comment-post", kwargs={"slug": article.slug})
    barrier = threading.Barrier(2)
    statuses = []

    def send():
        try:
            barrier.wait(timeout=10)
            response = Client().post(url, data, REMOTE_ADDR=READER_IP)
            statuses.append(response.status_code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [302, 409]
    assert Comment.objects.filter(article=article).count() == 1


# --- Flood ------------------------------------------------------------------------------------


@pytest.fixture
def flood(settings):
    """A 15-second flood limit in local memory, where time-machine moves the expiry too
    (Redis keeps real time); the limit itself is the same cache.add on either."""
    settings.COMMENTS_FLOOD_SECONDS = 15
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_a_second_comment_from_the_same_ip_within_15_seconds_is_refused(
    client, article, clock, flood
):
    assert post(client, article, clock).status_code == 302
    response = post(client, article, clock, name="Sam", email="sam@example.org")
    assert response.status_code == 429
    assert comments.FLOOD_MESSAGE in response.content.decode()
    assert Comment.objects.count() == 1
    response = post(client, article, clock, wait=16, name="Sam", email="sam@example.org")
    assert response.status_code == 302


def test_a_second_comment_from_the_same_email_within_15_seconds_is_refused(
    client, article, clock, flood
):
    assert post(client, article, clock, ip="198.51.100.1").status_code == 302
    response = post(client, article, clock, ip="198.51.100.2", text="Another thought.")
    assert response.status_code == 429
    assert Comment.objects.count() == 1


def test_a_spoofed_x_forwarded_for_does_not_reset_the_flood_limit(client, article, clock, flood):
    post(client, article, clock, headers={"X-Forwarded-For": "192.0.2.1"})
    response = post(
        client,
        article,
        clock,
        name="Sam",
        email="sam@example.org",
        headers={"X-Forwarded-For": "192.0.2.99"},
    )
    assert response.status_code == 429
    assert Comment.objects.get().ip_address == READER_IP


def test_behind_one_trusted_proxy_the_address_it_saw_is_the_clients(
    client, article, clock, settings
):
    settings.COMMENTS_TRUSTED_PROXIES = 1
    post(
        client, article, clock, ip="10.0.0.2", headers={"X-Forwarded-For": "1.2.3.4, 198.51.100.7"}
    )
    assert Comment.objects.get().ip_address == "198.51.100.7"


# --- Limits, closed articles, drafts ------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "n" * 246),
        ("email", "e" * 90 + "@example.org"),
        ("website", "https://example.org/" + "p" * 190),
        ("text", "t" * 5001),  # COMMENTS_MAX_LENGTH
    ],
)
def test_fields_longer_than_the_limits_are_form_errors(client, article, clock, field, value):
    response = post(client, article, clock, **{field: value})
    assert response.status_code == 400
    expected = "the limit is 5,000" if field == "text" else "Ensure this value has at most"
    assert expected in response.content.decode()
    assert not Comment.objects.exists()


def test_fields_at_the_limits_are_accepted(client, article, clock):
    response = post(
        client,
        article,
        clock,
        name="n" * 245,
        email="e" * 88 + "@example.org",
        website="https://example.org/" + "p" * 180,
        text="t" * 5000,  # COMMENTS_MAX_LENGTH
    )
    assert response.status_code == 302
    assert len(Comment.objects.get().text) == 5000


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "  "}, "This field is required."),
        ({"name": "\u202e\u2066"}, "Please give a name."),
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"website": "javascript:alert(1)"}, "Enter a valid URL."),
        ({"website": "ftp://files.example.org/"}, "Enter a valid URL."),
        ({"text": ""}, "This field is required."),
        ({"parent": "abc"}, "Enter a whole number."),
    ],
)
def test_bad_input_is_a_form_error_with_the_text_kept(client, article, clock, fields, message):
    response = post(client, article, clock, **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html or fields.get("parent")
    assert not Comment.objects.exists()


def test_a_closed_article_says_so_and_refuses_posts(client, clock):
    article = make_article(comments_open=False)
    html = page(client, article)
    assert "Comments are closed." in html and 'id="comment-form"' not in html
    response = post(client, article, clock)
    assert response.status_code == 403
    assert "Comments are closed." in response.content.decode()
    assert not Comment.objects.exists()


@pytest.mark.parametrize("status", [Article.Status.DRAFT, Article.Status.SCHEDULED])
def test_posting_on_an_unpublished_article_is_a_404(client, clock, status):
    publish_at = None if status == Article.Status.DRAFT else START + datetime.timedelta(days=1)
    article = make_article(status=status, publish_at=publish_at)
    assert post(client, article, clock).status_code == 404
    assert not Comment.objects.exists()


def test_comments_need_a_post_and_a_csrf_token(article, clock):
    url = reverse("articles:comment-post", kwargs={"slug": article.slug})
    assert Client().get(url).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    clock.shift(5)
    assert strict.post(url, form_data(article)).status_code == 403
    assert not Comment.objects.exists()


# --- Replies ------------------------------------------------------------------------------------


def test_replies_are_one_level_deep(client, article, clock):
    top = make_comment(article)
    reply = make_comment(article, parent=top, name="First Reply", email="r1@example.org")
    post(client, article, clock, parent=str(reply.pk), email="r2@example.org")
    newest = Comment.objects.latest("id")
    assert newest.parent == top


def test_the_reply_link_fills_the_parent_and_says_who_is_answered(client, article, clock):
    top = make_comment(article, name="Pat Voter")
    html = client.get(f"{article.get_absolute_url()}?replyto={top.pk}").content.decode()
    assert f'href="?replyto={top.pk}#comment-form"' in html
    assert f'name="parent" value="{top.pk}"' in html
    assert "Reply to <bdi>Pat Voter</bdi>" in html


def test_a_reply_to_a_comment_that_is_not_shown_is_a_form_error(client, article, clock):
    held = make_comment(article, status=Comment.Status.PENDING)
    response = post(client, article, clock, parent=str(held.pk))
    assert response.status_code == 400
    assert "not available any more" in response.content.decode()
    assert Comment.objects.count() == 1


def test_approved_replies_appear_under_their_comment_and_are_counted(client, article):
    top = make_comment(article, text="Top-level remark.")
    make_comment(article, parent=top, name="Replier", email="re@example.org", text="A reply.")
    make_comment(article, parent=top, email="x@example.org", text="Held.", status="pending")
    html = page(client, article)
    assert "2 comments" in html
    replies = html.split('class="comment-list comment-list--replies"')[1]
    assert "A reply." in replies and "Held." not in html


# --- Privacy ------------------------------------------------------------------------------------

SECRET_EMAIL = "distinctive.reader.h6@example.net"


class LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.hrefs.append(value)


def test_the_commenters_email_appears_on_no_page_json_or_feed_reachable_from_the_article(
    client, clock
):
    """A simple crawl, depth 1: every on-site address the article page links to."""
    race = make_race_with_votes([("First", 30), ("Second", 20)])
    article = make_article()
    article.races.add(race)
    make_comment(article, email=SECRET_EMAIL, text="Visible comment by a careful reader.")
    html = page(client, article)
    assert "Visible comment by a careful reader." in html
    collector = LinkCollector()
    collector.feed(html)
    urls = {urlsplit(href)._replace(fragment="").geturl() for href in collector.hrefs}
    urls = {url for url in urls if url.startswith("/") and not url.startswith("//")}
    urls.add(reverse("candidates:race-results-json", args=[race.election.slug, race.slug]))
    fetched = 0
    for url in sorted(urls):
        response = client.get(url)
        if response.status_code == 200 and not response.streaming:
            fetched += 1
            body = response.content.decode(errors="replace").lower()
            assert "distinctive.reader" not in body, url
            assert "example.net" not in body, url
    assert SECRET_EMAIL not in html and "distinctive.reader" not in html
    assert fetched >= 3


# --- Hostile input ------------------------------------------------------------------------------

HOSTILE_TEXTS = [
    "<script>alert('text')</script>",
    '<img src=x onerror="alert(1)">',
    '"><svg onload=alert(1)>',
    '<a href="javascript:alert(1)">click</a> javascript:alert(2)',
    "<div <p onclick=alert(1)>broken",
    "<iframe src=https://evil.example></iframe>",
    'https://example.com/"onmouseover="alert(1)',
    "https://example.com/<script>alert(1)</script>",
    "\u202egpj.exe harmless",
    "</textarea><script>alert(3)</script>",
]


class InjectionFinder(HTMLParser):
    """What could run script anywhere in the markup (elements, event handlers, javascript:
    and data: links), and any element inside a comment's text other than the <p>, <br> and
    <a> the plain-text renderer writes."""

    DANGEROUS = {"script", "iframe", "svg", "img", "object", "embed", "style"}

    def __init__(self):
        super().__init__()
        self.found = []
        self.text_depth = 0

    def handle_starttag(self, tag, attrs):
        if self.text_depth:
            if tag not in ("p", "br", "a"):
                self.found.append(f"<{tag}> in a comment's text")
            if tag == "div":
                self.text_depth += 1
        elif tag == "div" and ("class", "comment__text") in attrs:
            self.text_depth = 1
        if tag in self.DANGEROUS:
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(name)
            if name in ("href", "src") and (value or "").strip().lower().startswith(
                ("javascript:", "data:")
            ):
                self.found.append(value)
            in_text_link = tag == "a" and name == "href" and self.text_depth
            if in_text_link and not value.startswith(("https://", "http://")):
                self.found.append(value)

    def handle_endtag(self, tag):
        if self.text_depth and tag == "div":
            self.text_depth -= 1


def comments_section(html):
    return html.split('<section class="comments"', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize("payload", HOSTILE_TEXTS)
def test_hostile_text_renders_inert(client, article, clock, payload):
    make_comment(article, email="dana@example.org")
    response = post(client, article, clock, text=f"Before {payload} after")
    assert response.status_code == 302
    comment = Comment.objects.latest("id")
    assert comment.status == Comment.Status.APPROVED
    section = comments_section(page(client, article))
    finder = InjectionFinder()
    finder.feed(section)
    assert finder.found == []
    assert "\u202e" not in section
    for anchor in re.findall(r"<a [^>]*>", section):
        assert "javascript:" not in anchor.lower()


@pytest.mark.parametrize("payload", HOSTILE_TEXTS)
def test_hostile_names_and_websites_render_inert(client, article, clock, payload):
    make_comment(article, email="dana@example.org")
    response = post(
        client,
        article,
        clock,
        name=payload[:245],
        website="https://example.com/?q=%22%3E%3Cscript%3E",
        text="Fine text.",
    )
    assert response.status_code == 302
    section = comments_section(page(client, article))
    finder = InjectionFinder()
    finder.feed(section)
    assert finder.found == []
    assert "\u202e" not in section


def test_hostile_input_refused_by_the_form_is_shown_back_escaped(client, article, clock):
    response = post(
        client, article, clock, website="javascript:alert(1)", text="<script>x</script>"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    finder = InjectionFinder()
    finder.feed(comments_section(html))
    assert finder.found == []


def test_plain_text_keeps_line_breaks_and_links_addresses_with_nofollow():
    html = render_comment_text(
        "First line\nsecond line\n\nNew paragraph: see www.example.org/a_b (or "
        "https://example.com/x?y=1&z=2)."
    )
    assert html.startswith("<p>First line<br>\nsecond line</p>\n<p>New paragraph")
    assert (
        '<a href="https://www.example.org/a_b" rel="nofollow ugc noopener">www.example.org/a_b</a>'
        in html
    )
    assert (
        '<a href="https://example.com/x?y=1&amp;z=2" rel="nofollow ugc noopener">'
        "https://example.com/x?y=1&amp;z=2</a>)." in html
    )


def test_plain_text_escapes_markup_and_drops_direction_overrides():
    html = render_comment_text("<b>bold</b> & \u202eevil\u2066")
    assert html == "<p>&lt;b&gt;bold&lt;/b&gt; &amp; evil</p>"


# --- Query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 200])
def test_article_page_queries_do_not_grow_with_comments(client, django_assert_num_queries, count):
    """Prevents an N+1 per comment on its replies and a COUNT per page: the whole thread
    (top-level comments and replies) comes in one query, and the count is taken from it."""
    article = make_article()
    tops = [
        Comment(article=article, name=f"Reader {n}", email=f"r{n}@example.org", text=f"Note {n}")
        for n in range(count // 2)
    ]
    for comment in tops:
        comment.status = Comment.Status.APPROVED
        comment.save()
    for n, top in enumerate(tops):
        make_comment(article, parent=top, email=f"reply{n}@example.org", text=f"Reply {n}")
    make_comment(article, status=Comment.Status.PENDING, text="Not counted.")
    # article (+ lead figure, candidacy), bylines, tags, candidates, races, exchanges,
    # corrections, comments with their replies
    with django_assert_num_queries(8):
        response = client.get(article.get_absolute_url())
    assert f"{count} comments" in response.content.decode()


# --- Notification -------------------------------------------------------------------------------


def test_editors_get_an_email_when_a_comment_is_held(
    client, article, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, article, clock)
    comment = Comment.objects.get()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["desk@example.com"]
    assert "District 5 heads to a runoff" in message.subject
    assert "Dana Reader" in message.body
    assert f"/admin/articles/comment/{comment.pk}/change/" in message.body


def test_without_editors_email_the_staff_who_may_moderate_are_told(
    client, article, clock, settings, django_user_model, django_capture_on_commit_callbacks
):
    """Editors (by role) and superusers; not contributors, who cannot act on it, not readers,
    not staff without an address, and each address once."""
    settings.EDITORS_EMAIL = []
    editor = django_user_model.objects.create_user("ed", email="ed@example.com", is_staff=True)
    editor.groups.add(Group.objects.get(name=roles.EDITOR))
    django_user_model.objects.create_superuser("boss", email="boss@example.com", password="x")
    writer = django_user_model.objects.create_user("w", email="w@example.com", is_staff=True)
    writer.groups.add(Group.objects.get(name=roles.CONTRIBUTOR))
    django_user_model.objects.create_user("staff", email="staff@example.com", is_staff=True)
    django_user_model.objects.create_user("noaddress", is_staff=True, is_superuser=True)
    django_user_model.objects.create_user("reader", email="reader@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, article, clock)
    assert [message.to for message in mail.outbox] == [["boss@example.com", "ed@example.com"]]


def test_no_email_for_a_comment_published_directly(
    client, article, clock, django_capture_on_commit_callbacks
):
    make_comment(article, email="dana@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, article, clock)
    assert Comment.objects.latest("id").status == Comment.Status.APPROVED
    assert mail.outbox == []


def test_a_rolled_back_post_sends_no_email(rf, article, clock, django_capture_on_commit_callbacks):
    request = rf.post("/", REMOTE_ADDR=READER_IP)
    data = {"name": "Dana", "email": "dana@example.org", "text": "Hello", "website": ""}
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        comment_post(article=article, data=data, request=request)
        raise RuntimeError("the request failed after the comment was written")
    assert callbacks == [] and mail.outbox == []
    assert not Comment.objects.exists()


def test_the_service_refuses_a_duplicate_with_its_status(rf, article):
    request = rf.post("/", REMOTE_ADDR=READER_IP)
    data = {"name": "Dana", "email": "dana@example.org", "text": "Hello", "website": ""}
    comment_post(article=article, data=data, request=request)
    with pytest.raises(CommentRefused) as refusal:
        comment_post(article=article, data=data, request=request)
    assert refusal.value.status == 409
