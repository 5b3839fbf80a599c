"""cardkit's log: `logging` is imported on the first message only, and what the command line
prints, what `-q` hides and what a configured "cardkit" logger receives stay as they were."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, run_cli

FILES = REPO / "examples" / "results" / "BAAI__bge-base-zh" / "no_revision_available"


def _flat_folder_with_a_stray_file(tmp_path: Path) -> Path:
    """Results that give a note (a file that is not a result) and a warning (no model name)."""
    flat = tmp_path / "flat"
    flat.mkdir()
    for name in ("AFQMC.json", "ATEC.json"):
        shutil.copy(FILES / name, flat / name)
    (flat / "notes.json").write_text('{"q1": {"d1": 0.5}}', encoding="utf-8")
    return flat


def test_a_build_prints_notes_and_warnings_and_quiet_keeps_only_the_warnings(tmp_path: Path):
    flat = _flat_folder_with_a_stray_file(tmp_path)
    loud = run_cli("build", flat, "-o", tmp_path / "loud.md")
    quiet = run_cli("build", flat, "-o", tmp_path / "quiet.md", "-q")
    assert loud.returncode == quiet.returncode == 0, loud.stderr + quiet.stderr
    notes = [line for line in loud.stderr.splitlines() if line.startswith("note: ")]
    warnings = [line for line in loud.stderr.splitlines() if line.startswith("warning: ")]
    assert notes == [
        f"note: skipped {flat / 'notes.json'}: not an mteb result file (no 'task_name' and "
        "'scores', nor legacy 'mteb_dataset_name')"
    ]
    assert len(warnings) == 1 and "give --model-name ORG/NAME" in warnings[0]
    assert quiet.stderr.splitlines() == warnings


def _run(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO
    )


def test_a_logger_configured_after_the_cli_set_up_printing_gets_the_records():
    """As a batch capturing each model's messages does: the printing waits until the logger is
    left as it was, and then prints as the command line always did."""
    done = _run(
        "import sys\n"
        "from cardkit.io.log import log, print_log\n"
        "print_log(quiet=False)\n"
        "assert 'logging' not in sys.modules\n"
        "import logging\n"
        "logger = logging.getLogger('cardkit')\n"
        "got = []\n"
        "handler = logging.Handler()\n"
        "handler.emit = lambda record: got.append((record.getMessage(), record.funcName))\n"
        "logger.handlers[:] = [handler]\n"
        "logger.setLevel(logging.INFO)\n"
        "logger.propagate = False\n"
        "def caller():\n"
        "    log.info('note: %s', 'captured')\n"
        "caller()\n"
        "logger.handlers[:], logger.propagate = [], True\n"
        "logger.setLevel(logging.NOTSET)\n"
        "log.info('note: printed')\n"
        "log.warning('%s', 'printed too')\n"
        "print(got)\n"
    )
    assert done.stdout == "[('note: captured', 'caller')]\n"
    assert done.stderr == "note: printed\nwarning: printed too\n"


def test_quiet_printing_set_up_lazily_leaves_notes_out():
    done = _run(
        "from cardkit.io.log import log, print_log\n"
        "print_log(quiet=True)\n"
        "log.info('note: hidden')\n"
        "log.warning('shown')\n"
    )
    assert done.stderr == "warning: shown\n"


def test_with_logging_imported_the_cli_replaces_the_loggers_handlers_at_once():
    done = _run(
        "import logging, sys\n"
        "logger = logging.getLogger('cardkit')\n"
        "logger.addHandler(logging.StreamHandler(sys.stdout))\n"
        "from cardkit.io.log import log, print_log\n"
        "print_log(quiet=False)\n"
        "log.info('note: once')\n"
    )
    assert (done.stdout, done.stderr) == ("", "note: once\n")
