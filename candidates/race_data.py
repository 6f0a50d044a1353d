"""One race's figures as data: the race JSON, and what the live pages need to update in place.

The race JSON (``/elections/<election>/<race>.json``) is read by other newsrooms' graphics and
by our own pages: the race page, the election page, the home page's results module, the
embeds and an article's results box fetch it on an interval while the race is live
(candidates/static/candidates/live.js) and put its figures and sentences where the page
marks them (``data-live-*`` attributes). Every sentence is made here, from
candidates/results.py and candidates/counting.py, so the script decides nothing and the page
reads the same with JavaScript off.

- ``refresh``: seconds between fetches while the race is live (RESULTS_REFRESH_SECONDS),
  None once it is final: the script stops.
- ``layout``: a short key of what the page's markup has room for (which candidates and
  counties, whether figures are shown). When the JSON's differs from the page's, the page's
  markup cannot hold the new figures and the script reloads the page once.
- A live page or JSON may be kept only RESULTS_LIVE_MAX_AGE seconds by browsers and CDNs:
  ``race_results()`` tags it live and the page cache sets its headers (civicsite/core/pagecache.py).
"""

import hashlib

from django.conf import settings
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime

from candidates.counting import county_statuses
from candidates.models import RaceCall
from candidates.results import and_list
from civicsite.core.dates import machine_time


def refresh_seconds(results):
    return settings.RESULTS_REFRESH_SECONDS if results.is_live else None


def json_url(race):
    return reverse(
        "candidates:race-results-json",
        kwargs={"election_slug": race.election.slug, "slug": race.slug},
    )


def layout_key(results):
    """What the markup has room for: the state's family, the candidates, the counties."""
    race = results.race
    parts = [
        "votes" if results.state.shows_votes else results.state.value,
        *(row.candidacy.candidate.slug for row in results.rows),
        "|",
        *(str(unit.pk) for unit in getattr(race, "top_units", [])),
    ]
    return hashlib.sha256(" ".join(parts).encode()).hexdigest()[:12]


def updated_text(race, format_string="N j, Y, P T"):
    """ "Nov. 2, 2021, 9:42 p.m. EST" of the race's last update (as the race page prints
    it), or ""."""
    moment = race.results_updated_at
    if moment is None:
        return ""
    return date_format(localtime(moment), format_string)


def status_text(results):
    """The race's standing in a few words, as every page, box, card and feed says it: its
    RaceState's label ("Called; counting continues")."""
    return results.state.label


def precincts_text(reporting, total):
    if total is None:
        return ""
    return f"{reporting or 0:,} of {total:,} precinct{'' if total == 1 else 's'}"


def summary_parts(results):
    """(label, text): the one line on where the race stands, as the election page, the home
    page and the boxes say it ("Leading:", "Liliana Bakhtiari, 49.50%, by 3,240 votes")."""
    state = results.state
    if state.is_cancelled:
        return "Cancelled.", ""
    if state.no_results_yet:
        return f"{state.no_results_words}.", ""
    if state.is_reported_only:
        return "Won:", "; ".join(
            f"{row.candidacy.display_name}"
            + (f", by {row.margin:,} vote{'' if row.margin == 1 else 's'}" if row.margin else "")
            + " (as reported)"
            for row in results.winners
        )
    if results.winners:
        return "Won:", _named(results.winners)
    if results.advancing:
        return "Advance to runoff:", _named(results.advancing)
    if results.called_rows:
        if results.call.outcome == RaceCall.Outcome.RUNOFF:
            return "Called, advance to runoff:", _named(results.called_rows)
        return "Called, winner:", _named(results.called_rows)
    if not results.leader:
        return "", ""
    rows = results.rows
    if len(rows) > 1 and rows[0].votes == rows[1].votes and not results.race.is_final:
        tied = [row for row in rows if row.votes == rows[0].votes]
        names = and_list([row.candidacy.display_name for row in tied])
        return "Tied:", f"{names}, {rows[0].votes:,} votes each"
    text = _named([results.leader])
    if len(rows) > 1 and not results.race.is_final:
        margin = rows[0].votes - rows[1].votes
        text = f"{text}, by {margin:,} vote{'' if margin == 1 else 's'}"
    return "Leading:", text


def _named(rows):
    return "; ".join(
        f"{row.candidacy.display_name}, {row.share:.2f}%"
        if row.share is not None
        else row.candidacy.display_name
        for row in rows
    )


def announce_text(results, precincts):
    """The polite live-region sentence said when new figures arrive."""
    label, text = summary_parts(results)
    parts = [f"{results.race.heading}:", label, text and f"{text}."]
    if precincts:
        parts.append(f"{precincts} reporting.")
    return " ".join(part for part in parts if part)


