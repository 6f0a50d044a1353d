#!/usr/bin/env python3
"""Fault run: break the database, Redis and the media disk under load, through the production path.

Why: the robustness promises (README, "Robustness", Faults) are about what readers and
commenters see while something is broken: 503 pages within seconds (never a request that
hangs), cached pages still served, /healthz naming the failing part, nothing the site said it
stored missing afterwards, and no orphan files on a full disk. This script shows it with
figures; it is not part of the test suite (it runs for a few minutes).

Everything it breaks is its own, made for the run in a temporary folder on free loopback
ports, never the machine's shared services:

- PostgreSQL 15 (``initdb`` + ``pg_ctl``; as the ``postgres`` user when run as root);
- ``redis-server`` without persistence;
- the media disk: a tmpfs of ``--media-mb`` MB when ``mount`` works (root), so that "disk
  full" is the kernel's own ENOSPC; otherwise that phase is skipped, and said so;
- gunicorn (DEBUG off, 2 workers x ``--threads``, 4 by default; deploy/civicsite.service runs
  8) behind nginx from deploy/nginx.conf.template.

Load, all through nginx: readers of cached pages (home, an article), readers of uncached pages
(a search with a new query each time: the database every time), a /healthz poller, and
commenters posting under new identities (each from its own loopback address, as readers on the
internet are). Phases: baseline; PostgreSQL stopped (``pg_ctl stop -m fast``, then started
again); PostgreSQL paused (SIGSTOP on the postmaster and every backend, then SIGCONT); Redis
stopped (then started); the media disk filled while an editor uploads a figure.

It prints, per phase, the status codes second by second for each kind of request, the seconds
to recover after the fault ends, /healthz's failing parts, and at the end comments accepted
(302) against comments stored. Usage (as root, on a machine with nginx, PostgreSQL 15 and
redis-server installed)::

    .venv/bin/python scripts/faults.py               # about four minutes
    .venv/bin/python scripts/faults.py --json out.json --phase-seconds 15
"""

import argparse
import collections
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SLUG = "fault-run-comments"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")


def as_postgres(command):
    """Run a PostgreSQL server command as the postgres user when we are root (initdb refuses)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivatePostgres:
    def __init__(self, folder, port):
        self.data, self.port, self.log = folder / "pg", port, folder / "pg.log"
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres")
            shutil.chown(folder, "postgres")
        subprocess.run(
            as_postgres(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(self.data),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
        )
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {port}\n"
                f"unix_socket_directories = '{self.data}'\nmax_connections = 60\n"
            )

    def start(self):
        subprocess.run(
            as_postgres(
                [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "start"]
            ),
            check=True,
            capture_output=True,
        )

    def stop(self):
        subprocess.run(
            as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
            check=False,
            capture_output=True,
        )

    def pids(self):
        """Our postmaster and its children only, from our own postmaster.pid."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(
            ["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False
        ).stdout.split()
        return [postmaster, *map(int, children)]

    def signal(self, number):
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, number)


class PrivateRedis:
    def __init__(self, port):
        self.port, self.process = port, None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)


# --- Traffic ------------------------------------------------------------------------------


class Recorder:
    """(second of the run, kind, outcome) for every request; outcome is a status or 'timeout'."""

    def __init__(self):
        self.started = time.monotonic()
        self.rows = []
        self.lock = threading.Lock()
        self.phase = "setup"

    def add(self, kind, outcome, seconds):
        with self.lock:
            self.rows.append((time.monotonic() - self.started, self.phase, kind, outcome, seconds))


def request(port, method, path, *, source, headers=None, body=None, timeout=10):
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0)
    )
    try:
        conn.request(
            method, path, body=body, headers={"Host": f"127.0.0.1:{port}", **(headers or {})}
        )
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def loop(recorder, stop, kind, every, action):
    while not stop.is_set():
        started = time.monotonic()
        try:
            outcome = action()
        except (OSError, http.client.HTTPException):
            outcome = "timeout"
        recorder.add(kind, outcome, time.monotonic() - started)
        stop.wait(max(0, every - (time.monotonic() - started)))


