"""The ``-j/--jobs N`` option of the commands that work on many models or files at once."""

from __future__ import annotations

import argparse


def _positive(text: str) -> int:
    """A positive number of processes; anything else is a usage error naming the value."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (1 or more)")
    return value


def add_jobs_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``-j N``: ``what`` says what N processes do at a time; by default, one per core."""
    parser.add_argument("-j", "--jobs", type=_positive, default=None, metavar="N", help=what)
