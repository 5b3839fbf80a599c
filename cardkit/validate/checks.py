"""Checks the schema cannot express: repeated results and metrics, MTEB scores on the wrong
scale, dates that do not exist, entries huggingface_hub cannot read.

A result is repeated when its (dataset.type, dataset.name, config, split) was seen before in
the same model: the name is part of it because distinct MTEB tasks share a dataset path
(ArxivClusteringP2P and ArXivHierarchicalClusteringP2P, the BRIGHT tasks).

MTEB scores (entries whose ``dataset.name`` starts with ``MTEB `` or whose ``dataset.type``
is under ``mteb/`` or ``C-MTEB/``) are percentages, except the metrics that are no fractions
(``cardkit.modelindex.is_percentage``: errors such as mse, thresholds, nAUC, counts), which are
shown as the result file has them and not range-checked:
- a percentage below -100 or above 100 is an error (correlations may be negative);
- an entry whose percentages all lie between 0 and 1 (one above 0) gets a warning when its
  task type has scores no model falls to 1% on (``FLOORED_TYPES``: average precision is at
  least the share of positives, reranking MAP at least the share of relevant candidates): it
  looks like a 0 to 1 score that was not multiplied by 100. Elsewhere such an entry is no sign:
  real results score below 1% on a language pair the model cannot read, a corpus it cannot
  search, a clustering of a script it does not know;
- when every MTEB entry of a model-index lies between 0 and 1, it is an error, reported once:
  the whole card was written on the wrong scale.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from cardkit.modelindex import (
    is_mteb_result,
    is_number,
    is_percentage,
    metric_items,
    scaled_down,
)
from cardkit.validate.findings import data_path
from cardkit.validate.parse import Document
from cardkit.validate.schema import where

# Task types whose main scores have a floor far above 1%: over the 100,000 result files of the
# public results store, none of their entries lies below 1% (pair classification: 0 of
# 15,058; reranking: 0 of 5,386), while retrieval, bitext mining, clustering, STS and
# classification all have real ones.
FLOORED_TYPES = frozenset({"PairClassification", "Reranking"})

# A dataset revision in `.eval_results`: the dataset's git commit (hub-docs' eval_results.yaml).
_COMMIT_HASH = re.compile(r"[0-9a-f]{40}")


def is_commit_hash(revision: object) -> bool:
    """Whether a value is what `.eval_results` calls a revision (the writer keeps only these)."""
    return isinstance(revision, str) and _COMMIT_HASH.fullmatch(revision) is not None


def _at(doc: Document, keys: list[Any], message: str, severity: str = "error") -> None:
    line, col = where(doc, keys)
    doc.add(line, col, message, data_path(keys), severity)


def _check_model(doc: Document, model: dict[str, Any], base: list[Any]) -> None:
    results = model.get("results")
    if not isinstance(results, list):
        return
    seen: dict[tuple[Any, ...], int] = {}
    # [(entry index, whether all its percentages lie between 0 and 1, its task type)]
    mteb_entries: list[tuple[int, bool, str]] = []
    for r, result in enumerate(results):
        if not isinstance(result, dict):
            continue
        where = [*base, "results", r]
        dataset = result.get("dataset")
        if isinstance(dataset, dict):
            key = tuple(str(dataset.get(k)) for k in ("type", "name", "config", "split"))
            if key in seen:
                _at(
                    doc,
                    [*where, "dataset"],
                    f"the same dataset, config and split as results[{seen[key]}]: "
                    "each (dataset.type, name, config, split) belongs in one entry",
                )
            else:
                seen[key] = r
        names: dict[tuple[str, str], int] = {}
        items = metric_items(result)
        for m, metric in items:
            key2 = (str(metric.get("type")), str(metric.get("config")))
            if key2 in names:
                _at(
                    doc,
                    [*where, "metrics", m, "type"],
                    f"metric '{key2[0]}' is listed twice in this entry "
                    f"(also metrics[{names[key2]}])",
                )
            else:
                names[key2] = m
        if not is_mteb_result(result):
            continue
        percentages = [
            (m, metric.get("value"))
            for m, metric in items
            if is_percentage(str(metric.get("type")))
        ]
        numbers = [(m, v) for m, v in percentages if is_number(v)]
        for m, value in numbers:
            if not -100 <= value <= 100:
                _at(
                    doc,
                    [*where, "metrics", m, "value"],
                    f"{value} is outside -100 to 100: MTEB scores are percentages",
                )
        low = scaled_down([value for _, value in percentages])
        task = result.get("task")
        kind = str(task.get("type")) if isinstance(task, dict) else ""
        mteb_entries.append((r, low, kind))
    _check_scale(doc, mteb_entries, base)


def _check_scale(doc: Document, entries: list[tuple[int, bool, str]], base: list) -> None:
    """0 to 1 scores: an error when the whole model-index is, a warning for an entry whose
    task type no model scores that low on."""
    low = [(r, kind) for r, is_low, kind in entries if is_low]
    if entries and len(low) == len(entries):
        _at(
            doc,
            [*base, "results", low[0][0], "metrics", 0, "value"],
            "every MTEB score of this model-index lies between 0 and 1: they look like 0 to 1 "
            "scores; multiply every value by 100",
        )
        return
    for r, kind in low:
        if kind in FLOORED_TYPES:
            _at(
                doc,
                [*base, "results", r, "metrics", 0, "value"],
                f"every value of this entry lies between 0 and 1, which no {kind} score "
                "falls to: it looks like a 0 to 1 score; multiply by 100",
                "warning",
            )


def check_card(doc: Document) -> None:
    data = doc.data
    if not isinstance(data, dict):
        return
    index = data.get("model-index")
    if not isinstance(index, list):
        return
    for i, model in enumerate(index):
        if isinstance(model, dict):
            _check_model(doc, model, ["model-index", i])


def _valid_date(text: str) -> bool:
    try:
        _dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        try:
            _dt.date.fromisoformat(text[:10])
        except ValueError:
            return False
        return len(text) == 10
    return True


def check_eval_results(doc: Document) -> None:
    data = doc.data
    if not isinstance(data, list):
        return
    seen: dict[tuple[str, ...], int] = {}
    for i, entry in enumerate(data):
        if not isinstance(entry, dict):
            continue
        dataset = entry.get("dataset")
        if isinstance(dataset, dict):
            if "task_id" not in dataset:
                _at(
                    doc,
                    [i, "dataset"],
                    "dataset.task_id is missing: the Hub needs it to place the result "
                    "(huggingface_hub cannot read the entry without it)",
                    "warning",
                )
            key = tuple(str(dataset.get(k)) for k in ("id", "task_id"))
            if key in seen:
                _at(doc, [i, "dataset"], f"the same dataset and task as entry [{seen[key]}]")
            else:
                seen[key] = i
            revision = dataset.get("revision")
            if revision is not None and not is_commit_hash(revision):
                _at(
                    doc,
                    [i, "dataset", "revision"],
                    f"dataset.revision {revision!r} is not a commit hash (40 hex digits): the "
                    "format wants the dataset's git revision; leave the key out when it is "
                    "unknown",
                )
        date = entry.get("date")
        if (
            isinstance(date, str)
            and len(date) >= 10
            and date[:4].isdigit()
            and not _valid_date(date)
        ):
            _at(doc, [i, "date"], f"{date!r} is not a real date")
