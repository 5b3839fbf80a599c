"""Spec section 4: leaderboard summaries per benchmark convention."""

from __future__ import annotations

import pytest

from cardkit.catalog import load_catalog
from cardkit.readers import read_results
from cardkit.readers.card import read_card
from cardkit.summary import relevant_benchmarks, summarize

from .conftest import DMETA_CARD, RESULTS

pytestmark = pytest.mark.shared


def test_cmteb_summary_reproduces_the_dmeta_card_table():
    [model] = read_card(DMETA_CARD)
    summary = summarize(model, load_catalog(), "C-MTEB")
    assert summary.complete and summary.present == 35
    means = {name: round(t.mean, 2) for name, t in summary.by_type.items()}
    assert round(summary.average, 2) == 67.51
    assert means["Retrieval"] == 70.41
    assert means["PairClassification"] == 88.92
    assert means["Classification"] == 70.00
    assert means["Reranking"] == 67.17
    assert means["Clustering"] == 50.96
    counts = {name: t.expected for name, t in summary.by_type.items()}
    assert counts == {
        "Classification": 9,
        "Clustering": 4,
        "PairClassification": 2,
        "Reranking": 4,
        "Retrieval": 8,
        "STS": 8,
    }


def test_cmteb_pair_classification_uses_ap_and_mteb_uses_main_score():
    [model] = read_card(DMETA_CARD)
    catalog = load_catalog()
    cmteb = {s.task: s for s in summarize(model, catalog, "C-MTEB").scores}
    assert cmteb["Cmnli"].metric in ("cos_sim_ap", "max_ap")
    cmn = summarize(model, catalog, "MTEB(cmn, v1)")
    mteb_scores = {s.task: s for s in cmn.scores}
    if "Cmnli" in mteb_scores:
        assert mteb_scores["Cmnli"].metric != cmteb["Cmnli"].metric


def test_missing_tasks_mark_the_benchmark_incomplete():
    [model] = read_card(DMETA_CARD)
    for name in ("AFQMC", "T2Retrieval", "Waimai"):
        del model.tasks[name]
    summary = summarize(model, load_catalog(), "C-MTEB")
    assert not summary.complete
    assert summary.present == 32 and summary.expected == 35
    assert sorted(summary.missing) == ["AFQMC", "T2Retrieval", "Waimai"]
    assert not summary.by_type["STS"].complete
    assert summary.by_type["STS"].present == 7


def test_summary_of_legacy_result_files():
    [model] = read_results([RESULTS / "BAAI__bge-base-zh"], load_catalog())
    catalog = load_catalog()
    assert "C-MTEB" in relevant_benchmarks(model, catalog)
    summary = summarize(model, catalog, "C-MTEB")
    assert summary.complete
    assert 0 < summary.average < 100
