"""Write the `model-index` of the reference cards (stella-base-zh, xiaobu, Dmeta) from results."""

from __future__ import annotations

import logging
from typing import Any

from cardkit.catalog import Catalog
from cardkit.metrics import MetricsChoice, find_metric, select_metrics
from cardkit.model import ModelResults, SubsetScores, TaskResult

log = logging.getLogger("cardkit")

# Task types that measure something other than quality (words per second): never card scores.
NON_SCORE_TYPES = frozenset({"Speed"})


def dataset_name(task_name: str, subset: str) -> str:
    return f"MTEB {task_name}" if subset == "default" else f"MTEB {task_name} ({subset})"


def main_metric_of(task: TaskResult, catalog: Catalog) -> str | None:
    info = catalog.get(task.task_name)
    return info.main_score if info else None


def main_value(scores: SubsetScores, main_metric: str | None) -> float | None:
    """The main score: the file's own, else the catalog's main metric looked up by name."""
    if scores.main_score is not None:
        return scores.main_score
    if main_metric is None:
        return None
    found = find_metric(scores.metrics, [main_metric])
    return found[1] if found else None


def result_entries(
    model: ModelResults, catalog: Catalog, metrics: MetricsChoice = "default"
) -> list[dict[str, Any]]:
    """One entry per (task, split, subset): tasks in ASCII order, splits and subsets as found."""
    entries: list[dict[str, Any]] = []
    for task in model.sorted_tasks():
        info = catalog.task(task.task_name, task.source)
        if info.type in NON_SCORE_TYPES:
            log.info(
                "note: skipped %s: a %s task measures no quality score", task.task_name, info.type
            )
            continue
        revision = task.dataset_revision
        for scores in task.scores:
            selected = select_metrics(
                scores.metrics, metrics, info.main_score, main_value(scores, info.main_score)
            )
            if not selected:
                continue
            entries.append(
                {
                    "task": {"type": info.type},
                    "dataset": {
                        "type": catalog.dataset_path(task.task_name, revision),
                        "name": dataset_name(task.task_name, scores.subset),
                        "config": scores.subset,
                        "split": scores.split,
                        "revision": "None" if revision is None else revision,
                    },
                    "metrics": [
                        {"type": name, "value": _percent(value)} for name, value in selected.items()
                    ],
                }
            )
    return entries


def _percent(value: float) -> float:
    return float(value) * 100


def model_index(
    model: ModelResults, catalog: Catalog, name: str, metrics: MetricsChoice = "default"
) -> list[dict[str, Any]]:
    return [{"name": name, "results": result_entries(model, catalog, metrics)}]
