"""What the command line prints: status lines that ``-q`` silences, and no secret in any line.

Findings, diffs and errors are the answer to the command and always printed; lines that only
say what was done (``wrote README.md: ...``) go through ``status``.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any, TextIO

from cardkit.io.redact import redact

_quiet = False


def set_quiet(quiet: bool) -> None:
    global _quiet
    _quiet = quiet


def is_quiet() -> bool:
    return _quiet


def line_text(level_name: str, message: str, warning: bool) -> str:
    """A logged line as the command line prints it: ``warning: ...`` (and ``error: ...``), a
    note as it is."""
    return f"{level_name.lower()}: {message}" if warning else message


def status(line: str, stream: TextIO | None = None) -> None:
    """A line that says what was done; left out with ``-q``."""
    if not _quiet:
        print(line, file=stream or sys.stdout, flush=True)


class RedactingStream:
    """A text stream that masks secrets in everything written to it (see cardkit.io.redact).

    The binary ``buffer`` underneath is left alone: a card written with ``-o -`` is the
    user's own data, byte for byte.
    """

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


_QUIET_WORDS = {"-q", "--quiet"}


def progress_bar(total: int, unit: str) -> Any:
    """A progress bar on standard error when someone watches it (a terminal, not --quiet),
    else None."""
    if is_quiet() or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread in a process about to start workers
    return tqdm(total=total, unit=unit, file=sys.stderr, leave=False)


def command_line(command: str, argv: list[str] | None) -> str | None:
    """``cardkit <command> ...`` as typed (``-q`` left out, secrets masked), for a record of
    how results were made; None when not run from the command line."""
    if argv is None or command not in argv:
        return None
    words = [word for word in argv if word not in _QUIET_WORDS]
    return redact(shlex.join(["cardkit", *words]))