def traffic(port, article, recorder, stop):
    addresses = (f"127.0.{2 + n // 250}.{1 + n % 250}" for n in range(100_000))
    healthz_parts = collections.Counter()

    def cached(source, paths):
        turn = iter(range(10**9))

        def action():
            return request(port, "GET", paths[next(turn) % len(paths)], source=source)[0]

        return action

    def uncached(source):
        def action():
            query = urllib.parse.urlencode({"q": f"runoff {secrets.token_hex(4)}"})
            return request(port, "GET", f"/search/?{query}", source=source)[0]

        return action

    def healthz():
        status, body = request(port, "GET", "/healthz", source="127.0.0.1", timeout=5)
        with contextlib.suppress(ValueError):
            for part in json.loads(body).get("failing", []):
                healthz_parts[(recorder.phase, part)] += 1
        return status

    def comment():
        source = next(addresses)
        status, html = request(port, "GET", article, source=source)
        if status != 200:
            return f"form {status}"
        html = html.decode()
        form = html.split('id="comment-form"', 1)[1].split("</form>", 1)[0]
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))
        # A cached page carries no signed form time; the form's script fetches one, as here.
        token_url = re.search(r'data-token-url="([^"]+)"', html)[1].replace("&amp;", "&")
        status, token = request(port, "GET", token_url, source=source)
        if status != 200:
            return f"token {status}"
        fields["form_token"] = json.loads(token)["token"]
        who = secrets.token_hex(4)
        fields.update(
            name=f"Reader {who}",
            email=f"{who}@example.org",
            url_confirm="",
            text=f"Question {who}: when are the results final?",
        )
        status, _ = request(
            port,
            "POST",
            article + "comments/",
            source=source,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"http://127.0.0.1:{port}",
            },
            body=urllib.parse.urlencode(fields),
        )
        return status

    threads = []
    for _ in range(16):
        threads.append(("cached", 0.5, cached(next(addresses), ["/", article])))
    for _ in range(6):
        threads.append(("uncached", 1.0, uncached(next(addresses))))
    threads.append(("healthz", 0.5, healthz))
    for _ in range(2):
        threads.append(("comment", 1.0, comment))
    running = [
        threading.Thread(target=loop, args=(recorder, stop, kind, every, action), daemon=True)
        for kind, every, action in threads
    ]
    for thread in running:
        thread.start()
    return running, healthz_parts


# --- The run ------------------------------------------------------------------------------


def manage(env, *args, check=True):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=check,
        capture_output=True,
        text=True,
    )


