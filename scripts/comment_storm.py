#!/usr/bin/env python3
"""Comment storm: many readers post comments at once against a running site.

Why: the README ("Robustness", Comments) promises that under hundreds of concurrent posts with
valid CSRF tokens and many identities, against gunicorn with several workers, every response
is either stored (a 302 redirect) or a 4xx with a message, there is no 5xx, and the rows stored
equal the responses accepted. This script checks exactly that. It uses the standard library
only and talks to 127.0.0.1 only: it refuses any other host.

What it does:
1. For each identity (a different name and email, and a different X-Forwarded-For value that
   the site must NOT trust), it fetches the article page to get a CSRF cookie and token and
   the signed form time.
2. It sends all the posts in parallel (default 200), bounded in time. Every 10th identity
   sends its comment twice at once (exactly one must be stored, the other is a 409), and every
   20th fills the honeypot (a 400).
3. It prints what came back (sent, stored-redirects, 4xx by status with reasons, 5xx,
   connection errors) and counts the rows stored for this run through
   ``manage.py shell -c`` with the same DATABASE_URL, then prints "stored == accepted".

With the default flood limit (15 s per IP address) and no trusted proxy, every post comes
from 127.0.0.1, so one comment is accepted and the rest are 429s: this shows that the limit
holds across gunicorn workers (Redis cache.add is atomic). Start the server with
COMMENTS_FLOOD_SECONDS=0 to store many comments and exercise the duplicate constraint.

How to run (from the project root; pick your own database name and port):

    createdb -h 127.0.0.1 -U postgres civicsite_storm
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/civicsite_storm
    export REDIS_URL=redis://127.0.0.1:6379/8
    export DEBUG=0 SECRET_KEY=storm-only-not-a-real-key-0123456789abcdef
    export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0 STATIC_ROOT=/tmp/storm-static
    export COMMENTS_MIN_SECONDS=0            # the browser-speed posts are not "too fast"
    .venv/bin/python manage.py migrate --noinput
    .venv/bin/python manage.py collectstatic --noinput --verbosity 0
    COMMENTS_FLOOD_SECONDS=0 .venv/bin/gunicorn civicsite.wsgi --bind 127.0.0.1:8061 \\
        --workers 4 &
    .venv/bin/python scripts/comment_storm.py --setup http://127.0.0.1:8061 -n 200

``--setup`` creates (or reuses) a published article with the slug "comment-storm" through
``manage.py shell -c``; pass an article address instead to use an existing one. The same
works on SQLite: DATABASE_URL=sqlite:////tmp/storm.sqlite3 (WAL mode, IMMEDIATE writes).
"""

import argparse
import concurrent.futures
import html
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STORM_SLUG = "comment-storm"
ALERT = re.compile(r'class="(?:comment-alert|errorlist[^"]*)"[^>]*>(.*?)</(?:p|div|ul)>', re.S)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 302 is the answer we count, not something to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirects)


