"""Regular expressions compiled on their first use.

Compiling one takes from tens of microseconds to a millisecond: the patterns a module keeps for
rarer paths (bad input, an update, a check) would otherwise cost every run that never needs
them. The stand-in answers every attribute of the compiled pattern.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast


class _Lazy:
    """The stand-in: each attribute asked for is kept on it once the pattern is made, so that
    only its first use passes through ``__getattr__`` (a call for every match would cost more
    than many a match itself)."""

    def __init__(self, make: Callable[[], re.Pattern[str]]) -> None:
        self._make = make
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            self._compiled = self._make()
        found = self.__dict__[name] = getattr(self._compiled, name)
        return found


def lazy_made(make: Callable[[], re.Pattern[str]]) -> re.Pattern[str]:
    """The pattern ``make()`` returns, made when first used."""
    return cast("re.Pattern[str]", _Lazy(make))


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, compiled when first used."""
    return lazy_made(lambda: re.compile(pattern, flags))
