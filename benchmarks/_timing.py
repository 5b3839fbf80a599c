"""How the benchmarks time things: one module, so that every figure they print is taken alike.

- A command runs in a fresh process, started the same way each time (the same environment,
  the same working folder), and gives its CPU time (user + system of the child, which holds
  when the machine is busy) and its wall time.
- A command and the reference it is held against run alternately (``interleaved``), so that
  whatever else the machine does meanwhile falls on both sides alike; results are given as the
  median and the least and greatest run (``Spread``), with the machine's load (``machine``).
- A Python reference runs under the interpreter settings of cardkit's own processes
  (``python_code``): ``python -m cardkit`` turns the cycle collector off before its first
  import and freezes what is left before it exits (``cardkit/__main__.py``,
  ``cardkit/cli/main.py``), and a reference with the collector on would pay for work cardkit
  does not do.

    from _timing import Command, Spread, interleaved, load, machine, python_code

Benchmarks run as ``python benchmarks/NAME.py``, which puts this folder on ``sys.path``.
"""

from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

T = TypeVar("T")

# What `python -m cardkit` does with the cycle collector, for a Python reference to do alike.
_COLLECTOR_OFF = "import gc\ngc.disable()\n"
_FREEZE_AT_EXIT = "\nimport gc\ngc.freeze()\n"


def process_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every measured process: the caller's, offline (no process may wait
    on the network), and allowed to write bytecode caches (installed packages run from theirs,
    so a process measured must not compile its modules on every start)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(extra or {})}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def python_code(
    code: str, *args: str | Path, collector: Literal["as cardkit", "on"] = "as cardkit"
) -> list[str]:
    """The command line running ``code`` in a fresh Python with ``args`` as ``sys.argv[1:]``.

    ``collector="as cardkit"``: the cycle collector off from the start and what is left
    frozen before exit, as in `python -m cardkit`; ``"on"``: Python's defaults.
    """
    if collector == "as cardkit":
        code = _COLLECTOR_OFF + code + _FREEZE_AT_EXIT
    return [PYTHON, "-c", code, *map(str, args)]


def cardkit_command(*args: str | Path) -> list[str]:
    """`cardkit ARGS` as a user runs it, in a fresh process."""
    return [PYTHON, "-m", "cardkit", *map(str, args)]


def _nothing() -> None:
    pass


@dataclass
class Command:
    """One way to start a process, the same way every time it is measured."""

    argv: list[str]
    before: Callable[[], None] = _nothing  # before each start, not timed (remove an output)
    env: dict[str, str] = field(default_factory=process_env)
    cwd: Path = REPO
    check: bool = True  # a failed run stops the benchmark, with the command's error
    # The process prints, as its last word, CPU seconds spent preparing its input: subtracted.
    reports_input_seconds: bool = False


@dataclass(frozen=True)
class Sample:
    """One run of a command: seconds of CPU (user + system) and of wall time."""

    cpu: float
    wall: float


def run_once(command: Command) -> Sample:
    """Run ``command`` once in a fresh process and time it."""
    command.before()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        command.argv, capture_output=True, text=True, env=command.env, cwd=command.cwd
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if command.check and done.returncode != 0:
        shown = " ".join(command.argv[:6])
        raise SystemExit(f"failed ({done.returncode}): {shown} ...\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if command.reports_input_seconds:
        cpu -= float(done.stdout.split()[-1])
    return Sample(cpu, wall)


def import_milliseconds(command: Command) -> float:
    """The total of every import's own time in one run of ``command``, which must run under
    ``python -X importtime``."""
    command.before()
    done = subprocess.run(
        command.argv, capture_output=True, text=True, env=command.env, cwd=command.cwd
    )
    selves = re.findall(r"^import time:\s+(\d+) \|", done.stderr, re.MULTILINE)
    return sum(map(int, selves)) / 1000


def interleaved(
    first: Command,
    second: Command,
    runs: int,
    measure: Callable[[Command], T] = run_once,  # type: ignore[assignment]
    warmup: int = 1,
) -> tuple[list[T], list[T]]:
    """``runs`` measures of each command, started alternately (``first`` first), after
    ``warmup`` unmeasured starts of each (which fill the file cache and write bytecode)."""
    for _ in range(warmup):
        measure(first), measure(second)
    ours: list[T] = []
    theirs: list[T] = []
    for _ in range(runs):
        ours.append(measure(first))
        theirs.append(measure(second))
    return ours, theirs


def calls(function: Callable[[], object], runs: int, clock: Literal["cpu", "wall"]) -> list[float]:
    """Seconds taken by each of ``runs`` calls of ``function`` in this process: CPU time of
    this process (``"cpu"``) or wall time (``"wall"``)."""
    now = time.process_time if clock == "cpu" else time.perf_counter
    times = []
    for _ in range(runs):
        start = now()
        function()
        times.append(now() - start)
    return times


@dataclass(frozen=True)
class Spread:
    """The median of several runs, and the least and the greatest."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values))

    def ms(self) -> str:
        """Milliseconds: ``median (least-greatest)``, from seconds."""
        return f"{self.median * 1000:.1f} ms ({self.low * 1000:.1f}-{self.high * 1000:.1f})"

    def text(self) -> str:
        """``median (least-greatest)``, each in the unit that reads best (``duration``): a
        table may hold both a start-up and a build of a whole results store."""
        return f"{duration(self.median)} ({duration(self.low)}-{duration(self.high)})"


def duration(seconds: float) -> str:
    """Seconds as milliseconds, or as seconds from ten seconds on."""
    return f"{seconds:.1f} s" if seconds >= 10 else f"{seconds * 1000:.1f} ms"


def load() -> float:
    """The machine's load average over the last minute, to print before and after a
    measure that takes a while."""
    return os.getloadavg()[0]


def machine() -> str:
    """The machine's load while the benchmark runs, to print beside its figures: a figure
    taken on a busy machine is worth less."""
    one, five, fifteen = os.getloadavg()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {cores} cores"