UPLOAD = """
import io, json, pathlib
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
root = pathlib.Path(settings.MEDIA_ROOT)
before = sorted(str(p) for p in root.rglob("*") if p.is_file())
user, _ = get_user_model().objects.get_or_create(username="fault-editor",
    defaults={"is_staff": True, "is_superuser": True})
client = Client()
client.force_login(user)
noise = io.BytesIO()
Image.effect_noise((2400, 1600), 70).convert("RGB").save(noise, "JPEG", quality=95)
data = {"title": "Upload on a full disk", "slug": "upload-on-a-full-disk", "dek": "",
        "kind": "news", "body": "[figure: f]", "status": "draft", "tags": "",
        "comments_open": "on", "publish_at_0": "", "publish_at_1": "",
        "content_updated_at_0": "", "content_updated_at_1": "", "lead_figure": "",
        "photo_credit_line": ""}
for prefix in ["bylines", "figures", "pull_quotes", "embeds", "exchanges", "corrections"]:
    data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                 f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
data.update({"figures-TOTAL_FORMS": "1", "figures-0-key": "f", "figures-0-alt_text": "Noise",
             "figures-0-caption": "", "figures-0-credit": "", "figures-0-order": "0",
             "figures-0-image": SimpleUploadedFile("f.jpg", noise.getvalue(), "image/jpeg")})
response = client.post("/admin/articles/article/add/", data)
after = sorted(str(p) for p in root.rglob("*") if p.is_file())
print(json.dumps({"status": response.status_code, "location": response.get("Location"),
                  "upload_bytes": len(noise.getvalue()),
                  "files_before": len(before), "files_after": len(after),
                  "new_files": sorted(set(after) - set(before))}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phase-seconds", type=float, default=12, help="each fault lasts this")
    parser.add_argument("--recovery-seconds", type=float, default=12, help="watched after each")
    parser.add_argument("--media-mb", type=int, default=24, help="size of the media tmpfs")
    parser.add_argument(
        "--threads", type=int, default=4, help="gunicorn threads per worker (deploy/: 8)"
    )
    parser.add_argument("--json", help="write every figure to this file too")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="civicsite-faults-"))
    folder.chmod(0o755)
    pg_port, redis_port, app_port, proxy_port = (free_port() for _ in range(4))
    postgres, redis = PrivatePostgres(folder, pg_port), PrivateRedis(redis_port)
    media = folder / "media"
    media.mkdir()
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={args.media_mb}m", "tmpfs", str(media)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    processes = []
    report = {"phases": {}, "media_tmpfs_mb": args.media_mb if mounted else None}
    try:
        postgres.start()
        redis.start()
        subprocess.run(
            as_postgres(
                [
                    str(PG_BIN / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(pg_port),
                    "-U",
                    "postgres",
                    "civicsite",
                ]
            ),
            check=True,
        )
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        env.update(
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1,testserver",
            SECURE_SSL_REDIRECT="0",
            LOG_LEVEL="ERROR",  # gunicorn.log in the run's folder: the watchdog, the 503s
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{pg_port}/civicsite",
            REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            MEDIA_ROOT=str(media),
            STATIC_ROOT=str(folder / "static"),
            CACHE_DIR=str(folder / "cache"),
            COMMENTS_TRUSTED_PROXIES="1",
            COMMENTS_MIN_SECONDS="0",
            COMMENTS_FLOOD_SECONDS="0",
            MEDIA_MIN_FREE_MB="2",
        )
        setup = {**env, "DEBUG": "1", "DATABASE_STATEMENT_TIMEOUT": "0"}
        print("setting up: migrate, demo content, static files ...", flush=True)
        manage(setup, "migrate", "--noinput", "-v0")
        manage(setup, "load_demo", "-v0")
        manage(setup, "collectstatic", "--noinput", "-v0")
        manage(
            setup,
            "shell",
            "-c",
            "from django.utils import timezone; from articles.models import Article; "
            f"Article.objects.get_or_create(slug={SLUG!r}, defaults=dict(title='Fault run', "
            "status='published', publish_at=timezone.now(), body='Comments under faults.'))",
        )
        app_log = open(folder / "gunicorn.log", "w")  # noqa: SIM115 - closed with the run
        app = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "civicsite.wsgi",
                "--bind",
                f"127.0.0.1:{app_port}",
                "--workers",
                "2",
                "--worker-class",
                "gthread",
                "--threads",
                str(args.threads),
                "--access-logfile",
                "-",
                "--access-logformat",
                '%(t)s "%(r)s" %(s)s %(L)s s',
            ],
            cwd=ROOT,
            env=env,
            stdout=app_log,
            stderr=subprocess.STDOUT,
        )
        processes.append(app)
        for sub in ("run", "log"):
            (folder / sub).mkdir()
        sys.path.insert(0, str(ROOT / "deploy"))
        import render_nginx

        (folder / "nginx.conf").write_text(
            render_nginx.render(
                USER="root" if os.geteuid() == 0 else "nobody",
                WORKER_PROCESSES=1,
                RUN_DIR=folder / "run",
                LOG_DIR=folder / "log",
                LISTEN=f"127.0.0.1:{proxy_port}",
                UPSTREAM=f"127.0.0.1:{app_port}",
                MEDIA_ROOT=media,
            )
        )
        proxy = subprocess.Popen(
            [
                NGINX,
                "-p",
                str(folder / "run"),
                "-c",
                str(folder / "nginx.conf"),
                "-e",
                str(folder / "log" / "error.log"),
                "-g",
                "daemon off;",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(proxy)
        wait_for_port(app_port)
        wait_for_port(proxy_port)
        article = f"/articles/{SLUG}/"
        recorder, stop = Recorder(), threading.Event()
        for path in ("/", article):  # the first pages a cold worker draws can take a while
            request(proxy_port, "GET", path, source="127.0.0.1", timeout=60)
        threads, healthz_parts = traffic(proxy_port, article, recorder, stop)

        def phase(name, fault=None, repair=None):
            recorder.phase = name
            started = time.monotonic() - recorder.started
            print(f"{started:6.1f} s  {name}", flush=True)
            extra = fault() if fault else None
            time.sleep(args.phase_seconds)
            repaired = time.monotonic() - recorder.started
            if repair:
                repair()
            recorder.phase = name + " (after)"
            time.sleep(args.recovery_seconds)
            report["phases"][name] = {
                "start": round(started, 1),
                "repaired": round(repaired, 1),
                "extra": extra,
            }

        phase("baseline")
        phase("postgres stopped", postgres.stop, postgres.start)
        phase(
            "postgres paused",
            lambda: postgres.signal(signal.SIGSTOP),
            lambda: postgres.signal(signal.SIGCONT),
        )
        phase("redis stopped", redis.stop, redis.start)
        if mounted:

            def fill():
                free = shutil.disk_usage(media).free
                with open(media / "filler.bin", "wb") as filler:
                    filler.write(b"\0" * max(0, free - 1_500_000))  # 1.5 MB left
                before = shutil.disk_usage(media).free
                # The editor is signed in by force_login, which gives no second factor; the
                # fault here is the disk, not the sign-in, so this one process skips it.
                editor_env = {**env, "DEBUG": "1", "TWO_FACTOR_REQUIRED": "0"}
                upload = json.loads(
                    manage(editor_env, "shell", "-c", UPLOAD).stdout.splitlines()[-1]
                )
                return {
                    "free_bytes_before": before,
                    "free_bytes_after": shutil.disk_usage(media).free,
                    "upload": upload,
                }

            phase("media disk full", fill, lambda: (media / "filler.bin").unlink())
        else:
            print("media disk full: skipped (mount -t tmpfs did not work here)")
        stop.set()
        for thread in threads:
            thread.join(timeout=15)

        accepted = sum(1 for row in recorder.rows if row[2] == "comment" and row[3] == 302)
        stored = int(
            manage(
                setup,
                "shell",
                "-c",
                "from articles.models import Comment; "
                f"print(Comment.objects.filter(article__slug={SLUG!r}).count())",
            ).stdout.split()[-1]
        )
        report["comments"] = {"accepted": accepted, "stored": stored}
        report["healthz_failing"] = {f"{p}: {part}": n for (p, part), n in healthz_parts.items()}
        summarise(recorder, report)
    finally:
        for process in reversed(processes):
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        with contextlib.suppress(Exception):
            postgres.signal(signal.SIGCONT)
        postgres.stop()
        redis.stop()
        if mounted:
            subprocess.run(["umount", str(media)], check=False)
        print(f"logs (gunicorn, nginx, PostgreSQL) are in {folder}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    ok = report["comments"]["accepted"] <= report["comments"]["stored"]
    return 0 if ok else 1


def summarise(recorder, report):
    """Per phase: outcomes per kind; per second while broken; recovery after the repair."""
    by_phase = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    slowest = collections.defaultdict(float)
    timeline = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    for second, phase, kind, outcome, seconds in recorder.rows:
        by_phase[phase][kind][str(outcome)] += 1
        slowest[(phase, kind)] = max(slowest[(phase, kind)], seconds)
        timeline[int(second)][kind][str(outcome)] += 1
    for name, facts in report["phases"].items():
        facts["outcomes"] = {k: dict(v) for k, v in by_phase[name].items()}
        facts["outcomes_after"] = {k: dict(v) for k, v in by_phase[name + " (after)"].items()}
        facts["slowest_s"] = {
            kind: round(slowest[(name, kind)], 2) for kind in ("cached", "uncached", "healthz")
        }
        # Recovery: from the repair to the first second after which uncached reads are all 200.
        bad = [
            second
            for second, phase, kind, outcome, _ in recorder.rows
            if phase == name + " (after)" and kind in ("uncached", "healthz") and outcome != 200
        ]
        facts["recovery_s"] = round(max(bad) - facts["repaired"], 1) if bad else 0.0
        facts["per_second"] = {
            second: {kind: dict(counts) for kind, counts in timeline[second].items()}
            for second in range(int(facts["start"]), int(facts["repaired"] + 1))
        }
    for name, facts in report["phases"].items():
        print(f"\n== {name}  (fault from {facts['start']} s to {facts['repaired']} s)")
        for kind, counts in facts["outcomes"].items():
            print(f"   {kind:9} {counts}   slowest {facts['slowest_s'].get(kind, '-')} s")
        print(f"   after:    {facts['outcomes_after']}")
        print(f"   recovered {facts['recovery_s']} s after the repair")
        if facts["extra"]:
            print(f"   {facts['extra']}")
    print(f"\n/healthz failing parts (count of answers): {report['healthz_failing']}")
    print(
        f"comments accepted (302): {report['comments']['accepted']}, "
        f"stored: {report['comments']['stored']}"
    )


if __name__ == "__main__":
    sys.exit(main())
