#!/usr/bin/env python3
"""Soak test: steady reader traffic and comment posts against a running site, for minutes.

Why: a storm (scripts/comment_storm.py) shows the site survives a burst; a soak shows it stays
healthy under ordinary load for a long time: no 5xx, no worker memory creeping up, and every
comment the site said it stored is in the database afterwards (README, "Robustness", Faults: every
accepted write is durable). It uses the standard library only and talks to loopback addresses
only: it refuses any other host.

What it does, for ``--minutes`` (default 10), with ``--concurrency`` readers in parallel:
- GETs a rotating mix of page types: home, article, race, race JSON, voter guide, search,
  feed, tag (the addresses come from the database through ``manage.py shell``);
- every ``--comment-every``-th request is a comment: it GETs the soak article for its CSRF
  cookie, CSRF token and signed form time, then POSTs a comment under a new identity (name,
  email, an X-Forwarded-For value the site must not trust);
- samples the resident memory (VmRSS in /proc/<pid>/status) of every gunicorn worker at the
  start, every minute, and at the end;
- prints status counts per page type, requests served, latency, worker RSS at start and end,
  and comments accepted (302) against comments stored (counted through ``manage.py shell``
  with the same DATABASE_URL). It exits 1 on any 5xx, connection error, or accepted != stored.

The server under test must accept comments as fast as the soak sends them:
COMMENTS_MIN_SECONDS=0 and COMMENTS_FLOOD_SECONDS=0. ``--serve PORT`` starts such a server
(gunicorn, 4 workers, DEBUG off, on 127.0.0.1:PORT) with this environment's DATABASE_URL and
REDIS_URL, and stops it at the end:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/civicsite_soak
    export REDIS_URL=redis://127.0.0.1:6379/4
    DEBUG=1 .venv/bin/python manage.py migrate --noinput
    DEBUG=1 .venv/bin/python manage.py load_demo
    .venv/bin/python scripts/soak.py --serve 8094 --minutes 10

Or point it at a server you started yourself, with its master process id for the RSS figures:

    .venv/bin/python scripts/soak.py http://127.0.0.1:8094/ --gunicorn-pid 12345
"""

import argparse
import concurrent.futures
import html
import ipaddress
import itertools
import json
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter, defaultdict
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SOAK_SLUG = "soak-comments"
PAGE_TYPES = ["home", "article", "race", "json", "guide", "search", "feed", "tag"]
SEARCH_TERMS = ["Bakhtiari", "runoff", "District 5", '"voter guide"', "Mahoney", "council"]


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 302 is the answer we count, not something to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirects)


def is_loopback(hostname):
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname or "").is_loopback
    except ValueError:
        return False


def manage_shell(code, env=None):
    """Run Python in ``manage.py shell -c`` with this environment (same DATABASE_URL)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py shell failed:\n{result.stderr}")
    return result.stdout.strip().splitlines()[-1]


def discover_paths(env):
    """One address per page type, from what is published (load_demo content, or any)."""
    code = (
        "import json; from django.urls import reverse; from django.utils import timezone; "
        "from articles.models import Article; from candidates.models import Race, Questionnaire; "
        "from taggit.models import Tag; "
        f"soak, _ = Article.objects.get_or_create(slug={SOAK_SLUG!r}, defaults=dict("
        "title='Soak test comments', status='published', publish_at=timezone.now(), "
        "body='An article for the soak script.')); "
        "arts = [a.get_absolute_url() for a in Article.objects.published()"
        f".exclude(slug={SOAK_SLUG!r})[:10]] or [soak.get_absolute_url()]; "
        "races = list(Race.objects.select_related('election')[:10]); "
        "guides = [q.race for q in Questionnaire.objects.published()"
        ".select_related('race__election')[:5]]; "
        "tags = [reverse('tag-detail', args=[t.slug]) for t in Tag.objects.filter("
        "taggit_taggeditem_items__isnull=False).distinct()[:10]]; "
        "print(json.dumps({'home': ['/'], 'article': arts, "
        "'race': [r.get_absolute_url() for r in races], "
        "'json': [reverse('candidates:race-results-json', args=[r.election.slug, r.slug]) "
        "for r in races], "
        "'guide': [reverse('candidates:race-guide', args=[r.election.slug, r.slug]) "
        "for r in guides], "
        "'feed': [reverse('feed-latest'), reverse('feed-latest-atom')], "
        "'tag': tags, 'soak': soak.get_absolute_url()}))"
    )
    paths = json.loads(manage_shell(code, env))
    paths["search"] = [f"/search/?q={urllib.parse.quote(term)}" for term in SEARCH_TERMS]
    missing = [kind for kind in PAGE_TYPES if not paths.get(kind)]
    if missing:
        raise SystemExit(f"nothing to request for {', '.join(missing)}: run load_demo first")
    return paths


def count_stored(run_id, env):
    code = (
        "from articles.models import Comment; "
        f"print(Comment.objects.filter(email__startswith='soak-{run_id}-').count())"
    )
    return int(manage_shell(code, env))


def worker_pids(master_pid):
    """The gunicorn workers: the processes whose parent is the master."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 4 is the parent pid; the command name (field 2) may contain spaces.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == master_pid:
            pids.append(int(entry.name))
    return sorted(pids)


