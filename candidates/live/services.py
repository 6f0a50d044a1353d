"""Pulling a feed, staging what came, and the desk's Apply and Reject (README, "Code layout").

- ``source_poll``: fetch a source (candidates/live/feeds.py) and hand the answer to
  ``source_receive``; a fetch error is recorded as a failed pull and doubles the wait.
- ``source_receive``: stage a file (candidates/live/staging.py) against what readers see,
  then apply it through the results importer (``import_results``, the one door for figures),
  or hold it and tell the desk why. In one transaction, so the figures compared are the
  figures replaced.
- ``pull_apply`` / ``pull_reject``: an editor's decision on a held pull.
- ``sources_stale``: active sources that have stopped answering.

Every pull is a row (unchanged pulls in a row share one, and so do the same bytes failing the
same way: a file that failed is staged again each time it comes, for what failed it may be
gone); every file that changed something is kept once, by checksum (Payload), so the night can
be audited and replayed.
"""

import hashlib
import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from candidates.importing import ImportFailed, import_results, plan_results
from candidates.importing import clarity as clarity_format
from candidates.live import feeds, staging
from candidates.live.models import FeedSource, LiveSettings, Payload, Pull

logger = logging.getLogger(__name__)

# The longest wait after errors in a row (the interval doubles up to this).
MAX_BACKOFF_SECONDS = 15 * 60
# Each wait is the interval plus or minus this share, so sources drift apart.
JITTER = 0.1
# A source not downloaded in full for this long is asked unconditionally: a 304 to
# If-Modified-Since, or an unchanged Clarity version number, is not trusted for longer
# (candidates/live/feeds.py, "refresh").
FULL_REFRESH_SECONDS = 5 * 60
NOT_MODIFIED = "not modified (304)"


class LiveError(Exception):
    """A decision the desk cannot take (the pull is no longer held, the file no longer fits)."""


@dataclass
class PollResult:
    """One pull as the command's log prints it."""

    source: FeedSource
    pull: Pull
    staged: staging.Staging | None = None

    def log_line(self):
        pull = self.pull
        size = f"{pull.size:,} bytes" if pull.size is not None else "no body"
        not_modified = pull.status == Pull.Status.UNCHANGED and pull.http_status == 304
        if not_modified:
            # Unchanged pulls in a row share a row (its size is the first one's): this one
            # brought no body.
            size = "no body"
        seconds = f"{(pull.duration_ms or 0) / 1000:.2f} s"
        version = f" v{pull.version}" if pull.version else ""
        head = (
            f"{self.source.name} [#{self.source.pk}]{version}: {pull.status}, {size} in {seconds}"
        )
        if pull.status == Pull.Status.FAILED:
            return f"{head}; {pull.error}; next pull in {_wait_words(self.source)}"
        detail = NOT_MODIFIED if not_modified else pull.summary or ""
        if self.staged and self.staged.changes:
            shown = self.staged.change_lines(limit=3)
            more = len(self.staged.changes) - len(shown)
            detail += ": " + "; ".join(shown) + (f"; and {more:,} more" if more > 0 else "")
        if pull.status == Pull.Status.HELD:
            more = len(pull.reasons) - 3
            detail += ". Held: " + " ".join(pull.reasons[:3])
            detail += f" (and {more:,} more reasons)" if more > 0 else ""
        return f"{head}; {detail}" if detail else head


def _wait_words(source):
    if source.next_poll_at is None:
        return "-"
    seconds = max(0, round((source.next_poll_at - timezone.now()).total_seconds()))
    return f"{seconds:,} s"


def next_wait(source, *, failed):
    """Seconds until the next pull: the interval, doubled per error in a row (to 15 minutes),
    with jitter."""
    base = source.interval
    if failed:
        base = min(source.interval * 2 ** max(source.failures, 1), MAX_BACKOFF_SECONDS)
    return base * random.uniform(1 - JITTER, 1 + JITTER)


# --- Polling ---------------------------------------------------------------------------------


