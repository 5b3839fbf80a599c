"""cardkit's log, with `logging` imported and the command line's printing set up on the first
message only: both take milliseconds, and most runs log nothing.

Whoever configures the ``logging.getLogger("cardkit")`` logger (a library user, a test, a batch
capturing each model's messages) has imported `logging`, and gets every record through it as
ever. A command line run in which nothing imported `logging` prints its lines as the logger's
handler would, without it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from cardkit.io.console import line_text

if TYPE_CHECKING:
    import logging

# The command line's `quiet`, while its printing waits for a first message.
_pending: list[bool] = []


def print_log(quiet: bool) -> None:
    """Print cardkit's log on stderr as the command line does, notes left out when ``quiet``.

    At once when `logging` is imported already (the logger may have been configured: it is
    replaced, as it always was); else when cardkit first logs.
    """
    if "logging" in sys.modules:
        from cardkit.io.logsetup import setup_logging

        _pending.clear()
        setup_logging(quiet)
    else:
        _pending[:] = [quiet]


def logger() -> logging.Logger:
    """The "cardkit" logger, with the command line's printing set up first if it waits."""
    import logging

    cardkit = logging.getLogger("cardkit")
    # Set up the printing only on a logger nobody has configured since: one that somebody
    # configured in the meantime (a batch capturing messages) is theirs until they restore it.
    if _pending and not cardkit.handlers and cardkit.level == logging.NOTSET and cardkit.propagate:
        from cardkit.io.logsetup import setup_logging

        setup_logging(_pending.pop())
    return cardkit


def _unprinted() -> bool:
    """Whether a note or debug line would go nowhere: a quiet command line prints none, and
    with `logging` not imported yet, nobody else can have asked for it (so it is not imported
    for that)."""
    return _pending == [True] and "logging" not in sys.modules


def _printed_here() -> bool:
    """Whether the command line's printing waits and `logging` is not imported: nobody can
    have configured the logger, so a line is printed as its handler would print it, without
    importing `logging` (milliseconds, for a build's one warning)."""
    return bool(_pending) and "logging" not in sys.modules


def _print(level_name: str, message: str, args: tuple[object, ...], warning: bool) -> None:
    stream = sys.stderr
    stream.write(line_text(level_name, message % args if args else message, warning) + "\n")
    stream.flush()


class _Log:
    """The `logging.Logger` methods cardkit calls; the record names the caller's line."""

    __slots__ = ()

    def debug(self, message: str, *args: object) -> None:
        if _printed_here():  # below the command line's level
            return
        if not _unprinted():
            logger().debug(message, *args, stacklevel=2)

    def info(self, message: str, *args: object) -> None:
        if _unprinted():
            return
        if _printed_here():
            _print("INFO", message, args, False)
        else:
            logger().info(message, *args, stacklevel=2)

    def warning(self, message: str, *args: object) -> None:
        if _printed_here():
            _print("WARNING", message, args, True)
        else:
            logger().warning(message, *args, stacklevel=2)


log = _Log()
