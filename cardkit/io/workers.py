"""One function over many items in worker processes, each item's failure its own.

Why not ``concurrent.futures``: when one worker process dies there (killed for memory, a crash
in C), every item still pending fails with it. Here each worker holds one item at a time, so a
dead worker costs exactly the item it held, reported as :class:`WorkerDied`; a new worker
takes its place. Ctrl-C and SIGTERM are the parent's to handle: workers ignore Ctrl-C, and when
the parent stops (an exception, or the caller leaving the loop) the busy ones are sent SIGTERM,
which unwinds them like an exception, so a file half-written is removed on the way out.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# How long a worker told to stop may take to unwind before it is killed.
_STOP_SECONDS = 10.0


def default_jobs() -> int:
    """Every core this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class WorkerDied:
    """The process working on an item ended without an answer (a signal, or an exit)."""

    exitcode: int | None

    @property
    def reason(self) -> str:
        code = self.exitcode
        if code is not None and code < 0:
            with contextlib.suppress(ValueError):
                name = signal.Signals(-code).name
                hint = " (out of memory?)" if name == "SIGKILL" else ""
                return f"the process working on it was killed by {name}{hint}"
        return f"the process working on it ended with exit status {code}"


@dataclass(frozen=True)
class WorkerFailed:
    """The function raised: a bug, since the functions given here report bad input as data."""

    error: str


# Held back while a worker starts, until it has its own handlers.
_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_CAN_MASK = hasattr(signal, "pthread_sigmask")


def _stop(signum: int, frame: object) -> None:
    """SIGTERM in a worker unwinds it like an exception (``finally`` blocks run, temporary
    files are removed), and the process ends quietly."""
    raise SystemExit(128 + signum)


def _serve(conn: Connection, function: Callable[[Any], Any]) -> None:
    """A worker: items in, results out, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    if _CAN_MASK:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
    with contextlib.suppress(EOFError, OSError):
        while True:
            message = conn.recv()
            if message is None:
                return
            index, item = message
            try:
                result: Any = function(item)
            except Exception as exc:
                result = WorkerFailed(f"{type(exc).__name__}: {exc}")
            conn.send((index, result))


@dataclass
class _Worker:
    process: Any  # multiprocessing's Process of the chosen context
    conn: Connection
    index: int | None = None  # the item it is working on

    def give(self, index: int, item: Any) -> None:
        self.index = index
        self.conn.send((index, item))


def _start(function: Callable[[Any], Any]) -> _Worker:
    context = multiprocessing.get_context()
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve, args=(theirs, function), daemon=True)
    # A signal between the start and the worker's own handlers would reach the handlers of
    # this process, copied into the worker: held back until the worker has its own.
    saved = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS) if _CAN_MASK else None
    try:
        process.start()
    finally:
        if saved is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, saved)
    theirs.close()
    return _Worker(process, ours)


def run_each(
    function: Callable[[Item], Result],
    items: Iterable[Item],
    jobs: int,
) -> Iterator[tuple[int, Result | WorkerDied | WorkerFailed]]:
    """``(index, function(items[index]))`` for every item, in the order they finish.

    ``jobs`` processes at most (1: in this process, in order). ``function`` must be a
    module-level function and items and results picklable. A result is a :class:`WorkerDied`
    when the process died on that item, a :class:`WorkerFailed` when the function raised.
    """
    todo = list(items)
    if jobs <= 1 or len(todo) <= 1:
        for index, item in enumerate(todo):
            try:
                yield index, function(item)
            except Exception as exc:
                yield index, WorkerFailed(f"{type(exc).__name__}: {exc}")
        return
    pending = deque(range(len(todo)))
    workers: list[_Worker] = []
    try:
        while pending or any(w.index is not None for w in workers):
            for worker in workers:
                if worker.index is None and pending:
                    index = pending.popleft()
                    worker.give(index, todo[index])
            while pending and len(workers) < min(jobs, len(todo)):
                worker = _start(function)
                workers.append(worker)
                index = pending.popleft()
                worker.give(index, todo[index])
            busy = [w for w in workers if w.index is not None]
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
            for worker in busy:
                answered = worker.conn in ready or worker.process.sentinel in ready
                if not answered:
                    continue
                index = worker.index
                assert index is not None
                try:
                    got, result = worker.conn.recv() if worker.conn.poll() else (None, None)
                except (EOFError, OSError):
                    got = None
                if got == index:
                    worker.index = None
                    yield index, result
                    continue
                worker.process.join()
                workers.remove(worker)
                worker.conn.close()
                yield index, WorkerDied(worker.process.exitcode)
    finally:
        _stop_all(workers)


def _stop_all(workers: list[_Worker]) -> None:
    """Idle workers are told to leave; busy ones are stopped (SIGTERM unwinds them)."""
    for worker in workers:
        with contextlib.suppress(OSError, ValueError):
            if worker.index is None:
                worker.conn.send(None)
            else:
                worker.process.terminate()
    for worker in workers:
        worker.process.join(_STOP_SECONDS)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.conn.close()
    sys.stderr.flush()
