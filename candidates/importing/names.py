"""Candidate names and parties as results files print them.

Results files print a choice the way the county's system stores it: ``BRIAN KEMP  (REP)``,
``CHRIS CARR (I) (REP)``, ``Raphael Warnock (Dem``. These pure functions (no database) turn
such text into what the site keeps: the ballot name as printed without its markers, a
readable public name, the incumbent flag, and a party in the site's words.

The markers are the ones Georgia's Clarity exports put after a name, the convention
openelections-data-ga strips in ``2020/code/20201103_ga_general.sql`` (" (Rep)", " (Dem)",
" (Ind)", " (Lib)", " (Grn)" and "Remove the Incumbent (I) from candidate"). So "(I)" means
*incumbent*, never Independent: an independent is "(Ind)". An asterisk after a name is left
alone; no file we read uses it as an incumbent mark.
"""

import re
import unicodedata
from dataclasses import dataclass

from candidates.importing.text import clean

# The site's party words. "Democrat", not "Democratic": openelections-data-ga writes
# "Democrat" (and its 2020 cleanup sets party = 'Democrat'), and Pennsylvania's "Democratic"
# is folded into the same word so one party reads one way across the site.
DEMOCRAT = "Democrat"
REPUBLICAN = "Republican"
LIBERTARIAN = "Libertarian"
GREEN = "Green"
INDEPENDENT = "Independent"

# Keys are loose (see _party_key); "" is nonpartisan. "writein" is there because a write-in
# is recorded as Candidacy.write_in, not as a party.
PARTIES = {
    "d": DEMOCRAT,
    "dem": DEMOCRAT,
    "democrat": DEMOCRAT,
    "democratic": DEMOCRAT,
    "r": REPUBLICAN,
    "rep": REPUBLICAN,
    "republican": REPUBLICAN,
    "l": LIBERTARIAN,
    "lib": LIBERTARIAN,
    "libertarian": LIBERTARIAN,
    "lbn": LIBERTARIAN,  # West Virginia's files
    "g": GREEN,
    "grn": GREEN,
    "gre": GREEN,  # Pennsylvania's county files (2020 general, Cameron County)
    "green": GREEN,
    "mtn": "Mountain",  # West Virginia's Mountain Party
    "ind": INDEPENDENT,
    "independent": INDEPENDENT,
    "": "",
    "np": "",
    "non": "",
    "nonpartisan": "",
    "nonpartisian": "",
    "none": "",
    "writein": "",
}
# The markers read after a name, any case: "(I)", "(Inc)", "(Inc.)", "(Incumbent)" and the
# party abbreviations files print there. Other words in brackets ("(KATIE)", "(WRITEIN)") are
# part of the name.
INCUMBENT_MARKERS = {"i", "inc", "incumbent"}
PARTY_MARKERS = {"r", "rep", "d", "dem", "l", "lib", "g", "grn", "ind", "np"}

# One marker at the very end: "(REP)", "(I)", or "(Dem" whose closing bracket was cut off.
_TRAILING_MARKER = re.compile(r"\(\s*([A-Za-z.]+)\s*\)?\s*$")
_WORD = re.compile(r"[^\W\d_]+")  # a run of letters, accented ones included
# Generational suffixes printed in capitals whatever the case of the rest of the name.
ROMAN_NUMERALS = {"II", "III", "IV", "VI", "VII", "VIII"}


@dataclass(frozen=True)
class ParsedName:
    """One candidate's printed name, taken apart.

    ``incumbent`` is True when the name carries an incumbent marker; False only means the file
    did not say so (the row keeps ``None`` for that). ``party`` is a party from a marker in the
    site's words, "" when there is none or it says nonpartisan.
    """

    ballot_name: str
    name: str
    incumbent: bool
    party: str


# Georgia's Clarity exports print a nickname's quotes doubled (``Earl L. ""Buddy"" Carter``,
# written ``&quot;&quot;`` in the XML: a CSV escape left in); no name has two quotes in a row.
_DOUBLED_QUOTES = re.compile(r'"{2,}')


def parse_candidate(raw):
    """Take a printed choice apart: ``"CHRIS CARR (I) (REP)"`` -> Chris Carr, incumbent, R."""
    text, incumbent, parties = _strip_markers(raw)
    ballot_name = clean(_DOUBLED_QUOTES.sub('"', _drop_stray_brackets(text)))
    return ParsedName(
        ballot_name=ballot_name,
        name=public_name(first_last(ballot_name)),
        incumbent=incumbent,
        party=parties[0] if parties else "",
    )


