"""The desk's race calls: ``call_race``, ``uncall_race`` and the public call log.

On election night a newsroom calls a race before the county certifies it, as AP, the New York
Times and POLITICO do: a winner, or the two who advance to a runoff. The call is the desk's own
word, kept apart from the figures: a RaceCall row with who, when and an optional note. Whether
readers see it, and what they see once the race is final, is decided by candidates/results.py
(``RaceResults.call``): the figures still decide final outcomes, and a call they contradict
is never shown as a result.

Both services are keyword-only and atomic; the race row is locked first, so two editors
calling the same race at once end with one standing call and one clear refusal.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as date_format

from candidates.models import Race, RaceCall
from candidates.results import and_list, local_time


def _refuse(message):
    raise ValidationError(message)


@transaction.atomic
def call_race(*, race, outcome, candidacies, user=None, note=""):
    """Record the desk's call of ``race``: ``outcome`` (RaceCall.Outcome) for ``candidacies``.

    A winner call names as many candidacies as the race has seats; a runoff call names two,
    in a single-seat race decided by majority. Refused (ValidationError, with the reason) for
    a cancelled or final race, a race already called (withdraw that call first), a candidacy
    of another race or one that has withdrawn. Returns the RaceCall.
    """
    race = Race.objects.select_for_update().get(pk=race.pk)
    candidacies = list(candidacies)
    if race.cancelled:
        _refuse("This race is cancelled; there is nothing to call.")
    if race.is_final:
        _refuse("This race is final: its figures decide it, not a call.")
    if RaceCall.objects.filter(race=race, uncalled_at__isnull=True).exists():
        _refuse("This race is already called. Withdraw that call first.")
    if any(candidacy.race_id != race.pk for candidacy in candidacies):
        _refuse("Every candidate called must be on this race's ballot.")
    if len({candidacy.pk for candidacy in candidacies}) != len(candidacies):
        _refuse("A candidate is named twice.")
    withdrawn = [candidacy for candidacy in candidacies if candidacy.withdrawn]
    if withdrawn:
        _refuse(f"{withdrawn[0].display_name} has withdrawn and cannot be called.")
    if outcome == RaceCall.Outcome.RUNOFF:
        if race.decision_rule != Race.DecisionRule.MAJORITY or race.seats != 1:
            _refuse("Only a single-seat race decided by majority goes to a runoff.")
        if len(candidacies) != 2:
            _refuse("A runoff call names the two candidates who advance.")
    elif outcome == RaceCall.Outcome.WON:
        if len(candidacies) != race.seats:
            seats = "one winner" if race.seats == 1 else f"{race.seats} winners"
            _refuse(f"This race fills {race.seats} seat(s): name {seats}.")
    else:
        _refuse("Choose the winner or the two who advance to a runoff.")
    call = RaceCall.objects.create(
        race=race,
        outcome=outcome,
        called_by=user,
        called_at=timezone.now(),
        note=note.strip(),
    )
    call.candidacies.set(candidacies)
    return call


@transaction.atomic
def uncall_race(*, race, user=None, note=""):
    """Withdraw the standing call of ``race``; it stays in the call log as withdrawn.
    Refused (ValidationError) when the race has no standing call. Returns the RaceCall."""
    Race.objects.select_for_update().get(pk=race.pk)
    call = RaceCall.objects.filter(race=race, uncalled_at__isnull=True).first()
    if call is None:
        _refuse("This race has no call to withdraw.")
    call.uncalled_by = user
    call.uncalled_at = timezone.now()
    call.uncall_note = note.strip()
    call.save(update_fields=["uncalled_by", "uncalled_at", "uncall_note"])
    return call


@dataclass
class LogLine:
    """One line of the race page's call log, oldest first."""

    at: object  # datetime
    text: str
    note: str = ""

    @property
    def when(self):
        """ "Nov. 2, 9:42 p.m." in the newsroom's time zone."""
        return f"{date_format(timezone.localtime(self.at), 'N j')}, {local_time(self.at)}"


def race_call_log(race, results):
    """The public call log of ``race``: each call and each withdrawal, oldest first (one
    query; names come from ``results``, the race's RaceResults).

    A standing call readers are not shown (the figures do not bear it out,
    ``results.call.shown``) is left out: the log never names a winner the page does not.
    """
    names = {row.candidacy.pk: row.candidacy.display_name for row in results.rows}
    calls = {}
    for link in (
        RaceCall.candidacies.through.objects.filter(racecall__race=race)
        .select_related("racecall")
        .order_by("racecall__called_at", "racecall_id", "candidacy__ballot_order")
    ):
        calls.setdefault(link.racecall_id, (link.racecall, []))[1].append(
            names.get(link.candidacy_id, "a candidate no longer on the ballot")
        )
    hidden = results.call is not None and not results.call.shown
    lines = []
    for call, called in calls.values():
        if call.is_standing and hidden:
            continue
        lines.append(LogLine(at=call.called_at, text=_called_text(call, called), note=call.note))
        if not call.is_standing:
            lines.append(
                LogLine(at=call.uncalled_at, text="Call withdrawn.", note=call.uncall_note)
            )
    return sorted(lines, key=lambda line: line.at)


def _called_text(call, names):
    who = and_list(names)
    if call.outcome == RaceCall.Outcome.RUNOFF:
        return f"Called: {who} advance to a runoff."
    return f"Called: {who} {'wins' if len(names) == 1 else 'win'}."
