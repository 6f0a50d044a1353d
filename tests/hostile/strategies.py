"""Hypothesis settings and strategies shared by the hostile-input tests.

Runs stay short (the whole hostile suite in well under a minute per database):
``HOSTILE_EXAMPLES`` examples per property (default 60; raise it locally, e.g.
HOSTILE_EXAMPLES=1000, for a longer hunt), no deadline (the first request of a test warms
caches and is slow), no example database on disk, and the function-scoped fixtures
(``client``, ``settings``, the database) shared by all examples of one test, which is what
we want: the data is made once, and each example checks its own before/after counts.
"""

import os
from collections import Counter

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.hostile.payloads import PAYLOADS

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "60"))

hostile_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Every example run, by test: printed at the end of the run (tests/hostile/conftest.py).
CASES = Counter()

payload = st.sampled_from(PAYLOADS)

# Any text (all of Unicode but lone surrogates, NUL and control characters included), known
# payloads, and payloads inside or around text, upper-cased or repeated.
hostile_text = st.one_of(
    payload,
    payload,
    st.text(max_size=200),
    st.builds(lambda a, p, b: a + p + b, st.text(max_size=40), payload, st.text(max_size=40)),
    payload.map(str.upper),
    st.builds(lambda p, n: p * n, payload, st.integers(min_value=2, max_value=5)),
)

# What a ?page= might be sent as: numbers of every size and sign, and anything else.
page_value = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=0, max_value=5).map(str),
    hostile_text,
)