def rss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_snapshot(master_pid):
    if not master_pid:
        return {}
    return {pid: rss_kib(pid) for pid in worker_pids(master_pid)}


def get(url, timeout):
    """(status, body or error text, seconds)."""
    started = time.monotonic()
    try:
        with OPENER.open(urllib.request.Request(url), timeout=timeout) as response:
            body = response.read()
            return response.status, body, response.headers, time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers, time.monotonic() - started
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
        return None, str(error).encode(), {}, time.monotonic() - started


def post_comment(base, soak_path, run_id, n, timeout):
    """GET the form, POST a comment under identity ``n``: (status, seconds of the POST)."""
    url = urllib.parse.urljoin(base, soak_path)
    status, body, headers, _ = get(url, timeout)
    if status != 200:
        return status, 0.0
    text = body.decode(errors="replace")
    cookies = headers.get_all("Set-Cookie") or []
    # Cookies by hand: with DEBUG off the CSRF cookie is Secure, and http.cookiejar would not
    # send it back over plain http.
    csrf_cookie = next(
        (c.split(";", 1)[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken=")),
        None,
    )
    csrf_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
    token_url = re.search(r'data-token-url="([^"]+)"', text)
    action = re.search(r'<form class="comment-form"[^>]*action="([^"]+)"', text)
    if not (csrf_cookie and csrf_token and token_url and action):
        return "no-form", 0.0
    # The cached page carries no signed form time; ask for one as the form's script does.
    status, token, _, _ = get(urllib.parse.urljoin(url, html.unescape(token_url[1])), timeout)
    if status != 200:
        return status, 0.0
    form_token = json.loads(token)["token"]
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": csrf_token[1],
            "form_token": form_token,
            "parent": "",
            "url_confirm": "",
            "name": f"Soak Reader {n}",
            "email": f"soak-{run_id}-{n}@example.org",
            "website": "",
            "text": f"Soak comment {n} of run {run_id}: when is the runoff?",
        }
    ).encode()
    request = urllib.request.Request(
        urllib.parse.urljoin(url, html.unescape(action[1])),
        data=data,
        headers={
            "Cookie": f"csrftoken={csrf_cookie}",
            "X-Forwarded-For": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    started = time.monotonic()
    try:
        with OPENER.open(request, timeout=timeout) as response:
            return response.status, time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, time.monotonic() - started
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError):
        return None, time.monotonic() - started


def start_server(port, env):
    """gunicorn, 4 workers, DEBUG off, on loopback, accepting comments at full speed."""
    static_root = tempfile.mkdtemp(prefix="soak-static-")
    server_env = {
        **env,
        "DEBUG": "0",
        "SECRET_KEY": env.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": static_root,
        "COMMENTS_MIN_SECONDS": "0",
        "COMMENTS_FLOOD_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=PROJECT_ROOT,
        env=server_env,
        check=True,
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "civicsite.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "4"],
        cwd=PROJECT_ROOT,
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(static_root) / "gunicorn.log", "w"),  # noqa: SIM115 (lives with it)
    )
    base = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {static_root}/gunicorn.log")
        status, *_ = get(urllib.parse.urljoin(base, "/healthz"), 2)
        if status == 200 and len(worker_pids(process.pid)) >= 4:
            break
        time.sleep(0.2)
    print(f"gunicorn {process.pid} serving {base} (log: {static_root}/gunicorn.log)")
    return process, base


