"""Checks the schema cannot express: repeated results and metrics, MTEB scores on the wrong
scale, dates that do not exist, entries huggingface_hub cannot read.

A result is repeated when its (dataset.type, dataset.name, config, split) was seen before in
the same model: the name is part of it because distinct MTEB tasks share a dataset path
(ArxivClusteringP2P and ArXivHierarchicalClusteringP2P, the BRIGHT tasks).

MTEB scores (entries whose ``dataset.name`` starts with ``MTEB `` or whose ``dataset.type``
is under ``mteb/`` or ``C-MTEB/``) are percentages:
- a value below -100 or above 100 is an error (correlations and nAUC scores may be negative);
- an entry whose values all lie in [0, 1], one of them above 0, gets a warning: it looks
  like a 0 to 1 score that was not multiplied by 100;
- when every MTEB entry of a model-index looks like that, it is an error instead, reported
  once: the whole card was written on the wrong scale.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

from cardkit.validate.findings import data_path
from cardkit.validate.parse import Document
from cardkit.validate.schema import where


def _at(doc: Document, keys: list[Any], message: str, severity: str = "error") -> None:
    line, col = where(doc, keys)
    doc.add(line, col, message, data_path(keys), severity)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_mteb(result: dict[str, Any]) -> bool:
    dataset = result.get("dataset")
    if not isinstance(dataset, dict):
        return False
    name, kind = dataset.get("name"), dataset.get("type")
    return (isinstance(name, str) and name.startswith("MTEB ")) or (
        isinstance(kind, str) and kind.startswith(("mteb/", "C-MTEB/"))
    )


def _metrics(result: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    metrics = result.get("metrics")
    if not isinstance(metrics, list):
        return []
    return [(i, m) for i, m in enumerate(metrics) if isinstance(m, dict)]


def _check_model(doc: Document, model: dict[str, Any], base: list[Any]) -> None:
    results = model.get("results")
    if not isinstance(results, list):
        return
    seen: dict[tuple[Any, ...], int] = {}
    scaled_down: list[int] = []
    mteb_entries = 0
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
        for m, metric in _metrics(result):
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
        if not _is_mteb(result):
            continue
        mteb_entries += 1
        values = [(m, metric.get("value")) for m, metric in _metrics(result)]
        numbers = [(m, v) for m, v in values if _is_number(v)]
        for m, value in numbers:
            if not -100 <= value <= 100:
                _at(
                    doc,
                    [*where, "metrics", m, "value"],
                    f"{value} is outside -100 to 100: MTEB scores are percentages",
                )
        if (
            numbers
            and len(numbers) == len(values)
            and all(0 <= v <= 1 for _, v in numbers)
            and any(v > 0 for _, v in numbers)
        ):
            scaled_down.append(r)
    if mteb_entries and len(scaled_down) == mteb_entries:
        _at(
            doc,
            [*base, "results", scaled_down[0], "metrics", 0, "value"],
            "every MTEB score of this model-index lies between 0 and 1: they look like 0 to 1 "
            "scores; multiply every value by 100",
        )
        return
    for r in scaled_down:
        _at(
            doc,
            [*base, "results", r, "metrics", 0, "value"],
            "every value of this entry lies between 0 and 1: it looks like a 0 to 1 score; "
            "multiply by 100",
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
            key = tuple(str(dataset.get(k)) for k in ("id", "task_id", "config", "split"))
            if key in seen:
                _at(doc, [i, "dataset"], f"the same dataset and task as entry [{seen[key]}]")
            else:
                seen[key] = i
        date = entry.get("date")
        if (
            isinstance(date, str)
            and len(date) >= 10
            and date[:4].isdigit()
            and not _valid_date(date)
        ):
            _at(doc, [i, "date"], f"{date!r} is not a real date")
