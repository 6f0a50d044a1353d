"""Results files into races: one importer for the command line and the admin upload.

Why: on election night the desk gets results as files, the way counties and OpenElections
publish them, and typing them into the admin is slow and error-prone. Each format has one
parser that yields the same ``ResultRow``s; one checked apply step writes them:

- ``openelections.py``: OpenElections CSV (and county exports saved that way);
- ``clarity.py``: Clarity ENR ``detail.xml``, zipped (``detailxml.zip``) or not;
- ``summary_rows.py``: rows that are not votes (turnout, totals), skipped and counted;
- ``apply.py``: matching offices, races and candidates, summing precincts into counties, and
  the all-or-nothing write;
- ``measures.py``: ballot questions' rows (Yes/No, For/Against) into ballot measures' county
  counts, never candidates, in the same checked write.

The format is told from the content, never from the file name.
"""

from collections import Counter

from django.db import DataError, IntegrityError, transaction

from candidates.importing import clarity, openelections, summary_rows
from candidates.importing.apply import ImportReport, PlannedUnit, apply_rows, plan_rows
from candidates.importing.problems import ImportFailed, Problem
from candidates.services import IMPORT_REASON

__all__ = ["ImportFailed", "ImportReport", "PlannedUnit", "import_results", "plan_results"]


def _read_bytes(text_or_file):
    data = text_or_file if isinstance(text_or_file, str | bytes) else text_or_file.read()
    return data


def _parse(data, problems, skipped, progress, report):
    """(rows, rows read) from whichever format ``data`` is; what the file says of its
    election goes on ``report``."""
    raw = data.encode() if isinstance(data, str) else data
    if clarity.looks_like_clarity(raw):
        return _clarity_rows(raw, problems, skipped, progress, report)
    text = openelections.read_text(data)
    return openelections.read_rows(text, problems, skipped, progress)


def _clarity_rows(raw, problems, skipped, progress, report):
    export, rows, found = clarity.parse_clarity(raw)
    problems.extend(found)
    report.file_election_name, report.file_election_date = (
        export.election_name,
        export.election_date,
    )
    if export.kind == "state":
        # A state export lists every participating county under each contest, zeros too.
        counties = {}
        for row in rows:
            counties.setdefault(row.office, set()).add(row.county)
        for row in rows:
            row.units_expected = len(counties[row.office])
    kept = []
    for row in rows:
        reason = summary_rows.skip_reason(
            office=row.office, candidate=row.candidate, county=row.county, precinct=row.precinct
        )
        if reason:
            skipped[reason] += 1
        else:
            kept.append(row)
    if progress:
        progress(len(rows), len(rows))
    return kept, len(rows)


def import_results(
    text_or_file,
    *,
    election,
    create=False,
    dry_run=False,
    final=False,
    progress=None,
    user=None,
    reason=IMPORT_REASON,
):
    """Load a results file for ``election``; returns an ImportReport or raises ImportFailed.

    ``text_or_file`` is text, bytes or a file object. With ``create`` missing offices, races,
    candidates and candidacies are created; with ``dry_run`` the work is done and rolled back,
    so the report previews exactly what an import would change. With ``final`` the file's
    races are marked final (unofficial), refused unless every county's count is complete; an
    import never marks a race final otherwise. ``progress(rows_done,
    rows_total)`` is called as rows are checked. ``user`` and ``reason`` go into the edit
    history of every row written.
    """
    try:
        data = _read_bytes(text_or_file)
    except UnicodeDecodeError as error:
        raise ImportFailed([openelections.not_utf8(error, None)]) from None
    report = ImportReport(dry_run=dry_run)
    problems, skipped = [], Counter()
    with transaction.atomic():
        rows, report.rows_read = _parse(data, problems, skipped, progress, report)
        if problems and not rows:
            raise ImportFailed(problems)  # nothing readable: names cannot add anything
        # Rows with problems were left out; the rest are still checked against the database,
        # so one run reports unknown names as well as bad numbers.
        try:
            with transaction.atomic():
                apply_rows(
                    rows,
                    election=election,
                    create=create,
                    report=report,
                    problems=problems,
                    skipped=skipped,
                    user=user,
                    reason=reason,
                    final=final,
                )
        except (IntegrityError, DataError) as error:
            raise ImportFailed(
                [Problem(None, f"the database refused the import: {error}")]
            ) from None
        if dry_run:
            transaction.set_rollback(True)
    return report


def plan_results(text_or_file, *, election, create=False):
    """(ImportReport, [PlannedUnit]): every county an import of the file would write, with
    its figures, checked by the same rules as ``import_results``; nothing is written.

    Raises ImportFailed exactly when ``import_results`` would. A results feed compares these
    figures with what readers see before it applies a pull (candidates/live/staging.py).
    """
    try:
        data = _read_bytes(text_or_file)
    except UnicodeDecodeError as error:
        raise ImportFailed([openelections.not_utf8(error, None)]) from None
    report = ImportReport(dry_run=True)
    problems, skipped = [], Counter()
    rows, report.rows_read = _parse(data, problems, skipped, None, report)
    if problems and not rows:
        raise ImportFailed(problems)
    units = plan_rows(
        rows,
        election=election,
        create=create,
        report=report,
        problems=problems,
        skipped=skipped,
    )
    return report, units
