"""The figures test_clarity.py expects, worked out without the parser under test.

Run: ``python tests/candidates/data/clarity/expected.py``. It reads the fixtures as plain text
with regular expressions (no XML parser) and prints, per file, each choice's total over its
places and vote types, its total per vote type, and the number of places. For the files kept
whole (not trimmed) it also checks that those sums equal the file's own ``votes`` and
``totalVotes`` attributes, which shows the fixture was copied without a slip.
"""

import re
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent
WHOLE = {"ga_atkinson_2020_general_precincts.xml", "ky_greenup_2014_primary_precincts.xml"}

TAG = re.compile(
    r'<Contest [^>]*?text="(?P<contest>[^"]*)"'
    r'|<Choice [^>]*?text="(?P<choice>[^"]*)"[^>]*?totalVotes="(?P<total>\d+)"'
    r'|<VoteType name="(?P<vote_type>[^"]*)" votes="(?P<type_votes>\d+)"'
    r'|<(?:Precinct|County) name="(?P<place>[^"]*)" votes="(?P<votes>\d+)"'
    r"|</(?P<closed>Choice|Contest)>"
)


def figures(text):
    """{(contest, choice): {"total", "by_type", "places", "declared_total", "declared_by_type"}}"""
    out = {}
    contest = choice = vote_type = None
    for match in TAG.finditer(text):
        if match["contest"] is not None:
            contest = match["contest"]
        elif match["choice"] is not None:
            choice = (contest, match["choice"])
            out[choice] = {
                "total": 0,
                "by_type": defaultdict(int),
                "places": set(),
                "declared_total": int(match["total"]),
                "declared_by_type": {},
            }
        elif match["vote_type"] is not None:
            # Contest-level vote types (Undervotes, Overvotes) come before any choice opens.
            vote_type = match["vote_type"] if choice else None
            if choice:
                out[choice]["declared_by_type"][vote_type] = int(match["type_votes"])
        elif match["place"] is not None and choice and vote_type:
            votes = int(match["votes"])
            out[choice]["total"] += votes
            out[choice]["by_type"][vote_type] += votes
            out[choice]["places"].add(match["place"])
        elif match["closed"] is not None:
            choice = vote_type = None
    return out


def main():
    for path in sorted(HERE.glob("*.xml")):
        print(path.name)
        for (contest, choice), got in figures(path.read_text()).items():
            print(f"  {contest} | {choice}: {got['total']} votes in {len(got['places'])} places")
            for vote_type, votes in got["by_type"].items():
                print(f"    {vote_type}: {votes}")
            if path.name in WHOLE:
                assert got["total"] == got["declared_total"], (choice, got)
                assert dict(got["by_type"]) == got["declared_by_type"], (choice, got)
        if path.name in WHOLE:
            print("  (sums equal the file's own votes and totalVotes attributes)")


if __name__ == "__main__":
    main()


# Output (the figures the tests state):
# ar_2014_general_counties_trimmed.xml
#   U.S. Senate | Tom Cotton: 65699 votes in 5 places
#     Election Day: 31214
#     Early Vote: 30746
#     Absentee: 3692
#     Provisional: 47
# ga_atkinson_2020_general_precincts.xml
#   President of the United States | Donald J. Trump (I) (Rep): 2300 votes in 4 places
#     Election Day Votes: 716
#     Advanced Voting Votes: 1419
#     Absentee by Mail Votes: 164
#     Provisional Votes: 1
#   President of the United States | Joseph R. Biden (Dem): 825 votes in 4 places
#     Election Day Votes: 250
#     Advanced Voting Votes: 445
#     Absentee by Mail Votes: 130
#     Provisional Votes: 0
#   President of the United States | Jo Jorgensen (Lib): 30 votes in 4 places
#     Election Day Votes: 14
#     Advanced Voting Votes: 13
#     Absentee by Mail Votes: 3
#     Provisional Votes: 0
#   (sums equal the file's own votes and totalVotes attributes)
# ky_greenup_2014_primary_precincts.xml
#   US Senator - REPUBLICAN | Matt BEVIN: 820 votes in 33 places
#     Election: 820
#   US Senator - REPUBLICAN | Brad COPAS: 11 votes in 33 places
#     Election: 11
#   US Senator - REPUBLICAN | Mitch McCONNELL: 1135 votes in 33 places
#     Election: 1135
#   US Senator - REPUBLICAN | Chris PAYNE: 48 votes in 33 places
#     Election: 48
#   US Senator - REPUBLICAN | Shawna STERLING: 46 votes in 33 places
#     Election: 46
#   (sums equal the file's own votes and totalVotes attributes)
# wv_2020_general_counties_trimmed.xml
#   PRESIDENT | DONALD J. TRUMP: 56876 votes in 5 places
#     Election Day: 56876
#   PRESIDENT | JOSEPH R. BIDEN: 25088 votes in 5 places
#     Election Day: 25088
#   PRESIDENT | JO JORGENSEN: 1292 votes in 5 places
#     Election Day: 1292
#   PRESIDENT | HOWIE HAWKINS: 288 votes in 5 places
#     Election Day: 288
#   U.S. SENATOR | SHELLEY MOORE CAPITO: 57293 votes in 5 places
#     Election Day: 57293
#   U.S. SENATOR | PAULA JEAN SWEARENGIN: 22638 votes in 5 places
#     Election Day: 22638
#   U.S. SENATOR | DAVID MORAN: 2278 votes in 5 places
#     Election Day: 2278
