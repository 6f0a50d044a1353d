"""Shared data for the hostile-input tests, and the count of cases printed at the end."""

import pytest

from tests.hostile.payloads import INJECTION, PAYLOADS, XSS
from tests.hostile.strategies import CASES, EXAMPLES


def pytest_terminal_summary(terminalreporter):
    if not CASES:
        return
    write = terminalreporter.write_line
    write(
        f"hostile input: {len(PAYLOADS)} known payloads ({len(XSS)} XSS, {len(INJECTION)} "
        f"injection and odd values); up to {EXAMPLES} generated examples per property"
    )
    for name, count in sorted(CASES.items()):
        write(f"  {count:6,} cases  {name}")
    write(f"  {sum(CASES.values()):6,} cases in all")


@pytest.fixture
def count_case(request):
    """Call once per example: counts the cases this test ran (``outcome`` splits them)."""

    def count(outcome=None):
        name = request.node.name
        CASES[f"{name}: {outcome}" if outcome else name] += 1

    return count
