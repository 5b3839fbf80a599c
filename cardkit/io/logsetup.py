"""How the command line prints cardkit's log: warnings as ``warning: ...``, notes as they are.

Apart from the CLI so that a command that never logs does not import `logging`.
"""

from __future__ import annotations

import logging
import sys

from cardkit.io.console import line_text


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return line_text(record.levelname, record.getMessage(), record.levelno >= logging.WARNING)


def setup_logging(quiet: bool) -> None:
    """cardkit's logger writes to stderr, notes left out when ``quiet``."""
    logger = logging.getLogger("cardkit")
    logger.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    logger.propagate = False