def manage_shell(code):
    """Run Python in ``manage.py shell -c`` with this environment (same DATABASE_URL)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py shell failed:\n{result.stderr}")
    return result.stdout.strip().splitlines()[-1]


def setup_article():
    code = (
        "from django.utils import timezone; from articles.models import Article; "
        "a, _ = Article.objects.get_or_create(slug='comment-storm', defaults=dict("
        "title='Comment storm test', status='published', publish_at=timezone.now(), "
        "body='An article for the comment storm script.')); print(a.get_absolute_url())"
    )
    return manage_shell(code)


def count_stored(run_id):
    code = (
        "from articles.models import Comment; "
        f"print(Comment.objects.filter(email__startswith='storm-{run_id}-').count())"
    )
    return int(manage_shell(code))


def fetch_form(url, timeout):
    """GET the article page: the CSRF cookie, the CSRF token and the signed form time."""
    with OPENER.open(urllib.request.Request(url), timeout=timeout) as response:
        body = response.read().decode()
        cookies = response.headers.get_all("Set-Cookie") or []
    # Cookies by hand: with DEBUG off the CSRF cookie is marked Secure, and http.cookiejar
    # would not send it back over plain http to 127.0.0.1.
    csrf_cookie = next(
        (c.split(";", 1)[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken=")),
        None,
    )
    csrf_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    token_url = re.search(r'data-token-url="([^"]+)"', body)
    action = re.search(r'<form class="comment-form"[^>]*action="([^"]+)"', body)
    if not (csrf_cookie and csrf_token and token_url and action):
        raise RuntimeError("the article page has no open comment form")
    # The cached page carries no signed form time; ask for one as the form's script does.
    token_request = urllib.request.Request(urllib.parse.urljoin(url, html.unescape(token_url[1])))
    with OPENER.open(token_request, timeout=timeout) as response:
        form_token = json.loads(response.read())["token"]
    return {
        "cookie": csrf_cookie,
        "csrf": csrf_token[1],
        "form_token": form_token,
        "action": urllib.parse.urljoin(url, html.unescape(action[1])),
    }


def send_post(form, fields, forwarded_for, timeout):
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": form["csrf"],
            "form_token": form["form_token"],
            "parent": "",
            "url_confirm": "",
            **fields,
        }
    ).encode()
    request = urllib.request.Request(
        form["action"],
        data=data,
        headers={
            "Cookie": f"csrftoken={form['cookie']}",
            "X-Forwarded-For": forwarded_for,
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    try:
        with OPENER.open(request, timeout=timeout) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        body = error.read().decode(errors="replace")
        reasons = [re.sub(r"<[^>]+>", " ", m).strip() for m in ALERT.findall(body)]
        reason = " ".join(" ".join(r.split()) for r in reasons if r)[:120]
        return error.code, reason or error.reason
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        return None, str(error)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the site (with --setup) or an article's address")
    parser.add_argument("-n", "--posts", type=int, default=200, help="identities (default 200)")
    parser.add_argument("--workers", type=int, default=50, help="parallel requests")
    parser.add_argument("--deadline", type=float, default=120, help="seconds for the posts")
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument("--setup", action="store_true", help="create the storm article")
    args = parser.parse_args(argv)

    parts = urllib.parse.urlsplit(args.url)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1":
        parser.error("refusing to storm anything but http://127.0.0.1:<port>/")
    url = args.url
    if args.setup:
        url = urllib.parse.urljoin(args.url, setup_article())
    run_id = uuid.uuid4().hex[:8]
    print(f"run {run_id}: {args.posts} identities against {url}")

    with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
        forms = list(pool.map(lambda _: fetch_form(url, args.timeout), range(args.posts)))

    jobs = []
    for i, form in enumerate(forms):
        fields = {
            "name": f"Storm Reader {i}",
            "email": f"storm-{run_id}-{i}@example.org",
            "website": "",
            "text": f"Comment {i} of run {run_id}: is the runoff on Nov. 30?",
        }
        if i % 20 == 19:
            fields["url_confirm"] = "https://spam.example"
        forwarded = f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"
        jobs.append((form, fields, forwarded))
        if i % 10 == 9:
            jobs.append((form, fields, forwarded))  # the same comment twice, at once

    started = time.monotonic()
    results = []
    with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
        futures = [pool.submit(send_post, *job, args.timeout) for job in jobs]
        done, not_done = concurrent.futures.wait(futures, timeout=args.deadline)
        results = [future.result() for future in done]
        for future in not_done:
            future.cancel()
    elapsed = time.monotonic() - started

    statuses = Counter(status for status, _ in results)
    accepted = statuses.get(302, 0)
    refused = Counter((s, r) for s, r in results if s is not None and 400 <= s < 500)
    server_errors = sum(n for s, n in statuses.items() if s is not None and s >= 500)
    print(f"sent: {len(jobs)} posts in {elapsed:.1f} s ({len(not_done)} unfinished)")
    print(f"stored-redirects (302): {accepted}")
    for (status, reason), count in sorted(refused.items()):
        print(f"refused {status} x{count}: {reason}")
    print(f"5xx: {server_errors}")
    print(f"connection errors: {statuses.get(None, 0)}")
    stored = count_stored(run_id)
    print(f"stored rows: {stored}")
    print(f"stored == accepted: {stored == accepted}")
    ok = stored == accepted and server_errors == 0 and not not_done and None not in statuses
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicsite.settings")
    sys.exit(main())