def needs_refresh(source, now=None):
    """True when ``source`` has gone FULL_REFRESH_SECONDS without a full download."""
    now = now or timezone.now()
    last = source.last_downloaded_at
    return last is None or (now - last).total_seconds() > FULL_REFRESH_SECONDS


def source_poll(source, *, client=None, notify=True, refresh=None):
    """Fetch ``source`` once and stage what came; returns a PollResult. Never raises for a
    fault of the feed: a failed fetch is a failed pull. ``refresh``: download everything
    (None: when the source is due a full download, ``needs_refresh``)."""
    started_at = timezone.now()
    clock = time.monotonic()
    refresh = needs_refresh(source) if refresh is None else refresh
    try:
        request = feeds.FeedRequest.for_source(source, refresh=refresh)
        fetched = feeds.fetch(request, client=client)
    except feeds.FetchError as error:
        return source_failed(source, error, started_at=started_at, clock=clock)
    return source_receive(source, fetched, started_at=started_at, clock=clock, notify=notify)


def sources_poll(sources, *, workers=4, notify=True, refresh=None):
    """Poll several sources, yielding a PollResult each: fetched at once in threads (fetching
    touches no database), staged one at a time as the answers come. One source's failure,
    even a bug, never stops the others."""
    sources = list(sources)
    if not sources:
        return
    workers = max(1, min(workers, len(sources)))
    with feeds.new_client() as client, ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {}
        for source in sources:
            full = needs_refresh(source) if refresh is None else refresh
            request = feeds.FeedRequest.for_source(source, refresh=full)
            futures[pool.submit(_timed_fetch, request, client)] = source
        for future in as_completed(futures):
            source = futures[future]
            started_at, clock, answer = future.result()  # _timed_fetch never raises
            try:
                if isinstance(answer, feeds.FetchError):
                    yield source_failed(source, answer, started_at=started_at, clock=clock)
                else:
                    yield source_receive(
                        source, answer, started_at=started_at, clock=clock, notify=notify
                    )
            except Exception as error:  # noqa: BLE001 - logged; the other sources go on
                logger.exception("The pull of %s failed", source)
                failure = feeds.FetchError(f"internal error: {type(error).__name__}: {error}")
                yield source_failed(source, failure, started_at=started_at, clock=clock)


def _timed_fetch(request, client):
    started_at, clock = timezone.now(), time.monotonic()
    try:
        return started_at, clock, feeds.fetch(request, client=client)
    except feeds.FetchError as error:
        return started_at, clock, error
    except Exception as error:  # noqa: BLE001 - a fetch's bug is that source's failure only
        logger.exception("Fetching %s failed", request.url)
        return (
            started_at,
            clock,
            feeds.FetchError(
                f"{request.url}: {type(error).__name__}: {error}", fetched_url=request.url
            ),
        )


def source_failed(source, error, *, started_at, clock):
    """Record a fetch that failed, and wait longer before the next one (back-off)."""
    with transaction.atomic():
        source = FeedSource.objects.select_for_update().get(pk=source.pk)
        source.failures += 1
        source.last_error = error.message
        source.last_polled_at = started_at
        source.next_poll_at = timezone.now() + timedelta(seconds=next_wait(source, failed=True))
        source.save(update_fields=["failures", "last_error", "last_polled_at", "next_poll_at"])
        pull = Pull.objects.create(
            source=source,
            started_at=started_at,
            status=Pull.Status.FAILED,
            http_status=error.http_status,
            fetched_url=error.fetched_url[:1000],
            error=error.message,
            duration_ms=_elapsed_ms(clock),
        )
    return PollResult(source=source, pull=pull)


def _elapsed_ms(clock):
    return round((time.monotonic() - clock) * 1000) if clock is not None else None


