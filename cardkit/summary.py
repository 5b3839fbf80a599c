"""Leaderboard-style summaries: the mean score per task type and overall, for one benchmark.

Which metric counts for a task is the benchmark's convention, kept as data in the catalog:
C-MTEB uses the original leaderboard's metrics, mteb's benchmarks each task's main score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import fmean

from cardkit.catalog import Benchmark, Catalog
from cardkit.metrics import find_metric
from cardkit.model import ModelResults, SubsetScores, TaskResult


@dataclass
class TaskScore:
    task: str  # the catalog's name
    type: str
    split: str
    subsets: list[str]
    metric: str
    value: float  # 0 to 100


@dataclass
class TypeSummary:
    type: str
    expected: int
    scores: list[TaskScore] = field(default_factory=list)

    @property
    def present(self) -> int:
        return len(self.scores)

    @property
    def complete(self) -> bool:
        return self.present == self.expected

    @property
    def mean(self) -> float | None:
        return fmean(s.value for s in self.scores) if self.scores else None


@dataclass
class BenchmarkSummary:
    benchmark: Benchmark
    by_type: dict[str, TypeSummary]
    missing: list[str]

    @property
    def scores(self) -> list[TaskScore]:
        return [s for t in self.by_type.values() for s in t.scores]

    @property
    def expected(self) -> int:
        return len(self.benchmark.tasks)

    @property
    def present(self) -> int:
        return len(self.scores)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def average(self) -> float | None:
        """Mean over the tasks present; callers show `complete` beside it, never hide it."""
        values = [s.value for s in self.scores]
        return fmean(values) if values else None


def _find_task(model: ModelResults, catalog: Catalog, name: str) -> TaskResult | None:
    for task_name, task in model.tasks.items():
        if catalog.canonical_name(task_name) == name:
            return task
    return None


def _task_score(
    task: TaskResult, name: str, catalog: Catalog, benchmark: Benchmark
) -> TaskScore | None:
    info = catalog.task(name)
    splits = benchmark.splits.get(name) or list(info.eval_splits)
    found_splits = list(dict.fromkeys(s.split for s in task.scores))
    split = next((s for s in splits if s in found_splits), None)
    if split is None and not splits and found_splits:
        split = found_splits[0]
    if split is None:
        return None
    wanted_subsets = benchmark.subsets.get(name)
    entries = [
        s
        for s in task.scores
        if s.split == split and (not wanted_subsets or s.subset in wanted_subsets)
    ]
    if not entries:
        return None
    if benchmark.metric_by_type is not None:
        candidates = benchmark.metric_by_type.get(info.type) or (
            [info.main_score] if info.main_score else []
        )
    else:
        candidates = [info.main_score] if info.main_score else []
    values: list[float] = []
    metric_used = candidates[0] if candidates else "main_score"
    for entry in entries:
        value = _entry_value(entry, candidates, use_main=benchmark.metric_by_type is None)
        if value is None:
            return None
        metric_used, number = value
        values.append(number)
    return TaskScore(
        task=name,
        type=info.type,
        split=split,
        subsets=[e.subset for e in entries],
        metric=metric_used,
        value=fmean(values) * 100,
    )


def _entry_value(
    entry: SubsetScores, candidates: list[str], use_main: bool
) -> tuple[str, float] | None:
    found = find_metric(entry.metrics, candidates)
    if found is not None:
        return found
    if use_main and entry.main_score is not None:
        return (candidates[0] if candidates else "main_score"), entry.main_score
    return None


def summarize(model: ModelResults, catalog: Catalog, benchmark_name: str) -> BenchmarkSummary:
    """The benchmark's table for this model; tasks without a usable score count as missing."""
    benchmark = catalog.benchmark(benchmark_name)
    by_type: dict[str, TypeSummary] = {}
    missing: list[str] = []
    for name in benchmark.tasks:
        info = catalog.task(name)
        summary = by_type.setdefault(info.type, TypeSummary(type=info.type, expected=0))
        summary.expected += 1
        task = _find_task(model, catalog, name)
        score = _task_score(task, name, catalog, benchmark) if task else None
        if score is None:
            missing.append(name)
        else:
            summary.scores.append(score)
    ordered = dict(sorted(by_type.items()))
    return BenchmarkSummary(benchmark=benchmark, by_type=ordered, missing=missing)


def relevant_summaries(model: ModelResults, catalog: Catalog) -> list[BenchmarkSummary]:
    """The summary of every benchmark for which the results score at least one task (on the
    benchmark's subsets), in catalog order."""
    present = {catalog.canonical_name(name) for name in model.tasks}
    candidates = [
        name for name in catalog.benchmark_names() if present & set(catalog.benchmark(name).tasks)
    ]
    summaries = [summarize(model, catalog, name) for name in candidates]
    return [summary for summary in summaries if summary.present > 0]


def relevant_benchmarks(model: ModelResults, catalog: Catalog) -> list[str]:
    """The names of :func:`relevant_summaries`."""
    return [summary.benchmark.name for summary in relevant_summaries(model, catalog)]
