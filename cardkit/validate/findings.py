"""One finding of the validator: a value handed to a reporter, never printed where found."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """A problem at a place in a file; ``line`` and ``col`` are 1-based, in the original file."""

    file: str
    line: int | None
    col: int | None
    path: str  # where in the data: 'model-index[0].results[3].metrics[1].value', or ''
    message: str
    severity: Severity = "error"
    # True when the file could not be read at all (the CLI then exits 2, not 1).
    unreadable: bool = False

    def __post_init__(self) -> None:
        # A file name read from a folder may hold bytes that are not UTF-8 (kept as lone
        # surrogates): shown escaped, a finding can always be printed.
        for name in ("file", "path", "message"):
            text = getattr(self, name)
            if not text.isascii():
                printable = text.encode("utf-8", "backslashreplace").decode("utf-8")
                object.__setattr__(self, name, printable)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def data_path(keys: list[Any] | tuple[Any, ...]) -> str:
    """``['model-index', 0, 'results']`` as ``model-index[0].results``."""
    out = ""
    for key in keys:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out += f".{key}" if out else str(key)
    return out
