"""Demo content: a replayable election night, clearly a rehearsal, for ``replay_results``.

The night is the Nov. 2, 2021 Atlanta City Council District 5 general election (seed 003),
counted in a separate election named "Rehearsal night" so the real race's final figures and
its public corrections log are never touched. Two invented county feeds (DeKalb and Fulton,
CSV) bring nine updates from 7:32 to 11:20 p.m.; the steps, their times and the split between
the counties are invented (the seed gives district-wide totals only). The last update of each
county reaches the seed's real totals: Bacote 1,852, Bakhtiari 5,134, Kissell 848, Mahoney
1,894, Williams 642 (10,370 votes; DeKalb 6 of 6 precincts, Fulton 8 of 8). One Fulton update
at 9:52 p.m. has a typo (Bakhtiari 1,490 instead of a rising count): the hold rules catch it,
and the desk rejected it at 9:58.

Loading stages each update by the live app's own hold rules (candidates/live/staging.py) and
stores the night's record as the poller would (the pulls, their files, their changes, the held
and rejected one), without importing it: the rehearsal race waits at "polls closed" (counties
set up, nothing counted) for ``replay_results`` to play the night on the site through the
importer. Loading again starts over; nothing is duplicated.
"""

import csv
import datetime
import hashlib
import io
from zoneinfo import ZoneInfo

from candidates.demo import CANDIDATES, OFFICE, RACE_SLUG
from candidates.importing.text import county_key
from candidates.live import staging
from candidates.live.models import FeedSource, LiveSettings, Payload, Pull
from candidates.models import (
    Candidacy,
    Candidate,
    Election,
    Office,
    Race,
    ReportingUnit,
    VoteCount,
)
from civicsite.core import pagecache

ELECTION = {
    "slug": "rehearsal-2021-11-02-atlanta-municipal-general-election",
    "name": "Rehearsal night: Atlanta municipal general election",
    "kind": Election.Kind.GENERAL,
    "date": datetime.date(2021, 11, 2),
    "jurisdiction": "City of Atlanta",
    "description": (
        "A rehearsal for the election desk, not a real count. Its invented county feeds replay "
        "the Nov. 2, 2021 District 5 night step by step (manage.py replay_results); only the "
        "final district-wide totals are the real results."
    ),
}
RACE_NOTE = (
    "Rehearsal: the updates, their times and the split between DeKalb and Fulton are invented "
    "for the election desk's practice. The final district-wide totals are the real Nov. 2, 2021 "
    "results."
)
PRECINCTS = {"DeKalb": 6, "Fulton": 8}
# Ballot order as in the real race (candidates/demo.py, VOTES_2021).
ORDER = ["samuel-bacote", "liliana-bakhtiari", "katie-kissell", "mandy-mahoney", "doug-williams"]
EASTERN = ZoneInfo("America/New_York")

# (time on Nov. 2, 2021, county, precincts reporting, votes in ballot order). Cumulative per
# county; each county's last line is its share of the real totals (the county split used by
# the tests, tests/candidates/factories.py: DISTRICT_5_2021).
NIGHT = [
    ("19:32", "DeKalb", 0, [180, 520, 95, 210, 60]),  # advance and absentee votes first
    ("19:48", "Fulton", 0, [365, 1010, 160, 370, 130]),
    ("20:41", "DeKalb", 2, [310, 890, 160, 340, 105]),
    ("21:05", "Fulton", 3, [640, 1760, 280, 640, 225]),
    ("21:37", "DeKalb", 4, [455, 1290, 228, 495, 152]),
    ("21:52", "Fulton", 5, [905, 1490, 400, 905, 320]),  # the typo: Bakhtiari falls; held
    ("22:10", "Fulton", 6, [1020, 2790, 445, 1010, 360]),
    ("22:46", "DeKalb", 6, [600, 1700, 300, 650, 200]),
    ("23:20", "Fulton", 8, [1252, 3434, 548, 1244, 442]),
]
TYPO_AT = "21:52"
REJECTED_AT = "21:58"
REJECT_NOTE = (
    "Rehearsal: Fulton's file had a typo in Bakhtiari's votes; its next update corrected it."
)


def _at(clock):
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime.datetime(2021, 11, 2, hour, minute, tzinfo=EASTERN)


