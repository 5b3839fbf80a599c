"""The Hub's `.eval_results/*.yaml` files: written by `cardkit build --eval-results`, parsed by
huggingface_hub and checked against mteb's own writer, read back by cardkit's readers."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import pytest
import yaml

from cardkit.catalog import load_catalog
from cardkit.readers import read_results
from cardkit.readers.mteb_json import read_result_file
from cardkit.writers.eval_results import eval_results_documents, file_name
from tests.conftest import REPO, RESULTS, revision_folders, run_cli

pytestmark = pytest.mark.shared

QWEN = RESULTS / "Qwen__Qwen3-Embedding-0.6B" / "b22da495047858cce924d27d76261e96be6febc0"
# Single- and multi-subset tasks, with and without an evaluation date in the file.
TASKS = ["AFQMC", "ATEC", "Assin2STS", "AmazonReviewsClassification", "MassiveIntentClassification"]
SCHEMA = REPO / "schemas" / "eval-results.schema.json"
# Every key of the Hub's format (hub-docs' eval_results.yaml, huggingface_hub's EvalResultEntry).
HUB_KEYS = {"dataset", "value", "verifyToken", "date", "source", "notes"}
HUB_DATASET_KEYS = {"id", "task_id", "revision"}


def json_main_scores(path: Path) -> dict[tuple[str, str], float]:
    """(split, subset) -> main score, straight from an mteb result file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        (split, entry["hf_subset"]): entry["main_score"]
        for split, entries in data["scores"].items()
        for entry in entries
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A model folder built from real mteb 1.38 result files: README.md + .eval_results/."""
    root = tmp_path_factory.mktemp("eval-results")
    results = root / "results" / QWEN.parent.name / QWEN.name
    results.mkdir(parents=True)
    for name in TASKS:
        shutil.copy(QWEN / f"{name}.json", results)
    shutil.copy(QWEN / "model_meta.json", results)
    out = root / "model"
    result = run_cli("build", results, "-o", out / "README.md", "--eval-results", "--no-config")
    assert result.returncode == 0, result.stderr
    assert f"wrote {out / '.eval_results'}: {len(TASKS)} files" in result.stdout
    return out


def test_one_file_per_task_named_after_it(built):
    names = sorted(p.name for p in (built / ".eval_results").iterdir())
    assert names == sorted(f"{t}.yaml" for t in TASKS)


def test_files_parse_with_huggingface_hubs_own_parser(built):
    from huggingface_hub import parse_eval_result_entries

    for task in TASKS:
        data = yaml.safe_load((built / ".eval_results" / f"{task}.yaml").read_text())
        entries = parse_eval_result_entries(data)
        expected = json_main_scores(QWEN / f"{task}.json")
        per_subset = {
            (e.task_id.rsplit("_", 1)[1], e.task_id[len(task) + 1 :].rsplit("_", 1)[0]): e
            for e in entries
            if e.task_id != task
        }
        assert set(per_subset) == set(expected)
        for key, entry in per_subset.items():
            assert entry.value == pytest.approx(expected[key] * 100, rel=1e-12)
            assert entry.source_url == "https://github.com/embeddings-benchmark/mteb/"
            assert (
                entry.dataset_revision
                == json.loads((QWEN / f"{task}.json").read_text())["dataset_revision"]
            )


def _mteb_entries(path: Path) -> tuple[list[tuple[str, str, float]], str | None] | None:
    """(task_id, dataset id, value) of what mteb's own writer makes of a result file, and the
    file's dataset revision; None where mteb cannot read the file.

    mteb also writes a NaN value for a split it could not score (cardkit leaves such entries
    out, as it leaves them out of the card), and no whole-task entry when the file holds more
    splits than the task evaluates (cardkit writes it, as the mean over the evaluation splits:
    mteb's own ``get_score`` over those splits gives the expected value).
    """
    import math

    from mteb import get_task
    from mteb.results.task_result import TaskResult

    try:
        result = TaskResult.from_disk(path)
        written = result._to_hf_benchmark_result().to_yaml()
        meta = get_task(result.task_name).metadata
    except Exception:  # noqa: BLE001 - a file mteb itself cannot read
        return None
    entries = [
        (e["dataset"]["task_id"], e["dataset"]["id"], e["value"])
        for e in yaml.safe_load(written)
        if not (isinstance(e["value"], float) and math.isnan(e["value"]))
    ]

    def scored(split: str) -> set[str]:
        return {
            s["hf_subset"]
            for s in result.scores.get(split, [])
            if not (isinstance(s.get("main_score"), float) and math.isnan(s["main_score"]))
        }

    complete = all(set(meta.hf_subsets) <= scored(split) for split in meta.eval_splits)
    if complete and meta.name not in {task_id for task_id, _, _ in entries}:
        value = round(result.get_score(splits=meta.eval_splits) * 100, 5)
        entries.append((meta.name, meta.dataset["path"], value))
    return entries, result.dataset_revision


@pytest.mark.parametrize("folder", revision_folders(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_entries_equal_what_mteb_itself_writes(folder: Path):
    """For every file mteb can read: the same task ids (mteb's current task and subset names),
    dataset ids and values as mteb's `push_eval_results` files, no key outside the Hub's format,
    and the evaluated revision (mteb writes its registry's current one) or none."""
    catalog = load_catalog()
    [model] = read_results([folder], catalog)
    documents = eval_results_documents(model, catalog)
    compared = 0
    for path in sorted(folder.glob("*.json")):
        reference = None if path.name == "model_meta.json" else _mteb_entries(path)
        if reference is None:
            continue
        expected, revision = reference
        ours = documents.get(file_name(catalog.canonical_name(read_result_file(path).task_name)))
        # mteb writes a sentence as the dataset id of an aggregate task; cardkit the combined
        # dataset its catalog names.
        aggregate = any(" " in dataset_id for _, dataset_id, _ in expected)
        got = [
            (e["dataset"]["task_id"], None if aggregate else e["dataset"]["id"], e["value"])
            for e in ours or []
        ]
        want = [(t, None if aggregate else d, v) for t, d, v in expected]
        assert sorted(got) == sorted(want), path.name
        for entry in ours or []:
            assert set(entry) <= HUB_KEYS, path.name
            assert set(entry["dataset"]) <= HUB_DATASET_KEYS, path.name
            assert entry["dataset"].get("revision") == (
                revision if re.fullmatch(r"[0-9a-f]{40}", str(revision)) else None
            ), path.name
        compared += 1
    assert compared > 0


def test_a_date_in_the_result_file_is_written_as_an_iso_string(built):
    data = json.loads((QWEN / "Assin2STS.json").read_text())
    assert isinstance(data["date"], float)
    text = (built / ".eval_results" / "Assin2STS.yaml").read_text()
    entries = yaml.safe_load(text)
    assert all(isinstance(e["date"], str) and len(e["date"]) == 10 for e in entries)
    assert "date: '20" in text  # quoted: the Hub wants a string, not a YAML date


def test_files_validate_against_the_schema(built):
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    paths = sorted((built / ".eval_results").iterdir())
    assert len(paths) == len(TASKS)
    for path in paths:
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
        assert errors == [], (path, [e.message for e in errors])


def test_the_folder_reads_back_to_the_main_scores(built):
    [model] = read_results([built / ".eval_results"], load_catalog())
    assert sorted(model.tasks) == sorted(TASKS)
    for task in TASKS:
        expected = json_main_scores(QWEN / f"{task}.json")
        got = {(s.split, s.subset): s.main_score for s in model.tasks[task].scores}
        assert got.keys() == expected.keys()
        for key, value in expected.items():
            assert math.isclose(got[key], value, rel_tol=1e-12)


def test_a_single_file_reads_back(built):
    [model] = read_results([built / ".eval_results" / "AFQMC.yaml"], load_catalog())
    assert list(model.tasks) == ["AFQMC"]
    [scores] = model.tasks["AFQMC"].scores
    assert (scores.split, scores.subset) == ("validation", "default")
    assert math.isclose(
        scores.main_score,
        json_main_scores(QWEN / "AFQMC.json")[("validation", "default")],
        rel_tol=1e-12,
    )


def test_a_card_and_its_eval_results_round_trip_through_the_readers(built, tmp_path):
    """The card keeps every metric; tasks only in `.eval_results` are added from there."""
    folder = tmp_path / "model"
    shutil.copytree(built, folder)
    only_two = tmp_path / "two" / QWEN.parent.name / QWEN.name
    only_two.mkdir(parents=True)
    for name in ("AFQMC", "ATEC"):
        shutil.copy(QWEN / f"{name}.json", only_two)
    # --prune: the card keeps only these two tasks; the three others are in .eval_results only
    result = run_cli("build", only_two, "-o", folder / "README.md", "--no-config", "--prune")
    assert result.returncode == 0, result.stderr

    [model] = read_results([folder / "README.md"], load_catalog())
    assert sorted(model.tasks) == sorted(TASKS)
    afqmc = model.tasks["AFQMC"].scores[0]
    assert len(afqmc.metrics) > 1  # from the card's model-index: every metric
    assert math.isclose(
        afqmc.metrics["cosine_spearman"],
        json_main_scores(QWEN / "AFQMC.json")[("validation", "default")],
        rel_tol=1e-12,
    )
    [assin] = [s for s in model.tasks["Assin2STS"].scores]
    assert math.isclose(
        assin.main_score,
        json_main_scores(QWEN / "Assin2STS.json")[("test", "default")],
        rel_tol=1e-12,
    )


def test_a_card_built_from_eval_results_carries_the_main_scores(built, tmp_path):
    out = tmp_path / "README.md"
    result = run_cli(
        "build",
        built / ".eval_results",
        "-o",
        out,
        "--metrics",
        "main",
        "--model-name",
        "Qwen3-Embedding-0.6B",
        "--no-config",
    )
    assert result.returncode == 0, result.stderr
    front = yaml.safe_load(out.read_text(encoding="utf-8").split("---\n")[1])
    values = {
        (r["dataset"]["name"], r["dataset"]["split"], r["dataset"]["config"]): r["metrics"][0][
            "value"
        ]
        for r in front["model-index"][0]["results"]
    }
    expected = {}
    for task in TASKS:
        for (split, subset), score in json_main_scores(QWEN / f"{task}.json").items():
            name = f"MTEB {task}" if subset == "default" else f"MTEB {task} ({subset})"
            expected[(name, split, subset)] = score * 100
    assert values.keys() == expected.keys()
    for key, value in expected.items():
        assert value == pytest.approx(values[key], rel=1e-12)


def test_malformed_eval_results_give_one_line_with_file_and_line(tmp_path):
    folder = tmp_path / ".eval_results"
    folder.mkdir()
    (folder / "AFQMC.yaml").write_text("- dataset:\n    id: C-MTEB/AFQMC\n  value: [1,\n")
    result = run_cli("build", folder, "-o", tmp_path / "README.md", "--no-config")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert str(folder / "AFQMC.yaml") in line and "line 4" in line
    assert not (tmp_path / "README.md").exists()


def test_a_value_that_is_not_a_number_is_refused(tmp_path):
    folder = tmp_path / ".eval_results"
    folder.mkdir()
    (folder / "AFQMC.yaml").write_text(
        "- dataset:\n    id: C-MTEB/AFQMC\n    task_id: AFQMC_default_validation\n  value: .nan\n"
    )
    result = run_cli("build", folder, "-o", tmp_path / "README.md", "--no-config")
    assert result.returncode == 1
    assert "AFQMC.yaml: line 4 column 10: NaN is not a valid value" in result.stderr


def test_validate_refuses_keys_outside_the_hubs_format_and_a_revision_that_is_no_hash(tmp_path):
    """What cardkit wrote before: dataset.config, dataset.split, and the string None that the
    results store's `external` files hold as a revision."""
    folder = tmp_path / ".eval_results"
    folder.mkdir()
    (folder / "AFQMC.yaml").write_text(
        "- dataset:\n"
        "    id: C-MTEB/AFQMC\n"
        "    task_id: AFQMC_default_validation\n"
        "    config: default\n"
        "    split: validation\n"
        "    revision: None\n"
        "  value: 43.2271\n"
    )
    result = run_cli("validate", folder / "AFQMC.yaml")
    assert result.returncode == 1
    findings = result.stdout.splitlines()[:-1]
    assert [line.split(": ", 2)[1] for line in findings] == [
        "[0].dataset.config",
        "[0].dataset.split",
        "[0].dataset.revision",
    ]
    assert findings[0].startswith(f"{folder / 'AFQMC.yaml'}:4:5:")
    assert "'None' is not a commit hash" in findings[2]
    assert result.stdout.splitlines()[-1] == "1 file checked: 3 errors, 0 warnings"
