"""Plain factory functions for the candidates app: real rows, sensible defaults."""

import datetime
import itertools

from candidates.models import (
    BallotMeasure,
    Candidacy,
    Candidate,
    Election,
    MeasureCount,
    Office,
    Race,
    ReportingUnit,
    VoteCount,
)

_seq = itertools.count(1)


def make_office(**fields):
    n = next(_seq)
    fields.setdefault("name", f"City Council District {n}")
    fields.setdefault("body", "City Council")
    fields.setdefault("district", str(n))
    return Office.objects.create(**fields)


def make_election(**fields):
    n = next(_seq)
    fields.setdefault("name", f"Municipal general election {n}")
    fields.setdefault("date", datetime.date(2021, 11, 2))
    return Election.objects.create(**fields)


def make_race(**fields):
    if "election" not in fields:
        fields["election"] = make_election()
    if "office" not in fields:
        fields["office"] = make_office()
    fields.setdefault("status", Race.Status.UNOFFICIAL_FINAL)
    return Race.objects.create(**fields)


def make_candidate(**fields):
    n = next(_seq)
    fields.setdefault("name", f"Candidate {n}")
    return Candidate.objects.create(**fields)


def make_candidacy(race, *, candidate=None, **fields):
    candidate = candidate or make_candidate(name=fields.pop("name", None) or f"Person {next(_seq)}")
    fields.setdefault("ballot_order", race.candidacies.count() + 1)
    return Candidacy.objects.create(race=race, candidate=candidate, **fields)


def make_unit(race, name="Fulton", **fields):
    return ReportingUnit.objects.create(race=race, name=name, **fields)


def record_votes(candidacy, unit, votes, **methods):
    return VoteCount.objects.create(candidacy=candidacy, unit=unit, votes=votes, **methods)


def make_measure(counts=(), **fields):
    """A final ballot measure with one county count per (county, yes, no), all reporting."""
    if "election" not in fields:
        fields["election"] = make_election()
    fields.setdefault("title", f"Amendment {next(_seq)}")
    fields.setdefault("status", Race.Status.UNOFFICIAL_FINAL)
    measure = BallotMeasure.objects.create(**fields)
    for county, yes, no in counts:
        MeasureCount.objects.create(
            measure=measure,
            county=county,
            yes_votes=yes,
            no_votes=no,
            precincts_total=4,
            precincts_reporting=4,
        )
    return measure


def make_race_with_votes(votes_by_name, **race_fields):
    """A race with one county and one candidacy per (name, votes) pair, in ballot order."""
    race = make_race(**race_fields)
    unit = make_unit(race, precincts_total=10, precincts_reporting=10)
    for name, votes in votes_by_name:
        candidacy = make_candidacy(race, name=name)
        record_votes(candidacy, unit, votes)
    return race


DISTRICT_5_2021 = [
    ("Samuel Bacote", {"DeKalb": 600, "Fulton": 1252}),
    ("Liliana Bakhtiari", {"DeKalb": 1700, "Fulton": 3434}),
    ("Katie Kissell", {"DeKalb": 300, "Fulton": 548}),
    ("Mandy Mahoney", {"DeKalb": 650, "Fulton": 1244}),
    ("Doug Williams", {"DeKalb": 200, "Fulton": 442}),
]
"""The seed's totals (1,852 / 5,134 / 848 / 1,894 / 642 = 10,370). The county split is
invented for tests only: the seeds give totals, not per-county figures."""


def make_district_5_general():
    race = make_race(
        office=make_office(
            name="Atlanta City Council District 5", body="Atlanta City Council", district="5"
        )
    )
    units = {
        "DeKalb": make_unit(race, "DeKalb", precincts_total=6, precincts_reporting=6),
        "Fulton": make_unit(race, "Fulton", precincts_total=8, precincts_reporting=8),
    }
    for name, by_county in DISTRICT_5_2021:
        candidacy = make_candidacy(race, name=name)
        for county, votes in by_county.items():
            record_votes(candidacy, units[county], votes)
    return race
