"""The sentences under a benchmark's heading on the card: which scores it averages, where they
differ from mteb's leaderboard, and what is missing, written for the card's reader.

The facts come from `cardkit.scores.summary` (statuses, conventions) and the catalog (a benchmark's
metrics); only the words are chosen here.
"""

from __future__ import annotations

from collections.abc import Sequence

from cardkit.catalog import Benchmark
from cardkit.scores.summary import BenchmarkSummary, TaskSummary


def short_list(items: Sequence[str], limit: int = 8) -> str:
    """The first ``limit`` items, then how many more."""
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f", and {len(items) - limit} more"


# Metric names as a reader knows them (the first name of each family is mteb's current one).
_WORDS = {
    "accuracy": "accuracy",
    "max_accuracy": "accuracy at the best threshold",
    "v_measure": "V-measure",
    "ndcg_at_10": "nDCG@10",
    "map": "MAP",
    "map_at_1000": "MAP",
    "mrr": "MRR",
    "cosine_spearman": "cosine Spearman",
    "cos_sim_spearman": "cosine Spearman",
    "max_ap": "average precision",
    "cos_sim_ap": "average precision",
    "cosine_ap": "average precision",
    "similarity_ap": "average precision",
}
_TYPE_WORDS = {
    "STS": "STS",
    "PairClassification": "pair classification",
    "BitextMining": "bitext mining",
    "MultilabelClassification": "multilabel classification",
    "InstructionRetrieval": "instruction retrieval",
    "InstructionReranking": "instruction reranking",
}


def metric_words(metric: str | None) -> str:
    """``cos_sim_spearman`` -> ``cosine Spearman``; unknown
    names stay as they are."""
    if metric is None:
        return "the main score"
    return _WORDS.get(metric, metric)


def _type_words(task_type: str) -> str:
    return _TYPE_WORDS.get(task_type, task_type.lower())


def scoring_sentence(benchmark: Benchmark) -> str:
    """How a benchmark with its own metrics (C-MTEB) scores each task, in one sentence."""
    if benchmark.metric_by_type is None:
        return ""
    parts = [
        f"{_type_words(task_type)} {metric_words(names[0] if names else None)}"
        for task_type, names in benchmark.metric_by_type.items()
    ]
    rounded = (
        f"; each task rounded to {benchmark.task_decimals} decimals"
        if benchmark.task_decimals is not None
        else ""
    )
    return f"The {benchmark.title} leaderboard's own metrics: {', '.join(parts)}{rounded}."


def _names(tasks: Sequence[str], limit: int = 8) -> str:
    if len(tasks) <= limit:
        return ", ".join(tasks)
    return ", ".join(tasks[:limit]) + f" and {len(tasks) - limit} more"


def convention_sentences(scores: Sequence[TaskSummary]) -> list[str]:
    """Where the card's scores of complete tasks follow another rule than mteb's leaderboard."""
    out = []
    legacy = [t.task for t in scores if t.complete and t.legacy_metric]
    if legacy:
        out.append(
            f"{_names(legacy)}: scored by MAP, mteb 1.x's main score for them; these results "
            "name no main score, so mteb's leaderboard leaves them out."
        )
    by_metric: dict[tuple[str, str], list[str]] = {}
    for t in scores:
        if t.complete and t.convention_metric and t.metric:
            by_metric.setdefault((t.metric, t.main_metric or ""), []).append(t.task)
    for (metric, main), tasks in by_metric.items():
        out.append(
            f"{_names(tasks)}: scored by {metric_words(metric)} ({metric}); mteb's "
            f"leaderboard uses {metric_words(main)} ({main})."
        )
    return out


def status_sentences(summary: BenchmarkSummary) -> list[str]:
    """What an incomplete run lacks (its table, like mteb's leaderboard, shows no mean that
    an incomplete task would enter)."""
    if summary.complete:
        return []
    out = [f"{summary.present} of {summary.expected} tasks complete."]
    if summary.missing:
        out.append(f"No result: {_names(summary.missing)}.")
    if summary.partial:
        parts = [f"{t.task} (lacks {t.missing_text()})" for t in summary.partial]
        out.append(f"Partial, not averaged: {_names(parts)}.")
    return out


def private_sentence(summary: BenchmarkSummary) -> str | None:
    if not summary.not_averaged:
        return None
    return (
        "As on mteb's leaderboard, the means cover the public tasks only; the private ones "
        f"({_names(summary.not_averaged)}) are not averaged."
    )
