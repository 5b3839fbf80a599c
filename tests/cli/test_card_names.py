"""Names on the card: a warning with the fix when the model's name is only a folder's, one
spelling of each task everywhere in the body, and captions written for readers."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from cardkit.cardtext.frontmatter import split_card
from tests.conftest import REPO, RESULTS, run_cli

BGE_ZH = REPO / "examples" / "results" / "BAAI__bge-base-zh"
FILES = BGE_ZH / "no_revision_available"


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning: ")]


def test_a_flat_folder_gets_a_warning_with_the_fix(tmp_path: Path):
    flat = tmp_path / "flat"
    flat.mkdir()
    for name in ("AFQMC.json", "ATEC.json"):
        shutil.copy(FILES / name, flat / name)
    done = run_cli("build", flat, "-o", tmp_path / "README.md")
    assert done.returncode == 0, done.stderr
    assert _warnings(done.stderr) == [
        "warning: the results do not name the model, so the card calls it 'flat', after its "
        "folder: give --model-name ORG/NAME (or name: in a cardkit.yaml) for its Hub id"
    ]
    named = run_cli("build", flat, "-o", tmp_path / "named.md", "--model-name", "org/model")
    assert named.returncode == 0 and _warnings(named.stderr) == []
    assert "# org/model\n" in (tmp_path / "named.md").read_text(encoding="utf-8")


def test_a_lone_file_gets_the_warning_too(tmp_path: Path):
    shutil.copy(FILES / "AFQMC.json", tmp_path / "AFQMC.json")
    done = run_cli("build", "AFQMC.json", "-o", "README.md", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    [warning] = _warnings(done.stderr)
    assert "calls it 'model':" in warning and "--model-name ORG/NAME" in warning


@pytest.mark.shared
def test_results_that_name_their_model_get_no_warning(tmp_path: Path):
    done = run_cli("build", RESULTS / "BAAI__bge-base-zh", "-o", tmp_path / "README.md")
    assert done.returncode == 0 and _warnings(done.stderr) == []


def test_each_task_has_one_spelling_and_captions_are_for_readers(tmp_path: Path):
    card = tmp_path / "README.md"
    done = run_cli("build", BGE_ZH, "-o", card)
    assert done.returncode == 0, done.stderr
    body = split_card(card.read_text(encoding="utf-8")).body
    # The files call two tasks by their old names (CMedQAv1.json, CMedQAv2.json).
    assert (FILES / "CMedQAv1.json").is_file()
    assert not re.search(r"CMedQAv[12](?!-reranking)", body)
    assert body.count("CMedQAv1-reranking") >= 2  # the per-task table and the commands
    assert "in newer files" not in body and "main_score." not in body
    assert "STS cosine Spearman" in body and "cos_sim_spearman" not in body
