"""Several revision folders of one model: the choices checked against mteb's own
``BenchmarkResults.join_revisions`` on the same folders (where mteb is installed), and what the
card and the command say of them. (The choices themselves: tests/unit/test_revision_choice.py.)
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from cardkit.catalog import load_catalog
from cardkit.readers import read_results
from cardkit.scores.summary import summarize
from tests.conftest import RESULTS, run_cli
from tests.unit.test_revision_choice import CASES, MAIN, write_folders

pytestmark = pytest.mark.shared


@pytest.mark.parametrize("versions, kept", CASES.values(), ids=list(CASES))
def test_mteb_join_revisions_keeps_the_same(tmp_path: Path, versions, kept):
    pytest.importorskip("mteb")
    from mteb.cache import ResultCache

    write_folders(tmp_path / "results", versions)
    loaded = ResultCache(cache_path=tmp_path).load_results(
        require_model_meta=False, include_remote=False
    )
    [joined] = loaded.join_revisions().model_results
    assert joined.model_revision == kept


def test_the_card_records_the_revision_of_each_task(tmp_path: Path):
    out = tmp_path / "README.md"
    done = run_cli("build", RESULTS / "DMetaSoul__Dmeta-embedding-zh-small", "-o", out)
    assert done.returncode == 0, done.stderr
    assert "2 revision folders, merged task by task" in done.stderr
    text = out.read_text(encoding="utf-8")
    reproduce = text[text.index("## Reproduce") :]
    assert f"`external` (32 tasks), `{MAIN}` (12 tasks)" in reproduce
    # Each revision with its tasks; a dataset revision the files do not record, the catalog's.
    [line] = [x for x in reproduce.splitlines() if x.startswith(f"`{MAIN}`: ")]
    assert len(line.split(", ")) == 12 and "AmazonReviewsClassification" in line
    assert "`external`: the other 32 tasks." in reproduce  # the most used revision
    afqmc = load_catalog().get("AFQMC")
    assert f"| AFQMC | {afqmc.dataset} | {afqmc.revision} |" in reproduce


def test_config_and_command_line_take_the_same_values(tmp_path: Path):
    folder = RESULTS / "DMetaSoul__Dmeta-embedding-zh-small"
    (tmp_path / "cardkit.yaml").write_text(f"results: {folder}\nrevision: latest\n")
    done = run_cli("build", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "12 tasks" in done.stdout  # the registry's revision folder, alone
    text = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert f"for model revision `{MAIN}`" in text
    done = run_cli("build", "--revision", "external", cwd=tmp_path)  # the command line wins
    # The external folder's 32 entries join the card's 19 (the line counts the whole card).
    assert done.returncode == 0 and "(32 added, 19 kept from the card)" in done.stdout
    done = run_cli("build", folder, "-o", tmp_path / "B.md", "--revision", "latest", "--no-config")
    # The command as it was run, its paths as the card's folder reaches them.
    relative = os.path.relpath(folder.resolve(), tmp_path.resolve())
    command = f"cardkit build {relative} -o B.md --no-config --revision latest"
    assert command in (tmp_path / "B.md").read_text()


def test_two_files_of_one_task_in_a_folder_speak_as_the_one_the_leaderboard_keeps(
    tmp_path: Path,
):
    """A folder holding an mteb 1.0 file (only `map`, no main score) and a later copy of the
    same scores under the task's new name: mteb keeps the old file (its version is known) and
    so drops the task; cardkit reads the same file and says it scored the task by `map`."""
    legacy = RESULTS / "BAAI__bge-base-zh" / "no_revision_available" / "CMedQAv1.json"
    folder = tmp_path / "results" / "org__model" / "external"
    folder.mkdir(parents=True)
    shutil.copy(legacy, folder / "CMedQAv1.json")
    old = json.loads(legacy.read_text(encoding="utf-8"))["test"]
    entry = {
        "hf_subset": "default",
        "languages": ["cmn-Hans"],
        "map": old["map"],
        "mrr": old["mrr"],
    }
    entry["main_score"] = old["map"]
    modern = {
        "dataset_revision": "None",
        "task_name": "CMedQAv1-reranking",
        "mteb_version": None,
        "evaluation_time": None,
        "scores": {"test": [entry]},
    }
    (folder / "CMedQAv1-reranking.json").write_text(json.dumps(modern), encoding="utf-8")

    catalog = load_catalog()
    [model] = read_results([folder.parent], catalog)
    [task] = model.tasks.values()
    assert task.mteb_version == "1.0.2" and task.scores[0].main_score is None
    summary = summarize(model, catalog, "MTEB(cmn, v1)")
    [scored] = [t for t in summary.scores if t.task == "CMedQAv1-reranking"]
    assert scored.legacy_metric and scored.value == pytest.approx(100 * old["map"])
    assert summary.conventions[0].startswith("CMedQAv1-reranking: scored by `map`")

    pytest.importorskip("mteb")
    from mteb.cache import ResultCache

    loaded = ResultCache(cache_path=tmp_path).load_results(
        require_model_meta=False, include_remote=False
    )
    [joined] = loaded.join_revisions().model_results
    [kept] = joined.task_results
    assert kept.mteb_version == "1.0.2"
    assert kept.scores["test"][0]["main_score"] is None
