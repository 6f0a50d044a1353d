"""The one row every results parser yields, whatever the file's format.

A parser (``openelections.py`` for CSV, ``clarity.py`` for Clarity ENR XML) turns a file into
``ResultRow`` objects and ``Problem`` objects; the checked apply step (``apply.py``) never
sees the format. Counts are already integers; names are already cleaned (``clean()``).
"""

from dataclasses import dataclass, field

# The vote-method buckets the database keeps (VoteCount's columns), in display order.
KNOWN_METHODS = ("election_day", "advance", "absentee_by_mail", "provisional")
# The largest count the database stores (PositiveIntegerField); far above any real turnout.
MAX_COUNT = 2_147_483_647


@dataclass
class ResultRow:
    """Votes for one choice in one place (a precinct, or a county when there is no precinct).

    ``where`` says where the row came from, for problems: a CSV line number (header = 1), or a
    text such as ``contest 'US Senate', precinct '01A'`` for XML.
    """

    where: int | str
    county: str
    precinct: str
    office: str
    district: str
    party: str
    candidate: str
    votes: int
    # Known buckets (KNOWN_METHODS) -> count or None when the file does not give it.
    methods: dict = field(default_factory=dict)
    # Any other named vote method of the file ("advance_in_person_1"...) -> count; kept, never
    # dropped.
    other_methods: dict = field(default_factory=dict)
    precincts_reporting: int | None = None
    precincts_total: int | None = None
    # From markers in the name ("(I)", "(Inc)"): True; None when the file says nothing.
    incumbent: bool | None = None
    # The row is for a write-in candidate (a "Write-In" party column).
    write_in: bool = False
    # Clarity's voteFor (seats) and isQuestion; None/False when the file does not say.
    seats: int | None = None
    is_question: bool = False
    # How many counties the file says vote in this row's contest (a state export lists every
    # participating county); None when the file does not say.
    units_expected: int | None = None
    # The public name made from a printed one ("BRIAN KEMP" -> "Brian Kemp"), by names.py.
    public_name: str = ""
    # Filled by the apply step: the office, the race (office and primary party), the candidacy.
    office_ident: tuple | None = None
    race_ident: tuple | None = None
    candidacy_ident: tuple | None = None
    # For a ballot question's row instead (measures.py): its measure's title key.
    measure_ident: str | None = None

    @property
    def line(self):
        """The CSV line, or None for rows that do not come from lines."""
        return self.where if isinstance(self.where, int) else None
