"""Plain-text tables for a terminal, coloured only where colour is wanted.

Colour follows the common conventions: only when the output is a terminal, never when
``NO_COLOR`` is set to anything (https://no-color.org) or ``TERM`` is ``dumb``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import TextIO

_CODES = {"red": "31", "green": "32", "bold": "1", "bold red": "1;31", "dim": "2"}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def wants_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(text: str, style: str | None, colour: bool) -> str:
    if not colour or not style or not text:
        return text
    return f"\x1b[{_CODES[style]}m{text}\x1b[0m"


def visible_width(text: str) -> int:
    return len(_ANSI.sub("", text)) if "\x1b" in text else len(text)


def text_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool] | None = None
) -> str:
    """Columns padded to their widest cell, numbers right-aligned, two spaces apart."""
    numeric = list(numeric) if numeric is not None else [False] * len(headers)
    widths = [visible_width(h) for h in headers]
    for row in rows:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], visible_width(value))

    def line(cells: Sequence[str]) -> str:
        parts = []
        for index, value in enumerate(cells):
            pad = " " * (widths[index] - visible_width(value))
            parts.append(pad + value if numeric[index] else value + pad)
        return "  ".join(parts).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(row) for row in rows)
    return "\n".join(out) + "\n"
