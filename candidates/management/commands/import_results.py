"""Load an election-results CSV: ``manage.py import_results FILE --election SLUG``.

Why this command exists: on election night results arrive as CSV files (a county's export, or
a public OpenElections file), and after the count the desk loads historical files for older
races. Typing thousands of precinct figures into the admin is slow and error-prone; this loads
a file as it is, all or nothing, and says what it changed. ``--dry-run`` shows what an import
would do without saving it. The rules (matching names, summing precincts into counties,
replacing rather than adding) live in candidates/importer.py, which the admin upload shares.

With ``--create``, offices, races, candidates and candidacies the file names but the site does
not know yet are created, and so is a missing election (from ``--name`` and ``--date``).
"""

import datetime
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from candidates.importing import ImportFailed, import_results
from candidates.models import Election

# Files shorter than this finish before a progress bar would be any use.
PROGRESS_MIN_ROWS = 1000
slug_re = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class ProgressBar:
    """Rows checked so far, on stderr: redrawn in place on a terminal, every 10% otherwise."""

    width = 30

    def __init__(self, stream, *, always):
        self.stream = stream
        self.always = always
        self.tty = stream.isatty()
        self.last_tenth = -1

    def __call__(self, done, total):
        if total < PROGRESS_MIN_ROWS and not self.always:
            return
        filled = self.width * done // total
        bar = f"[{'#' * filled}{'.' * (self.width - filled)}] {done:,} of {total:,} rows checked"
        if self.tty:
            self.stream.write(f"\r{bar}", ending="\n" if done == total else "")
            self.stream.flush()
        elif (tenth := 10 * done // total) != self.last_tenth:
            self.last_tenth = tenth
            self.stream.write(bar)


class Command(BaseCommand):
    help = (
        "Import election results from a CSV file (OpenElections columns: county, precinct, "
        "office, district, party, candidate, votes or vote-method columns)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="Path to the results file: OpenElections CSV (UTF-8) or Clarity XML/zip."
        )
        parser.add_argument("--election", required=True, help="Slug of the election.")
        parser.add_argument(
            "--create",
            action="store_true",
            help="Create missing offices, races, candidates and candidacies (and the election, "
            "with --name and --date).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Do everything, then roll it back."
        )
        parser.add_argument(
            "--final",
            action="store_true",
            help="Mark the file's races final (unofficial); refused unless every county in "
            "them has all its precincts reporting. Without it an import never marks a race final.",
        )
        parser.add_argument("--name", help="With --create: the new election's name.")
        parser.add_argument("--date", help="With --create: the new election's date, YYYY-MM-DD.")
        parser.add_argument(
            "--kind",
            choices=Election.Kind.values,
            default=Election.Kind.GENERAL,
            help="With --create: the new election's kind (default: general).",
        )
        parser.add_argument(
            "--runoff-of", help="With --create: slug of the election a new runoff follows."
        )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        show_progress = verbosity >= 2 or (verbosity >= 1 and self.stdout.isatty())
        progress = ProgressBar(self.stderr, always=verbosity >= 2) if show_progress else None
        try:
            # Bytes: the importer decodes them, so a file that is not UTF-8 gets a clear
            # message naming the line of the first bad byte.
            handle = open(options["file"], "rb")  # noqa: SIM115
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}.") from None
        try:
            with handle, transaction.atomic():
                election, created = self.get_election(options)
                report = import_results(
                    handle,
                    election=election,
                    create=options["create"],
                    dry_run=options["dry_run"],
                    final=options["final"],
                    progress=progress,
                    reason="import_results",  # the edit history's change reason
                )
                if options["dry_run"]:
                    transaction.set_rollback(True)  # also undoes a created election
        except ImportFailed as failure:
            raise CommandError(
                f"{options['file']}: {failure}\nFix the file and run the import again."
            ) from None

        if verbosity >= 1:
            if created:
                verb = "Would create" if options["dry_run"] else "Created"
                self.stdout.write(f"{verb} the election {election}.")
            for line in report.summary_lines():
                self.stdout.write(line)

    def get_election(self, options):
        slug = options["election"]
        election = Election.objects.filter(slug=slug).first()
        if election is not None:
            return election, False
        if not options["create"]:
            raise CommandError(
                f"No election with the slug {slug!r}. Check the slug in the admin "
                "(Elections), or pass --create with --name and --date to create it."
            )
        if not slug_re.fullmatch(slug):
            raise CommandError(
                f"{slug!r} cannot be an election slug: use lowercase letters, digits and hyphens."
            )
        if not options["name"] or not options["date"]:
            raise CommandError(
                f"No election with the slug {slug!r}: to create it, give --name and --date."
            )
        try:
            date = datetime.date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError(
                f"--date {options['date']!r} is not a date; write it as YYYY-MM-DD."
            ) from None
        runoff_of = None
        if options["runoff_of"]:
            runoff_of = Election.objects.filter(slug=options["runoff_of"]).first()
            if runoff_of is None:
                raise CommandError(f"No election with the slug {options['runoff_of']!r}.")
        election = Election.objects.create(
            slug=slug, name=options["name"], date=date, kind=options["kind"], runoff_of=runoff_of
        )
        return election, True
