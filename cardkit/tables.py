"""Markdown tables for the card body, from `cardkit.summary` results and model-index entries.

Numbers are never recomputed here: averages come from `summarize`, metric values from the
model-index the front matter carries, so the body and the metadata cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from cardkit.metrics import alias_names
from cardkit.summary import BenchmarkSummary, TaskScore

MISSING = "–"


def type_label(task_type: str) -> str:
    """``PairClassification`` -> ``Pair Classification``; ``STS`` stays ``STS``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", task_type)


def score(value: float | None) -> str:
    return MISSING if value is None else f"{value:.2f}"


def cell(value: Any) -> str:
    """A value safe inside a table cell: pipes escaped, no line breaks."""
    text = " ".join(str(value).split())
    return text.replace("\\", "\\\\").replace("|", "\\|") if text else MISSING


def markdown_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[bool] | None = None
) -> str:
    """A GitHub-flavoured Markdown table, numeric columns right-aligned."""
    numeric = list(numeric) if numeric is not None else [False] * len(headers)
    lines = [
        "| " + " | ".join(cell(h) for h in headers) + " |",
        "|" + "|".join("---:" if n else ":---" for n in numeric) + "|",
    ]
    lines.extend("| " + " | ".join(cell(v) for v in row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def count_label(present: int, expected: int, incomplete_word: bool = False) -> str:
    """``35`` when complete, ``30/35`` (``30/35, incomplete``) when tasks are missing."""
    if present == expected:
        return str(expected)
    return f"{present}/{expected}, incomplete" if incomplete_word else f"{present}/{expected}"


def summary_headers(summary: BenchmarkSummary) -> list[str]:
    headers = ["Model", f"Average ({count_label(summary.present, summary.expected, True)})"]
    headers += [
        f"{type_label(t.type)} ({count_label(t.present, t.expected)})"
        for t in summary.by_type.values()
    ]
    return headers


def summary_row(summary: BenchmarkSummary, model_name: str) -> list[str]:
    return [model_name, score(summary.average)] + [score(t.mean) for t in summary.by_type.values()]


def summary_table(summary: BenchmarkSummary, model_name: str) -> str:
    """The leaderboard row: the mean over all tasks and per task type, task counts in the header."""
    headers = summary_headers(summary)
    return markdown_table(
        headers, [summary_row(summary, model_name)], [False] + [True] * (len(headers) - 1)
    )


def summary_caption(summary: BenchmarkSummary) -> str:
    """Which tasks and which metric convention the table uses, and what is missing."""
    bench = summary.benchmark
    text = f"**{bench.title}**: {summary.expected} tasks"
    if bench.convention:
        text += f"; {bench.convention.rstrip('.')}"
    text += "."
    if summary.missing:
        text += (
            f" Incomplete: {len(summary.missing)} of {summary.expected} tasks have no "
            f"result ({_short_list(summary.missing)}); the averages cover the tasks present."
        )
    return text


def _short_list(items: Sequence[str], limit: int = 8) -> str:
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f", and {len(items) - limit} more"


def subsets_label(subsets: Sequence[str], limit: int = 4) -> str:
    if len(subsets) <= limit:
        return ", ".join(subsets)
    return ", ".join(subsets[:limit]) + f", … ({len(subsets)} subsets)"


TASK_HEADERS = ["Task", "Type", "Split", "Subset", "Main metric", "Score"]
TASK_NUMERIC = [False, False, False, False, False, True]


def task_rows(scores: Sequence[TaskScore]) -> list[list[str]]:
    return [
        [s.task, type_label(s.type), s.split, subsets_label(s.subsets), s.metric, score(s.value)]
        for s in sorted(scores, key=lambda s: (s.type, s.task))
    ]


def task_table(summary: BenchmarkSummary) -> str:
    """One row per task of the benchmark: the score that went into the averages."""
    return markdown_table(TASK_HEADERS, task_rows(summary.scores), TASK_NUMERIC)


def main_score_rows(
    entries: Sequence[dict[str, Any]], main_metrics: dict[str, str | None]
) -> list[list[str]]:
    """Per (task, split, subset) rows of the main metric, from model-index entries."""
    rows = []
    for entry in entries:
        task = entry_task(entry)
        metric = main_metrics.get(task)
        values = {m["type"]: m["value"] for m in entry["metrics"]}
        name = next((n for n in alias_names(metric) if n in values), None) if metric else None
        if name is None:
            name, value = entry["metrics"][0]["type"], entry["metrics"][0]["value"]
        else:
            value = values[name]
        data = entry["dataset"]
        rows.append(
            [
                task,
                type_label(entry["task"]["type"]),
                data["split"],
                data["config"],
                name,
                score(value),
            ]
        )
    return rows


def entry_task(entry: dict[str, Any]) -> str:
    """The task name of a model-index entry (its dataset name without ``MTEB`` and subset)."""
    name = entry["dataset"]["name"]
    name = name[5:] if name.startswith("MTEB ") else name
    config = entry["dataset"]["config"]
    suffix = f" ({config})"
    return name[: -len(suffix)] if name.endswith(suffix) else name


def metrics_table(entries: Sequence[dict[str, Any]]) -> str:
    """Every metric of every (task, split, subset), as the front matter's model-index has them."""
    rows = [
        [entry_task(e), e["dataset"]["split"], e["dataset"]["config"], m["type"], score(m["value"])]
        for e in entries
        for m in e["metrics"]
    ]
    return markdown_table(
        ["Task", "Split", "Subset", "Metric", "Value"], rows, [False, False, False, False, True]
    )
