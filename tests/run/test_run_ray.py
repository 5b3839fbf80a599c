"""`cardkit run --executor ray`: two models x four local tasks on one local Ray instance.

The Ray instance is started once for the module (2 CPUs, a small object store) by this test
process and shut down by it; every `cardkit run` connects to it by address as a user's would to
a cluster. The second model is all-MiniLM-L6-v2 with CLS pooling instead of mean pooling: other
weights would be better, but no other model is installed, and a different pooling gives really
different embeddings, so a result filed under the wrong model would show.
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.run_helpers import CLASSIFICATION, PAIRS, RETRIEVAL, STS, custom, minilm, offline_env

# Looked for, not imported: importing Ray at collection costs every test process its time.
if importlib.util.find_spec("ray") is None:
    pytest.skip("Ray is not installed (pip install 'cardkit[ray]')", allow_module_level=True)
MODEL = minilm()
TASK_FOLDERS = (RETRIEVAL, STS, CLASSIFICATION, PAIRS)
TASK_NAMES = (
    "AnimalFactsRetrieval",
    "EverydaySTS",
    "NewsTopicClassification",
    "EverydayParaphrasePairs",
)
MODELS = {"team/minilm-mean": "mean", "team/minilm-cls": "cls"}


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    return offline_env(tmp_path_factory.mktemp("hf-home"))


@pytest.fixture(scope="module")
def cls_model(tmp_path_factory) -> Path:
    """The packaged model's files with CLS pooling (the weights linked, not copied)."""
    folder = tmp_path_factory.mktemp("minilm-cls")
    for item in MODEL.iterdir():
        if item.name == "model.safetensors":
            (folder / item.name).symlink_to(item)
        elif item.is_dir():
            shutil.copytree(item, folder / item.name)
        else:
            shutil.copy(item, folder / item.name)
    pooling = folder / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    config.update(pooling_mode_cls_token=True, pooling_mode_mean_tokens=False)
    pooling.write_text(json.dumps(config))
    return folder


@pytest.fixture(scope="module")
def ray_address(env):
    """One local Ray instance for the module; its workers inherit the offline environment."""
    import ray

    temp = tempfile.mkdtemp(prefix="ckray", dir="/tmp")  # short: Ray's socket paths are limited
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        try:
            ray.init(
                num_cpus=2,
                object_store_memory=100 * 1024 * 1024,
                include_dashboard=False,
                log_to_driver=False,
                _temp_dir=temp,
            )
            yield ray.get_runtime_context().gcs_address
        finally:
            ray.shutdown()
            shutil.rmtree(temp, ignore_errors=True)


def _run(results: Path, cls_model: Path, env: dict[str, str], *extra: str):
    return run_cli(
        "run",
        "--model",
        MODEL,
        "--model-name",
        "team/minilm-mean",
        "--model",
        cls_model,
        "--model-name",
        "team/minilm-cls",
        "--device",
        "cpu",
        *custom(*TASK_FOLDERS),
        "-o",
        results,
        *extra,
        env=env,
    )


def _folder(results: Path, name: str) -> Path:
    return results / name.replace("/", "__") / "no_revision_available"


def _result_files(results: Path) -> dict[str, dict]:
    return {
        str(p.relative_to(results)): json.loads(p.read_text())
        for p in sorted(results.rglob("*.json"))
    }


def _recorded_tasks(record: dict) -> set[str]:
    assert all(run["command"].startswith("cardkit run ") for run in record["runs"])
    return {task for run in record["runs"] for task in run["tasks"]}


def _same_scores(a: object, b: object, where: str) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _same_scores(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), where
        for index, (x, y) in enumerate(zip(a, b)):
            _same_scores(x, y, f"{where}[{index}]")
    elif isinstance(a, float) or isinstance(b, float):
        both_nan = math.isnan(a) and math.isnan(b)  # type: ignore[arg-type]
        assert both_nan or abs(a - b) <= 1e-6, f"{where}: {a} != {b}"  # type: ignore[operator]
    else:
        assert a == b, where


def test_ray_run_equals_local_run_and_a_dead_worker_loses_only_its_task(
    tmp_path, env, cls_model, ray_address
):
    local = tmp_path / "local"
    result = _run(local, cls_model, env, "--build", "--card", f"{tmp_path / 'cards'}/")
    assert result.returncode == 0, result.stderr
    for name in MODELS:  # one card per model
        card = (tmp_path / "cards" / name.replace("/", "__") / "README.md").read_text()
        assert f"- name: {name}\n" in card
    by_ray = tmp_path / "ray"
    hooked = {**env, "CARDKIT_TEST_WORKER_EXIT": "EverydaySTS"}
    first = _run(by_ray, cls_model, hooked, "--executor", "ray", "--ray-address", ray_address)
    # The worker holding EverydaySTS died (once per model): everything else is written.
    assert first.returncode == 1
    assert "Traceback" not in first.stderr
    assert "2 (model, task) pair(s) lost with their Ray worker" in first.stderr
    assert "run the same command again" in first.stderr
    for name in MODELS:
        folder = _folder(by_ray, name)
        assert not (folder / "EverydaySTS.json").exists()
        for task in TASK_NAMES:
            if task != "EverydaySTS":
                assert (folder / f"{task}.json").is_file(), (name, task)
    assert not list(by_ray.rglob(".*.tmp"))
    again = _run(by_ray, cls_model, env, "--executor", "ray", "--ray-address", ray_address)
    assert again.returncode == 0, again.stderr
    for name in MODELS:
        assert f"{name} (no_revision_available): 1 evaluated, 3 skipped" in again.stdout
        assert f"AnimalFactsRetrieval ({name}): skipped" in again.stdout
        assert f"EverydaySTS ({name}): cosine_spearman = " in again.stdout
    local_files, ray_files = _result_files(local), _result_files(by_ray)
    assert sorted(local_files) == sorted(ray_files)
    # + model_meta.json, cardkit-tasks.json, cardkit-run.json
    assert len(local_files) == 2 * (len(TASK_NAMES) + 3)
    for path, data in local_files.items():
        other = ray_files[path]
        if path.endswith("cardkit-run.json"):  # each run records its own command line
            assert _recorded_tasks(data) == _recorded_tasks(other) == set(TASK_NAMES), path
        elif "scores" in data:
            assert data["task_name"] == other["task_name"]
            assert data["dataset_revision"] == other["dataset_revision"]
            _same_scores(data["scores"], other["scores"], path)
        else:
            assert data == other, path
    # The two models really are two models: filed apart, and scored differently.
    mean = json.loads((_folder(local, "team/minilm-mean") / "EverydaySTS.json").read_text())
    cls = json.loads((_folder(local, "team/minilm-cls") / "EverydaySTS.json").read_text())
    assert mean["scores"]["test"][0]["main_score"] != cls["scores"]["test"][0]["main_score"]
    for name in MODELS:
        meta = json.loads((_folder(by_ray, name) / "model_meta.json").read_text())
        assert meta["name"] == name
