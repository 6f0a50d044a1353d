"""Typographic quotes for names as readers see them.

Ballots and county files print nicknames in straight quotes (Katrina "Katie" Kissell); the
site stores the name as printed and shows it with typographic ones (Katrina “Katie” Kissell).
``curly_quotes`` is the one rule, applied where a name is displayed (the ``curly_quotes``
template filter, civicsite/core/templatetags/typography.py), never to what is stored, searched
or exported as data.
"""

import re

# A straight quote opens after the start, a space, a dash or an opening bracket; else it closes.
_OPENS_AFTER = r"(^|[\s(\[{\u2014\u2013-])"
_DOUBLE_OPEN = re.compile(_OPENS_AFTER + '"')
_SINGLE_OPEN = re.compile(_OPENS_AFTER + "'")


def curly_quotes(text):
    """``Jim "Bo" Smith`` -> ``Jim “Bo” Smith``; ``O'Neal`` -> ``O’Neal`` (an apostrophe)."""
    if not text or ('"' not in text and "'" not in text):
        return text
    text = _DOUBLE_OPEN.sub("\\1\u201c", text).replace('"', "\u201d")
    return _SINGLE_OPEN.sub("\\1\u2018", text).replace("'", "\u2019")
