"""One finding of the validator: a value handed to a reporter, never printed where found."""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

Severity = Literal["error", "warning"]


class _Fields(NamedTuple):
    file: str
    line: int | None
    col: int | None
    path: str  # where in the data: 'model-index[0].results[3].metrics[1].value', or ''
    message: str
    severity: Severity = "error"
    # True when the file could not be read at all (the CLI then exits 2, not 1).
    unreadable: bool = False


class Finding(_Fields):
    """A problem at a place in a file; ``line`` and ``col`` are 1-based, in the original file.

    A named tuple, not a dataclass: `cardkit validate` would import `dataclasses` (and
    `inspect`) for this alone.
    """

    __slots__ = ()

    def __new__(
        cls,
        file: str,
        line: int | None,
        col: int | None,
        path: str,
        message: str,
        severity: Severity = "error",
        unreadable: bool = False,
    ) -> Finding:
        # A file name read from a folder may hold bytes that are not UTF-8 (kept as lone
        # surrogates): shown escaped, a finding can always be printed.
        file, path, message = (_printable(text) for text in (file, path, message))
        return super().__new__(cls, file, line, col, path, message, severity, unreadable)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_dict(self) -> dict[str, Any]:
        return self._asdict()


def _printable(text: str) -> str:
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


def data_path(keys: list[Any] | tuple[Any, ...]) -> str:
    """``['model-index', 0, 'results']`` as ``model-index[0].results``."""
    out = ""
    for key in keys:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out += f".{key}" if out else str(key)
    return out
