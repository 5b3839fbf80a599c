"""Patterns compiled on first use behave as the compiled pattern."""

from __future__ import annotations

import re

from cardkit.io.lazyre import lazy, lazy_made


def test_a_lazy_pattern_compiles_once_on_first_use():
    made: list[re.Pattern[str]] = []

    def make() -> re.Pattern[str]:
        made.append(re.compile(r"(\d+)-(\d+)"))
        return made[-1]

    pattern = lazy_made(make)
    assert made == []
    assert pattern.search("pages 10-12").groups() == ("10", "12")
    assert pattern.sub(r"\2-\1", "1-2, 3-4") == "2-1, 4-3"
    assert len(made) == 1


def test_a_lazy_pattern_keeps_its_flags():
    pattern = lazy(r"^x", re.M)
    assert pattern.findall("x\ny\nx") == ["x", "x"]
    assert (pattern.pattern, pattern.flags & re.M) == ("^x", re.M)
