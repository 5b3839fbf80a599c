"""The library face: with only the names ``import cardkit`` gives, a results folder becomes its
model-index, its C-MTEB summary, a card, an updated real card and their findings, each
exactly what the command line writes for the same inputs; and ``import cardkit`` itself loads
none of it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import cardkit
from tests.conftest import CARDS, REPO, RESULTS, TESTS, run_cli

pytestmark = pytest.mark.shared

CMTEB_FOLDER = RESULTS / "BAAI__bge-base-zh" / "no_revision_available"
BGE_EN_FOLDER = RESULTS / "BAAI__bge-small-en-v1.5" / "external"
BGE_EN_CARD = CARDS / "bge-small-en-v1.5.README.md"


def _cli_card(tmp_path, folder, card=None):
    """The README.md `cardkit build FOLDER --no-config` writes (over a copy of ``card``)."""
    work = tmp_path / "cli"
    work.mkdir()
    if card is not None:
        shutil.copyfile(card, work / "README.md")
    result = run_cli("build", folder, "-o", "README.md", "--no-config", cwd=work)
    assert result.returncode == 0, result.stderr
    return (work / "README.md").read_text(encoding="utf-8")


def test_import_cardkit_loads_nothing_more():
    code = (
        "import sys, cardkit; "
        "print(sorted(m for m in sys.modules if m.startswith('cardkit.') or m == 'yaml'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_is_there_and_listed():
    assert cardkit.__all__[0] == "__version__"
    assert sorted(dir(cardkit)) == sorted(cardkit.__all__)
    for name in cardkit.__all__:
        assert getattr(cardkit, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        cardkit.nothing  # noqa: B018


def test_a_folder_to_a_validated_card_as_the_cli_makes_it(tmp_path):
    [model] = cardkit.read_results(CMTEB_FOLDER)
    assert isinstance(model, cardkit.ModelResults)
    cli_text = _cli_card(tmp_path, CMTEB_FOLDER)
    cli_front = yaml.safe_load(cli_text.split("---\n")[1])

    entries = cardkit.model_index(model)
    assert all(isinstance(e, cardkit.ModelIndexEntry) for e in entries)
    assert [e.to_dict() for e in entries] == cli_front["model-index"][0]["results"]

    summary = cardkit.summarize(model, "C-MTEB")
    compared = run_cli("compare", CMTEB_FOLDER, "--benchmark", "C-MTEB", "--format", "json")
    assert compared.returncode == 0, compared.stderr
    [row] = json.loads(compared.stdout)[0]["rows"]
    assert summary.present == row["complete_tasks"] == 35
    assert summary.mean_task == row["means"]["Mean (Task)"]
    assert summary.mean_task_type == row["means"]["Mean (TaskType)"]
    assert {t.type: t.mean for t in summary.by_type.values()} == row["types"]

    # The card records its build as run in its own folder, links resolved.
    folder = os.path.relpath(CMTEB_FOLDER.resolve(), (tmp_path / "cli").resolve())
    text = cardkit.build_card(CMTEB_FOLDER, build_command=f"cardkit build {folder} --no-config")
    assert text == cli_text
    assert cardkit.validate_card(text) == []


def test_a_real_card_updated_as_the_cli_updates_it(tmp_path):
    old = BGE_EN_CARD.read_text(encoding="utf-8")
    cli_text = _cli_card(tmp_path, BGE_EN_FOLDER, BGE_EN_CARD)
    [model] = cardkit.read_results([BGE_EN_FOLDER])
    updated = cardkit.update_card(old, model)
    assert updated == cli_text
    assert updated != old

    findings = cardkit.validate_card(updated)
    cli = run_cli("validate", tmp_path / "cli" / "README.md", "--format", "json")
    assert cli.returncode == 0, cli.stderr
    assert [f.message for f in findings] == [
        f["message"] for f in json.loads(cli.stdout)["findings"]
    ]


def test_compare_and_diff_as_the_cli_computes_them():
    zh, en = cardkit.read_results([CMTEB_FOLDER]), cardkit.read_results([BGE_EN_FOLDER])
    [table] = cardkit.compare([zh[0], CMTEB_FOLDER], benchmarks=["C-MTEB"], names=["a", "b"])
    assert [row.facts.name for row in table.rows] == ["a", "b"]
    assert table.rows[0].summary.mean_task == table.rows[1].summary.mean_task
    changes = cardkit.diff(en[0], BGE_EN_FOLDER)
    assert changes.tasks_added == changes.tasks_removed == []
    assert all(change.delta in (None, 0) for change in changes.scores)


def test_bad_input_is_a_cardkit_error(tmp_path):
    with pytest.raises(cardkit.CardkitError, match="no mteb result files found"):
        cardkit.build_card(tmp_path)
    with pytest.raises(cardkit.CardkitError):
        cardkit.summarize(CMTEB_FOLDER, "MTEB(xx)")


def test_findings_are_those_the_cli_prints(tmp_path):
    card = TESTS / "hostile" / "crlf-metric-typo.md"
    text = card.read_bytes().decode("utf-8")
    findings = cardkit.validate_card(text, path=str(card))
    cli = run_cli("validate", card, "--format", "json")
    assert cli.returncode == 1
    expected = json.loads(cli.stdout)["findings"]
    assert len(expected) == 2
    assert [(str(f.file), f.line, f.col, f.path, f.message) for f in findings] == [
        (f["file"], f["line"], f["col"], f["path"], f["message"]) for f in expected
    ]
    assert all(isinstance(f, cardkit.Finding) for f in findings)


def test_a_card_made_from_python_says_how_to_rebuild_it():
    [model] = cardkit.read_results(CMTEB_FOLDER)
    text = cardkit.build_card(model)  # a card named README.md in the current folder
    folder = os.path.relpath(CMTEB_FOLDER.resolve(), Path.cwd().resolve())
    assert f"cardkit build {folder}\n" in text
    assert str(CMTEB_FOLDER.resolve()) not in text


def test_the_package_docstring_example_runs(monkeypatch):
    import doctest

    examples = doctest.DocTestFinder().find(cardkit, "cardkit")
    assert sum(len(test.examples) for test in examples) == 5
    monkeypatch.chdir(REPO)  # the example reads the repository's examples/ folder
    runner = doctest.DocTestRunner()
    for test in examples:
        runner.run(test)
    assert runner.tries == 5 and runner.failures == 0
