"""Fetching a feed's file: over HTTP with a conditional GET, or from a local path.

Why a module of its own: fetching is the part of a pull that waits on other people's servers.
It takes plain values (``FeedRequest``) and touches no database, so ``poll_results`` can fetch
several sources at once in threads while the staging that follows runs in one place.

The rules:

- Conditional GET: the ETag of the last answer is sent back (If-None-Match), or its
  Last-Modified (If-Modified-Since) when there was no ETag; a 304 means nothing changed and
  nothing is downloaded. A ``refresh`` asks unconditionally and downloads everything: a file
  replaced by one with an older modification time (a copy that kept its date) answers 304 to
  If-Modified-Since, and a version number can be re-published with other contents, so the
  poller refreshes now and then and whenever an operator asks for one source.
- Clarity's ``current_ver.txt`` holds the number of the newest version of an election's
  results; the file itself is ``<election>/<version>/reports/detailxml.zip`` (how Clarity sites
  lay it out; openelections/clarify reads them the same way). The version file is fetched
  conditionally; the zip only when the number changed.
- Timeouts on every request (settings.LIVE_FEED_TIMEOUT, 10 s), a size limit read as the bytes
  arrive (settings.LIVE_FEED_MAX_BYTES, 50 MB), redirects followed, http(s) only.
- Any failure is a ``FetchError`` whose message an editor can act on; nothing else escapes.
- A local path (a file a county drops on a share, or a test's file) is read the same way; its
  modification time and size stand in for the ETag.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings

from candidates.importing import clarity

CURRENT_VER = "current_ver.txt"
DETAIL_ZIP = "reports/detailxml.zip"
USER_AGENT = "civicsite-results-poller/1"
# Clarity's version numbers are short runs of digits.
_VERSION = re.compile(r"\d{1,12}")
# The address of a Clarity election page, as a reader's browser shows it: a ``web.285569`` or
# ``Web01``/``Web02`` folder (``Web02-state.221451`` too), or an older ``.../en/summary.html``.
_CLARITY_PAGE = re.compile(r"/web(?:\d*|\.\d+)(?:[-./]|$)|/en/[a-z]+\.html?$", re.I)
# Formats (FeedSource.Format values, repeated here so this module needs no model).
CLARITY_VERSION, CLARITY, CSV = "clarity_version", "clarity", "csv"


def timeout():
    return settings.LIVE_FEED_TIMEOUT


def max_bytes():
    return settings.LIVE_FEED_MAX_BYTES


@dataclass(frozen=True)
class FeedRequest:
    """What a fetch needs to know about its source; ``format`` "" means: find out."""

    url: str
    format: str
    etag: str = ""
    last_modified: str = ""
    version: str = ""
    # Download everything, asking nothing conditionally: a 304 or an unchanged version number
    # is not taken on trust (the checksum tells what changed). See ``FULL_REFRESH_SECONDS``.
    refresh: bool = False

    @classmethod
    def for_source(cls, source, *, refresh=False):
        return cls(
            url=source.url,
            format=source.format,
            etag=source.etag,
            last_modified=source.last_modified,
            version=source.version,
            refresh=refresh,
        )


@dataclass
class Fetched:
    """A fetch's answer. ``content`` is None when nothing changed (304, same version)."""

    content: bytes | None
    fetched_url: str
    format: str
    http_status: int | None = None
    etag: str = ""
    last_modified: str = ""
    version: str = ""

    @property
    def changed(self):
        return self.content is not None

    @property
    def size(self):
        return len(self.content) if self.content is not None else 0


class FetchError(Exception):
    def __init__(self, message, *, fetched_url="", http_status=None):
        super().__init__(message)
        self.message = message
        self.fetched_url = fetched_url
        self.http_status = http_status


def guess_format(url):
    """The format a source's address implies, or "" when only its content can tell."""
    path = urlsplit(url).path if "://" in url else url
    name = path.rstrip("/").rsplit("/", 1)[-1].lower()
    if name == CURRENT_VER or _CLARITY_PAGE.search(path):
        return CLARITY_VERSION
    if name.endswith((".zip", ".xml")):
        return CLARITY
    if name.endswith((".csv", ".txt")):
        return CSV
    if urlsplit(url).hostname == "results.enr.clarityelections.com":
        return CLARITY_VERSION
    return ""


def clarity_base(url):
    """The election's folder from the address of current_ver.txt or of any of its pages:
    ``https://results.enr.clarityelections.com/GA/DeKalb/113246/web.285569/#/summary`` ->
    ``.../GA/DeKalb/113246/`` (the path up to the first all-digit part, the election id)."""
    if "://" not in url:
        path = Path(url)
        return str(path.parent if path.name == CURRENT_VER else path) + "/"
    parts = urlsplit(url)
    segments = parts.path.split("/")
    if segments[-1] == CURRENT_VER:
        path = "/".join(segments[:-1]) + "/"
    else:
        digits = [i for i, segment in enumerate(segments) if segment.isdigit()]
        path = "/".join(segments[: digits[0] + 1]) + "/" if digits else parts.path
        if not path.endswith("/"):
            path += "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def fetch(request, *, client=None):
    """Fetch ``request``'s file: a Fetched, or FetchError. ``client``: an httpx.Client to reuse."""
    own_client = client is None and "://" in request.url
    if own_client:
        client = new_client()
    try:
        if request.format == CLARITY_VERSION:
            return _fetch_clarity_version(request, client)
        fetched = _get(request.url, request, client)
        if (
            not request.format
            and fetched.changed
            and _VERSION.fullmatch(fetched.content.strip().decode("ascii", "replace"))
        ):
            # No format given and the address answered with a bare number: a current_ver.txt.
            return _detail_for_version(request, client, fetched, base=_folder_of(fetched))
        if not request.format and fetched.changed:
            fetched.format = CLARITY if clarity.looks_like_clarity(fetched.content) else CSV
        return fetched
    finally:
        if own_client:
            client.close()


