"""Spec section 4: leaderboard summaries per benchmark convention."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cardkit.catalog import load_catalog
from cardkit.model import ModelResults, SubsetScores, TaskResult
from cardkit.readers import read_results
from cardkit.readers.model_card import read_card
from cardkit.scores.summary import relevant_benchmarks, relevant_summaries, summarize
from tests.conftest import DMETA_CARD, RESULTS, TEST_DATA

pytestmark = pytest.mark.shared


def test_cmteb_summary_reproduces_the_dmeta_card_table():
    [model] = read_card(DMETA_CARD)
    summary = summarize(model, load_catalog(), "C-MTEB")
    assert summary.complete and summary.present == 35
    means = {name: round(t.mean, 2) for name, t in summary.by_type.items()}
    assert round(summary.average, 2) == round(summary.mean_task, 2) == 67.51
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


CMTEB_RESULTS = TEST_DATA / "cmteb-results"
# The C-MTEB table of Conan-embedding-v1's card, which also lists xiaobu-embedding-v2.
PUBLISHED_CMTEB = {
    "lier007__xiaobu-embedding-v2": (72.43, 74.67, 65.17, 72.58, 76.50, 64.53, 91.87),
    "TencentBAC__Conan-embedding-v1": (72.62, 75.03, 66.33, 72.76, 76.67, 64.18, 91.66),
}
CMTEB_COLUMNS = ("Classification", "Clustering", "Reranking", "Retrieval", "STS")


@pytest.mark.parametrize("folder", sorted(PUBLISHED_CMTEB))
def test_cmteb_reproduces_the_published_tables_type_by_type(folder: str):
    """The first leaderboard rounded each task to two decimals before averaging: without that,
    xiaobu's Retrieval would read 76.49 and Conan's Pair Classification 91.65."""
    [model] = read_results([CMTEB_RESULTS / folder], load_catalog())
    summary = summarize(model, load_catalog(), "C-MTEB")
    assert summary.complete and summary.present == 35
    average, *by_type, pair_classification = PUBLISHED_CMTEB[folder]
    assert f"{summary.mean_task:.2f}" == f"{average:.2f}"
    for name, published in zip(CMTEB_COLUMNS, by_type):
        assert f"{summary.by_type[name].mean:.2f}" == f"{published:.2f}", name
    assert f"{summary.by_type['PairClassification'].mean:.2f}" == f"{pair_classification:.2f}"


def _main_scores(path: Path) -> dict[str, list[float]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {split: [e["main_score"] for e in entries] for split, entries in data["scores"].items()}


def test_a_task_scores_the_mean_over_all_its_splits():
    """LEMBPasskeyRetrieval has eight evaluation splits; its score is their mean, not the
    first split's."""
    folder = RESULTS / "Qwen__Qwen3-Embedding-0.6B"
    [model] = read_results([folder], load_catalog())
    [task] = [
        t
        for t in summarize(model, load_catalog(), "LongEmbed").tasks
        if t.task == "LEMBPasskeyRetrieval"
    ]
    scores = _main_scores(next(folder.glob("*/LEMBPasskeyRetrieval.json")))
    assert len(scores) == 8 and task.complete
    assert task.value == pytest.approx(100 * sum(s for v in scores.values() for s in v) / 8)
    assert scores["test_256"] == [1.0] and task.value < 100
    assert task.split == ", ".join(scores)


def test_a_task_missing_a_split_is_partial_and_not_averaged():
    """MultilingualSentiment holds only its validation split where MTEB(cmn, v1) asks for test
    too: partial, listed with what it lacks, left out of every mean and count."""
    [model] = read_results([RESULTS / "sensenova__piccolo-base-zh"], load_catalog())
    summary = summarize(model, load_catalog(), "MTEB(cmn, v1)")
    [partial] = summary.partial
    assert partial.task == "MultilingualSentiment" and partial.value is None
    assert partial.missing_text() == "split test"
    assert partial not in summary.scores and partial.task not in summary.missing
    assert not summary.by_type["Classification"].complete
    assert summary.by_type["Classification"].leaderboard_mean is None
    assert summary.mean_task is None and summary.mean_task_type is None
    assert summary.average == pytest.approx(sum(t.value for t in summary.scores) / 30)
    # C-MTEB asks only for the validation split of the same task: complete there.
    cmteb = summarize(model, load_catalog(), "C-MTEB")
    assert "MultilingualSentiment" in {t.task for t in cmteb.scores}