def display_texts(results, precincts):
    """Every sentence a live page may show, by the name its markup gives it."""
    coverage = results.coverage
    label, text = summary_parts(results)
    return {
        "status": status_text(results),
        "summary_label": label,
        "summary": text,
        "standing": results.standing_sentence,
        "threshold": results.threshold_sentence,
        "call": results.call_sentence,
        "guard": results.guard_sentence,
        "expected": results.expected_sentence,
        "coverage": coverage.sentence if coverage is not None else "",
        "precincts": precincts,
        "counties": (
            f"{coverage.on_file:,} of {coverage.expected:,}"
            if coverage is not None and coverage.expected
            else ""
        ),
        "precincts_where": (
            " in the counties on file" if coverage is not None and coverage.is_partial else ""
        ),
        # Non-empty while the race is live: marks what only a live page shows.
        "live": "live" if results.is_live else "",
        "updated": updated_text(results.race),
        "updated_time": updated_text(results.race, "P"),
        # For <time datetime>: to the second (civicsite/core/dates.py).
        "updated_datetime": machine_time(results.race.results_updated_at),
        "total": f"{results.total:,}",
        "announce": announce_text(results, precincts),
    }


def race_payload(request, page):
    """The race JSON: the fields other newsrooms already read, and what live pages need."""
    race, results = page.race, page.results
    precincts = precincts_text(page.reporting.reporting, page.reporting.total)
    statuses = {status.unit.pk: status for status in county_statuses(results)}
    call = results.call
    return {
        "race": {
            "slug": race.slug,
            "url": request.build_absolute_uri(race.get_absolute_url()),
            "seats": race.seats,
            "decision_rule": race.decision_rule,
            "heading": race.heading,
            "party": race.party,
            "cancelled": race.cancelled,
            "note": race.note,
        },
        "office": {
            "name": race.office.name,
            "body": race.office.body,
            "district": race.office.district,
            "ocd_division_id": race.office.ocd_division_id,
        },
        "election": {
            "name": race.election.name,
            "slug": race.election.slug,
            "kind": race.election.kind,
            "date": race.election.date.isoformat(),
        },
        "status": race.status,  # the desk's hand-set status, as before; readers see "state"
        # RaceState (candidates/results.py): upcoming, today, no_results, counting, called,
        # final, certified, cancelled, reported_only.
        "state": results.state.value,
        "updated_at": race.results_updated_at.isoformat() if race.results_updated_at else None,
        "source": race.results_source,
        "source_url": race.results_source_url,
        "total": results.total,
        # Counties with figures on file, of those the race expects (None: not known); no
        # outcome is given while some are missing.
        "counties_on_file": results.coverage.on_file,
        "counties_expected": results.coverage.expected,
        "majority_needed": results.majority_needed,
        "totals_on_file": results.has_votes,
        "reported_margin": race.reported_margin if page.totals_not_on_file else None,
        "precincts_reporting": page.reporting.reporting,
        "precincts_total": page.reporting.total,
        # Shares are null while too few precincts report (RESULTS_SHARE_GUARD_PERCENT).
        "shares_hidden": results.shares_hidden,
        "expected_votes": race.expected_votes if race.expected_votes else None,
        "expected_votes_basis": race.expected_votes_basis,
        # The desk's call as readers see it (null when there is none, or the figures do not
        # bear it out); each called candidacy's outcome is then "called_won"/"called_runoff".
        "call": (
            {
                "outcome": call.outcome,
                "called_at": call.called_at.isoformat(),
                "candidacies": [row.candidacy.candidate.slug for row in call.rows],
            }
            if call is not None and call.shown
            else None
        ),
        "refresh": refresh_seconds(results),
        "layout": layout_key(results),
        "candidacies": [
            {
                "name": row.candidacy.candidate.name,
                "slug": row.candidacy.candidate.slug,
                "ballot_name": row.candidacy.ballot_name or row.candidacy.display_name,
                "party": row.candidacy.party,
                "incumbent": row.candidacy.incumbent,
                "withdrawn": row.candidacy.withdrawn,
                "write_in": row.candidacy.write_in,
                "votes": row.votes if results.has_votes else None,
                "share": f"{row.share:.2f}" if row.share is not None else None,
                "outcome": row.outcome,
                "outcome_label": row.outcome_label,
                "margin": row.margin,
            }
            for row in results.rows
        ],
        "units": [
            {
                "id": unit.pk,
                "name": unit.name,
                "kind": unit.kind,
                "precincts_reporting": unit.precincts_reporting,
                "precincts_total": unit.precincts_total,
                "figures_changed_at": (
                    unit.figures_changed_at.isoformat() if unit.figures_changed_at else None
                ),
                "quiet": statuses[unit.pk].quiet if unit.pk in statuses else False,
                "as_of": statuses[unit.pk].text if unit.pk in statuses else "",
                "precincts": precincts_text(unit.precincts_reporting, unit.precincts_total),
                "votes": unit_votes,
            }
            for unit, unit_votes in _votes_by_unit(page)
        ],
        "display": display_texts(results, precincts),
    }


def _votes_by_unit(page):
    """Each top-level unit with [{candidate, votes}], or None where it has no figures."""
    for unit in page.race.top_units:
        pairs = page.county_table.votes_in(unit, page.results)
        yield (
            unit,
            (
                [
                    {"candidate": row.candidacy.candidate.slug, "votes": votes}
                    for row, votes in pairs
                ]
                if pairs
                else None
            ),
        )