def public_name(ballot_name):
    """A readable name: ALL-CAPS or all-lower names title-cased, mixed case kept as printed.

    Mixed case is the campaign's own spelling ("Jesse F. McClure, III", "Bob CASEY, JR."), so
    it is never second-guessed. Title-casing capitalizes every run of letters (so "O'NEILL"
    -> "O'Neill", "SMITH-JONES" -> "Smith-Jones", "J.R." stays "J.R." and "JR." becomes "Jr."),
    gives "Mc" names their second capital ("MCKOON" -> "McKoon") and keeps Roman numerals
    upper. "Mac" is left alone: "MACK JACKSON" is Mack, not MacK. Initials printed without
    dots cannot be told from short names ("GLENN GT THOMPSON" -> "Glenn Gt Thompson"); an
    editor corrects the public name in the admin.
    """
    letters = [char for char in ballot_name if char.isalpha()]
    if not letters or not (all(c.isupper() for c in letters) or all(c.islower() for c in letters)):
        return ballot_name
    words = ballot_name.split(" ")
    return " ".join(_title_word(word, first=index == 0) for index, word in enumerate(words))


def first_last(name):
    """A name printed surname first, as Ohio's county files do, in reading order:
    "FitzGerald, Edward" -> "Edward FitzGerald", "Smith, William R. Jr." -> "William R. Smith
    Jr.". A comma before a suffix ("Alfred Molison, Jr.") is not that, and a name with more
    than one comma (a ticket: "Biden, Joseph R. and Harris, Kamala D.") is left as printed."""
    if name.count(",") != 1:
        return name
    last, first = (part.strip() for part in name.split(","))
    if not last or not first or _suffix_key(first) in SUFFIXES:
        return name
    words = first.split()
    suffix = ""
    if len(words) > 1 and _suffix_key(words[-1]) in SUFFIXES:
        suffix = f" {words.pop()}"
    return f"{' '.join(words)} {last}{suffix}"


def _suffix_key(word):
    return word.casefold().strip(".")


def normal_party(raw):
    """The site's word for a party: "DEM", "Dem", "(Dem" -> "Democrat"; "NP" -> "".

    Abbreviations and the full names of the five parties the files use are mapped (PARTIES);
    anything else is cleaned (brackets, stray spaces) and kept as written ("Working Families").
    """
    text = clean(re.sub(r"[()]", " ", raw or ""))
    return PARTIES.get(_party_key(text), text)


def name_key(name):
    """The key that says two spellings are one person: "BRAD RAFFENSPERGER (REP)" ~ "Brad
    Raffensperger".

    Markers are removed, accents dropped, case folded; apostrophes and dots vanish ("O'Neill"
    ~ "ONeill", "J.R." ~ "JR"), other punctuation separates words, whitespace is collapsed.
    Middle initials stay: "Kathy L. Rapp" and "Kathy Rapp" are different keys (no fuzzy
    matching here).
    """
    text, _, _ = _strip_markers(name)
    text = unicodedata.normalize("NFKD", first_last(text))
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    text = re.sub(r"['.]", "", text)
    return " ".join(re.sub(r"[^\w\s]|_", " ", text).split())


SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "v"}


def near_key(name):
    """First and last name only ("kathy rapp" for "KATHY L. RAPP" and "Kathy Rapp, Jr."): two
    people with the same near key but different ``name_key``s may be one person, and an editor
    is asked; it never merges anyone by itself."""
    words = [word for word in name_key(name).split() if word not in SUFFIXES]
    return f"{words[0]} {words[-1]}" if len(words) > 1 else " ".join(words)


# --- Helpers ---------------------------------------------------------------------------------


def _party_key(value):
    key = re.sub(r"[^a-z]", "", value.casefold())
    return key.removesuffix("party") if key != "party" else key


def _strip_markers(raw):
    """(text without trailing markers, incumbent?, parties in printed order)."""
    text = clean(raw)
    incumbent, parties = False, []
    while match := _TRAILING_MARKER.search(text):
        word = match.group(1).casefold().rstrip(".")
        if word in INCUMBENT_MARKERS:
            incumbent = True
        elif word in PARTY_MARKERS:
            parties.insert(0, PARTIES[word])
        else:
            break  # "(KATIE)" or "(Write-In)" is part of the name, not a marker
        text = text[: match.start()].rstrip()
    return text, incumbent, [party for party in parties if party]


def _drop_stray_brackets(text):
    """Keep balanced, non-empty "(...)" (a nickname); lone brackets and "()" become spaces."""
    kept, opened = set(), []
    for index, char in enumerate(text):
        if char == "(":
            opened.append(index)
        elif char == ")" and opened:
            start = opened.pop()
            if text[start + 1 : index].strip():
                kept.update((start, index))
    return "".join(
        " " if char in "()" and index not in kept else char for index, char in enumerate(text)
    )


def _title_word(word, *, first):
    if not first and word.strip(",;").upper() in ROMAN_NUMERALS:
        return word.upper()
    lowered = word.lower()

    def capitalize(match):
        run, start = match.group(0), match.start()
        if start and lowered[start - 1].isdigit():
            return run  # "3rd", not "3Rd"
        if run.startswith("mc") and len(run) > 2:
            return "Mc" + run[2].upper() + run[3:]
        return run[0].upper() + run[1:]

    return _WORD.sub(capitalize, lowered)
