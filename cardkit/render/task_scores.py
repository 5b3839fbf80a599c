"""The card's one per-task table: each task of the results once, with the benchmarks of the
card it belongs to, and the score those benchmarks average.

A task's score depends on the benchmark: C-MTEB reads its own metrics, MTEB(eng, v2) takes
only the English subset of a multilingual task. The row shows the score of the first benchmark
section that scores it completely by mteb's main score (else by its own convention); where
another section averages a different number, a note under the table gives it. A task in no
section gets its mteb main score over all its evaluation splits and subsets. Scores come from
`cardkit.scores.summary` only: nothing is recomputed here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from cardkit.catalog import Benchmark, Catalog
from cardkit.model import ModelResults
from cardkit.modelindex import alias_names
from cardkit.reports.tables import (
    Markdown,
    markdown_table,
    markdown_text,
    score,
    subsets_label,
    type_label,
)
from cardkit.scores.summary import COMPLETE, MISSING, BenchmarkSummary, TaskSummary, summarize

OWN = ""  # the pseudo-benchmark of a task on its own: every evaluation split and subset


@dataclass(slots=True)
class TaskRow:
    """One task of the results, as the per-task table shows it."""

    task: str
    type: str
    score: TaskSummary  # the one shown
    benchmarks: list[str] = field(default_factory=list)  # the card's sections holding it
    # Other benchmarks' complete scores that differ from the one shown: (benchmark, score).
    others: list[tuple[str, TaskSummary]] = field(default_factory=list)


def _own_benchmark(model: ModelResults, catalog: Catalog) -> Benchmark:
    """Every task of the results, each scored by its main score over all it was evaluated on."""
    names = sorted({catalog.canonical_name(name) for name in model.tasks})
    return Benchmark(
        name=OWN,
        title="its own",
        description="",
        tasks=tuple(names),
        metric_by_type=None,
        convention="",
    )


def _same(a: TaskSummary, b: TaskSummary) -> bool:
    """Whether two scores of a task read the same on the card (two decimals)."""
    return score(a.value) == score(b.value)


def _preferred(scored: list[tuple[BenchmarkSummary, TaskSummary]]) -> int:
    """The index of the score a row shows: complete before partial, mteb's main score before a
    benchmark's own convention, then the order of the sections."""

    def key(item: tuple[int, tuple[BenchmarkSummary, TaskSummary]]) -> tuple:
        index, (summary, task) = item
        own_convention = summary.benchmark.metric_by_type is not None
        return (task.status != COMPLETE, own_convention, index)

    return min(enumerate(scored), key=key)[0]


def task_rows(
    model: ModelResults, catalog: Catalog, sections: list[BenchmarkSummary]
) -> list[TaskRow]:
    """One row per task of the results, in the order of type, then name."""
    found: dict[str, list[tuple[BenchmarkSummary, TaskSummary]]] = {}
    for summary in sections:
        for task in summary.tasks:
            if task.status != MISSING:
                found.setdefault(task.task, []).append((summary, task))
    # A task no section holds is scored by its main score over all it was evaluated on.
    benchmark = _own_benchmark(model, catalog)
    own = summarize(model, catalog, benchmark, only=set(benchmark.tasks) - found.keys())
    rows = []
    for scored in [*([(own, task)] for task in own.tasks), *found.values()]:
        task = scored[0][1]
        chosen = _preferred(scored)
        shown = scored[chosen][1]
        others = [
            (summary.benchmark.name, other)
            for index, (summary, other) in enumerate(scored)
            if index != chosen and other.complete and not _same(other, shown)
        ]
        benchmarks = [summary.benchmark.name for summary, _ in scored if summary is not own]
        rows.append(TaskRow(task.task, task.type, shown, benchmarks, others))
    rows.sort(key=lambda row: (row.type, row.task))
    return rows


PER_TASK_HEADERS = ["Task", "Data", "Score", "In"]
_VERSIONED = re.compile(r"(?P<family>.+), (?P<version>[^,()]+)\)")
# Subset names longer than this are counted, not listed: a table cell cannot break them.
_LONG_SUBSET = 10


