"""What a reranker checkpoint is, read from its files before anything loads: an embedding model
given as ``--reranker`` is scored as a bi-encoder over the candidates (and reranking its own
top k reproduces stage one), a cross-encoder only with its classification head, and any
checkpoint that would score with a newly initialised head is refused in one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cardkit.io.errors import CardkitError
from cardkit.run.rerank import RerankerSettings, checkpoint_kind
from tests.conftest import run_cli
from tests.run_helpers import FLAG, custom, minilm, offline_env, save_cross_encoder, scores

MODEL = minilm()
TASK = "KitchenQuestionsRetrieval"
TOP_K = 3


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return offline_env(tmp_path / "hf-home")


def _bare_transformer(folder: Path, architecture: str) -> Path:
    """The MiniLM weights without sentence-transformers' files: what a plain transformers
    checkpoint looks like, its config naming ``architecture``."""
    folder.mkdir()
    for name in ("model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt"):
        shutil.copy(MODEL / name, folder / name)
    config = json.loads((MODEL / "config.json").read_text())
    config["architectures"] = [architecture]
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_a_sentence_transformers_embedding_model_is_a_bi_encoder():
    assert checkpoint_kind(RerankerSettings(model=str(MODEL))) == "bi-encoder"
    explicit = RerankerSettings(model=str(MODEL), type="bi-encoder")
    assert checkpoint_kind(explicit) == "bi-encoder"


def test_an_embedding_model_given_as_a_cross_encoder_is_refused():
    with pytest.raises(CardkitError, match="as a cross-encoder it would be scored by a newly"):
        checkpoint_kind(RerankerSettings(model=str(MODEL), type="cross-encoder"))


def test_a_cross_encoder_with_its_head_is_a_cross_encoder(tmp_path):
    folder = save_cross_encoder(MODEL, tmp_path / "cross-encoder")
    assert checkpoint_kind(RerankerSettings(model=str(folder))) == "cross-encoder"
    with pytest.raises(CardkitError, match="is a cross-encoder, not an embedding model"):
        checkpoint_kind(RerankerSettings(model=str(folder), type="bi-encoder"))


def test_a_classifier_without_its_head_weights_is_refused(tmp_path):
    folder = _bare_transformer(tmp_path / "headless", "BertForSequenceClassification")
    with pytest.raises(CardkitError) as caught:
        checkpoint_kind(RerankerSettings(model=str(folder)))
    assert "its classification head (classifier.weight, classifier.bias) is not in its weights" in (
        str(caught.value)
    )


def test_a_bare_transformer_is_refused(tmp_path):
    folder = _bare_transformer(tmp_path / "bare", "BertModel")
    with pytest.raises(CardkitError, match="neither a sentence-transformers model .* BertModel"):
        checkpoint_kind(RerankerSettings(model=str(folder), type="cross-encoder"))


def test_a_run_with_a_headless_reranker_is_one_line_and_writes_nothing(tmp_path, env):
    folder = _bare_transformer(tmp_path / "headless", "BertForSequenceClassification")
    out = tmp_path / "out"
    args = ["--model", MODEL, "--reranker", folder, "--top-k", str(TOP_K), "-o", out]
    result = run_cli("run", *args, *custom(FLAG), env=env)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {folder}: "), result.stderr
    assert "would be newly initialised (random scores)" in errors[0]
    assert not out.exists()


def test_the_embedding_model_as_reranker_is_scored_as_a_bi_encoder(tmp_path, env):
    """`--reranker M` with the embedding model itself, no type given: reranking its own top k
    by its own similarity changes nothing within the top k."""
    out = tmp_path / "out"
    args = ["--model", MODEL, "--reranker", MODEL, "--top-k", str(TOP_K), "-o", out]
    result = run_cli("run", *args, *custom(FLAG), env=env)
    assert result.returncode == 0, result.stderr
    assert "LOAD REPORT" not in result.stderr and "Loading weights" not in result.stderr
    folder = out / MODEL.name / "no_revision_available"
    stage1 = folder / f"{TASK}.json"
    reranked = folder / f"{TASK}-top{TOP_K}-reranked-by-{MODEL.name}.json"
    first, second = scores(stage1), scores(reranked)
    for metric in ("ndcg", "map", "recall", "precision", "mrr"):
        for k in (1, 3):
            assert second[f"{metric}_at_{k}"] == first[f"{metric}_at_{k}"], (metric, k)
    assert first["ndcg_at_1"] < 1.0  # the first stage is not perfect: equality is not luck
    record = json.loads(reranked.read_text())["cardkit_rerank"]["reranker"]
    assert record["type"] == "bi-encoder"


def test_a_reranker_that_is_no_checkpoint_is_one_line(tmp_path, env):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CardkitError, match="no config.json, modules.json or config_sentence"):
        checkpoint_kind(RerankerSettings(model=str(empty)))
    out = tmp_path / "out"
    args = ["--model", MODEL, "--reranker", "no-such-org/no-such-reranker", "-o", out]
    result = run_cli("run", *args, *custom(FLAG), env=env)  # offline, nothing cached
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: no-such-org/no-such-reranker: cannot rerank with this: no config.json, "
        "modules.json or config_sentence_transformers.json on the Hub or in its cache"
    ], result.stderr
    assert not out.exists()
