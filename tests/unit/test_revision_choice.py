"""Several revision folders of one model: merge (as the leaderboard), latest, or one by name.

The rule is mteb's ``BenchmarkResults.join_revisions`` (checked against mteb itself on the same
folders, and through the command: tests/cli/test_revisions.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cardkit.catalog import load_catalog
from cardkit.io.errors import CardkitError
from cardkit.model import ModelResults, SubsetScores, TaskResult
from cardkit.readers import read_results
from cardkit.readers.revisions import registry_revisions, select_revision
from tests.conftest import RESULTS

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
