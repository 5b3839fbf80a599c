"""A command ends its process without the interpreter's teardown, and still as Python ends
one: what was registered to run at exit runs, the output is whole, the status is the
command's; with another thread still running, Python's own exit waits for it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "results" / "BAAI__bge-base-zh"

# The entry point, with an exit function (and optionally a thread) registered first, as a
# library or a plugin might have done before the command ran.
_PROGRAM = """
import atexit, sys, threading, time
from cardkit.cli.main import run
marker = sys.argv.pop(1)
atexit.register(lambda: open(marker, "a").write("exit function ran\\n"))
if sys.argv.pop(1) == "thread":
    threading.Thread(target=lambda: (time.sleep(0.3), open(marker, "a").write("thread\\n"))).start()
run()
"""


def _run(tmp_path: Path, thread: str, *args: str) -> tuple[subprocess.CompletedProcess, str]:
    marker = tmp_path / "marker.txt"
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM, str(marker), thread, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    return done, marker.read_text() if marker.exists() else ""


def test_exit_functions_run_and_the_output_is_whole(tmp_path: Path):
    done, marker = _run(tmp_path, "-", "build", str(EXAMPLE), "-o", "-", "--no-config")
    assert done.returncode == 0, done.stderr
    assert marker == "exit function ran\n"
    assert done.stdout.startswith("---\n") and done.stdout.endswith("\n")
    # Every byte of the card, as the command writes it in a process that ends as Python ends.
    reference = subprocess.run(
        [sys.executable, "-c", "import sys; from cardkit.cli.main import main; sys.exit(main())"]
        + ["build", str(EXAMPLE), "-o", "-", "--no-config"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert reference.returncode == 0, reference.stderr
    assert done.stdout == reference.stdout


def test_a_failed_command_keeps_its_status(tmp_path: Path):
    done, marker = _run(tmp_path, "-", "validate", str(tmp_path / "missing.md"))
    assert done.returncode == 2
    assert "missing.md" in done.stdout + done.stderr
    assert marker == "exit function ran\n"


def test_a_thread_still_running_is_waited_for(tmp_path: Path):
    done, marker = _run(tmp_path, "thread", "build", str(EXAMPLE), "-o", "card.md", "--no-config")
    assert done.returncode == 0, done.stderr
    assert marker == "thread\nexit function ran\n"  # Python's order: threads, then atexit
