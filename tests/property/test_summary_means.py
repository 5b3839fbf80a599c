"""The shortcuts of a benchmark's summary compute what the plain formulas compute, bit for bit:
a mean of one score (every subset of a task scored on one split) is `fmean` of it."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from cardkit.scores.summary import fmean, mean_of_one

SCORES = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e-320, -1e-320, 100.0, 61.23400000000001]),
    st.integers(-(2**70), 2**70),
)


@settings(max_examples=500, deadline=None)
@given(SCORES)
def test_a_mean_of_one_score_is_fmean_of_it(value):
    expected = fmean([value])
    got = mean_of_one(value)
    assert type(got) is float
    assert got == expected and math.copysign(1.0, got) == math.copysign(1.0, expected)
