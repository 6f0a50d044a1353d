"""Demo content: Atlanta City Council District 5 in 2017 and 2021, from /work/shared/seeds.

Every fact here comes from the four seed documents (see their README): names, dates, vote
totals, precincts reporting and the 2017 margin. Nothing is invented. Where the seeds are
silent the demo says so instead of filling the gap: the 2021 votes are known only for the
whole district (not per county), the 2017 totals are not known at all, and the Nov. 30, 2021
runoff's results are not in the seeds. Bios are short summaries of seed facts in our words.

Loading is idempotent: every row is updated or created by its natural key, and a candidate's
placeholder photo is drawn (with Pillow) only when its file is missing.
"""

import datetime
import hashlib
from io import BytesIO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

from candidates.models import (
    Candidacy,
    Candidate,
    Election,
    Office,
    Race,
    ReportingUnit,
    VoteCount,
)

OFFICE = {
    "name": "Atlanta City Council District 5",
    "body": "Atlanta City Council",
    "district": "5",
    "ocd_division_id": "ocd-division/country:us/state:ga/place:atlanta/council_district:5",
}

CANDIDATES = [
    {
        "slug": "samuel-bacote",
        "name": "Samuel Bacote",
        "ballot_name": "Samuel Bacote",
        "bio": "Ran for Atlanta City Council District 5 in the Nov. 2, 2021 general election.",
    },
    {
        "slug": "liliana-bakhtiari",
        "name": "Liliana Bakhtiari",
        "ballot_name": "Liliana Bakhtiari",
        "bio": (
            "Grew up in Atlanta in an Iranian immigrant family and, as a child, helped at her "
            "father's pharmacy on Auburn Avenue. Her first run for Atlanta City Council "
            "District 5, in 2017, raised $132,000 in eight months from more than 1,700 "
            "donors; she lost to incumbent Natalyn Archibong by 252 votes. In the 2021 general "
            "election she led the field with 49.50% and advanced to the Nov. 30 runoff."
        ),
        "x_handle": "LilianaforATL",
    },
    {
        "slug": "katie-kissell",
        "name": "Katie Kissell",
        "ballot_name": 'Katrina "Katie" Kissell',
        "bio": "Ran for Atlanta City Council District 5 in the Nov. 2, 2021 general election.",
    },
    {
        "slug": "mandy-mahoney",
        "name": "Mandy Mahoney",
        "ballot_name": 'Amanda "Mandy" Mahoney',
        "bio": (
            "Ran for Atlanta City Council District 5 in the Nov. 2, 2021 general election, "
            "finished second and advanced to the Nov. 30 runoff."
        ),
    },
    {
        "slug": "doug-williams",
        "name": "Doug Williams",
        "ballot_name": "Doug Williams",
        "bio": "Ran for Atlanta City Council District 5 in the Nov. 2, 2021 general election.",
    },
    {
        "slug": "natalyn-archibong",
        "name": "Natalyn Archibong",
        "ballot_name": "Natalyn Archibong",
        "bio": (
            "Has represented Atlanta City Council District 5 since 2002. She kept the seat in "
            "the 2017 election by 252 votes over Liliana Bakhtiari."
        ),
    },
]

ELECTIONS = {
    "general-2017": {
        "slug": "2017-11-07-atlanta-municipal-general-election",
        "name": "Atlanta municipal general election",
        "kind": Election.Kind.GENERAL,
        "date": datetime.date(2017, 11, 7),
        "jurisdiction": "City of Atlanta",
    },
    "general-2021": {
        "slug": "2021-11-02-atlanta-municipal-general-election",
        "name": "Atlanta municipal general election",
        "kind": Election.Kind.GENERAL,
        "date": datetime.date(2021, 11, 2),
        "jurisdiction": "City of Atlanta",
    },
    "runoff-2021": {
        "slug": "2021-11-30-atlanta-municipal-runoff-election",
        "name": "Atlanta municipal runoff election",
        "kind": Election.Kind.RUNOFF,
        "date": datetime.date(2021, 11, 30),
        "jurisdiction": "City of Atlanta",
    },
}

RACE_SLUG = "atlanta-city-council-district-5"

# 2021 general: district-wide totals from the seed (ballot order as the seed lists them).
VOTES_2021 = [
    ("samuel-bacote", 1852),
    ("liliana-bakhtiari", 5134),
    ("katie-kissell", 848),
    ("mandy-mahoney", 1894),
    ("doug-williams", 642),
]
PRECINCTS_2021 = [("DeKalb", 6, 6), ("Fulton", 8, 8)]  # (county, reporting, total)

# Dark enough for white initials to pass WCAG AA (>= 4.5:1).
PALETTE = ["#0b4f8a", "#1d6b35", "#7a4a00", "#6b2c91", "#a4161a", "#235a63"]


