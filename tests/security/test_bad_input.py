"""Bad input: one clear line naming the file, exit 1, no traceback, output untouched."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import RESULTS, run_cli

pytestmark = pytest.mark.shared

DMETA_EXTERNAL = RESULTS / "DMetaSoul__Dmeta-embedding-zh-small" / "external"
OLD_CARD = "---\nlicense: mit\n---\n# my model\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "org__model" / "rev1"
    target.mkdir(parents=True)
    for name in ("AFQMC.json", "TNews.json", "model_meta.json"):
        shutil.copy(DMETA_EXTERNAL / name, target / name)
    return target


def build_fails(args: list, tmp_path: Path, *needles: str) -> str:
    card = tmp_path / "README.md"
    if not card.exists():
        card.write_text(OLD_CARD)
    before = card.read_bytes()
    done = run_cli("build", *args, "-o", card)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    assert card.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".README")) == []
    return errors[0]


def edit_afqmc(folder: Path, change) -> Path:
    path = folder / "AFQMC.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    return path


def test_invalid_json(folder: Path, tmp_path: Path):
    path = folder / "AFQMC.json"
    path.write_text('{"task_name": "AFQMC",\n "scores": {,}}')
    build_fails([folder], tmp_path, str(path), "invalid JSON", "line 2")


def test_json_that_is_not_a_result(tmp_path: Path):
    path = tmp_path / "config.json"
    path.write_text('{"hidden_size": 768}')
    build_fails([path], tmp_path, str(path), "not an mteb result file")


@pytest.mark.parametrize("value", ["NaN", "Infinity", '"0.59"'])
def test_bad_main_score(folder: Path, tmp_path: Path, value: str):
    path = folder / "AFQMC.json"
    text = path.read_text()
    data = json.loads(text)
    main = data["scores"]["validation"][0]["main_score"]
    path.write_text(text.replace(f'"main_score": {main}', f'"main_score": {value}'))
    build_fails([folder], tmp_path, str(path), "scores.validation[0].main_score")


def test_nan_in_another_metric_is_a_warning(folder: Path, tmp_path: Path):
    path = edit_afqmc(
        folder,
        lambda d: d["scores"]["validation"][0].update(
            euclidean_pearson=float("nan"), manhattan_pearson=float("nan")
        ),
    )
    card = tmp_path / "README.md"
    done = run_cli("build", folder, "-o", card)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: {path}: left out metrics holding NaN, infinity or null: "
        "euclidean_pearson, manhattan_pearson"
    ]
    assert "euclidean_pearson" not in card.read_text()


def test_empty_scores(folder: Path, tmp_path: Path):
    path = edit_afqmc(folder, lambda d: d.update(scores={}))
    build_fails([folder], tmp_path, str(path), "empty")


def test_unknown_task_says_how_to_declare_it(folder: Path, tmp_path: Path):
    path = edit_afqmc(folder, lambda d: d.update(task_name="MyPrivateTask"))
    build_fails(
        [folder], tmp_path, str(path), "unknown task 'MyPrivateTask'", "cardkit.yaml", "tasks:"
    )


@pytest.mark.parametrize(
    ("source", "suggested"),
    [
        ("AFQMC.json", "type: STS, dataset: ORG/DATASET, main_score: cos_sim_spearman"),
        ("TNews.json", "type: Classification, dataset: ORG/DATASET, main_score: accuracy"),
    ],
)
def test_unknown_task_suggests_the_type_its_metrics_point_to(
    folder: Path, tmp_path: Path, source: str, suggested: str
):
    path = folder / source
    data = json.loads(path.read_text())
    data["task_name"] = "OurOwnTask"
    path.write_text(json.dumps(data))
    build_fails([folder], tmp_path, "unknown task 'OurOwnTask'", suggested)


def test_empty_folder(tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    build_fails([empty], tmp_path, str(empty), "no mteb result files")


def test_missing_path(tmp_path: Path):
    build_fails([tmp_path / "nope"], tmp_path, "nope", "no such file")


def test_readme_whose_front_matter_does_not_parse(folder: Path, tmp_path: Path):
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: [mit\ntags: x\n---\nbody\n")
    build_fails([folder], tmp_path, str(card), "not valid YAML", "line")


def test_an_unknown_revision_lists_the_revisions_there(folder: Path, tmp_path: Path):
    shutil.copytree(folder, folder.parent / "rev2")
    build_fails([folder.parent, "--revision", "rev3"], tmp_path, "'rev3'", "rev1, rev2")


def test_two_files_with_different_scores_are_both_named(folder: Path, tmp_path: Path):
    other = folder / "AFQMC-copy.json"
    data = json.loads((folder / "AFQMC.json").read_text())
    data["scores"]["validation"][0]["cos_sim_pearson"] = 0.1
    other.write_text(json.dumps(data))
    build_fails([folder], tmp_path, str(folder / "AFQMC.json"), str(other), "different scores")


def test_output_is_not_touched_when_one_of_many_inputs_fails(folder: Path, tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    build_fails([folder, bad], tmp_path, str(bad))
