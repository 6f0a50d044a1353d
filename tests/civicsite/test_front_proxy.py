"""The production path: nginx from deploy/nginx.conf.template in front of gunicorn, attacked.

The holes (issue 19): ten slow connections straight at gunicorn took the site down, and a
200 MB anonymous upload was refused only after it had been received and written to disk.

Real processes on loopback: gunicorn (DEBUG off, 1 worker with 4 threads, as small as the
reviewers' target) serves the test database (PostgreSQL: the test database itself; SQLite: a
file copied from it with SQLite's backup API, so nothing is migrated twice); nginx runs from
Debian's package with the repository's configuration, its prefix, pid and logs in a temporary
folder, never as a system service. Attackers and readers use different loopback addresses
(127.0.0.2 attacks; each reader has a 127.0.1.x of its own), as they would on the internet:
the per-client limits apply to each.

Skipped without nginx (``apt-get install nginx``) unless REQUIRE_PROXY=1, as CI sets.
Figures are printed (``pytest -s``) and kept in the assertion messages.
"""

import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from articles.models import Article, Comment
from tests.articles.factories import make_article
from tests.civicsite.sites import free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ATTACKER = "127.0.0.2"
# The test database is set up for marked tests only; the servers read it (module fixture).
pytestmark = pytest.mark.django_db

if not Path(NGINX).exists():
    if os.environ.get("REQUIRE_PROXY") == "1":
        raise RuntimeError(f"REQUIRE_PROXY=1 but nginx is not at {NGINX} (apt-get install nginx)")
    pytest.skip(f"nginx not found at {NGINX} (apt-get install nginx)", allow_module_level=True)


def load_renderer():
    sys.path.insert(0, str(ROOT / "deploy"))
    try:
        import render_nginx
    finally:
        sys.path.remove(str(ROOT / "deploy"))
    return render_nginx


