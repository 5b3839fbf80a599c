"""Spec section 4: every summary number equals the MTEB leaderboard's own computation.

mteb's leaderboard path (``ResultCache.load_results`` -> ``validate_and_filter_scores`` ->
``join_revisions`` -> the benchmark's summary table) and cardkit's (``read_results(...,
"merge")`` -> ``summarize``) run on the same real result folders; every model is compared on
every benchmark in which it has results for at least half the tasks. The comparison itself
lives in ``scripts/leaderboard_parity.py``, which also runs on a whole copy of the results
store.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import REPO, RESULTS

# Looked for, not imported: the script imports mteb when the first test needs it, as at
# collection it would cost every test process 4-7 s.
if importlib.util.find_spec("mteb") is None:
    pytest.skip("mteb is not installed (pip install 'cardkit[run]')", allow_module_level=True)
pytestmark = pytest.mark.shared

# Reranking tasks of mteb 1.0/1.1 files that hold only `map` (no main score).
LEGACY_MAP = {
    ("BAAI/bge-base-zh", "MTEB(cmn, v1)"): {
        "CMedQAv1-reranking",
        "CMedQAv2-reranking",
        "MMarcoReranking",
        "T2Reranking",
    },
    ("sentence-transformers/sentence-t5-base", "MTEB(eng, v1)"): {
        "AskUbuntuDupQuestions",
        "MindSmallReranking",
        "SciDocsRR",
        "StackOverflowDupQuestions",
    },
    ("sentence-transformers/sentence-t5-base", "MTEB(eng, v2)"): {
        "AskUbuntuDupQuestions",
        "MindSmallReranking",
    },
    ("sentence-transformers/sentence-t5-base", "MTEB(fra, v1)"): {
        "AlloprofReranking",
        "SyntecReranking",
    },
}
MODELS_WITH_SEVERAL_REVISIONS = {
    "DMetaSoul/Dmeta-embedding-zh-small",
    "sensenova/piccolo-base-zh",
    "sentence-transformers/sentence-t5-base",
}


def _parity_module():
    path = REPO / "scripts" / "leaderboard_parity.py"
    spec = importlib.util.spec_from_file_location("leaderboard_parity", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def parity():
    return _parity_module()


@pytest.fixture(scope="module")
def pairs(parity):
    """Loading the results with mteb takes seconds: once for the whole module."""
    return {(p.model, p.benchmark): p for p in parity.compare(Path(RESULTS))}


def test_every_pair_equals_the_leaderboard_or_differs_by_a_named_convention(pairs):
    mismatches = [f"{m} on {b}: {p.differences}" for (m, b), p in pairs.items() if p.differences]
    assert not mismatches, "\n".join(mismatches)
    assert all(p.compared for p in pairs.values())  # every model here is on the leaderboard


def test_the_comparison_covers_every_model_and_the_main_benchmarks(pairs):
    models = {p.model for p in pairs.values()}
    folders = {path.name.replace("__", "/") for path in RESULTS.iterdir() if path.is_dir()}
    # all-MiniLM-L12-v2 holds one bitext file: no benchmark has half its tasks in it.
    assert models == folders - {"sentence-transformers/all-MiniLM-L12-v2"}
    with_means = {b for (_, b), p in pairs.items() if p.mteb and p.mteb.mean_task is not None}
    assert {"MTEB(eng, v2)", "MTEB(eng, v1)", "MTEB(cmn, v1)", "MTEB(nld, v1)"} <= with_means
    totals = sum((p.checked for p in pairs.values()), Counter())
    assert totals["Mean (Task)"] >= 15 and totals["Mean (TaskType)"] >= 15
    assert totals["type means"] >= 100 and totals["task scores"] >= 1000


def test_multilingual_counts_only_complete_tasks(pairs):
    """The leaderboard counts a task only when all its splits and subsets are there."""
    qwen = pairs[("Qwen/Qwen3-Embedding-0.6B", "MTEB(Multilingual, v2)")]
    assert qwen.equal
    assert qwen.cardkit.count == qwen.mteb.count == 130  # FloresBitextMining's file is absent
    assert qwen.cardkit.mean_task is None and qwen.mteb.mean_task is None
    e5 = pairs[("intfloat/multilingual-e5-small", "MTEB(cmn, v1)")]
    assert e5.equal and e5.cardkit.count == e5.mteb.count == 18


def test_several_revisions_merge_as_the_leaderboard_joins_them(pairs):
    merged = [p for (m, _), p in pairs.items() if m in MODELS_WITH_SEVERAL_REVISIONS]
    assert {p.model for p in merged} == MODELS_WITH_SEVERAL_REVISIONS
    assert all(p.equal or p.explained for p in merged)
    assert pairs[("sentence-transformers/sentence-t5-base", "MTEB(nld, v1)")].equal
    assert pairs[("sentence-transformers/sentence-t5-base", "MTEB(nld, v1)")].mteb.mean_task


def test_legacy_map_is_the_only_difference_on_mteb_benchmarks(pairs):
    """mteb drops a reranking task whose old file names no main score; cardkit reads its
    `map` (the same metric as map_at_1000) and says so. Nothing else may differ."""
    explained = {key: set(p.convention_tasks) for key, p in pairs.items() if p.explained}
    on_mteb = {key: tasks for key, tasks in explained.items() if key[1] != "C-MTEB"}
    assert on_mteb == LEGACY_MAP
    for key, tasks in LEGACY_MAP.items():
        pair = pairs[key]
        assert pair.cardkit.count - pair.mteb.count == len(tasks)
        assert pair.cardkit_strict.count == pair.mteb.count


def test_cmteb_differs_from_mteb_only_by_its_pair_classification_metric(pairs):
    """C-MTEB (the original leaderboard, not on mteb's) scored by mteb's code on the same
    splits and subsets: only Cmnli and Ocnli (average precision, not max_accuracy) differ,
    plus the legacy files whose reranking only C-MTEB's `map` convention reads."""
    cmteb = {m: p for (m, b), p in pairs.items() if b == "C-MTEB"}
    assert len(cmteb) >= 4
    scored_by_ap = 0
    for model, pair in cmteb.items():
        pair_classification = {"Cmnli", "Ocnli"} & set(pair.cardkit.tasks)
        expected = pair_classification | LEGACY_MAP.get((model, "MTEB(cmn, v1)"), set())
        assert not pair.differences, model
        assert set(pair.convention_tasks) == expected, model
        scored_by_ap += len(pair_classification)
    assert scored_by_ap >= 8


def test_the_caption_names_the_conventions(parity):
    from cardkit.catalog import load_catalog
    from cardkit.readers import read_results
    from cardkit.scores.summary import summarize

    catalog = load_catalog()
    [model] = read_results([RESULTS / "BAAI__bge-base-zh"], catalog)
    [legacy] = summarize(model, catalog, "MTEB(cmn, v1)").conventions
    assert legacy.startswith("CMedQAv1-reranking, CMedQAv2-reranking, MMarcoReranking, T2Reranking")
    assert "`map`" in legacy
    [metric] = summarize(model, catalog, "C-MTEB").conventions
    assert metric.startswith("Cmnli, Ocnli: scored by cos_sim_ap")
    assert "max_accuracy" in metric
