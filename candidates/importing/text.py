"""How names in results files are compared: one home for the keys every importer step uses."""

import re
from functools import lru_cache

_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})


@lru_cache(maxsize=4096)  # names repeat on every row of a precinct file
def clean(value):
    """Whitespace collapsed and typographic quotes made plain, as people retype names."""
    return " ".join((value or "").translate(_SMART_QUOTES).split())


@lru_cache(maxsize=4096)
def key(value):
    """Case- and whitespace-insensitive comparison key for names."""
    return clean(value).casefold()


@lru_cache(maxsize=4096)
def loose_key(value):
    """Only letters and digits: "Over Votes", "OVERVOTES" and "Over-votes" are one word."""
    return re.sub(r"[^0-9a-z]", "", key(value))


def header_key(value):
    """A column name as snake_case: "Election Day Votes" -> "election_day_votes"."""
    return re.sub(r"[^0-9a-z]+", "_", value.strip().casefold()).strip("_")


@lru_cache(maxsize=4096)
def county_key(value):
    """Fulton, FULTON and "Fulton County" are one county."""
    name = key(value)
    return name[: -len(" county")] if name.endswith(" county") else name


@lru_cache(maxsize=4096)
def district_key(value):
    """District "05", "5", " 5 " and "District 5" are one district."""
    value = re.sub(r"(?i)^(?:district|dist\.?)\s*(?=\d)", "", clean(value))
    return str(int(value)) if value.isdigit() else value.casefold()
