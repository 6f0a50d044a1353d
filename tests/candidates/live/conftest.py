"""A loopback results server for the feed tests, and altered copies of real results files.

``feed_server`` is a ThreadingHTTPServer on 127.0.0.1 (port 0: the system picks a free one) in
a thread of the test. A test scripts what each address answers (``serve``): a body, a status,
a delay longer than the poller's timeout. Every 200 carries an ETag and a Last-Modified; a
request that sends either back unchanged gets a 304, as Clarity's servers (and any static file
server) answer. Nothing outside 127.0.0.1 is ever contacted.

The files are real: the Clarity county export of Atkinson County, GA (Nov. 3, 2020 general,
President, 4 precincts) and OpenElections' CSV of Georgia's State House District 45 special
election (Apr. 5, 2022; Cobb 12 precincts, Fulton 2), both described in
tests/candidates/data/README.md. An election night is made of altered copies of them, made
here from the real file so each change is plain to read:

- ``clarity_scaled(percent)`` / ``csv_scaled(percent)``: every vote count at ``percent`` % of
  the real one (rounded down): the same file earlier in the night;
- ``clarity_without_precinct(name)``: one precinct's lines removed (a half-written export);
- ``csv_without_county(county)``: one county's rows removed (a feed that dropped a county);
- ``zipped(xml)``: a detail.xml packed as Clarity serves it, in detailxml.zip.
"""

import contextlib
import datetime
import hashlib
import io
import re
import threading
import time
import zipfile
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
ATKINSON = DATA / "clarity" / "ga_atkinson_2020_general_precincts.xml"
# A state export (5 counties, PRESIDENT and U.S. SENATOR), as tests/candidates/data/README.md says.
WEST_VIRGINIA = DATA / "clarity" / "wv_2020_general_counties_trimmed.xml"
HOUSE_45 = DATA / "openelections" / "ga_2022_special_state_house_45.csv"
# The Atkinson export's own election day (its ElectionDate): a feed of it is a source of
# an election on that day, or its pulls are held as another election's.
ATKINSON_DAY = datetime.date(2020, 11, 3)
# Atkinson's real totals (tests/candidates/data/clarity/expected.py).
ATKINSON_TOTALS = {"Donald J. Trump": 2300, "Joseph R. Biden": 825, "Jo Jorgensen": 30}
# District 45's real totals (tests/candidates/data/openelections/expected.py).
HOUSE_45_TOTALS = {
    "James Dustin McCormick": 2212,
    "Darryl Wilson": 242,
    "Mitchell Kaye": 2274,
    "Pamela Alayon": 737,
}


# --- Altered copies of the real files ---------------------------------------------------------


def clarity_text():
    return ATKINSON.read_bytes().decode()


def clarity_scaled(percent, text=None):
    """Every ``votes`` and ``totalVotes`` count at ``percent`` % (turnout figures untouched)."""
    return re.sub(
        r'\b(votes|totalVotes)="(\d+)"',
        lambda m: f'{m.group(1)}="{int(m.group(2)) * percent // 100}"',
        text or clarity_text(),
    )


def clarity_without_precinct(name, text=None):
    """The export without any line naming precinct ``name`` (its votes and its turnout)."""
    lines = (text or clarity_text()).splitlines(keepends=True)
    return "".join(line for line in lines if f'<Precinct name="{name}"' not in line)


def clarity_totals(xml):
    """{choice as printed: votes} summed from the precinct lines with a regular expression,
    not with the importer, so the tests check the importer's figures against their own."""
    totals = {}
    for text, body in re.findall(r'<Choice [^>]*text="([^"]+)"[^>]*>(.*?)</Choice>', xml, re.S):
        counts = re.findall(r'<Precinct name="[^"]+" votes="(\d+)"', body)
        totals[text] = sum(int(count) for count in counts)
    return totals


def zipped(xml):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("detail.xml", xml)
    return buffer.getvalue()


def csv_text():
    return HOUSE_45.read_bytes().decode()