def data_label(task: TaskSummary) -> str:
    """The splits a score averages, and its subsets unless the only one is ``default``:
    ``test``, ``test: zh``, ``validation, test: 51 subsets``."""
    if not task.complete or task.subsets in ((), ("default",)):
        return task.split
    if any(len(name) > _LONG_SUBSET for name in task.subsets):
        return f"{task.split}: {subsets_label(task.subsets, limit=1)}"
    return f"{task.split}: {subsets_label(task.subsets)}"


def benchmarks_label(names: Sequence[str]) -> str:
    """Benchmark names, versions of one benchmark said once: ``MTEB(eng, v1, v2)``."""
    return _benchmarks_label(tuple(names))


@lru_cache(maxsize=1024)  # a card's hundreds of tasks are held by a few dozen lists of them
def _benchmarks_label(names: tuple[str, ...]) -> str:
    versions: dict[str, list[str]] = {}
    for name in names:
        match = _VERSIONED.fullmatch(name)
        family, version = (match["family"], match["version"]) if match else (name, None)
        found = versions.setdefault(family, [])
        if version is not None:
            found.append(version)
    return ", ".join(
        f"{family}, {', '.join(sorted(found, key=_version_key))})" if found else family
        for family, found in versions.items()
    )


def _version_key(version: str) -> tuple:
    return tuple(
        (0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.findall(r"\d+|\D+", version)
    )


def _score_cell(task: TaskSummary) -> str:
    """The score, its metric named when it is not the task's main score in mteb."""
    if not task.complete:
        return f"partial: lacks {task.missing_text()}"
    main = alias_names(task.main_metric) if task.main_metric else ()
    metric = "" if task.metric in main or task.metric is None else f" ({task.metric})"
    return f"{score(task.value)}{metric}"


def per_task_table(rows: list[TaskRow], sections: bool = True) -> str:
    """The Markdown table: each task once, its score, and the card's benchmarks holding it
    (``sections``: whether the card has any); the tasks of a type under a row naming the type."""
    counts = Counter(row.type for row in rows)
    cells: list[list[str | None]] = []
    previous = None
    for row in rows:
        if row.type != previous:
            label = Markdown(f"**{markdown_text(type_label(row.type))}** ({counts[row.type]})")
            cells.append([label, None, None, None])
            previous = row.type
        cells.append(
            [
                row.task,
                data_label(row.score),
                _score_cell(row.score),
                benchmarks_label(row.benchmarks),
            ]
        )
    if not sections:
        return markdown_table(PER_TASK_HEADERS[:3], [c[:3] for c in cells], [False, False, True])
    return markdown_table(PER_TASK_HEADERS, cells, [False, False, True, False])


def least_table_bytes(rows: list[TaskRow], sections: bool = True) -> int:
    """The fewest bytes `per_task_table` takes for ``rows``: each row's task name and the pipes
    and spaces `markdown_table` puts between its cells ("| " and " | " before each cell, " |"
    and a line break after the last)."""
    columns = len(PER_TASK_HEADERS) if sections else 3
    return sum(len(" ".join(row.task.split())) + 3 * columns + 2 for row in rows)


def _difference(other: TaskSummary, shown: TaskSummary) -> str:
    """How another benchmark's score of a task differs from the one shown: its metric, split
    or subsets."""
    parts = []
    if other.metric != shown.metric:
        parts.append(str(other.metric))
    if other.splits != shown.splits:
        parts.append(other.split)
    if other.subsets != shown.subsets:
        parts.append(subsets_label(other.subsets))
    return f" ({', '.join(parts)})" if parts else ""


def per_task_notes(rows: list[TaskRow]) -> list[str]:
    """Per benchmark, the tasks it averages with another score than the table shows
    (benchmarks with the same list said together)."""
    by_benchmark: dict[str, list[str]] = {}
    for row in rows:
        for benchmark, other in row.others:
            by_benchmark.setdefault(benchmark, []).append(
                f"{row.task} {score(other.value)}{_difference(other, row.score)}"
            )
    together: dict[tuple[str, ...], list[str]] = {}
    for benchmark, parts in by_benchmark.items():
        together.setdefault(tuple(parts), []).append(benchmark)
    return [f"{benchmarks_label(names)}: {', '.join(parts)}." for parts, names in together.items()]
