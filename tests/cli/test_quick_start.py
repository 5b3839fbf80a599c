"""The README's quick start, run as a new user runs it: the same lines printed, the same card."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli


def _quick_start() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return text.split("## Quick start", 1)[1].split("\n## ", 1)[0]


def _block(section: str, language: str) -> str:
    [block] = re.findall(rf"```{language}\n(.*?)```", section, flags=re.S)[:1]
    return block


def test_the_quick_start_prints_what_the_readme_says(tmp_path: Path):
    pytest.importorskip("matplotlib")  # the `[plot]` extra the quick start installs
    section = _quick_start()
    commands = [line for line in _block(section, "bash").splitlines() if line]
    assert commands[0] == 'pip install ".[plot]"'
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    printed = []
    for line in commands[1:]:
        words = shlex.split(line)
        assert words[0] == "cardkit"
        done = run_cli(*words[1:], cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        printed.append(done.stdout)
    assert "".join(printed) == _block(section, "console")
    card = (tmp_path / "my-card" / "README.md").read_text(encoding="utf-8")
    assert _block(section, "markdown") in card
    assert (tmp_path / "my-card" / "README.html").is_file()