def csv_scaled(percent, text=None):
    """Every vote-method count (the columns after ``candidate``) at ``percent`` %."""
    lines = (text or csv_text()).splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    first_count = header.index("candidate") + 1
    out = [lines[0]]
    for line in lines[1:]:
        ending = line[len(line.rstrip("\r\n")) :]
        cells = line.rstrip("\r\n").split(",")
        for i in range(first_count, len(cells)):
            cells[i] = str(int(cells[i]) * percent // 100)
        out.append(",".join(cells) + ending)
    return "".join(out)


def csv_totals(text):
    """{candidate: votes} summed over the vote-method columns with plain string splitting."""
    lines = text.splitlines()
    header = lines[0].split(",")
    name, first_count = header.index("candidate"), header.index("candidate") + 1
    totals = {}
    for line in lines[1:]:
        cells = line.split(",")
        totals[cells[name]] = totals.get(cells[name], 0) + sum(map(int, cells[first_count:]))
    return totals


def csv_without_county(county, text=None):
    lines = (text or csv_text()).splitlines(keepends=True)
    return "".join([lines[0], *(line for line in lines[1:] if not line.startswith(f"{county},"))])


# --- The loopback server ----------------------------------------------------------------------


@dataclass
class Answer:
    body: bytes = b""
    status: int = 200
    delay: float = 0.0  # seconds before answering (longer than the poller's timeout: a timeout)
    content_type: str = "application/octet-stream"
    etag: bool = True  # False: the answer carries only Last-Modified


class FeedServer:
    def __init__(self):
        self.answers = {}
        self.requests = []  # (path, {header: value}) of every request, in order
        self.stamps = {}  # path -> Last-Modified of its current body
        self.tick = 0
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path):
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def serve(self, path, body=b"", *, status=200, delay=0.0, content_type=None, etag=True):
        """What ``path`` answers from now on (text is sent as UTF-8)."""
        data = body.encode() if isinstance(body, str) else body
        answer = Answer(data, status, delay, content_type or "application/octet-stream", etag)
        if self.answers.get(path, Answer(None)).body != data:
            # A new body is newer: its Last-Modified moves on by a second (HTTP dates have
            # whole seconds, and a test changes files faster than that).
            self.tick += 1
            self.stamps[path] = formatdate(1_700_000_000 + self.tick, usegmt=True)
        self.answers[path] = answer

    def paths_requested(self):
        return [path for path, _ in self.requests]

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                server.requests.append((self.path, dict(self.headers.items())))
                answer = server.answers.get(self.path)
                if answer is None:
                    self.send_error(404)
                    return
                if answer.delay:
                    time.sleep(answer.delay)
                if answer.status != 200:
                    self.send_error(answer.status)
                    return
                etag = '"' + hashlib.sha256(answer.body).hexdigest()[:16] + '"'
                stamp = server.stamps[self.path]
                # RFC 9110: If-None-Match, when sent, decides; If-Modified-Since otherwise.
                if "If-None-Match" in self.headers:
                    fresh = answer.etag and self.headers["If-None-Match"] == etag
                else:
                    fresh = self.headers.get("If-Modified-Since") == stamp
                self.send_response(304 if fresh else 200)
                if answer.etag:
                    self.send_header("ETag", etag)
                self.send_header("Last-Modified", stamp)
                if fresh:
                    self.end_headers()
                    return
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args):
                pass

            def handle(self):
                # The poller may give up waiting first (a timeout test).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    super().handle()

        return Handler

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed_server():
    with FeedServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _feed_settings(settings):
    # A short timeout, so the timeout test waits a fraction of a second.
    settings.LIVE_FEED_TIMEOUT = 0.5
    settings.EDITORS_EMAIL = ["desk@example.com"]


def serve_clarity_version(server, version, xml, *, base="/GA/Atkinson/105369/"):
    """Publish ``xml`` as Clarity does: current_ver.txt says ``version``, the zip is under it."""
    server.serve(f"{base}{version}/reports/detailxml.zip", zipped(xml))
    server.serve(f"{base}current_ver.txt", str(version), content_type="text/plain")
    return server.url(f"{base}current_ver.txt")