def test_a_task_missing_subsets_is_partial():
    """One of BelebeleRetrieval's 376 subsets is not the task."""
    [model] = read_results(
        [RESULTS / "sentence-transformers__sentence-t5-base"], load_catalog(), "merge"
    )
    summary = summarize(model, load_catalog(), "MTEB(Multilingual, v2)")
    [belebele] = [t for t in summary.partial if t.task == "BelebeleRetrieval"]
    assert belebele.expected_cells == 376 and len(belebele.missing_cells) == 375
    assert belebele.missing_text() == "375 of 376 subsets of test"


def test_mean_task_type_is_the_mean_of_the_type_means():
    [model] = read_results([RESULTS / "Qwen__Qwen3-Embedding-0.6B"], load_catalog())
    summary = summarize(model, load_catalog(), "MTEB(eng, v2)")
    assert summary.complete
    type_means = [t.mean for t in summary.by_type.values()]
    assert summary.mean_task_type == pytest.approx(sum(type_means) / len(type_means))
    assert summary.mean_task == pytest.approx(sum(t.value for t in summary.scores) / 41)
    assert summary.mean_task != pytest.approx(summary.mean_task_type)


def test_rteb_averages_only_its_public_tasks_as_the_leaderboard_does():
    [model] = read_results([RESULTS / "Qwen__Qwen3-Embedding-0.6B"], load_catalog())
    summary = summarize(model, load_catalog(), "RTEB(jpn, beta)")
    assert summary.complete and summary.present == 2
    assert summary.not_averaged == ["JapaneseCode1Retrieval", "JapaneseLegal1Retrieval"]
    assert summary.mean_task is None  # both private: the leaderboard shows no mean


def test_a_task_whose_subsets_are_too_many_to_list_is_checked_by_count():
    """FloresBitextMining has 41412 subsets: the catalog keeps their number, not their names."""
    catalog = load_catalog()
    benchmark = catalog.benchmark("MTEB(Multilingual, v2)")
    count = benchmark.subset_counts["FloresBitextMining"]
    assert count == 41412 and "FloresBitextMining" not in benchmark.subsets

    def flores(subsets: int) -> ModelResults:
        scores = [
            SubsetScores("devtest", f"pair{i}", {"f1": 0.5}, main_score=0.5) for i in range(subsets)
        ]
        task = TaskResult(task_name="FloresBitextMining", scores=scores)
        return ModelResults("org/model", "rev", tasks={"FloresBitextMining": task})

    def flores_summary(subsets: int):
        summary = summarize(flores(subsets), catalog, benchmark)
        return next(t for t in summary.tasks if t.task == "FloresBitextMining")

    assert flores_summary(count).complete and flores_summary(count).value == 50
    short = flores_summary(count - 2)
    assert short.status == "partial" and short.missing_text() == f"2 of {count} subsets of devtest"


def test_a_cell_given_twice_is_scored_by_its_first_entry():
    """Results made in code may repeat a (split, subset): the first counts, as a file's does."""
    catalog = load_catalog()
    scores = [
        SubsetScores("test", "default", {"cosine_spearman": 0.25}, main_score=0.25),
        SubsetScores("test", "default", {"cosine_spearman": 0.75}, main_score=0.75),
    ]
    task = TaskResult(task_name="STSBenchmark", scores=scores)
    model = ModelResults("org/model", "rev", tasks={"STSBenchmark": task})
    summary = summarize(model, catalog, "MTEB(eng, v2)")
    [row] = [t for t in summary.tasks if t.task == "STSBenchmark"]
    assert row.complete and row.value == 25 and row.subset_means == (25.0,)


@pytest.mark.shared
@pytest.mark.parametrize("name", ["BAAI__bge-base-zh", "Qwen__Qwen3-Embedding-0.6B"])
def test_relevant_summaries_are_every_benchmark_with_a_complete_task(name):
    catalog = load_catalog()
    [model] = read_results([RESULTS / name], catalog)
    every = [summarize(model, catalog, b) for b in catalog.benchmark_names()]
    relevant = relevant_summaries(model, catalog)
    assert len(relevant) >= 2
    assert relevant == [summary for summary in every if summary.present > 0]
