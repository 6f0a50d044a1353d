"""Writes on the election desk that touch several models (README, "Code layout").

- ``race_save_results``: the results grid's save. Every count, precincts reporting and the
  race's status in one transaction, with history rows naming the editor.
- ``corrections_record`` / ``votes_snapshot``: the public corrections log. A figure changed
  after its race was first final (``Race.final_at``) gets a ResultsCorrection row, written by
  whoever changes results (the grid here, the importer in candidates/importer.py), in the
  same transaction.
- ``race_corrections``: the log as the race page shows it, in one query.

Why an explicit log and not one read back from the VoteCount history: an import replaces a
county's counts (deletes the old rows, creates new ones), which the history records as
removals and additions of different rows; the reader's "changed from 300 to 310" is known
for certain only at the moment of the change, so it is written then.

Bulk writes send no signals, so django-simple-history would not see them: these functions
use ``bulk_create_with_history`` / ``bulk_update_with_history`` with the user and a change
reason (civicsite/core/history.py). Deletions go through querysets, whose signals record them
with the user of the request.
"""

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from candidates.models import Candidacy, ReportingUnit, ResultsCorrection, VoteCount
from candidates.results import RACES_TAG, race_tag
from civicsite.core import pagetags

GRID_REASON = "Results grid"
IMPORT_REASON = "Results import"


def with_history(obj, *, user=None, reason=""):
    """Mark ``obj`` so that its next save() records ``user`` and ``reason`` in its history."""
    if user is not None:
        obj._history_user = user
    if reason:
        obj._change_reason = reason
    return obj


def votes_snapshot(*, units):
    """{(candidacy id, unit id): votes} for the given reporting units (one query)."""
    return {
        (candidacy_id, unit_id): votes
        for candidacy_id, unit_id, votes in VoteCount.objects.filter(unit__in=units)
        .order_by()
        .values_list("candidacy_id", "unit_id", "votes")
    }


def corrections_record(*, races, before, after, source, user=None, when=None):
    """Log every figure of an already-final race that differs between two snapshots.

    ``before`` and ``after`` are ``votes_snapshot`` dicts covering the same reporting units.
    Only races in ``races`` whose results were final before the change (``final_at`` set)
    count; a figure added to a race that had none on file at all is a first count, not a
    correction. Two queries (names of candidates and counties) when something changed.
    """
    final = {race.pk for race in races if race.final_at is not None}
    changed = [key for key in sorted({*before, *after}) if before.get(key) != after.get(key)]
    if not final or not changed:
        return []
    # A race's one "all counties combined" unit is not named: "Votes for ... changed".
    units = {
        pk: (race_id, "" if kind == ReportingUnit.Kind.COMBINED else name)
        for pk, race_id, name, kind in ReportingUnit.objects.filter(
            pk__in={unit_id for _, unit_id in changed}
        ).values_list("pk", "race_id", "name", "kind")
    }
    names = dict(
        Candidacy.objects.filter(pk__in={candidacy_id for candidacy_id, _ in changed})
        .order_by()
        .values_list("pk", "candidate__name")
    )
    races_with_figures = {units[unit_id][0] for _, unit_id in before if unit_id in units}
    when = when or timezone.now()
    rows = []
    for candidacy_id, unit_id in changed:
        race_id, unit_name = units.get(unit_id, (None, ""))
        if race_id not in final or candidacy_id not in names:
            continue
        old, new = before.get((candidacy_id, unit_id)), after.get((candidacy_id, unit_id))
        if old is None and race_id not in races_with_figures:
            continue
        rows.append(
            ResultsCorrection(
                race_id=race_id,
                unit_name=unit_name,
                candidate_name=names[candidacy_id],
                old_votes=old,
                new_votes=new,
                changed_at=when,
                changed_by=user,
                source=source,
            )
        )
    return ResultsCorrection.objects.bulk_create(rows)


@transaction.atomic
def race_save_results(*, race, votes, reporting, status, user=None, reason=GRID_REASON):
    """Store a race's counts, precincts reporting and status: all of it or none of it.

    ``votes`` maps (candidacy, unit) to a count, or None to remove the stored one (a blank
    cell: "no figure yet"); ``reporting`` maps each unit to its precincts reporting. Changes
    to the figures of a race that was already final are logged as corrections. Only the pages
    that show the race (and lists of races by state) are emptied (core/pagetags.py).
    """
    with pagetags.changing(RACES_TAG, race_tag(race.pk)):
        return _save_results(race, votes, reporting, status, user=user, reason=reason)


def _save_results(race, votes, reporting, status, *, user, reason):
    units = list(reporting)
    stored = {
        (vc.candidacy_id, vc.unit_id): vc
        for vc in VoteCount.objects.select_for_update().filter(candidacy__race=race, unit__in=units)
    }
    before = {key: vc.votes for key, vc in stored.items()}
    after = dict(before)
    to_create, to_update, to_delete = [], [], []
    for (candidacy, unit), count in votes.items():
        key = (candidacy.pk, unit.pk)
        existing = stored.get(key)
        if count is None:
            if existing:
                to_delete.append(existing.pk)
                del after[key]
            continue
        after[key] = count
        if existing is None:
            to_create.append(VoteCount(candidacy=candidacy, unit=unit, votes=count))
        elif existing.votes != count:
            existing.votes = count
            to_update.append(existing)

    history = {"default_user": user, "default_change_reason": reason}
    VoteCount.objects.filter(pk__in=to_delete).delete()
    bulk_create_with_history(to_create, VoteCount, **history)
    bulk_update_with_history(to_update, VoteCount, ["votes"], **history)
    changed_units = []
    for unit, value in reporting.items():
        if unit.precincts_reporting != value:
            unit.precincts_reporting = value
            changed_units.append(unit)
    bulk_update_with_history(changed_units, ReportingUnit, ["precincts_reporting"], **history)

    corrections_record(
        races=[race], before=before, after=after, source=ResultsCorrection.Source.GRID, user=user
    )
    race.status = status
    race.results_updated_at = timezone.now()
    with_history(race, user=user, reason=reason)
    race.save(update_fields=["status", "results_updated_at"])
    return race


def race_corrections(race):
    """The race's public corrections log, oldest first: one query, none before it was final."""
    if race.final_at is None:
        return []
    return list(ResultsCorrection.objects.filter(race=race).order_by("changed_at", "id"))
