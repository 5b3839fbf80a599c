"""The one exception type the CLI turns into a clean message and exit status."""

from __future__ import annotations

from pathlib import Path

from cardkit.io.lazyre import lazy

# Line breaks and other control characters a name read from data may hold: shown escaped, so
# that an error is always one line.
_CONTROL = lazy(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


class CardkitError(Exception):
    """A problem with the user's input, reported as one line naming the file and the place."""

    def __init__(self, message: str, path: str | Path | None = None, where: str | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.where = where
        super().__init__(str(self))

    def __str__(self) -> str:
        prefix = ""
        if self.path:
            prefix = f"{self.path}: " if not self.where else f"{self.path}: {self.where}: "
        elif self.where:
            prefix = f"{self.where}: "
        # A name read from a folder may hold bytes that are not UTF-8 (kept as lone
        # surrogates) or line breaks: escaped, the line can always be printed, and is one line.
        text = (prefix + self.message).encode("utf-8", "backslashreplace").decode("utf-8")
        return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def first_line(exc: BaseException, default: str | None = None) -> str:
    """The first line of an exception's message, for a one-line error; when it has none,
    ``default``, or else the exception's type."""
    text = str(exc).strip()
    if text:
        return text.splitlines()[0]
    return type(exc).__name__ if default is None else default