def _content_refusal(fetched, declared):
    """Why a file is not what its source says it is (a county's error page with a 200), or ""."""
    content = fetched.content
    if not content or content.isspace():
        return "the feed answered with an empty file"
    is_clarity = clarity_format.looks_like_clarity(content)
    if declared in (feeds.CLARITY, feeds.CLARITY_VERSION) and not is_clarity:
        return (
            "the feed did not answer with a Clarity export (detailxml.zip or detail.xml); "
            f"it starts {content[:60].decode('utf-8', 'replace')!r}"
        )
    if declared == feeds.CSV and content.lstrip()[:1] == b"<":
        return (
            "the feed answered with a web page or XML, not a CSV; "
            f"it starts {content[:60].decode('utf-8', 'replace')!r}"
        )
    return ""


def source_receive(
    source,
    fetched,
    *,
    started_at=None,
    clock=None,
    notify=True,
    replay=False,
    force=False,
):
    """Stage what a fetch brought and apply it or hold it; returns a PollResult.

    ``replay``: a rehearsal's step (candidates/live/replay.py), compared like any pull;
    ``force``: apply without the hold rules (a rehearsal's first step, which starts the night
    over). Unchanged files (304, the same Clarity version, the same bytes as the last pull)
    add to the last unchanged row instead of making one each.
    """
    started_at = started_at or timezone.now()
    with transaction.atomic():
        source = FeedSource.objects.select_for_update().get(pk=source.pk)
        if not replay:  # a rehearsal's steps fetched nothing: the source's state stays
            _remember_answer(source, fetched, started_at)
        if not fetched.changed:
            pull = _unchanged(source, fetched, started_at, clock)
            return PollResult(source=source, pull=pull)
        digest = hashlib.sha256(fetched.content).hexdigest()
        # The last file staged (unchanged rows only repeat it). The same bytes as a file that
        # failed are tried again: what made it fail may be gone (an editor added the candidate
        # it named, the importer was fixed).
        last = (
            source.pulls.exclude(sha256="")
            .exclude(status=Pull.Status.UNCHANGED)
            .order_by("-started_at", "-pk")
            .first()
        )
        same = last is not None and last.sha256 == digest and last.status != Pull.Status.FAILED
        if not replay and not force and same:
            pull = _unchanged(source, fetched, started_at, clock, digest=digest)
            return PollResult(source=source, pull=pull)
        pull = Pull(
            source=source,
            started_at=started_at,
            http_status=fetched.http_status,
            fetched_url=fetched.fetched_url[:1000],
            version=fetched.version,
            size=fetched.size,
            sha256=digest,
            replay=replay,
        )
        refusal = _content_refusal(fetched, source.format)
        if refusal:
            return _failed_file(source, pull, refusal, fetched, clock)
        try:
            staged = _stage(source, fetched.content)
        except ImportFailed as failure:
            return _failed_file(source, pull, str(failure), fetched, clock)
        pull.figures = staged.figures
        pull.changes = staged.changes
        pull.summary = staged.summary[:500]
        if not staged.changed and (force or not staged.reasons):
            pull.status = Pull.Status.UNCHANGED
        else:
            # A pull that changes no figure is still held when it has a reason: a county
            # that vanished from the file changes nothing readers see (the importer leaves
            # counties a file does not name alone), but the desk must hear of it.
            if staged.changed:
                source.last_changed_at = started_at
            reasons = [] if force else list(staged.reasons)
            rules = LiveSettings.for_election(source.election)
            if not force and not reasons and rules.review_every_pull:
                reasons = ["This election's pulls wait for an editor (review every pull is on)."]
            pull.reasons = reasons
            pull.payload = _keep(fetched.content, digest)
            if reasons:
                pull.status = Pull.Status.HELD
            else:
                try:
                    _import(source, fetched.content, reason=_reason(source, replay=replay))
                except ImportFailed as failure:
                    return _failed_file(source, pull, str(failure), fetched, clock)
                pull.status = Pull.Status.APPLIED
        pull.duration_ms = _elapsed_ms(clock)
        pull.save()
        source.save()
        if pull.status == Pull.Status.APPLIED:
            _supersede_older(pull)
        if pull.status == Pull.Status.HELD and notify:
            transaction.on_commit(lambda: pull_notify_desk(pull=pull))
    return PollResult(source=source, pull=pull, staged=staged)


