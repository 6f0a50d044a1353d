"""Wording and small formatting for the election pages.

These helpers only phrase what candidates/results.py decided (outcomes, margins, shares); they
never decide anything themselves, and none of them queries the database.
"""

from urllib.parse import quote, urlsplit

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from candidates.models import BallotMeasure, Race
from candidates.results import (
    CALLED_RUNOFF,
    CALLED_WON,
    FAILED,
    LOST,
    PASSED,
    PENDING,
    RUNOFF,
    TIED,
    WON,
)

register = template.Library()


@register.filter
def percent(share):
    """Decimal("49.50") -> "49.50%"; no share (no votes yet) -> an en dash."""
    if share is None:
        return "–"
    return f"{share:.2f}%"


@register.filter
def bar_width(share):
    """An SVG width attribute for a results bar: "49.50%" (0% when there is no share)."""
    return f"{share or 0:.2f}%"


@register.filter
def votes(count):
    """1 -> "1 vote", 5134 -> "5,134 votes"."""
    return f"{intcomma(count)} vote{'' if count == 1 else 's'}"


@register.filter
def precincts(summary):
    """A ReportingSummary or ReportingUnit -> "14 of 14 precincts" ("" when not known)."""
    total = getattr(summary, "total", None)
    reporting = getattr(summary, "reporting", None)
    if total is None:  # a ReportingUnit
        total = getattr(summary, "precincts_total", None)
        reporting = getattr(summary, "precincts_reporting", None)
    if total is None:
        return ""
    return f"{intcomma(reporting or 0)} of {intcomma(total)} precinct{'' if total == 1 else 's'}"


@register.filter
def decision_rule_sentence(race):
    """The race's decision rule in plain words (the rule results.py applies)."""
    if race.seats > 1:
        return f"The {race.seats} candidates with the most votes win the {race.seats} seats."
    if race.decision_rule == Race.DecisionRule.MAJORITY:
        return (
            "A candidate needs a majority, 50% plus one vote; "
            "otherwise the top two meet in a runoff."
        )
    return "The candidate with the most votes wins."


@register.filter
def pass_rule_sentence(measure):
    """The measure's pass rule in plain words (the rule results.measure_passes applies)."""
    rule = BallotMeasure.PassRule
    if measure.pass_rule == rule.THREE_FIFTHS:
        return "at least three-fifths (60%) of the Yes and No votes must be Yes."
    if measure.pass_rule == rule.TWO_THIRDS:
        return "at least two-thirds of the Yes and No votes must be Yes."
    return "more Yes votes than No votes; a tie fails."


@register.filter
def profile_outcome(entry):
    """A candidacy's result in past-tense newsroom words: "Won", "Lost by 252 votes"."""
    row, state = entry.row, entry.results.state
    by = f" by {votes(row.margin)}" if row.margin else ""
    if row.outcome == WON:
        return f"Won{by}"
    if row.outcome == LOST:
        return f"Lost{by}"
    if row.outcome == RUNOFF:
        return "Advanced to runoff"
    if row.outcome == TIED:
        return "Tied"
    if row.outcome in {CALLED_WON, CALLED_RUNOFF}:
        return row.outcome_label  # the desk's call, while the race is still counted
    # Still pending: say where the race stands (a reported-only race's row with no reported
    # outcome has no result to give either).
    if state.is_cancelled:
        return "Race cancelled"
    if not state.shows_votes:
        return state.no_results_words
    return "Counting" if state.is_counting else "Pending"


@register.filter
def state_of(states, race):
    """The reader's words for ``race``'s RaceState from {race id: RaceState}
    (queries.race_states): {{ race_states|state_of:race }}."""
    state = (states or {}).get(race.pk)
    return state.label if state is not None else ""


@register.filter
def outcome_class(outcome):
    """A CSS modifier for an outcome: outcome--won, outcome--runoff, outcome--called-won ..."""
    known = {WON, RUNOFF, LOST, TIED, PASSED, FAILED, CALLED_WON, CALLED_RUNOFF}
    return f"outcome--{(outcome if outcome in known else PENDING).replace('_', '-')}"


@register.filter
def web_url(value):
    """Only http(s) links reach an href; anything else (javascript:, data:) becomes ""."""
    value = (value or "").strip()
    return value if urlsplit(value).scheme in {"http", "https"} else ""


@register.filter
def x_url(handle):
    handle = (handle or "").strip().lstrip("@")
    return f"https://x.com/{quote(handle)}" if handle else ""


@register.filter
def instagram_url(handle):
    handle = (handle or "").strip().lstrip("@")
    return f"https://www.instagram.com/{quote(handle)}/" if handle else ""
