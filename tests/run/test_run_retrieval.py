"""Retrieval with `cardkit run`: FlagEmbedding-format tasks, two-stage reranking, run --build.

One run, driven by a cardkit.yaml as a project would hold it, evaluates the packaged MiniLM on
the FlagEmbedding-format task of tests/data/tasks and reranks its top 3 with a CrossEncoder
built from the same weights (its scoring head is new, so its ranking is arbitrary: the run
checks the plumbing, files and card). A second run reranks with the embedding model itself,
which must reproduce the first stage's scores within the top k.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.conftest import run_cli
from tests.run_helpers import FLAG, NAME, minilm, offline_env, save_cross_encoder, scores

MODEL = minilm()
TASK = "KitchenQuestionsRetrieval"
CUTOFFS = [1, 3, 5, 10, 100]
TOP_K = 3


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    return offline_env(tmp_path_factory.mktemp("hf-home"))


@pytest.fixture(scope="module")
def cross_encoder(tmp_path_factory) -> Path:
    return save_cross_encoder(MODEL, tmp_path_factory.mktemp("rerankers") / "minilm-cross-encoder")


@pytest.fixture(scope="module")
def project(tmp_path_factory, env, cross_encoder):
    """`cardkit run --build` in a project whose cardkit.yaml holds the run: section."""
    root = tmp_path_factory.mktemp("project")
    config = {
        "name": "Kitchen MiniLM",
        "description": "MiniLM, evaluated with and without a reranker.",
        "license": "apache-2.0",
        "results": "results",
        "output": "README.md",
        "run": {
            "model": str(MODEL),
            "model_name": NAME,
            "device": "cpu",
            "custom_tasks": [str(FLAG)],
            "output": "results",
            "reranker": {"model": str(cross_encoder), "batch_size": 16},
            "top_k": TOP_K,
        },
    }
    (root / "cardkit.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    result = run_cli("run", "--build", cwd=root, env=env)
    assert result.returncode == 0, result.stderr
    folder = root / "results" / NAME.replace("/", "__") / "no_revision_available"
    return root, folder, result


def test_flagembedding_task_metrics_match_the_tutorials_formulas(project):
    """Recall@k, MRR@k, nDCG@k as FlagEmbedding's evaluation tutorial computes them: exhaustive
    cosine search over the corpus embeddings, then its own formulas (copied below)."""
    from sentence_transformers import SentenceTransformer
    from sklearn.metrics import ndcg_score

    _, folder, _ = project
    rows = [json.loads(line) for line in (FLAG / "test.jsonl").read_text().splitlines() if line]
    queries = np.array([row["query"] for row in rows])
    ground_truths = [row["pos"] for row in rows]
    # The corpus is every passage of the file, each distinct text once.
    corpus = list(dict.fromkeys(p for row in rows for p in row["pos"] + row["neg"]))
    model = SentenceTransformer(str(MODEL), device="cpu")
    corpus_embeddings = model.encode(corpus, normalize_embeddings=True)
    query_embeddings = model.encode(list(queries), normalize_embeddings=True)
    cut_offs = CUTOFFS
    k = min(max(cut_offs), len(corpus))
    similarity = query_embeddings @ corpus_embeddings.T  # inner product of unit vectors: cosine
    res_ids = np.argsort(-similarity, axis=1)[:, :k]
    res_scores = np.take_along_axis(similarity, res_ids, axis=1)
    res_text = np.asarray(corpus)[res_ids]

    def calc_recall(preds, truths, cutoffs):
        recalls = np.zeros(len(cutoffs))
        for text, truth in zip(preds, truths):
            for i, c in enumerate(cutoffs):
                recall = np.intersect1d(truth, text[:c])
                recalls[i] += len(recall) / max(min(c, len(truth)), 1)
        recalls /= len(preds)
        return recalls

    def MRR(preds, truth, cutoffs):  # noqa: N802 - the tutorial's name
        mrr = [0 for _ in range(len(cutoffs))]
        for pred, t in zip(preds, truth):
            for i, c in enumerate(cutoffs):
                for j, p in enumerate(pred):
                    if j < c and p in t:
                        mrr[i] += 1 / (j + 1)
                        break
        mrr = [k / len(preds) for k in mrr]
        return mrr

    recalls = calc_recall(res_text, ground_truths, cut_offs)
    mrr = MRR(res_text, ground_truths, cut_offs)
    pred_hard_encodings = [
        list(np.isin(pred, label).astype(int)) for pred, label in zip(res_text, ground_truths)
    ]
    ndcg = [ndcg_score(pred_hard_encodings, res_scores, k=c) for c in cut_offs]

    got = scores(folder / f"{TASK}.json")
    assert any(0 < value < 1 for value in recalls), (
        "a task the model solves perfectly proves little"
    )
    for i, c in enumerate(cut_offs):
        # mteb stores results with 6 decimals, and nDCG (from pytrec_eval) with 5 before that.
        assert math.isclose(got[f"r_cap_at_{c}"], recalls[i], abs_tol=1e-6), c
        assert math.isclose(got[f"mrr_at_{c}"], mrr[i], abs_tol=1e-6), c
        assert math.isclose(got[f"ndcg_at_{c}"], round(ndcg[i], 5), abs_tol=1e-6), c
        # mteb's own recall divides by every relevant passage, not by min(k, relevant)
        plain = np.mean(
            [len(np.intersect1d(t, p[:c])) / len(t) for p, t in zip(res_text, ground_truths)]
        )
        assert math.isclose(got[f"recall_at_{c}"], round(plain, 5), abs_tol=1e-6), c
    assert got["main_score"] == got["ndcg_at_10"]
    assert not any(key.endswith("_at_20") or key.endswith("_at_1000") for key in got)


def test_two_stage_files_and_the_card_show_both_pipelines(project, cross_encoder):
    root, folder, result = project
    reranked = f"{TASK}-top{TOP_K}-reranked-by-{cross_encoder.name}"
    stage1, stage2 = folder / f"{TASK}.json", folder / f"{reranked}.json"
    predictions = folder / "predictions" / f"{TASK}_predictions.json"
    assert stage1.is_file() and stage2.is_file() and predictions.is_file()
    assert f"{TASK}: ndcg_at_10 = " in result.stdout
    assert f"{reranked}: ndcg_at_10 = " in result.stdout
    saved = json.loads(predictions.read_text())
    assert saved["mteb_model_meta"] == {"model_name": NAME, "revision": "no_revision_available"}
    second = json.loads(stage2.read_text())
    assert second["task_name"] == reranked
    assert second["cardkit_rerank"] == {
        "task": TASK,
        "top_k": TOP_K,
        "first_stage": {"name": NAME, "revision": "no_revision_available"},
        "reranker": {
            "name": cross_encoder.name,
            "revision": "no_revision_available",
            "type": "cross-encoder",
        },
    }
    entry = second["scores"]["test"][0]
    assert entry["previous_results_model_meta"]["model_name"] == NAME  # mteb's own record
    # Only the top 3 were reranked: nothing below them is found.
    assert entry["recall_at_5"] == entry["recall_at_3"]
    tasks = json.loads((folder / "cardkit-tasks.json").read_text())["tasks"]
    assert tasks[reranked]["type"] == "Reranking"
    assert tasks[reranked]["dataset"] == tasks[TASK]["dataset"] == f"local/{TASK}"
    card = (root / "README.md").read_text()
    front = yaml.safe_load(card.split("---\n")[1])
    names = {e["dataset"]["name"] for e in front["model-index"][0]["results"]}
    assert names == {f"MTEB {TASK}", f"MTEB {reranked}"}
    # The per-task table: each pipeline under its task type, scored by its main score.
    for task_type, name in (("Retrieval", TASK), ("Reranking", reranked)):
        row = rf"\| \*\*{task_type}\*\* \(1\) \|.*\n\| {re.escape(name)} \| test \| \d+\.\d\d \|"
        assert re.search(row, card), name


def test_run_build_reads_cardkit_yaml_like_build_so_check_passes(project):
    root, _, result = project
    assert "wrote README.md: Kitchen MiniLM" in result.stdout
    card = (root / "README.md").read_text()
    assert "MiniLM, evaluated with and without a reranker." in card  # the config's description
    assert "license: apache-2.0" in card
    check = run_cli("check", cwd=root)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "README.md is up to date" in check.stdout


def test_the_embedding_model_as_reranker_reproduces_the_first_stage(project, env):
    """Reranking the top k by the bi-encoder's own similarity changes nothing within the top k;
    stage one, already done, is not recomputed (each stage resumes on its own)."""
    root, folder, _ = project
    stage1 = folder / f"{TASK}.json"
    before = (stage1.stat().st_mtime_ns, stage1.read_bytes())
    args = ["--reranker", MODEL, "--reranker-type", "bi-encoder", "--top-k", str(TOP_K)]
    result = run_cli("run", *args, cwd=root, env=env)
    assert result.returncode == 0, result.stderr
    assert f"{TASK}: skipped, a finished result exists" in result.stdout
    assert (stage1.stat().st_mtime_ns, stage1.read_bytes()) == before
    reranked = folder / f"{TASK}-top{TOP_K}-reranked-by-{MODEL.name}.json"
    first, second = scores(stage1), scores(reranked)
    for metric in ("ndcg", "map", "recall", "precision", "mrr", "hit_rate", "r_cap"):
        for k in (1, 3):
            assert second[f"{metric}_at_{k}"] == first[f"{metric}_at_{k}"], (metric, k)
    assert first["ndcg_at_1"] < 1.0  # the first stage is not perfect: equality is not luck
    assert second["recall_at_5"] == second["recall_at_3"] < first["recall_at_5"]
    again = run_cli("run", *args, cwd=root, env=env)
    assert again.returncode == 0, again.stderr
    assert "0 evaluated, 2 skipped" in again.stdout
