"""The `cardkit` command line: a thin layer that parses options and calls library functions."""

from __future__ import annotations

import argparse
import contextlib
import errno
import functools
import gc
import importlib
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn

from cardkit import __version__
from cardkit.io.console import RedactingStream, set_quiet
from cardkit.io.errors import CardkitError
from cardkit.io.log import print_log
from cardkit.io.redact import add_environment_secrets

# Each name is a module cardkit.cli.<name>_command exposing `register(subparsers)`.
COMMANDS: tuple[str, ...] = (
    "build",
    "check",
    "validate",
    "export",
    "run",
    "push",
    "diff",
    "compare",
    "preview",
    "audit",
)
# Commands run with the cycle collector paused: over in seconds, walking the million objects
# of a big card again and again frees next to nothing. `run` evaluates for hours in torch and
# mteb, and keeps it.
LONG_LIVED: frozenset[str] = frozenset({"run"})


class Terminated(BaseException):
    """SIGTERM (or SIGHUP) as an exception, so that temporary files are removed on the way out.

    A BaseException like KeyboardInterrupt: no ``except Exception`` may swallow it.
    """


def _terminate(signum: int, frame: object) -> None:
    raise Terminated(signal.Signals(signum).name)


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """While a command runs, SIGTERM and SIGHUP unwind it like Ctrl-C does."""
    names = [n for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    previous = {}
    with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
        for name in names:
            number = getattr(signal, name)
            previous[number] = signal.signal(number, _terminate)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def _redacted_output() -> Iterator[None]:
    """Every line the command prints passes through cardkit.io.redact."""
    add_environment_secrets()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = RedactingStream(sys.stdout), RedactingStream(sys.stderr)
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        sys.stdout, sys.stderr = saved


def make_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the command being run is imported, so each starts fast."""
    parser = argparse.ArgumentParser(
        prog="cardkit",
        description="Turn MTEB results into validated Hugging Face model cards.",
    )
    parser.add_argument("--version", action="version", version=f"cardkit {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help=QUIET_HELP)
    # A command that never logs says so (``set_defaults(logs=False)``).
    parser.set_defaults(logs=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    words = list(sys.argv[1:] if argv is None else argv)
    wanted = next((w for w in words if not w.startswith("-")), None)
    names = [wanted] if wanted in COMMANDS and "-h" not in words[:1] else COMMANDS
    for name in names:
        importlib.import_module(f"cardkit.cli.{name}_command").register(subparsers)
    for subparser in subparsers.choices.values():
        # Also after the command (`cardkit build -q`); SUPPRESS keeps a -q given before it.
        subparser.add_argument(
            "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help=QUIET_HELP
        )
    return parser


QUIET_HELP = "print warnings and errors only"


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


# A write that failed for want of room: the device or disk is full, or the file too large.
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _drop_stdout() -> None:
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


@_collector_paused
def main(argv: Sequence[str] | None = None, kept: list[argparse.Namespace] | None = None) -> int:
    """Run the command ``argv`` (the process's arguments by default); its exit status.

    ``kept``: gets the parsed arguments, which hold what the command made (``made``), for a
    caller that ends the process without freeing them (`run`)."""
    with _redacted_output():
        parser = make_parser(argv)
        args = parser.parse_args(argv)
        if kept is not None:
            kept.append(args)
        # The words as typed, for commands that record how they were run.
        args.argv = list(sys.argv[1:] if argv is None else argv)
        if args.command in LONG_LIVED:
            gc.enable()
        if args.logs:
            print_log(args.quiet)
        set_quiet(args.quiet)
        try:
            with _signals_raise():
                status = int(args.handler(args) or 0)
                # What is still buffered is written now, so that a full disk is reported here.
                sys.stdout.flush()
                return status
        except CardkitError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("error: interrupted", file=sys.stderr)
            return 130
        except Terminated as exc:
            print(f"error: stopped by {exc}", file=sys.stderr)
            return 143 if str(exc) == "SIGTERM" else 129
        except BrokenPipeError:
            return 1
        except Exception as exc:  # a bug in cardkit: one line, the traceback only on request
            if isinstance(exc, OSError) and exc.errno in _FULL:
                # Standard output on a full disk or /dev/full: what is left buffered is
                # dropped, not written again (and failed again) when the interpreter exits.
                _drop_stdout()
                print(f"error: cannot write to standard output: {exc.strerror}", file=sys.stderr)
                return 1
            if os.environ.get("CARDKIT_DEBUG"):
                import traceback

                traceback.print_exc(file=sys.stderr)
                return 1
            print(
                f"error: internal error: {type(exc).__name__}: {exc} "
                "(set CARDKIT_DEBUG=1 to see the traceback, and please report it)",
                file=sys.stderr,
            )
            return 1


def run() -> NoReturn:
    """The process entry point (`cardkit`, `python -m cardkit`): the command, then exit.

    What the command leaves is frozen out of the cycle collector first: the interpreter's
    collections on the way out would walk every object of the run again (a sixth of a quick
    build's time) only to free what ending the process frees anyway. For the same reason a
    command other than `run` ends the process at once (`_exit_now`).
    """
    kept: list[argparse.Namespace] = []  # the command's arguments: alive until the end
    status = main(kept=kept)
    gc.freeze()
    if kept and kept[0].command not in LONG_LIVED:
        _exit_now(status)
    raise SystemExit(status)


def _exit_now(status: int) -> None:
    """End the process as Python ends it, less the teardown: what was registered to run at
    exit runs (a temporary folder's removal, `logging`'s flush, `multiprocessing`'s workers),
    standard output and error are flushed, then the process ends without freeing, one by one,
    the objects of every module and cache (a large build's model, its card and the writer's
    caches: a twentieth of its time). Returns, for Python's own exit, where another thread
    still runs or the output cannot be flushed."""
    import atexit
    import threading

    if threading.active_count() > 1:
        return
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(status)


if __name__ == "__main__":
    run()