def wait_for_port(port, process, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{process.args[0]} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


def gunicorn_database(tmp_path):
    """A DATABASE_URL for gunicorn that holds what this test process has committed."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user = urllib.parse.quote(db["USER"] or "")
        password = f":{urllib.parse.quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
        return f"postgres://{user}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    copy = tmp_path / "site.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(copy) as target:
        connection.connection.backup(target)
    target.close()
    return f"sqlite:///{copy}"


def stored_ips(database_url, slug):
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            rows = db.execute(
                "SELECT c.ip_address FROM articles_comment c JOIN articles_article a "
                "ON a.id = c.article_id WHERE a.slug = ?",
                [slug],
            ).fetchall()
        return [ip for (ip,) in rows]
    return list(Comment.objects.filter(article__slug=slug).values_list("ip_address", flat=True))


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("front_proxy")
    with django_db_blocker.unblock():
        article = make_article(title="Runoff set in District 5", comments_open=True)
        database_url = gunicorn_database(tmp)
        if connection.vendor != "postgresql":
            article.delete()  # the copy has it; the test database stays as it was
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database_url,
        DATABASE_CONN_MAX_AGE="0",
        STATIC_ROOT=str(tmp / "static"),
        MEDIA_ROOT=str(tmp / "media"),
        CACHE_DIR=str(tmp / "cache"),
        COMMENTS_TRUSTED_PROXIES="1",
        COMMENTS_MIN_SECONDS="0",
        COMMENTS_FLOOD_SECONDS="0",
        LOG_LEVEL="WARNING",
    )
    # The public pages' static files only (the admin's are not asked for here): 1 s, not 5.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0", "--ignore", "admin"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    app_port, proxy_port = free_port(), free_port()
    app_log = tmp / "gunicorn-access.log"
    app = subprocess.Popen(
        [str(GUNICORN), "civicsite.wsgi", "--bind", f"127.0.0.1:{app_port}"]
        + ["--workers", "1", "--worker-class", "gthread", "--threads", "4"]
        + ["--limit-request-line", "0"]  # as deploy/civicsite.service: nginx caps the line
        + ["--access-logfile", str(app_log)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for folder in ("run", "log"):
        (tmp / folder).mkdir()
    config = tmp / "nginx.conf"
    config.write_text(
        load_renderer().render(
            USER="root" if os.geteuid() == 0 else os.environ.get("USER", "nobody"),
            WORKER_PROCESSES=1,
            RUN_DIR=tmp / "run",
            LOG_DIR=tmp / "log",
            LISTEN=f"127.0.0.1:{proxy_port}",
            UPSTREAM=f"127.0.0.1:{app_port}",
            MEDIA_ROOT=tmp / "media",
            STATIC_ROOT=tmp / "static",
        )
    )
    proxy = subprocess.Popen(
        [NGINX, "-p", str(tmp / "run"), "-c", str(config), "-e", str(tmp / "log" / "error.log")]
        + ["-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(app_port, app)
        wait_for_port(proxy_port, proxy)
        yield {
            "app_port": app_port,
            "proxy_port": proxy_port,
            "app_log": app_log,
            "proxy_log": tmp / "log" / "access.log",
            "article": article.get_absolute_url(),
            "slug": article.slug,
            "database_url": database_url,
        }
    finally:
        proxy.terminate()
        app.terminate()
        proxy.wait(timeout=10)
        app.wait(timeout=10)
        if connection.vendor == "postgresql":
            with django_db_blocker.unblock():
                Article.objects.filter(slug=article.slug).delete()


def request(port, method, path, *, source="127.0.0.1", headers=None, body=None, timeout=5):
    """One request on a new connection from ``source``: (status, headers, body)."""
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0)
    )
    try:
        conn.request(
            method, path, body=body, headers={"Host": f"127.0.0.1:{port}", **(headers or {})}
        )
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


class SlowClients:
    """Sockets from ATTACKER that send a request a few bytes at a time and never finish it.

    Half send their headers slowly (slowloris); half send complete headers announcing a body,
    then trickle the body (slow POST). Every socket gets a few more bytes every half second.
    """

    def __init__(self, port, path, count=200, bodies=True):
        self.sockets, self.refused = [], 0
        self.stop = threading.Event()
        for number in range(count):
            sock = socket.socket()
            sock.bind((ATTACKER, 0))
            sock.settimeout(2)
            sock.connect(("127.0.0.1", port))
            if bodies and number % 2:
                sock.sendall(
                    f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                    "Content-Type: application/x-www-form-urlencoded\r\n"
                    "Content-Length: 100000\r\n\r\nname=".encode()
                )
            else:
                sock.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())
            self.sockets.append(sock)
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self):
        number = 0
        while not self.stop.wait(0.5):
            number += 1
            for sock in self.sockets:
                # A header line for the header-senders; form bytes are fine either way.
                with contextlib.suppress(OSError):
                    sock.send(f"X-{number}: {number}\r\n".encode())

    def still_open(self):
        """How many sockets the server has neither answered nor closed."""
        open_ = 0
        for sock in self.sockets:
            sock.setblocking(False)
            try:
                data = sock.recv(1024)
            except BlockingIOError:
                open_ += 1  # nothing to read: still waiting on us
                continue
            except OSError:
                continue
            finally:
                sock.setblocking(True)
            if data.startswith(b"HTTP/1.1 429"):
                self.refused += 1
        return open_

    def close(self):
        self.stop.set()
        self.thread.join()
        for sock in self.sockets:
            sock.close()


def read_for(port, paths, seconds, readers=20, per_second=4, timeout=2):
    """Readers, each from an address of its own, paced at ``per_second``: [(status, ms)]."""

    def reader(number):
        results, source = [], f"127.0.1.{number + 1}"
        deadline = time.monotonic() + seconds
        turn = number
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                status, _, _ = request(
                    port, "GET", paths[turn % len(paths)], source=source, timeout=timeout
                )
            except OSError:
                status = "timeout"
            elapsed = time.monotonic() - started
            results.append((status, round(elapsed * 1000, 1)))
            turn += 1
            time.sleep(max(0, 1 / per_second - elapsed))
        return results

    with ThreadPoolExecutor(readers) as pool:
        return [result for part in pool.map(reader, range(readers)) for result in part]


def figures(results):
    served = [ms for status, ms in results if status == 200]
    latencies = sorted(served)
    return {
        "served": len(served),
        "attempted": len(results),
        "p50_ms": statistics.median(latencies) if latencies else None,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] if latencies else None,
        "other": sorted({str(status) for status, _ in results if status != 200}),
    }


def test_200_slow_clients_do_not_stop_readers_through_the_proxy(site):
    paths = ["/", site["article"], "/robots.txt"]
    for path in paths:  # warm the page cache, as a live site's is
        assert request(site["proxy_port"], "GET", path)[0] == 200

    # The hole, first: the same attack straight at gunicorn starves every reader.
    slow = SlowClients(site["app_port"], site["article"] + "comments/", bodies=False)
    try:
        direct = figures(read_for(site["app_port"], paths, seconds=2.5, readers=10, timeout=1.5))
    finally:
        slow.close()
    time.sleep(0.5)  # the blocked threads see the sockets close and finish

    slow = SlowClients(site["proxy_port"], site["article"] + "comments/")
    try:
        proxied = figures(read_for(site["proxy_port"], paths, seconds=3))
        open_after = slow.still_open()
    finally:
        slow.close()
    report = {
        "slow_sockets": 200,
        "still_open_after_reads": open_after,
        "slow_posts_refused_429": slow.refused,
        "straight_at_gunicorn": direct,
        "through_nginx": proxied,
    }
    print("\nslow clients:", json.dumps(report))
    assert direct["served"] < direct["attempted"] / 2, report  # the attack is real
    assert proxied["served"] == proxied["attempted"] >= 200, report
    assert proxied["p99_ms"] < 1000, report
    # The attack stood throughout: every slow-header socket and the slow posts within the
    # per-client limits were still open when the readers finished.
    assert open_after + slow.refused >= 150, report


def gunicorn_saw(site, marker):
    """Gunicorn's access log once the request with ``marker`` is in it (so it is complete)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        log = site["app_log"].read_text() if site["app_log"].exists() else ""
        if marker in log:
            return log
        time.sleep(0.05)
    raise AssertionError("gunicorn never logged the marker request")


def chunked_post(port, path, chunk, count):
    """POST ``count`` chunks of ``chunk`` with chunked transfer encoding; the raw answer."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        for _ in range(count):
            try:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            except OSError:
                break  # the server answered and closed: read what it said
        else:
            sock.sendall(b"0\r\n\r\n")
        return sock.recv(4096)
    finally:
        sock.close()


def test_an_oversized_body_is_refused_by_nginx_before_gunicorn_sees_it(site):
    port, comments = site["proxy_port"], site["article"] + "comments/"
    started = time.monotonic()
    # 200 MB announced: refused from the header, before a byte of the body is sent.
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        f"POST {comments} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {200 * 2**20}\r\n\r\n".encode()
    )
    announced = sock.recv(4096)
    sock.close()
    announced_s = time.monotonic() - started

    # 2 MB in chunks, no length announced: refused once the body passes 1 MB.
    chunked = chunked_post(port, comments, b"x" * 65536, count=32)
    # The admin's cap is the image limit plus the form: 20 MB is over it.
    admin_status, admin_headers, _ = request(
        port, "POST", "/admin/login/", headers={"Content-Length": str(20 * 2**20)}, body=b""
    )
    marker = f"/robots.txt?after-the-big-bodies={uuid.uuid4().hex}"
    assert request(port, "GET", marker)[0] == 200
    app_log = gunicorn_saw(site, marker)
    proxy_log = site["proxy_log"].read_text()

    print(
        f"\noversized bodies: 200 MB announced -> {announced[:12]!r} in {announced_s:.3f} s; "
        f"2 MB chunked -> {chunked[:12]!r}; 20 MB to the admin -> {admin_status}"
    )
    assert announced.startswith(b"HTTP/1.1 413"), announced[:200]
    assert b"Server: nginx" in announced
    assert announced_s < 1
    assert chunked.startswith(b"HTTP/1.1 413"), chunked[:200]
    assert admin_status == 413
    assert admin_headers["Server"] == "nginx"
    assert "POST" not in app_log, "no oversized request may reach gunicorn"
    assert len(re.findall(r'"POST [^"]+" 413 ', proxy_log)) == 3, proxy_log


def test_the_site_sees_the_readers_address_and_not_one_the_reader_made_up(site):
    """nginx appends the address it saw to X-Forwarded-For; COMMENTS_TRUSTED_PROXIES=1 takes
    exactly that one hop, so an X-Forwarded-For written by the reader proves nothing."""
    port, page = site["proxy_port"], site["article"]
    reader = "127.0.0.7"
    status, _, html = request(port, "GET", page, source=reader)
    assert status == 200
    form = html.decode().split('id="comment-form"', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))
    fields.update(name="Dana", email="dana@example.org", text="When is the runoff?", url_confirm="")
    # The cached page carries no signed form time: the form's script asks for one.
    token_url = re.search(r'data-token-url="([^"]+)"', html.decode())[1].replace("&amp;", "&")
    status, _, token = request(port, "GET", token_url, source=reader)
    assert status == 200
    fields["form_token"] = json.loads(token)["token"]
    status, headers, body = request(
        port,
        "POST",
        page + "comments/",
        source=reader,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://127.0.0.1:{port}",
            "X-Forwarded-For": "203.0.113.9",  # made up by the reader
        },
        body=urllib.parse.urlencode(fields),
    )
    assert status == 302, body.decode()[:2000]
    assert stored_ips(site["database_url"], site["slug"]) == [reader]


def test_a_search_of_any_length_gets_the_sites_own_answer_through_the_proxy(site):
    """Issue 18: a 5,000-character search got gunicorn's bare "URI Too Long". Now it reaches
    Django (cut to 200 characters, and the page says so); past nginx's 8k request line, a
    10,000-character one gets nginx's 414 with the site's own page, not nginx's."""
    port = site["proxy_port"]
    status, _, html = request(port, "GET", "/search/?q=" + "runoff+" * 715)  # 5,005 characters
    assert status == 200
    assert "only its first 200 were searched" in html.decode()

    status, headers, html = request(port, "GET", "/search/?q=" + "x" * 10_000)
    assert status == 414
    assert "That search is too long" in html.decode()
    assert '<link rel="stylesheet" href="/static/css/site.css">' in html.decode()
    assert request(port, "GET", "/static/css/site.css")[0] == 200
