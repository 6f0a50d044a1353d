"""Why a results file was refused, in words an editor can act on.

A problem says where (a CSV line, or a contest and unit of an XML export) and what. The same
problem on many rows is one entry: "lines 2, 352, 702 and 16 more: county-total row on top of
this county's precinct rows". The first ``MAX_SHOWN`` distinct problems are listed, then a
count of the rest; nothing is written when there is any.
"""

from dataclasses import dataclass

MAX_SHOWN = 50
# How many places a grouped problem names before "and N more".
PLACES_NAMED = 3


@dataclass(frozen=True)
class Problem:
    """One reason the file cannot be imported. ``where``: a line number (header = 1), a place
    text ("contest 'US Senate', precinct '01A'"), or None for the whole file."""

    where: int | str | None
    message: str

    @property
    def line(self):
        return self.where if isinstance(self.where, int) else None

    def __str__(self):
        return f"{_place(self.where)}: {self.message}" if self.where else self.message


def _place(where):
    return f"line {where}" if isinstance(where, int) else str(where)


def at(where):
    """A place for a message: "line 12", or the place text of an XML export."""
    return _place(where)


def note_precinct_figures(county, row, problems):
    """Keep a county's precincts reporting / total from its first row that gives them, and
    report a later row of the same county that says otherwise. ``county`` has
    ``file_reporting`` and ``file_total`` ((value, where) or None) and ``name``."""
    for attribute, column, value in (
        ("file_reporting", "precincts_reporting", row.precincts_reporting),
        ("file_total", "precincts_total", row.precincts_total),
    ):
        if value is None:
            continue
        earlier = getattr(county, attribute)
        if earlier is None:
            setattr(county, attribute, (value, row.where))
        elif earlier[0] != value:
            problems.append(
                Problem(
                    row.where,
                    f"{column} for {county.name} is {value} here but "
                    f"{earlier[0]} on {_place(earlier[1])}",
                )
            )


def _sort_key(where):
    # Whole-file problems first, then lines in order, then named places.
    if where is None:
        return (0, 0, "")
    if isinstance(where, int):
        return (1, where, "")
    return (2, 0, where)


@dataclass(frozen=True)
class ProblemGroup:
    """One message and every place it was found, in file order."""

    message: str
    places: tuple

    def __str__(self):
        if not self.places:
            return self.message
        named = self.places[:PLACES_NAMED]
        lines = all(isinstance(where, int) for where in named)
        texts = [str(where) if lines else _place(where) for where in named]
        rest = len(self.places) - len(named)
        if rest:
            listed = f"{', '.join(texts)} and {rest:,} more"
        elif len(texts) > 1:
            listed = f"{', '.join(texts[:-1])} and {texts[-1]}"
        else:
            listed = texts[0]
        prefix = ("lines " if len(self.places) > 1 else "line ") if lines else ""
        return f"{prefix}{listed}: {self.message}"


def group(problems):
    """Problems with the same message become one group, ordered by their first place."""
    by_message = {}
    for problem in sorted(problems, key=lambda p: _sort_key(p.where)):
        places = by_message.setdefault(problem.message, [])
        if problem.where is not None and problem.where not in places:
            places.append(problem.where)
    return [ProblemGroup(message, tuple(places)) for message, places in by_message.items()]


class ImportFailed(Exception):
    """The file was refused. ``problems`` lists every problem found, in file order;
    ``groups`` the same, one entry per distinct message."""

    def __init__(self, problems):
        self.problems = sorted(problems, key=lambda p: _sort_key(p.where))
        self.groups = group(self.problems)
        count = len(self.groups)
        heading = f"{count:,} problem{'s' if count != 1 else ''} found; nothing was imported."
        shown = [str(g) for g in self.groups[:MAX_SHOWN]]
        if count > MAX_SHOWN:
            shown.append(f"... and {count - MAX_SHOWN:,} more problems.")
        super().__init__("\n".join([heading, *shown]))