def load(*, stdout, verbosity=1):
    office, _ = Office.objects.update_or_create(
        body=OFFICE["body"], district=OFFICE["district"], defaults=OFFICE
    )
    candidates = {fields["slug"]: _candidate(fields) for fields in CANDIDATES}
    elections = {
        key: Election.objects.update_or_create(slug=fields["slug"], defaults=fields)[0]
        for key, fields in ELECTIONS.items()
    }
    elections["runoff-2021"].runoff_of = elections["general-2021"]
    elections["runoff-2021"].save(update_fields=["runoff_of"])

    _race_2017(office, elections["general-2017"], candidates)
    general = _race_2021_general(office, elections["general-2021"], candidates)
    _race_2021_runoff(office, elections["runoff-2021"], general, candidates)
    if verbosity:
        stdout.write(
            f"Candidates: {len(candidates)} people, 3 District 5 races "
            "(2017 general, 2021 general, 2021 runoff)."
        )


def _candidate(fields):
    fields = {"website": "", "x_handle": "", **fields}
    candidate, _ = Candidate.objects.update_or_create(slug=fields["slug"], defaults=fields)
    initials = "".join(part[0] for part in candidate.name.split()[:2]).upper()
    name = f"candidates/demo-{candidate.slug}.jpg"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(_placeholder_jpeg(initials, candidate.slug)))
    candidate.photo.name = name
    candidate.photo_credit = "Illustration"
    candidate.photo_alt = f"Placeholder illustration with the initials {initials}"
    candidate.save(update_fields=["photo", "photo_credit", "photo_alt"])
    return candidate


def _placeholder_jpeg(initials, seed, size=600):
    """A coloured square with the candidate's initials: clearly not a photo of anyone."""
    colour = PALETTE[int(hashlib.sha256(seed.encode()).hexdigest(), 16) % len(PALETTE)]
    image = Image.new("RGB", (size, size), colour)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=size // 3)
    draw.text((size / 2, size / 2), initials, fill="#ffffff", font=font, anchor="mm")
    buffer = BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _race(office, election, **fields):
    race, _ = Race.objects.update_or_create(
        election=election, office=office, defaults={"slug": RACE_SLUG, **fields}
    )
    return race


def _candidacy(race, candidate, **fields):
    candidacy, _ = Candidacy.objects.update_or_create(
        race=race,
        candidate=candidate,
        defaults={"ballot_name": candidate.ballot_name, **fields},
    )
    return candidacy


def _race_2017(office, election, candidates):
    race = _race(
        office,
        election,
        decision_rule=Race.DecisionRule.MAJORITY,
        status=Race.Status.CERTIFIED,
        reported_margin=252,
        results_source="News reports of the result",
        note=(
            "This demo has no vote totals for the 2017 race, only its reported outcome: "
            "incumbent Natalyn Archibong, on the council since 2002, kept the seat by 252 votes."
        ),
    )
    _candidacy(
        race,
        candidates["natalyn-archibong"],
        incumbent=True,
        ballot_order=1,
        reported_outcome="won",
    )
    _candidacy(race, candidates["liliana-bakhtiari"], ballot_order=2, reported_outcome="lost")


def _race_2021_general(office, election, candidates):
    race = _race(
        office,
        election,
        decision_rule=Race.DecisionRule.MAJORITY,
        status=Race.Status.UNOFFICIAL_FINAL,
        results_source="Fulton County and DeKalb County election results",
        # The race page itself says that per-county vote figures are not on file.
        note="",
    )
    combined, _ = ReportingUnit.objects.update_or_create(
        race=race,
        kind=ReportingUnit.Kind.COMBINED,
        name="All counties",
        parent=None,
        defaults={"precincts_total": None, "precincts_reporting": None},
    )
    for county, reporting, total in PRECINCTS_2021:
        ReportingUnit.objects.update_or_create(
            race=race,
            kind=ReportingUnit.Kind.COUNTY,
            name=county,
            parent=None,
            defaults={"precincts_total": total, "precincts_reporting": reporting},
        )
    for order, (slug, votes) in enumerate(VOTES_2021, start=1):
        candidacy = _candidacy(race, candidates[slug], ballot_order=order)
        VoteCount.objects.update_or_create(
            candidacy=candidacy, unit=combined, defaults={"votes": votes}
        )
    return race


def _race_2021_runoff(office, election, general, candidates):
    race = _race(
        office,
        election,
        decision_rule=Race.DecisionRule.PLURALITY,
        status=Race.Status.UPCOMING,
        runoff_of=general,
        note="The runoff's results are not in this demo's sources, so none are shown.",
    )
    _candidacy(race, candidates["liliana-bakhtiari"], ballot_order=1)
    _candidacy(race, candidates["mandy-mahoney"], ballot_order=2)
