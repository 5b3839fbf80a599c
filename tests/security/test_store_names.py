"""A store build never lets two model folders become one card: folders whose names map to
one card folder are both refused with one line naming them, and no folder takes the place of
the store's report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cardkit.build.manifest import MANIFEST_NAME
from tests.conftest import RESULTS, run_cli

pytestmark = pytest.mark.shared

MODEL = RESULTS / "BAAI__bge-base-zh"


def _store(root: Path, *names: str) -> Path:
    for name in names:
        shutil.copytree(MODEL, root / name)
    return root


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _refusals(stderr: str) -> dict[str, str]:
    """The refused folder (as the line shows it) -> its line."""
    return {
        line.split(": ", 1)[0].removeprefix("refused "): line
        for line in stderr.splitlines()
        if line.startswith("refused ")
    }


def test_folders_mapping_to_one_card_are_both_refused(tmp_path):
    store = _store(tmp_path / "results", "a:b", "a_b", "nl\nx", "nl_x", "BAAI__bge-base-zh")
    cards = tmp_path / "cards"
    result = run_cli("build", store, "-o", cards, "--jobs", "2")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("refused ")]
    assert len(lines) == 4, result.stderr
    for one, other, card in (("a:b", "a_b", "a_b"), ("nl\\nx", "nl_x", "nl_x")):
        named = [line for line in lines if f"'{one}' and '{other}'" in line]
        assert len(named) == 2, lines
        assert all(f"would both be written as {card}: rename one of them" in x for x in named)
    assert _files(cards) == [MANIFEST_NAME, "BAAI__bge-base-zh/README.md", "report.json"]
    report = json.loads((cards / "report.json").read_text())
    assert report["counts"]["refused"] == 4 and report["counts"]["written"] == 1
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("5 model folders: 1 card built (1 written, 0 unchanged)"), summary


def test_folders_differing_only_in_case_are_both_refused(tmp_path):
    """One folder on macOS and Windows, whichever file system this test runs on."""
    store = _store(tmp_path / "results", "Org__Model", "org__model", "BAAI__bge-base-zh")
    cards = tmp_path / "cards"
    result = run_cli("build", store, "-o", cards, "--jobs", "1")
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("refused ")]
    assert len(lines) == 2, result.stderr
    assert all(
        "model folders 'Org__Model' and 'org__model' would both be written as Org__Model and "
        "org__model, one file where case is not told apart" in line
        for line in lines
    ), lines
    assert _files(cards) == [MANIFEST_NAME, "BAAI__bge-base-zh/README.md", "report.json"]


def test_a_folder_named_like_the_report_cannot_take_its_place(tmp_path):
    store = _store(tmp_path / "results", "report.json", "BAAI__bge-base-zh")
    cards = tmp_path / "cards"
    result = run_cli("build", store, "-o", cards, "--jobs", "1")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    [line] = [x for x in result.stderr.splitlines() if x.startswith("refused ")]
    assert "model folder 'report.json' would take the place of the store's report.json" in line
    assert _files(cards) == [MANIFEST_NAME, "BAAI__bge-base-zh/README.md", "report.json"]
    report = json.loads((cards / "report.json").read_text())
    assert report["counts"]["refused"] == 1
    assert result.stdout.strip().splitlines()[-1].startswith("2 model folders: 1 card built")