def _remember_answer(source, fetched, started_at):
    """The source's state after an answer: validators for the next conditional GET, the wait."""
    source.last_polled_at = started_at
    source.last_ok_at = started_at
    source.failures = 0
    source.last_error = ""
    if fetched.format and fetched.format != source.format:
        source.format = fetched.format  # guessed from the content (poll_results without --format)
    if fetched.etag or fetched.last_modified or fetched.version:
        source.etag = fetched.etag[:500]
        source.last_modified = fetched.last_modified[:100]
        source.version = fetched.version[:50] or source.version
    if fetched.changed:
        source.last_downloaded_at = started_at
    source.next_poll_at = timezone.now() + timedelta(seconds=next_wait(source, failed=False))
    source.save()


def _unchanged(source, fetched, started_at, clock, digest=""):
    """One row for unchanged pulls in a row: the newest pull, if unchanged, counts this one."""
    last = source.pulls.order_by("-started_at", "-pk").first()
    if last is not None and last.status == Pull.Status.UNCHANGED and not last.replay:
        last.repeats += 1
        last.last_seen_at = started_at
        last.http_status = fetched.http_status
        last.save(update_fields=["repeats", "last_seen_at", "http_status"])
        return last
    return Pull.objects.create(
        source=source,
        started_at=started_at,
        last_seen_at=started_at,
        status=Pull.Status.UNCHANGED,
        http_status=fetched.http_status,
        fetched_url=fetched.fetched_url[:1000],
        version=fetched.version,
        size=fetched.size if fetched.changed else None,
        sha256=digest,
        summary=_unchanged_why(fetched, digest),
        duration_ms=_elapsed_ms(clock),
    )


def _unchanged_why(fetched, digest):
    if fetched.http_status == 304:
        return NOT_MODIFIED
    if digest:
        return "the same file as the last pull"
    return f"the same version ({fetched.version})" if fetched.version else "nothing new"


def _failed_file(source, pull, message, fetched, clock):
    """A file that came but cannot be applied (not the format, refused by the importer): kept,
    recorded as failed, readers keep what they had. The same bytes failing the same way again
    add to that row (``repeats``) instead of making one per pull."""
    pull.status = Pull.Status.FAILED
    pull.error = message[:5000]
    newest = source.pulls.order_by("-started_at", "-pk").first()
    if (
        newest is not None
        and not pull.replay
        and newest.status == Pull.Status.FAILED
        and (newest.sha256, newest.error) == (pull.sha256, pull.error)
    ):
        newest.repeats += 1
        newest.last_seen_at = pull.started_at
        newest.save(update_fields=["repeats", "last_seen_at"])
        return PollResult(source=source, pull=newest)
    pull.payload = _keep(fetched.content, pull.sha256)
    pull.duration_ms = _elapsed_ms(clock)
    pull.save()
    source.last_error = pull.error
    source.save(update_fields=["last_error"])
    return PollResult(source=source, pull=pull)


def _keep(content, digest):
    payload, _ = Payload.objects.get_or_create(
        sha256=digest, defaults={"content": content, "size": len(content)}
    )
    return payload


def _reason(source, *, replay=False):
    """The edit history's change reason for figures a pull wrote."""
    prefix = "Rehearsal replay" if replay else "Live feed"
    return f"{prefix}: {source.name}"[:100]


def _previous_figures(source):
    last = (
        source.pulls.filter(status=Pull.Status.APPLIED)
        .order_by("-started_at", "-pk")
        .values_list("figures", flat=True)
        .first()
    )
    return last or []


def _stage(source, content):
    report, units = plan_results(content, election=source.election, create=source.create_missing)
    figures = staging.pull_figures(units)
    return staging.stage(
        figures,
        readers=staging.readers_figures(figures),
        previous=_previous_figures(source),
        rules=LiveSettings.for_election(source.election),
        election=source.election,
        file_said=(report.file_election_name, report.file_election_date),
    )