def new_client():
    return httpx.Client(
        timeout=httpx.Timeout(timeout()),
        follow_redirects=True,
        max_redirects=5,
        headers={"User-Agent": USER_AGENT},
    )


def _fetch_clarity_version(request, client):
    base = clarity_base(request.url)
    version_url = base + CURRENT_VER
    answer = _get(version_url, request, client)
    return _detail_for_version(request, client, answer)


def _folder_of(fetched):
    """The folder a file was fetched from (its address without the last part)."""
    return fetched.fetched_url.rsplit("/", 1)[0] + "/"


def _detail_for_version(request, client, answer, *, base=None):
    """From current_ver.txt's answer to the newest version's detailxml.zip (unless unchanged)."""
    if not answer.changed:  # 304: the version file itself did not change
        answer.version, answer.format = request.version, CLARITY_VERSION
        return answer
    text = answer.content.strip().decode("ascii", "replace")
    if not _VERSION.fullmatch(text):
        raise FetchError(
            f"{answer.fetched_url} should hold a Clarity version number, not {text[:40]!r}; "
            "check the address (it should end in current_ver.txt or be the election's page)",
            fetched_url=answer.fetched_url,
            http_status=answer.http_status,
        )
    if text == request.version and not request.refresh:
        # A new ETag on the same version number: nothing new was published.
        return Fetched(
            content=None,
            fetched_url=answer.fetched_url,
            format=CLARITY_VERSION,
            http_status=answer.http_status,
            etag=answer.etag,
            last_modified=answer.last_modified,
            version=text,
        )
    base = base or clarity_base(answer.fetched_url)
    detail = _get(f"{base}{text}/{DETAIL_ZIP}", FeedRequest(url="", format=CLARITY), client)
    # The source remembers the version file's validators: that is what it asks about next.
    detail.etag, detail.last_modified = answer.etag, answer.last_modified
    detail.version, detail.format = text, CLARITY_VERSION
    return detail


def _get(url, request, client):
    if "://" not in url or url.startswith("file:"):
        return _read_local(url, request)
    headers = {}
    if request.refresh:
        pass  # unconditional
    elif request.etag:
        headers["If-None-Match"] = request.etag  # a server that sends one decides by it
    elif request.last_modified:
        headers["If-Modified-Since"] = request.last_modified
    scheme = urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise FetchError(f"{url}: only http and https addresses can be pulled", fetched_url=url)
    try:
        with client.stream("GET", url, headers=headers) as response:
            final_url = str(response.url)
            if response.status_code == 304:
                return Fetched(
                    content=None,
                    fetched_url=final_url,
                    format=request.format,
                    http_status=304,
                    etag=response.headers.get("ETag", request.etag),
                    last_modified=response.headers.get("Last-Modified", request.last_modified),
                )
            if response.status_code != 200:
                raise FetchError(
                    f"{final_url} answered HTTP {response.status_code}",
                    fetched_url=final_url,
                    http_status=response.status_code,
                )
            limit = max_bytes()
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _too_large(final_url, limit, response.status_code)
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise _too_large(final_url, limit, response.status_code)
                chunks.append(chunk)
            return Fetched(
                content=b"".join(chunks),
                fetched_url=final_url,
                format=request.format,
                http_status=200,
                etag=response.headers.get("ETag", ""),
                last_modified=response.headers.get("Last-Modified", ""),
            )
    except httpx.TimeoutException:
        raise FetchError(
            f"{url} did not answer within {timeout()} s (timeout)", fetched_url=url
        ) from None
    except httpx.HTTPError as error:
        raise FetchError(f"{url}: {error or type(error).__name__}", fetched_url=url) from None


def _too_large(url, limit, status):
    return FetchError(
        f"{url} is larger than {limit:,} bytes (LIVE_FEED_MAX_BYTES); not read",
        fetched_url=url,
        http_status=status,
    )


def _read_local(url, request):
    path = Path(urlsplit(url).path if url.startswith("file:") else url)
    if path.is_dir():
        # A Clarity folder laid out like the site: <folder>/<version>/reports/detailxml.zip.
        path = path / CURRENT_VER
    try:
        stat = path.stat()
        stamp = f"{stat.st_mtime_ns}-{stat.st_size}"
        if request.last_modified and stamp == request.last_modified and not request.refresh:
            return Fetched(
                content=None, fetched_url=str(path), format=request.format, last_modified=stamp
            )
        if stat.st_size > max_bytes():
            raise _too_large(str(path), max_bytes(), None)
        with open(path, "rb") as handle:
            content = handle.read(max_bytes() + 1)
    except OSError as error:
        raise FetchError(f"{path}: {error.strerror or error}", fetched_url=str(path)) from None
    if len(content) > max_bytes():
        raise _too_large(str(path), max_bytes(), None)
    return Fetched(
        content=content, fetched_url=str(path), format=request.format, last_modified=stamp
    )