def step_csv(county, reporting, votes, ballot_names):
    """One county's update as an OpenElections-style CSV with precinct columns."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "county",
            "office",
            "district",
            "candidate",
            "votes",
            "precincts_reporting",
            "precincts_total",
        ]
    )
    for name, count in zip(ballot_names, votes, strict=True):
        writer.writerow(
            [county, OFFICE["name"], OFFICE["district"], name, count, reporting, PRECINCTS[county]]
        )
    return out.getvalue().encode()


def _before_the_night(race):
    """The rehearsal race as polls close: counties set up, nothing counted (a replay starts
    here). The demo loader sets its own rows up, as candidates/demo.py does."""
    VoteCount.objects.filter(unit__race=race).delete()
    ReportingUnit.objects.filter(race=race, parent=None).update(precincts_reporting=0)
    Race.objects.filter(pk=race.pk).update(
        status=Race.Status.UPCOMING, results_updated_at=None, final_at=None
    )
    pagecache.invalidate()  # update() sends no signals


def _record_the_night(race, sources, candidacies):
    """Store the night as the poller would have: each update staged by the live app's own rules
    (candidates/live/staging.py) against the figures readers would have seen by then, kept
    with its file, its changes and its status. Nothing is imported (loading stays quick); the
    rehearsal race waits, uncounted, for replay_results to play the night through the importer."""
    rules = LiveSettings.for_election(race.election)
    readers = {
        (staging.RACE, race.pk, county_key(county)): {
            "kind": staging.RACE,
            "id": race.pk,
            "county": county,
            "reporting": 0,
            "total": total,
            "choices": [],
        }
        for county, total in PRECINCTS.items()
    }
    last_applied = {}
    for clock, county, reporting, votes in NIGHT:
        content = step_csv(county, reporting, votes, [c.ballot_name for c in candidacies])
        figures = [
            {
                "kind": staging.RACE,
                "id": race.pk,
                "heading": race.heading,
                "county": county,
                "reporting": reporting,
                "total": PRECINCTS[county],
                "choices": [
                    {"id": candidacy.pk, "name": candidacy.ballot_name, "votes": count}
                    for candidacy, count in zip(candidacies, votes, strict=True)
                ],
            }
        ]
        staged = staging.stage(
            figures, readers=readers, previous=last_applied.get(county, []), rules=rules
        )
        digest = hashlib.sha256(content).hexdigest()
        payload, _ = Payload.objects.get_or_create(
            sha256=digest, defaults={"content": content, "size": len(content)}
        )
        held = bool(staged.reasons)
        Pull.objects.create(
            source=sources[county],
            started_at=_at(clock),
            status=Pull.Status.REJECTED if held else Pull.Status.APPLIED,
            fetched_url=f"rehearsal feed, {county}",
            size=len(content),
            sha256=digest,
            payload=payload,
            figures=figures,
            changes=staged.changes,
            reasons=staged.reasons,
            summary=staged.summary,
            decided_at=_at(REJECTED_AT) if held else None,
            note=REJECT_NOTE if held else "",
        )
        if not held:
            readers[(staging.RACE, race.pk, county_key(county))] = {**figures[0]}
            last_applied[county] = figures


def load(*, stdout, verbosity=1):
    office = Office.objects.get(body=OFFICE["body"], district=OFFICE["district"])
    election, _ = Election.objects.update_or_create(slug=ELECTION["slug"], defaults=ELECTION)
    race, _ = Race.objects.update_or_create(
        election=election,
        office=office,
        defaults={
            "slug": RACE_SLUG,
            "decision_rule": Race.DecisionRule.MAJORITY,
            "expected_units": len(PRECINCTS),
            "note": RACE_NOTE,
            "results_source": "Invented rehearsal feeds of DeKalb and Fulton counties",
        },
    )
    people = {person.slug: person for person in Candidate.objects.filter(slug__in=ORDER)}
    by_slug = {fields["slug"]: fields for fields in CANDIDATES}
    candidacies = [
        Candidacy.objects.update_or_create(
            race=race,
            candidate=people[slug],
            defaults={"ballot_name": by_slug[slug]["ballot_name"], "ballot_order": order},
        )[0]
        for order, slug in enumerate(ORDER, start=1)
    ]
    for county, total in PRECINCTS.items():
        ReportingUnit.objects.get_or_create(
            race=race,
            kind=ReportingUnit.Kind.COUNTY,
            name=county,
            parent=None,
            defaults={"precincts_total": total, "precincts_reporting": 0},
        )
    LiveSettings.objects.get_or_create(election=election)
    sources = {
        county: FeedSource.objects.update_or_create(
            election=election,
            name=f"{county} County (rehearsal feed)",
            defaults={
                "url": "",
                "format": FeedSource.Format.CSV,
                "active": False,
                "create_missing": False,
            },
        )[0]
        for county in PRECINCTS
    }
    _before_the_night(race)
    Pull.objects.filter(source__election=election).delete()
    _record_the_night(race, sources, candidacies)
    if verbosity:
        stdout.write(
            f"Live: a rehearsal night of {len(NIGHT)} pulls for the 2021 District 5 general "
            f"(replay it: manage.py replay_results --election {election.slug})."
        )