def _import(source, content, *, reason, user=None):
    return import_results(
        content,
        election=source.election,
        create=source.create_missing,
        user=user,
        reason=reason,
    )


def _supersede_older(pull):
    """Held pulls of the same source older than an applied one would take readers back."""
    Pull.objects.filter(
        source_id=pull.source_id, status=Pull.Status.HELD, started_at__lte=pull.started_at
    ).exclude(pk=pull.pk).update(status=Pull.Status.SUPERSEDED)


# --- The desk's decisions -------------------------------------------------------------------


def pull_restage(*, pull):
    """A held pull's figures against what readers see *now* (the admin shows this diff)."""
    return _stage(pull.source, bytes(pull.payload.content))


def pull_apply(*, pull, user=None, note=""):
    """Apply a held pull through the importer; its changes are recorded as they are now."""
    with transaction.atomic():
        pull = Pull.objects.select_for_update().select_related("source__election").get(pk=pull.pk)
        if pull.status != Pull.Status.HELD:
            raise LiveError(f"This pull is {pull.get_status_display().lower()}, not held.")
        content = bytes(pull.payload.content)
        try:
            staged = _stage(pull.source, content)
            _import(pull.source, content, reason=f"Held pull {pull.pk} applied", user=user)
        except ImportFailed as failure:
            raise LiveError(f"The file can no longer be applied: {failure}") from None
        pull.status = Pull.Status.APPLIED
        pull.changes = staged.changes
        pull.summary = staged.summary[:500]
        pull.figures = staged.figures
        pull.decided_by = user
        pull.decided_at = timezone.now()
        pull.note = note
        pull.save()
        _supersede_older(pull)
    return pull


def pull_reject(*, pull, user=None, note=""):
    """Keep readers on the figures they have; the pull stays on file, marked rejected."""
    with transaction.atomic():
        pull = Pull.objects.select_for_update().get(pk=pull.pk)
        if pull.status != Pull.Status.HELD:
            raise LiveError(f"This pull is {pull.get_status_display().lower()}, not held.")
        pull.status = Pull.Status.REJECTED
        pull.decided_by = user
        pull.decided_at = timezone.now()
        pull.note = note
        pull.save(update_fields=["status", "decided_by", "decided_at", "note"])
    return pull


def pull_notify_desk(*, pull):
    """Email EDITORS_EMAIL that a pull is held, and why."""
    recipients = list(settings.EDITORS_EMAIL)
    if not recipients:
        return 0
    source = pull.source
    rehearsal = " (rehearsal replay)" if pull.replay else ""
    subject = f"Results pull held{rehearsal}: {source.name}"[:200]
    body = (
        f"A pull from {source.name} ({source.election.name}) is held: readers keep the "
        "figures they had until an editor applies or rejects it.\n\n"
        "Why:\n"
        + "".join(f"- {reason}\n" for reason in pull.reasons)
        + f"\nWhat it would change: {pull.summary}.\n\n"
        f"Apply or reject it in the admin: {pull.get_absolute_url()}\n"
    )
    return send_mail(subject, body, None, recipients, fail_silently=True)


def sources_stale(now=None):
    """Active sources that have not answered for three of their intervals."""
    now = now or timezone.now()
    return [
        source
        for source in FeedSource.objects.filter(active=True).select_related("election")
        if source.is_stale(now)
    ]


def source_for_url(*, election, url, format="", name=""):
    """The election's source for ``url``, created (active, default interval) if new."""
    source = FeedSource.objects.filter(election=election, url=url).first()
    if source is not None:
        if format and source.format != format:
            source.format = format
            source.save(update_fields=["format"])
        return source, False
    # Blank when the address does not tell: the first answer's content will (feeds.fetch).
    source = FeedSource.objects.create(
        election=election,
        url=url,
        format=format or feeds.guess_format(url),
        name=(name or url)[:200],
    )
    return source, True
