"""A batch size has an upper bound, the config schema's, however it is given (--batch-size,
run.batch_size in cardkit.yaml, evalscope's encode_kwargs.batch_size): one line before any
model loads, instead of a model loaded and then mteb failing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cardkit.run.settings import max_batch_size
from tests.conftest import run_cli
from tests.run_helpers import STS, custom, offline_env

TOO_MANY = 10**12
MISSING_MODEL = "no-such-org/no-such-model"  # any load of it would fail on its own


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return offline_env(tmp_path / "hf-home")


def _one_error(result) -> str:
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_the_bound_is_the_schemas():
    schema = json.loads(
        (Path(__file__).parents[2] / "schemas" / "cardkit-config.schema.json").read_text()
    )
    assert max_batch_size() == schema["$defs"]["batchSize"]["maximum"] == 65536


def test_a_batch_size_over_the_bound_on_the_command_line(tmp_path, env):
    result = run_cli(
        "run",
        "--model",
        MISSING_MODEL,
        *custom(STS),
        "-o",
        tmp_path / "out",
        "--batch-size",
        str(TOO_MANY),
        env=env,
    )
    line = _one_error(result)
    assert "--batch-size must be at most 65,536, got 1,000,000,000,000" in line, line
    assert not (tmp_path / "out").exists()


def test_a_batch_size_over_the_bound_in_the_config(tmp_path, env):
    config = tmp_path / "cardkit.yaml"
    config.write_text(yaml.safe_dump({"run": {"model": MISSING_MODEL, "batch_size": TOO_MANY}}))
    result = run_cli("run", *custom(STS), "-o", tmp_path / "out", cwd=tmp_path, env=env)
    line = _one_error(result)
    assert "run.batch_size" in line and "is not a positive integer up to 65536" in line, line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("stage", [0, 1])
def test_an_evalscope_batch_size_over_the_bound(tmp_path, env, stage):
    model = {
        "model_name_or_path": MISSING_MODEL,
        "max_seq_length": 512,
        "encode_kwargs": {"batch_size": 32},
    }
    reranker = {**model, "is_cross_encoder": True}
    models = [model, reranker][: stage + 1]
    models[stage] = {**models[stage], "encode_kwargs": {"batch_size": TOO_MANY}}
    config = {
        "work_dir": "outputs",
        "eval_backend": "RAGEval",
        "eval_config": {"tool": "MTEB", "model": models, "eval": {"tasks": ["EverydaySTS"]}},
    }
    path = tmp_path / "task_cfg.json"
    path.write_text(json.dumps(config, indent=2))
    result = run_cli("run", "--config", path, *custom(STS), cwd=tmp_path, env=env)
    line = _one_error(result)
    assert line.startswith(f"error: {path}: line "), line
    assert (
        f"eval_config.model[{stage}].encode_kwargs.batch_size: expected a batch size of at " in line
    )
    assert "at most 65,536, got 1,000,000,000,000" in line, line
    assert not (tmp_path / "outputs").exists()
