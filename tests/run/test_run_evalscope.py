"""`cardkit run --config` with evalscope's MTEB task configurations, as its guide writes them.

The three configs below are those of ../shared/seeds/evalscope-mteb-guide.zh.md (one-stage,
two-stage, API model), written as JSON or YAML files instead of Python dicts, with the models
replaced by local folders, the tasks by the local tasks of tests/data/tasks and the API by the
local stand-in server.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cardkit.io.errors import CardkitError
from cardkit.run.evalscope_config import map_evalscope, read_evalscope
from tests.conftest import run_cli
from tests.run_helpers import (
    CLASSIFICATION,
    FLAG,
    RETRIEVAL,
    STS,
    custom,
    minilm,
    offline_env,
    save_cross_encoder,
    scores,
)

MODEL = minilm()


def one_stage(model: str) -> dict:
    return {
        "work_dir": "outputs",
        "eval_backend": "RAGEval",
        "eval_config": {
            "tool": "MTEB",
            "model": [
                {
                    "model_name_or_path": model,
                    "pooling_mode": None,
                    "max_seq_length": 512,
                    "prompt": "",
                    "model_kwargs": {"torch_dtype": "auto"},
                    "encode_kwargs": {"batch_size": 128},
                }
            ],
            "eval": {
                "tasks": ["NewsTopicClassification", "AnimalFactsRetrieval", "EverydaySTS"],
                "verbosity": 2,
                "overwrite_results": True,
                "top_k": 10,
                "limits": 500,
            },
        },
    }


def two_stage(model: str, reranker: str) -> dict:
    return {
        "work_dir": "outputs",
        "eval_backend": "RAGEval",
        "eval_config": {
            "tool": "MTEB",
            "model": [
                {
                    "model_name_or_path": model,
                    "is_cross_encoder": False,
                    "max_seq_length": 512,
                    "model_kwargs": {"torch_dtype": "auto"},
                    "encode_kwargs": {"batch_size": 64},
                },
                {
                    "model_name_or_path": reranker,
                    "is_cross_encoder": True,
                    "max_seq_length": 512,
                    "prompt": "为这个问题生成一个检索用的表示",
                    "model_kwargs": {"torch_dtype": "auto"},
                    "encode_kwargs": {"batch_size": 32},
                },
            ],
            "eval": {
                "tasks": ["KitchenQuestionsRetrieval"],
                "verbosity": 2,
                "overwrite_results": True,
                "top_k": 5,
                "limits": 100,
            },
        },
    }


def api_model(api_base: str) -> dict:
    return {
        "eval_backend": "RAGEval",
        "eval_config": {
            "tool": "MTEB",
            "model": [
                {
                    "model_name": "text-embedding-v3",
                    "api_base": api_base,
                    "api_key": "${DASHSCOPE_API_KEY}",
                    "dimensions": 1024,
                    "encode_kwargs": {"batch_size": 10},
                }
            ],
            "eval": {
                "tasks": ["AnimalFactsRetrieval"],
                "verbosity": 2,
                "overwrite_results": True,
                "limits": 30,
            },
        },
    }


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    return offline_env(tmp_path_factory.mktemp("hf-home"))


def _write(path: Path, config: dict) -> Path:
    if path.suffix == ".json":
        path.write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def test_the_guides_configs_map_onto_cardkits_settings(tmp_path):
    """What each key of the guide's configs becomes, with evalscope's meaning and defaults."""
    path = _write(tmp_path / "one.json", one_stage("m3e"))
    one = read_evalscope(path)
    assert one is not None and one.overwrite is True
    assert one.section == {
        "model": "m3e",
        "max_seq_length": 512,
        "batch_size": 128,
        "prompts": {},  # an empty prompt is no prompt
        "model_kwargs": {"model_kwargs": {"torch_dtype": "auto"}},
        "tasks": ["NewsTopicClassification", "AnimalFactsRetrieval", "EverydaySTS"],
        "limit": 500,
        "output": "outputs",
    }
    two = read_evalscope(_write(tmp_path / "two.yaml", two_stage("m3e", "minicpm")))
    assert two is not None
    assert two.section["reranker"] == {
        "model": "minicpm",
        "type": "cross-encoder",
        "batch_size": 32,
        "max_seq_length": 512,
        "prompt": "为这个问题生成一个检索用的表示",
        "model_kwargs": {"model_kwargs": {"torch_dtype": "auto"}},
    }
    assert (two.section["top_k"], two.section["batch_size"], two.section["limit"]) == (5, 64, 100)
    api = read_evalscope(_write(tmp_path / "api.yaml", api_model("http://127.0.0.1:9/v1")))
    assert api is not None and api.api_key is None
    assert api.section == {
        "api_base": "http://127.0.0.1:9/v1",
        "api_model": "text-embedding-v3",
        "batch_size": 10,
        "prompts": {},
        "dimensions": 1024,
        "api_key_env": "DASHSCOPE_API_KEY",
        "tasks": ["AnimalFactsRetrieval"],
        "limit": 30,
        "output": "outputs",
    }
    # evalscope's prompt goes before queries only, for every task; prompts only when it is unset
    config = one_stage("m3e")
    config["eval_config"]["model"][0].update(prompt="q: ", prompts={"EverydaySTS": "x"})
    mapped = map_evalscope(config, tmp_path / "c.yaml", None)
    assert mapped.section["prompts"] == {
        task: {"query": "q: "} for task in config["eval_config"]["eval"]["tasks"]
    }
    del config["eval_config"]["model"][0]["prompt"]
    config["eval_config"]["eval"]["overwrite_results"] = False
    mapped = map_evalscope(config, tmp_path / "c.yaml", None)
    assert mapped.section["prompts"] == {"EverydaySTS": {"query": "x"}}
    assert mapped.overwrite is False
    # A cardkit.yaml is not mistaken for one
    (tmp_path / "cardkit.yaml").write_text("run:\n  model: m\n")
    assert read_evalscope(tmp_path / "cardkit.yaml") is None


def test_one_stage_config_runs(tmp_path, env):
    config = _write(tmp_path / "one_stage_task_cfg.json", one_stage(str(MODEL)))
    result = run_cli(
        "run", "--config", config, *custom(CLASSIFICATION, RETRIEVAL, STS), cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "outputs" / "model" / "no_revision_available"
    for task in ("NewsTopicClassification", "AnimalFactsRetrieval", "EverydaySTS"):
        data = json.loads((folder / f"{task}.json").read_text())
        assert data["cardkit_limit"] == 500  # limits
        assert 0 < data["scores"]["test"][0]["main_score"] <= 1


def test_two_stage_config_runs(tmp_path, env):
    reranker = save_cross_encoder(MODEL, tmp_path / "reranker")
    config = _write(tmp_path / "two_stage_task_cfg.yaml", two_stage(str(MODEL), str(reranker)))
    result = run_cli("run", "--config", config, *custom(FLAG), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "outputs" / "model" / "no_revision_available"
    stage1 = folder / "KitchenQuestionsRetrieval.json"
    stage2 = folder / "KitchenQuestionsRetrieval-top5-reranked-by-reranker.json"
    assert scores(stage1)["main_score"] > 0
    data = json.loads(stage2.read_text())
    assert data["cardkit_limit"] == 100
    assert data["cardkit_rerank"]["top_k"] == 5
    assert data["cardkit_rerank"]["reranker"]["type"] == "cross-encoder"


def test_api_model_config_runs(tmp_path, env):
    from tests.openai_server import EmbeddingsServer

    key = "sk-dashscope-local-0042"
    with EmbeddingsServer(key=key) as server:
        config = _write(tmp_path / "api_task_cfg.yaml", api_model(server.url))
        args = ["run", "--config", config, *custom(RETRIEVAL)]
        result = run_cli(*args, cwd=tmp_path, env={**env, "DASHSCOPE_API_KEY": key})
        assert result.returncode == 0, result.stderr
        assert server.stats["largest_batch"] == 10  # encode_kwargs.batch_size
        assert server.dimensions_asked == {1024}
        # overwrite_results: true recomputes what is there
        again = run_cli(*args, cwd=tmp_path, env={**env, "DASHSCOPE_API_KEY": key})
        assert again.returncode == 0, again.stderr
        assert "1 evaluated, 0 skipped" in again.stdout
    assert key not in result.stdout + result.stderr + again.stdout + again.stderr
    path = tmp_path / "outputs" / "text-embedding-v3" / "no_revision_available"
    data = json.loads((path / "AnimalFactsRetrieval.json").read_text())
    assert data["cardkit_limit"] == 30
    assert data["scores"]["test"][0]["ndcg_at_10"] > 0.5


def _edit(config: dict, case: str) -> tuple[dict, str]:
    model = config["eval_config"]["model"][0]
    evaluation = config["eval_config"]["eval"]
    if case == "model-hub":
        model["hub"] = "modelscope"
        return config, (
            "line {line} column 10, eval_config.model[0].hub: hub: modelscope is not supported: "
            "cardkit does not download models from ModelScope"
        )
    if case == "eval-hub":
        evaluation["hub"] = "modelscope"
        return config, "eval_config.eval.hub: hub: modelscope is not supported"
    if case == "encode-kwarg":
        model["encode_kwargs"]["normalize_embeddings"] = True
        return config, (
            "eval_config.model[0].encode_kwargs.normalize_embeddings: key "
            "'normalize_embeddings' is not supported: cardkit cannot honour it"
        )
    if case == "dataset-path":
        evaluation["dataset_path"] = "custom_eval/text/retrieval"
        return config, "key 'dataset_path' is not supported: give local tasks with --custom-task"
    if case == "three-models":
        config["eval_config"]["model"] *= 3
        return config, "eval_config.model: expected a list of one model (one stage) or two"
    if case == "backend":
        config["eval_backend"] = "OpenCompass"
        return config, "only evalscope's RAGEval backend (tool MTEB) is supported"
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case", ["model-hub", "eval-hub", "encode-kwarg", "dataset-path", "three-models", "backend"]
)
def test_a_key_cardkit_cannot_honour_is_one_line_naming_it(case, tmp_path, env):
    config, expected = _edit(one_stage(str(MODEL)), case)
    path = _write(tmp_path / "task_cfg.yaml", config)
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next((n for n, text in enumerate(lines, 1) if "hub: modelscope" in text), 0)
    expected = expected.replace("{line}", str(line))
    result = run_cli("run", "--config", path, *custom(STS), cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(path) in errors[0], result.stderr
    assert expected in errors[0]
    assert not (tmp_path / "outputs").exists()


def test_a_typo_in_an_api_model_says_the_right_key(tmp_path):
    config = api_model("http://127.0.0.1:9/v1")
    model = config["eval_config"]["model"][0]
    model["dimension"] = model.pop("dimensions")
    with pytest.raises(CardkitError, match="key 'dimension' is not supported: evalscope's key is"):
        map_evalscope(config, tmp_path / "x.json", None)
