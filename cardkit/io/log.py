"""cardkit's log, with `logging` imported and the command line's printing set up on the first
message only: both take milliseconds, and most runs log nothing.

Every record still goes through ``logging.getLogger("cardkit")``, so whoever configures that
logger (a library user, a test, a batch capturing each model's messages) gets them as ever.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

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


class _Log:
    """The `logging.Logger` methods cardkit calls; the record names the caller's line."""

    __slots__ = ()

    def debug(self, message: str, *args: object) -> None:
        if _pending == [True] and "logging" not in sys.modules:
            return
        logger().debug(message, *args, stacklevel=2)

    def info(self, message: str, *args: object) -> None:
        if _pending == [True] and "logging" not in sys.modules:
            return  # a quiet command line prints no note, and nobody else can have asked
        logger().info(message, *args, stacklevel=2)

    def warning(self, message: str, *args: object) -> None:
        logger().warning(message, *args, stacklevel=2)


log = _Log()
