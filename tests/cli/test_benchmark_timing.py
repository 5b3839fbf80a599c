"""benchmarks/_timing.py starts the processes it measures the way it says: a Python
reference with the cycle collector as `python -m cardkit` has it, a command and its reference
alternately, a failed run stopping the benchmark, and the input a process reports taken out."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
try:
    from _timing import Command, Spread, duration, interleaved, python_code, run_once
finally:
    sys.path.remove(str(REPO / "benchmarks"))

SHOW_COLLECTOR = "import gc, sys; sys.stdout.write(str(gc.isenabled()))"


def _printed(argv: list[str]) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


def test_a_reference_runs_with_the_collector_as_cardkit_has_it():
    assert _printed(python_code(SHOW_COLLECTOR)) == "False"
    assert _printed(python_code(SHOW_COLLECTOR, collector="on")) == "True"
    # What `python -m cardkit` does: the collector off from the first import (__main__.py).
    main = (REPO / "cardkit" / "__main__.py").read_text(encoding="utf-8")
    assert main.index("gc.disable()") < main.index("from cardkit")


def test_a_command_and_its_reference_run_alternately():
    order: list[str] = []
    first = Command(python_code("pass"), before=lambda: order.append("first"))
    second = Command(python_code("pass"), before=lambda: order.append("second"))
    ours, theirs = interleaved(first, second, runs=2, warmup=1)
    assert len(ours) == len(theirs) == 2
    assert order == ["first", "second"] * 3
    assert all(sample.cpu >= 0 and sample.wall > 0 for sample in ours + theirs)


def test_a_failed_run_stops_the_benchmark_with_its_error():
    failing = Command(python_code("import sys; sys.exit('no such folder')"))
    with pytest.raises(SystemExit, match="no such folder"):
        run_once(failing)
    failing.check = False
    run_once(failing)


def test_the_input_a_process_reports_is_taken_out_of_its_time():
    # The process says it spent a thousand CPU seconds on its input: far more than it used.
    command = Command(python_code("print(1000.0)"), reports_input_seconds=True)
    assert run_once(command).cpu < -999


def test_a_spread_is_the_median_and_the_extremes():
    spread = Spread.of([0.3, 0.1, 0.2, 0.5])
    assert (spread.median, spread.low, spread.high) == (0.25, 0.1, 0.5)
    assert spread.ms() == "250.0 ms (100.0-500.0)"


def test_a_spread_reads_in_milliseconds_below_ten_seconds_and_in_seconds_from_there():
    # A table holding both a start-up and a build of a whole results store.
    assert Spread.of([0.0404, 0.035, 0.05]).text() == "40.4 ms (35.0 ms-50.0 ms)"
    assert Spread.of([9.5, 12.0, 200.0]).text() == "12.0 s (9500.0 ms-200.0 s)"
    assert duration(10.0) == "10.0 s"
