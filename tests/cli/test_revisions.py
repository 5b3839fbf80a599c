"""Several revision folders of one model: merge (as the leaderboard), latest, or one by name.

The rule is mteb's ``BenchmarkResults.join_revisions``; where mteb is installed the choices are
checked against it on the same folders.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cardkit.catalog import load_catalog
from cardkit.io.errors import CardkitError
from cardkit.model import ModelResults, SubsetScores, TaskResult
from cardkit.readers import read_results
from cardkit.readers.revisions import registry_revisions, select_revision
from cardkit.scores.summary import summarize
from tests.conftest import RESULTS, run_cli

pytestmark = pytest.mark.shared

MODEL = "DMetaSoul/Dmeta-embedding-zh-small"
MAIN = "2050d3439a2f68999dd648c1697471acaac37a29"  # the revision mteb's registry names
SOURCE = RESULTS / "DMetaSoul__Dmeta-embedding-zh-small" / "external"

# (revision folder -> mteb_version of its AFQMC.json), and the folder the leaderboard keeps.
CASES = {
    "registry revision over a newer mteb": ({MAIN: "1.0.0", "abc": "2.0.0"}, MAIN),
    "known mteb version over none": (
        {"external": None, "no_revision_available": "1.2.0"},
        "no_revision_available",
    ),
    "real revision over external": ({"abc": "1.29.0", "external": "1.29.0"}, "abc"),
    "newest mteb version": ({"abc": "1.12.0", "def": "1.29.10"}, "def"),
    "a version range is no known version": (
        {"abc": "1.29.10-2.18.7", "external": "1.0.0"},
        "external",
    ),
}


def write_folders(root: Path, versions: dict[str, str | None], task: str = "AFQMC") -> Path:
    """One folder per revision holding a real result file, its main score telling them apart."""
    model_dir = root / MODEL.replace("/", "__")
    for index, (revision, version) in enumerate(versions.items()):
        data = json.loads((SOURCE / f"{task}.json").read_text(encoding="utf-8"))
        data["mteb_version"] = version
        for entries in data["scores"].values():
            for entry in entries:
                entry["main_score"] = entry["cosine_spearman"] = 0.1 * (index + 1)
        folder = model_dir / revision
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{task}.json").write_text(json.dumps(data), encoding="utf-8")
    return model_dir


def test_the_registry_revisions_ship_with_the_catalog():
    assert registry_revisions()[MODEL] == MAIN
    assert len(registry_revisions()) > 900


@pytest.mark.parametrize("versions, kept", CASES.values(), ids=list(CASES))
def test_merge_keeps_the_result_the_leaderboard_keeps(tmp_path: Path, versions, kept):
    [model] = read_results([write_folders(tmp_path, versions)], load_catalog())
    assert model.tasks["AFQMC"].model_revision == kept
    assert model.revision == kept  # every task came from that folder


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


def test_merge_is_task_by_task(tmp_path: Path):
    model_dir = write_folders(tmp_path, {"abc": "1.12.0", "def": "1.29.10"})
    write_folders(tmp_path, {"abc": "1.12.0"}, task="TNews")  # only the older folder has it
    [model] = read_results([model_dir], load_catalog())
    assert model.tasks["AFQMC"].model_revision == "def"
    assert model.tasks["TNews"].model_revision == "abc"
    assert model.revision is None  # several revisions: none speaks for the whole card
    assert model.tasks["AFQMC"].scores[0].main_score == pytest.approx(0.2)


def test_latest_takes_the_whole_folder_the_leaderboard_ranks_first(tmp_path: Path):
    model_dir = write_folders(tmp_path, {"abc": "1.12.0", "def": "1.29.10"})
    write_folders(tmp_path, {"abc": "1.12.0"}, task="TNews")
    [model] = read_results([model_dir], load_catalog(), "latest")
    assert model.revision == "def" and sorted(model.tasks) == ["AFQMC"]


def test_a_named_revision_and_an_unknown_one(tmp_path: Path):
    model_dir = write_folders(tmp_path, {"abc": "1.12.0", "def": "1.29.10"})
    [model] = read_results([model_dir], load_catalog(), "abc")
    assert model.revision == "abc" and model.tasks["AFQMC"].model_revision == "abc"
    with pytest.raises(CardkitError) as info:
        read_results([model_dir], load_catalog(), "v9")
    assert "no revision 'v9' (found: abc, def)" in str(info.value)
    assert str(model_dir) in str(info.value)


def _revision(name: str, version: str | None, task: str = "STS12") -> ModelResults:
    scores = [SubsetScores("test", "default", {"cosine_spearman": 0.5}, main_score=0.5)]
    result = TaskResult(task_name=task, scores=scores, mteb_version=version)
    return ModelResults(model_name="org/model", revision=name, tasks={task: result})


def test_the_policy_is_a_pure_function_of_the_folders():
    folders = [_revision("old", "1.0.0"), _revision("new", "1.2.0")]
    assert select_revision(folders).tasks["STS12"].model_revision == "new"
    assert select_revision(folders, main_revision="old").tasks["STS12"].model_revision == "old"
    assert select_revision(folders, "latest", main_revision="old").revision == "old"
    assert select_revision(folders, "old").revision == "old"
    # The input is left as it was.
    assert folders[1].tasks["STS12"].model_revision is None


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
    command = f"cardkit build {folder} -o {tmp_path / 'B.md'} --no-config --revision latest"
    assert command in (tmp_path / "B.md").read_text()  # the command as it was run


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