def percentile(values, fraction):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="?", help="the site, http://127.0.0.1:<port>/")
    parser.add_argument("--serve", type=int, metavar="PORT", help="start gunicorn on PORT")
    parser.add_argument("--gunicorn-pid", type=int, help="master pid, for worker RSS")
    parser.add_argument("--minutes", type=float, default=10, help="how long (default 10)")
    parser.add_argument("--concurrency", type=int, default=8, help="parallel readers")
    parser.add_argument("--comment-every", type=int, default=10, help="every Nth is a comment")
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.minutes > 24 * 60:
        parser.error("--minutes must be between 0 and 1440")
    if bool(args.url) == bool(args.serve):
        parser.error("give either a url or --serve PORT")

    env = {**os.environ}
    env.setdefault("DJANGO_SETTINGS_MODULE", "civicsite.settings")
    # manage.py shell runs with the server's database; DEBUG only spares it a SECRET_KEY.
    shell_env = {**env, "DEBUG": env.get("DEBUG") or "1"}
    server = None
    if args.serve:
        server, base = start_server(args.serve, env)
        master_pid = server.pid
    else:
        parts = urllib.parse.urlsplit(args.url)
        if parts.scheme != "http" or not is_loopback(parts.hostname):
            parser.error("refusing to soak anything but http://127.0.0.1:<port>/ (loopback)")
        base, master_pid = args.url, args.gunicorn_pid

    try:
        return run(args, base, master_pid, shell_env)
    finally:
        if server:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def run(args, base, master_pid, shell_env):
    paths = discover_paths(shell_env)
    run_id = uuid.uuid4().hex[:8]
    backend = shell_env.get("DATABASE_URL", "sqlite (default)").split("://", 1)[0]
    print(
        f"run {run_id}: {args.minutes:g} min, {args.concurrency} readers, "
        f"every {args.comment_every}th request a comment, against {base} ({backend})"
    )
    rss_start = rss_snapshot(master_pid)
    rss_samples = [rss_start]
    deadline = time.monotonic() + args.minutes * 60
    counter = itertools.count()
    lock = threading.Lock()
    statuses = defaultdict(Counter)
    latencies = defaultdict(list)
    errors = []

    def reader():
        while time.monotonic() < deadline:
            n = next(counter)
            if args.comment_every and n % args.comment_every == args.comment_every - 1:
                kind = "comment"
                status, seconds = post_comment(base, paths["soak"], run_id, n, args.timeout)
            else:
                kind = PAGE_TYPES[n % len(PAGE_TYPES)]
                options = paths[kind]
                url = urllib.parse.urljoin(base, options[(n // len(PAGE_TYPES)) % len(options)])
                status, body, _, seconds = get(url, args.timeout)
                if status is None or status >= 500:
                    with lock:
                        errors.append((url, status, body[:200]))
            with lock:
                statuses[kind][status] += 1
                latencies[kind].append(seconds)

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
        futures = [pool.submit(reader) for _ in range(args.concurrency)]
        while not all(f.done() for f in futures):
            concurrent.futures.wait(futures, timeout=60)
            rss_samples.append(rss_snapshot(master_pid))
            served = sum(sum(c.values()) for c in statuses.values())
            print(f"  {time.monotonic() - started:6.0f} s: {served} requests", flush=True)
        for future in futures:
            future.result()
    elapsed = time.monotonic() - started
    rss_end = rss_snapshot(master_pid)

    total = Counter()
    for counts in statuses.values():
        total.update(counts)
    served = sum(total.values())
    server_errors = sum(n for s, n in total.items() if isinstance(s, int) and s >= 500)
    failures = sum(n for s, n in total.items() if not isinstance(s, int))
    accepted = statuses["comment"].get(302, 0)
    stored = count_stored(run_id, shell_env)

    print(f"\nrequests served: {served} in {elapsed:.0f} s ({served / elapsed:.1f}/s)")
    for kind in [*PAGE_TYPES, "comment"]:
        counts = ", ".join(f"{s}: {n}" for s, n in sorted(statuses[kind].items(), key=str))
        times = latencies[kind]
        print(
            f"  {kind:8} {counts or '-':28} median {statistics.median(times or [0]) * 1000:5.0f}"
            f" ms, p95 {percentile(times, 0.95) * 1000:5.0f} ms"
        )
    print(f"status totals: {dict(sorted(total.items(), key=str))}")
    print(f"5xx: {server_errors}; connection errors or missing forms: {failures}")
    for url, status, body in errors[:10]:
        print(f"  {status} {url}: {body!r}")
    peak = {}
    for sample in rss_samples + [rss_end]:
        for pid, kib in sample.items():
            peak[pid] = max(peak.get(pid, 0), kib or 0)
    if master_pid:
        # The first minute's sample is the warmed-up figure: a growth after it is a leak.
        warm = rss_samples[1] if len(rss_samples) > 1 else rss_start
        print("worker RSS (MiB), start -> after the first minute -> end (peak):")
        for pid in sorted(set(rss_start) | set(rss_end)):
            start, end = rss_start.get(pid), rss_end.get(pid)
            print(
                f"  pid {pid}: {mib(start)} -> {mib(warm.get(pid))} -> {mib(end)}"
                f" ({mib(peak.get(pid))})"
                + ("" if start and end else "  (worker started or ended during the run)")
            )
    print(f"comments accepted (302): {accepted}; stored: {stored}")
    print(f"stored == accepted: {stored == accepted}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "run": run_id,
                    "minutes": args.minutes,
                    "seconds": round(elapsed, 1),
                    "served": served,
                    "statuses": {k: {str(s): n for s, n in c.items()} for k, c in statuses.items()},
                    "server_errors": server_errors,
                    "rss_kib_start": rss_start,
                    "rss_kib_samples": rss_samples[1:],
                    "rss_kib_end": rss_end,
                    "comments_accepted": accepted,
                    "comments_stored": stored,
                },
                indent=2,
            )
        )
    ok = server_errors == 0 and failures == 0 and stored == accepted
    return 0 if ok else 1


def mib(kib):
    return f"{kib / 1024:.1f}" if kib else "?"


if __name__ == "__main__":
    sys.exit(main())
