"""Rows that are not votes for a choice: registered voters, ballots cast, over and under votes,
totals and write-in totals. Every parser asks ``skip_reason()``; such rows never become races or
candidates, and the import summary counts them by kind. County totals printed above their
precincts are set aside by the apply step (``set_aside_county_totals()``), for races and ballot
measures alike.
"""

from collections import Counter

from candidates.importing.problems import Problem
from candidates.importing.text import county_key, key, loose_key

# Keys are names with everything but letters and digits removed (text.loose_key()).
PSEUDO_CANDIDATES = {
    "overvote": "over votes",
    "overvotes": "over votes",
    "undervote": "under votes",
    "undervotes": "under votes",
    "ballotscast": "ballots cast",
    "totalballotscast": "ballots cast",
    "registeredvoters": "registered voters",
    "total": "totals",
    "totals": "totals",
    "totalvotes": "totals",
    "totalvotescast": "totals",
}
PSEUDO_OFFICES = {
    "ballotscastblank": "blank ballots",
    "blankballots": "blank ballots",
    "ballotscast": "ballots cast",
    "totalballotscast": "ballots cast",
    "registeredvoters": "registered voters",
    "voterturnout": "ballots cast",
}
# Places that are sums of other rows: a county's total, or a state's ("Statewide" rows above
# each candidate's counties in West Virginia's OpenElections files; "Grand Totals" in Iowa's).
TOTAL_PLACES = {
    "total",
    "totals",
    "countytotal",
    "countytotals",
    "grandtotal",
    "grandtotals",
    "statewide",
    "statewidetotal",
    "statewidetotals",
    "statetotal",
    "statetotals",
    "allcounties",
}
# "Write-ins" is a summary of all write-in votes unless the race has a candidacy by that name.
WRITE_IN_SUMMARIES = {
    "writein",
    "writeins",
    "writeintotal",
    "writeintotals",
    "totalwriteins",
    "writeinvotes",
    "unresolvedwriteins",
    "scattering",
    "scattered",
}
WRITE_IN_SKIP_REASON = "write-in totals"

# Offices that are turnout tables ("Voters" with candidates "Registered", "Ballots Cast").
TURNOUT_OFFICES = {"voters", "turnout", "voterturnout", "statistics"}
TURNOUT_CANDIDATES = {"registered": "registered voters", "ballotscast": "ballots cast"}


def skip_reason(*, office, candidate, county="", precinct=""):
    """Why this row is not a vote for a choice ("ballots cast", "totals"...), or None."""
    if loose_key(office) in TURNOUT_OFFICES:
        return (
            TURNOUT_CANDIDATES.get(loose_key(candidate))
            or PSEUDO_CANDIDATES.get(loose_key(candidate))
            or "turnout figures"
        )
    return (
        PSEUDO_OFFICES.get(loose_key(office))
        or PSEUDO_CANDIDATES.get(loose_key(candidate))
        or ("totals" if {loose_key(county), loose_key(precinct)} & TOTAL_PLACES else None)
    )


COUNTY_TOTALS_SKIPPED = "county totals equal to their precincts"
COUNTY_TOTALS_DIFFER = (
    "county-total row on top of this county's precinct rows, and its votes differ from "
    "the sum of the precincts; remove the county-total rows or the precinct rows"
)


def set_aside_county_totals(rows, problems, skipped, *, contest, choice):
    """Rows without a precinct, for a county and contest that also has precinct rows.

    Some files put each county's total above its precincts. Such a total row is skipped when it
    equals the sum of the county's precinct rows for that choice (and counted in the summary);
    otherwise the file is refused, naming those lines. ``contest(row)`` and ``choice(row)`` say
    which race (or measure) and which candidacy (or Yes/No) a row is for. Returns the rows to
    sum.
    """
    with_precincts = {(contest(row), county_key(row.county)) for row in rows if key(row.precinct)}
    sums = Counter()
    for row in rows:
        if key(row.precinct):
            sums[(contest(row), county_key(row.county), choice(row))] += row.votes
    kept = []
    for row in rows:
        place = (contest(row), county_key(row.county))
        if key(row.precinct) or place not in with_precincts:
            kept.append(row)
        elif sums[(*place, choice(row))] == row.votes:
            skipped[COUNTY_TOTALS_SKIPPED] += 1
        else:
            problems.append(Problem(row.where, COUNTY_TOTALS_DIFFER))
    return kept
