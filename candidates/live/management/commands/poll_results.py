"""Pull the election-night results feeds: ``manage.py poll_results``.

Why this command exists: on election night counties publish new figures every few minutes,
and the desk cannot download and upload each file by hand. This pulls every active feed
source (set up in the admin, Live results feeds) on its own interval, stages each file against
what readers see and applies it through the results importer, or holds it for the desk when it
looks wrong (candidates/live/staging.py says when). It runs as its own process: in a terminal
beside the site, under a process supervisor, or from cron with ``--once``.

- ``poll_results``: loop until stopped (Ctrl-C), each source on its interval with jitter, and
  a wait that doubles after each error (to 15 minutes); one failing source never stops the
  others.
- ``--once``: pull every source that is due once and exit (``--all``: every active source,
  due or not), for cron.
- ``--election SLUG --url URL [--format F]``: pull that one source, creating it the first
  time (the format is told from the address, or else from the file), so a script needs no
  admin set-up. A missing election is created from ``--name`` and ``--date``, or else from a
  Clarity export's own name and date.
- ``--dry-run``: fetch and stage, print what would happen, save nothing.

Each pull prints one line: the time, the source, what became of the pull (applied, held,
unchanged, failed), its size and duration, and what changed (or why it was held).
"""

import datetime
import logging
import re
import signal
import time
from contextlib import nullcontext

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from candidates.importing import clarity
from candidates.live import feeds, services
from candidates.live.models import FeedSource
from candidates.models import Election

slug_re = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# The loop looks again at least this often (a source added in the admin starts soon).
MAX_SLEEP_SECONDS = 30


