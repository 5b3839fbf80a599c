"""A device or a pipe is written only when the user named it; a full device is one clean line.

A repository can ship ``README.html -> /dev/watchdog``: the outputs cardkit chooses itself
(preview's ``CARD.html``, build's ``./README.md``, a config's ``output:``, the cards of a
store) are regular files or nothing. ``-o /dev/null`` or a FIFO named with ``-o`` still works.
A FIFO stands in for a device that is dangerous to write (nothing reads it: a write would wait
for ever, so the CLI is run with a timeout).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_DATA, run_cli

CONAN = TEST_DATA / "cmteb-results" / "TencentBAC__Conan-embedding-v1"
CARD = "---\nlicense: mit\n---\n# A card\n"


def _one_error(done, *words: str) -> None:
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("error: ") and len(done.stderr.splitlines()) == 1, done.stderr
    assert "internal error" not in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def test_preview_default_output_is_never_a_device_or_a_pipe(tmp_path: Path, fifo: Path):
    card = tmp_path / "README.md"
    card.write_text(CARD, encoding="utf-8")
    page = tmp_path / "README.html"
    for target in ("/dev/full", str(fifo)):
        page.unlink(missing_ok=True)
        page.symlink_to(target)
        done = run_cli("preview", card, timeout=60)
        kind = "a character device" if target == "/dev/full" else "a FIFO"
        _one_error(done, str(page), f"a symbolic link to {kind} ({target})", "-o")
    page.unlink()
    os.mkfifo(page)  # the default output is a FIFO itself
    _one_error(run_cli("preview", card, timeout=60), "is a FIFO")


def test_preview_writes_a_device_the_user_names(tmp_path: Path):
    card = tmp_path / "README.md"
    card.write_text(CARD, encoding="utf-8")
    assert run_cli("preview", card, "-o", "/dev/null").returncode == 0
    _one_error(run_cli("preview", card, "-o", "/dev/full"), "/dev/full", "No space left")


def test_build_default_readme_is_never_a_device_or_a_pipe(tmp_path: Path, fifo: Path):
    readme = tmp_path / "README.md"
    for target in ("/dev/full", str(fifo)):
        readme.unlink(missing_ok=True)
        readme.symlink_to(target)
        done = run_cli("build", CONAN, cwd=tmp_path, timeout=60)
        _one_error(done, "README.md", "a symbolic link to", f"({target})", "named as the output")


def test_build_writes_a_device_the_user_names(tmp_path: Path):
    assert run_cli("build", CONAN, "-o", "/dev/null", cwd=tmp_path).returncode == 0
    _one_error(run_cli("build", CONAN, "-o", "/dev/full", cwd=tmp_path), "No space left")
    assert not (tmp_path / "README.md").exists()


def test_a_config_output_linked_to_a_pipe_says_so(tmp_path: Path, fifo: Path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "card.md").symlink_to(fifo)
    (tmp_path / "cardkit.yaml").write_text(f"results: {CONAN}\noutput: card.md\n", "utf-8")
    done = run_cli("build", cwd=tmp_path, timeout=60)
    _one_error(done, "cardkit.yaml", "'card.md' is a symbolic link to a FIFO")
    assert "Markdown" not in done.stderr


def test_a_store_card_linked_to_a_pipe_is_refused(tmp_path: Path):
    cards = tmp_path / "cards"
    (cards / CONAN.name).mkdir(parents=True)
    os.mkfifo(cards / "pipe")  # inside the cards folder: only what it is refuses it
    (cards / CONAN.name / "README.md").symlink_to("../pipe")
    done = run_cli("build", CONAN.parent, "-o", cards, "--jobs", "1", timeout=120)
    assert done.returncode == 1, done.stderr
    assert "is a symbolic link to a FIFO" in done.stderr and "internal error" not in done.stderr
    assert (cards / CONAN.name / "README.md").is_symlink()


@pytest.mark.parametrize("command", ["compare", "build", "preview"])
def test_standard_output_on_a_full_device_is_one_line(command: str, tmp_path: Path):
    card = tmp_path / "README.md"
    card.write_text(CARD, encoding="utf-8")
    args = {"compare": [CONAN], "build": [CONAN, "-o", "-"], "preview": [card, "-o", "-"]}
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "cardkit", command, *map(str, args[command])],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1
    message = "error: cannot write to standard output: No space left on device"
    assert done.stderr.splitlines() == [message]
