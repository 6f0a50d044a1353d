"""Rows that are not votes for a choice: registered voters, ballots cast, over and under votes,
totals and write-in totals. Every parser asks ``skip_reason()``; such rows never become races or
candidates, and the import summary counts them by kind.
"""

from candidates.importing.text import loose_key

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
TOTAL_PLACES = {"total", "totals", "countytotal", "countytotals", "grandtotal"}
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