class Command(BaseCommand):
    help = "Pull the results feeds of elections being counted; stage, apply or hold each file."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Pull the due sources once, then exit."
        )
        parser.add_argument(
            "--all", action="store_true", help="With --once: every active source, due or not."
        )
        parser.add_argument("--election", help="Slug of the election of --url.")
        parser.add_argument(
            "--url", help="Pull this address or local path (a source of --election)."
        )
        parser.add_argument(
            "--format",
            choices=[choice for choice in FeedSource.Format.values if choice],
            help="With --url: the feed's format (default: told from the address or the file).",
        )
        parser.add_argument("--source-name", help="With --url, a new source's name.")
        parser.add_argument("--name", help="A missing election's name (with --date).")
        parser.add_argument("--date", help="A missing election's date, YYYY-MM-DD.")
        parser.add_argument(
            "--kind",
            choices=Election.Kind.values,
            default=Election.Kind.GENERAL,
            help="A missing election's kind (default: general).",
        )
        parser.add_argument(
            "--workers", type=int, default=4, help="Sources fetched at the same time (4)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Fetch and stage, then roll everything back."
        )

    def handle(self, *args, **options):
        # One line per pull is the log; httpx's own line per request would double it.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self.verbosity = options["verbosity"]
        self.dry_run = options["dry_run"]
        if bool(options["url"]) != bool(options["election"]):
            raise CommandError("--url and --election go together: which feed, for which election.")
        if options["url"]:
            self.poll_one(options)
            return
        if options["once"]:
            self.poll_round(all_active=options["all"], workers=options["workers"])
            return
        self.loop(workers=options["workers"])

    # --- One source ----------------------------------------------------------------------

    def poll_one(self, options):
        url, wanted = options["url"].strip(), options["format"] or ""
        # No transaction around a real run: fetching waits on the network, and an open write
        # transaction would make the site's own writes wait (SQLite). A dry run rolls back.
        with self.rollback_if_dry_run():
            election = Election.objects.filter(slug=options["election"]).first()
            first_answer = None
            if election is None:
                started_at, clock = timezone.now(), time.monotonic()
                election, first_answer = self.create_election(options, url, wanted)
            source, created = services.source_for_url(
                election=election, url=url, format=wanted, name=options["source_name"] or ""
            )
            if created:
                self.say(f"New feed source #{source.pk} for {election}: {url}")
            if first_answer is not None:
                # The export was fetched to name the election: stage that answer.
                result = services.source_receive(
                    source, first_answer, started_at=started_at, clock=clock
                )
            else:
                # Asked for by name: download it all, trust no 304 (feeds.py, "refresh").
                result = services.source_poll(source, refresh=True)
            self.report(result)

    def rollback_if_dry_run(self):
        return _DryRun(self) if self.dry_run else nullcontext()

    def create_election(self, options, url, wanted):
        """A missing election: from --name and --date, or else from a Clarity export's header.
        Returns (election, the fetched answer or None)."""
        slug = options["election"]
        if not slug_re.fullmatch(slug):
            raise CommandError(
                f"{slug!r} cannot be an election slug: use lowercase letters, digits and hyphens."
            )
        if options["name"] and options["date"]:
            try:
                date = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"--date {options['date']!r} is not a YYYY-MM-DD date."
                ) from None
            election = Election.objects.create(
                slug=slug, name=options["name"], date=date, kind=options["kind"]
            )
            self.say(f"Created the election {election}.")
            return election, None
        try:
            answer = feeds.fetch(
                feeds.FeedRequest(url=url, format=wanted or feeds.guess_format(url))
            )
        except feeds.FetchError as error:
            raise CommandError(
                f"No election {slug!r}, and the feed could not be read: {error}"
            ) from None
        export = None
        if answer.changed and clarity.looks_like_clarity(answer.content):
            export, _, _ = clarity.parse_clarity(answer.content)
        if export is None and _looks_like_csv(answer):
            # A results CSV is a fine feed, but it never says which election it is.
            raise CommandError(
                f"No election with the slug {slug!r}, and {answer.fetched_url} answered with a "
                f"CSV (it starts {_start(answer)!r}), which does not name its election. Create "
                "it in the admin, or give --name and --date (and --kind primary for a primary)."
            )
        if export is None or not export.election_name or export.election_date is None:
            raise CommandError(
                f"No election with the slug {slug!r}, and {_what_came(answer)}. Create it in "
                "the admin, or give --name and --date (a Clarity export's own name and date are "
                "used when it has them)."
            )
        election = Election.objects.create(
            slug=slug,
            name=export.election_name[:200],
            date=export.election_date,
            kind=options["kind"],
        )
        self.say(
            f"Created the election {election} from the export's own name and date "
            "(check its kind in the admin)."
        )
        return election, answer

    # --- Every source ----------------------------------------------------------------------

    def poll_round(self, *, all_active=False, workers=4):
        sources = FeedSource.objects.filter(active=True) if all_active else FeedSource.objects.due()
        sources = list(sources.select_related("election"))
        if not sources:
            self.say(self.nothing_due())
            return 0
        with self.rollback_if_dry_run():
            for result in services.sources_poll(sources, workers=workers):
                self.report(result)
        return len(sources)

    def nothing_due(self):
        upcoming = FeedSource.objects.filter(active=True).exclude(next_poll_at=None)
        nearest = upcoming.order_by("next_poll_at").first()
        if nearest is None:
            return "No active feed source. Add one in the admin (Live results feeds)."
        when = timezone.localtime(nearest.next_poll_at)
        return (
            f"Nothing due: the next pull is {nearest.name} at {when:%H:%M:%S} "
            "(--all pulls every active source now)."
        )

    def loop(self, *, workers):
        stopping = []
        previous = signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        self.say("Polling the results feeds; Ctrl-C stops.")
        try:
            while not stopping:
                try:
                    self.poll_round(workers=workers)
                except DatabaseError as error:
                    # The database is away (a restart, a lock held too long): say so, wait,
                    # and go on; readers keep what they had.
                    self.stderr.write(f"Database error, trying again shortly: {error}")
                    connections.close_all()
                self.sleep_until_due(stopping)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
        self.say("Stopped.")

    def sleep_until_due(self, stopping):
        nearest = (
            FeedSource.objects.filter(active=True)
            .exclude(next_poll_at=None)
            .order_by("next_poll_at")
            .values_list("next_poll_at", flat=True)
            .first()
        )
        wait = MAX_SLEEP_SECONDS
        if nearest is not None:
            wait = min(wait, max(0.5, (nearest - timezone.now()).total_seconds()))
        deadline = time.monotonic() + wait
        while not stopping and time.monotonic() < deadline:
            time.sleep(min(0.5, deadline - time.monotonic()))

    # --- Output ------------------------------------------------------------------------------

    def say(self, line):
        if self.verbosity >= 1:
            self.stdout.write(line)

    def report(self, result):
        if self.verbosity < 1:
            return
        stamp = timezone.localtime(result.pull.last_seen_at or result.pull.started_at)
        self.stdout.write(f"{stamp:%Y-%m-%d %H:%M:%S} {result.log_line()}")
        if self.verbosity >= 2 and result.staged:
            for line in result.staged.change_lines():
                self.stdout.write(f"    {line}")


def _start(answer, length=40):
    return (answer.content or b"")[:length].decode("utf-8", "replace")


def _looks_like_csv(answer):
    """A header line of comma-separated names: a results CSV, not a page or an export."""
    head = (answer.content or b"").lstrip()[:2000].decode("utf-8", "replace")
    first = head.splitlines()[0] if head else ""
    return not first.startswith("<") and first.count(",") >= 2


def _what_came(answer):
    """What the feed answered, for a message: why no election could be made from it."""
    content = answer.content or b""
    if clarity.looks_like_clarity(content):
        return f"the Clarity export at {answer.fetched_url} names no election or date"
    head = content.lstrip()[:200].lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        what = "a web page"
    elif head.startswith(b"<"):
        what = "XML that is not a Clarity detail.xml"
    else:
        what = f"a file that starts {_start(answer)!r}"
    return (
        f"{answer.fetched_url} answered with {what}, not a Clarity export (give the address "
        "of detail.xml, detailxml.zip, current_ver.txt or the election's results page)"
    )


class _DryRun:
    """Everything inside is done in a transaction and rolled back."""

    def __init__(self, command):
        self.command = command
        self.atomic = transaction.atomic()

    def __enter__(self):
        self.atomic.__enter__()

    def __exit__(self, *exc):
        transaction.set_rollback(True)
        self.atomic.__exit__(*exc)
        if exc[0] is None:
            self.command.say("Dry run: nothing was saved.")
        return False
