"""Random CSV files through the results importer (candidates.importing.import_results).

Whatever the file (random headers, random cells, known payloads, broken quoting, bytes that
are not UTF-8, NUL bytes), the importer either imports it and reports what it did, or refuses
it with ImportFailed and its list of problems, writing nothing. Any other exception (a
DataError from PostgreSQL, a KeyError, an IndexError ...) would be a 500 in the admin upload.
"""

import csv
import io

import pytest
from django.db.models import Sum
from hypothesis import given
from hypothesis import strategies as st

from candidates.importing import ImportFailed, ImportReport, import_results
from candidates.models import (
    Candidacy,
    Candidate,
    Election,
    Office,
    Race,
    ReportingUnit,
    VoteCount,
)
from tests.candidates.factories import DISTRICT_5_2021, make_district_5_general
from tests.hostile.strategies import hostile_settings, hostile_text, page_value

pytestmark = pytest.mark.django_db

COLUMNS = [
    "county",
    "precinct",
    "office",
    "district",
    "party",
    "candidate",
    "votes",
    "election_day_votes",
    "absentee_by_mail_votes",
    "precincts_reporting",
    "precincts_total",
]
OFFICE = "Atlanta City Council District 5"
NAMES = [name for name, _ in DISTRICT_5_2021]

header = st.lists(
    st.one_of(st.sampled_from(COLUMNS), st.sampled_from(COLUMNS).map(str.upper), hostile_text),
    min_size=1,
    max_size=9,
)
cell = st.one_of(
    st.sampled_from(["DeKalb", "Fulton", OFFICE, "5", "Nonpartisan", *NAMES, "Write-ins"]),
    st.integers(min_value=-5, max_value=10**12).map(str),
    page_value,
    hostile_text,
    st.just(""),
)


def table(columns, rows):
    out = io.StringIO()
    csv.writer(out).writerows([columns, *rows])
    return out.getvalue()


PLAUSIBLE_HEADER = ["county", "office", "district", "party", "candidate", "votes"]
plausible_rows = st.lists(
    st.tuples(
        st.sampled_from(["DeKalb", "Fulton"]),
        st.just(OFFICE),
        st.just("5"),
        st.just("Nonpartisan"),
        st.sampled_from(NAMES),
        st.integers(min_value=0, max_value=100_000).map(str),
    ),
    min_size=1,
    max_size=10,
    unique_by=lambda row: (row[0], row[4]),
)


@st.composite
def spoiled(draw, rows):
    """Sound rows, sometimes with one cell replaced by something hostile."""
    rows = [list(row) for row in draw(rows)]
    if draw(st.booleans()):
        row = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        column = draw(st.integers(min_value=0, max_value=len(PLAUSIBLE_HEADER) - 1))
        rows[row][column] = draw(cell)
    return rows


csv_text = st.one_of(
    # A real header and sound rows, one cell sometimes spoiled: some files import.
    st.builds(table, st.just(PLAUSIBLE_HEADER), plausible_rows),
    st.builds(table, st.just(PLAUSIBLE_HEADER), spoiled(plausible_rows)),
    # Random headers and random rows of any width.
    st.builds(table, header, st.lists(st.lists(cell, max_size=10), max_size=8)),
    # Not a table at all.
    hostile_text,
)
raw_bytes = st.one_of(
    st.binary(max_size=300),
    csv_text.map(lambda text: text.encode("utf-16")),
    csv_text.map(lambda text: text.encode("utf-8") + b"\xff\xfe\x00"),
)


def snapshot():
    return (
        Election.objects.count(),
        Office.objects.count(),
        Race.objects.count(),
        Candidate.objects.count(),
        Candidacy.objects.count(),
        ReportingUnit.objects.count(),
        VoteCount.objects.count(),
        VoteCount.objects.aggregate(total=Sum("votes"))["total"],
    )


@pytest.fixture
def election(db):
    return make_district_5_general().election


def check_import(source, election, create, count_case):
    before = snapshot()
    try:
        report = import_results(source, election=election, create=create)
    except ImportFailed as failure:
        count_case("refused")
        assert failure.problems, "a refusal names its problems"
        assert all(str(problem) for problem in failure.problems)
        assert snapshot() == before, "a refused file wrote something"
        return
    count_case("imported")
    assert isinstance(report, ImportReport)
    assert report.summary_lines()


def test_random_csv_files_are_imported_or_refused_with_nothing_written(election, count_case):
    @hostile_settings
    @given(text=csv_text, create=st.booleans())
    def check(text, create):
        check_import(text, election, create, count_case)

    check()


def test_random_bytes_are_imported_or_refused_with_nothing_written(election, count_case):
    @hostile_settings
    @given(data=raw_bytes, create=st.booleans())
    def check(data, create):
        check_import(io.BytesIO(data), election, create, count_case)

    check()


def test_a_dry_run_of_a_random_file_never_writes(election, count_case):
    @hostile_settings
    @given(text=csv_text)
    def check(text):
        before = snapshot()
        try:
            import_results(text, election=election, create=True, dry_run=True)
            count_case("previewed")
        except ImportFailed:
            count_case("refused")
        assert snapshot() == before

    check()
