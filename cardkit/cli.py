"""The `cardkit` command line: a thin layer that parses options and calls library functions."""

from __future__ import annotations

import argparse
import functools
import gc
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from cardkit import __version__
from cardkit.errors import CardkitError

# Each name is a module under cardkit.commands exposing `register(subparsers)`.
COMMANDS: tuple[str, ...] = ("build", "check", "validate", "export", "run", "push")
# Commands over in seconds run with the cycle collector paused: walking the million objects
# of a big card again and again frees next to nothing. `run` evaluates for hours in torch and
# mteb, and keeps it.
SHORT_LIVED: frozenset[str] = frozenset({"build", "check", "validate", "export", "push"})


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            return f"{record.levelname.lower()}: {message}"
        return message


def _setup_logging(quiet: bool) -> None:
    logger = logging.getLogger("cardkit")
    logger.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    logger.propagate = False


def make_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the command being run is imported, so each starts fast."""
    parser = argparse.ArgumentParser(
        prog="cardkit",
        description="Turn MTEB results into validated Hugging Face model cards.",
    )
    parser.add_argument("--version", action="version", version=f"cardkit {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="print warnings and errors only")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    words = list(sys.argv[1:] if argv is None else argv)
    wanted = next((w for w in words if not w.startswith("-")), None)
    names = [wanted] if wanted in COMMANDS and "-h" not in words[:1] else COMMANDS
    for name in names:
        importlib.import_module(f"cardkit.commands.{name}").register(subparsers)
    return parser


def _collector_paused(function: Callable[..., int]) -> Callable[..., int]:
    """Call with the cycle collector paused from the first import on, and as it was after."""

    @functools.wraps(function)
    def paused(*args: Any, **kwargs: Any) -> int:
        collecting = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if collecting:
                gc.enable()

    return paused


@_collector_paused
def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser(argv)
    args = parser.parse_args(argv)
    if args.command not in SHORT_LIVED:
        gc.enable()
    _setup_logging(args.quiet)
    try:
        return int(args.handler(args) or 0)
    except CardkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # a bug in cardkit: one line, the traceback only on request
        if os.environ.get("CARDKIT_DEBUG"):
            raise
        print(
            f"error: internal error: {type(exc).__name__}: {exc} "
            "(set CARDKIT_DEBUG=1 to see the traceback, and please report it)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
