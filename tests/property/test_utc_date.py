"""The date of a Unix time, read without importing datetime, is datetime's own: for every
float, the same day or the same kind of refusal."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import example, given
from hypothesis import strategies as st

from cardkit.readers.mteb_json import utc_date

_REFUSED = (ValueError, OverflowError, OSError)
_DAY = 86_400


def _outcome(compute, seconds: float) -> str | type:
    try:
        return compute(seconds)
    except _REFUSED:
        return "refused"


def _datetime_date(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).date().isoformat()


# Whole days, and the last microsecond and less before midnight, where rounding decides.
_near_midnight = st.builds(
    lambda days, before: days * _DAY - before,
    st.integers(min_value=-800_000, max_value=3_000_000),
    st.sampled_from([0.0, 1e-7, 4e-7, 5e-7, 6e-7, 1e-6, 0.4999995, 0.5, 0.9999995]),
)


@given(st.floats(allow_nan=False, allow_infinity=False) | _near_midnight)
@example(1_700_000_000.123456)  # an mteb result file's date
@example(-0.0000004)
@example(-62_135_596_800.0)  # 0001-01-01
@example(-62_135_596_800.0000005)
@example(253_402_300_799.9999995)  # 9999-12-31T23:59:59.9999995: rounds into year 10000
@example(1e20)
def test_the_day_of_a_unix_time_is_datetimes(seconds: float):
    assert _outcome(utc_date, seconds) == _outcome(_datetime_date, seconds)
