"""Leaderboard summaries of one model on one benchmark, computed as the MTEB leaderboard does.

Per task, the score is the mean over every (split, subset) the benchmark asks for (its
evaluation splits and subsets, narrowed by the benchmark where it narrows them). A task counts
only when all of them are there: one with some of them is *partial* (listed with what it
lacks, never averaged), one without a result is *missing*. Mean (Task) is the mean over the
tasks, Mean (TaskType) the mean of the per-type means; like the leaderboard, both exist only
when every task is complete. For a card of an incomplete run the means over the complete tasks
are kept apart (``average``), always shown with their counts.

Which metric counts is the benchmark's convention, kept as data in the catalog: mteb's
benchmarks use each result's main score, C-MTEB the original leaderboard's metrics. Where a
score follows a convention the leaderboard does not (C-MTEB's average precision for Cmnli and
Ocnli, ``map`` read from old files that name no main score), the summary says so by task.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from math import fsum
from typing import NamedTuple

from cardkit.catalog import Benchmark, Catalog, TaskInfo
from cardkit.model import ModelResults, SubsetScores, TaskResult, cell_of
from cardkit.modelindex import alias_names, find_metric, legacy_name

COMPLETE = "complete"
PARTIAL = "partial"
MISSING = "missing"

Cell = tuple[str, str]  # (split, subset)
UNNAMED = "…"  # a subset asked for that is known only by count (too many to list)


class TaskSummary(NamedTuple):
    """One task of a benchmark for one model: its status and, when complete, its score."""

    task: str  # the catalog's name
    type: str
    status: str  # COMPLETE, PARTIAL or MISSING
    value: float | None = None  # 0 to 100, complete tasks only
    metric: str | None = None
    main_metric: str | None = None  # mteb's main score of the task
    splits: tuple[str, ...] = ()  # the splits the benchmark asks for
    subsets: tuple[str, ...] = ()  # the subsets scored
    missing_cells: tuple[Cell, ...] = ()  # (split, subset) asked for and not in the results
    subset_means: tuple[float, ...] = ()  # per subset, the mean over the splits (0 to 100)
    revision: str | None = None  # the model revision the result came from
    # Scored by ``map`` from an old file without a main score (mteb's leaderboard drops it).
    legacy_metric: bool = False
    # The metric differs from mteb's main score by the benchmark's convention (C-MTEB).
    convention_metric: bool = False
    # Every (split, subset) asked for that has a score, with it (0 to 100), partial tasks too:
    # mteb's leaderboard ranks a partial task by the mean of these in its Borda count.
    scored_cells: tuple[tuple[Cell, float], ...] = ()

    @property
    def complete(self) -> bool:
        return self.status == COMPLETE

    @property
    def split(self) -> str:
        """The splits averaged, for a table cell."""
        return ", ".join(self.splits)

    @property
    def expected_cells(self) -> int:
        """How many (split, subset) scores the benchmark asks of this task."""
        return len(self.scored_cells) + len(self.missing_cells)

    def missing_text(self, limit: int = 3) -> str:
        """What a partial task lacks, short: ``split test``, ``zh``, ``zh of test``,
        ``375 of 376 subsets``."""
        by_split: dict[str, list[str]] = {}
        for split, subset in self.missing_cells:
            by_split.setdefault(split, []).append(subset)
        asked = self.expected_cells // max(len(self.splits), 1)
        same_everywhere = len(by_split) == len(self.splits) > 1 and all(
            subsets == next(iter(by_split.values())) for subsets in by_split.values()
        )
        if same_everywhere:  # the same subsets lack in every split: name them once
            return self._subsets_text(next(iter(by_split.values())), asked, limit)
        parts = []
        for split, subsets in by_split.items():
            if len(subsets) >= asked and (asked > 1 or subsets == ["default"]):
                parts.append(f"split {split}")
            else:
                parts.append(f"{self._subsets_text(subsets, asked, limit)} of {split}")
        return "; ".join(parts)

    @staticmethod
    def _subsets_text(subsets: list[str], asked: int, limit: int) -> str:
        if len(subsets) <= limit and UNNAMED not in subsets:
            return ", ".join(subsets)
        return f"{len(subsets)} of {asked} subsets"


@dataclass(slots=True)
class TypeSummary:
    """The tasks of one task type in a benchmark."""

    type: str
    tasks: list[TaskSummary] = field(default_factory=list)

    @property
    def expected(self) -> int:
        return len(self.tasks)

    @property
    def scores(self) -> list[TaskSummary]:
        """The complete tasks: the ones that enter a mean."""
        return [t for t in self.tasks if t.complete]

    @property
    def present(self) -> int:
        return len(self.scores)

    @property
    def complete(self) -> bool:
        return self.present == self.expected

    @property
    def mean(self) -> float | None:
        """Mean over the complete tasks of this type (the leaderboard's when ``complete``)."""
        return _mean(t.value for t in self.scores)

    @property
    def leaderboard_mean(self) -> float | None:
        """The leaderboard's per-type mean: none unless every task of the type is complete."""
        return self.mean if self.complete else None


# The leaderboard's mean columns, by the aggregation that shows them.
MEAN_LABELS = {
    "mean_task": "Mean (Task)",
    "mean_task_type": "Mean (TaskType)",
    "mean_subset": "Mean (Subset)",
}


# The leaderboard's mean columns, by the BenchmarkSummary property that computes each.
_MEANS = frozenset({"mean_task", "mean_task_type", "mean_subset"})


def mean_columns(benchmark: Benchmark) -> list[str]:
    """The aggregations whose means the benchmark's leaderboard shows, in its order."""
    return [a for a in benchmark.aggregations if a in MEAN_LABELS]


def fmean(values: Collection[float]) -> float:
    """``statistics.fmean`` of a non-empty collection (its sum by ``math.fsum`` over its
    count), without importing statistics, which brings fractions and decimal."""
    return fsum(values) / len(values)


def mean_of_one(value: float) -> float:
    """``fmean([value])`` without a list and a sum: the value as a float, -0.0 as 0.0 (fsum's
    sum of it), which adding 0.0 makes of it and of nothing else (a property test holds them
    equal)."""
    return value + 0.0


def _mean(values: Iterable[float | None]) -> float | None:
    numbers = [v for v in values if v is not None]
    return fmean(numbers) if numbers else None


def _mean_of_type_means(tasks: Iterable[TaskSummary]) -> float | None:
    by_type: dict[str, list[float]] = {}
    for t in tasks:
        if t.value is not None:
            by_type.setdefault(t.type, []).append(t.value)
    return _mean(fmean(values) for values in by_type.values())


@dataclass(slots=True)
class BenchmarkSummary:
    """One model on one benchmark; everything a table, a chart or a comparison needs.

    The ``mean_*`` properties are the leaderboard's numbers (None where it shows none): the
    one rule for a mean on a card, its chart, `cardkit compare` and `cardkit diff`.
    ``average`` and ``average_task_type`` are the same means over the complete tasks present
    (a template's own use, and `cardkit compare --format json`, say so by their names).
    A summary is not changed once made: its lists of tasks are taken then.
    """

    benchmark: Benchmark
    by_type: dict[str, TypeSummary]
    # Its tasks, by type, and the complete ones among them: made once, when the summary is
    # (a card's tables and captions ask for them hundreds of times).
    tasks: list[TaskSummary] = field(init=False, repr=False, compare=False)
    scores: list[TaskSummary] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.tasks = [t for summary in self.by_type.values() for t in summary.tasks]
        self.scores = [t for t in self.tasks if t.complete]

    @property
    def partial(self) -> list[TaskSummary]:
        return [t for t in self.tasks if t.status == PARTIAL]

    @property
    def missing(self) -> list[str]:
        """Tasks with no result at all."""
        return [t.task for t in self.tasks if t.status == MISSING]

    @property
    def expected(self) -> int:
        return len(self.benchmark.tasks)

    @property
    def present(self) -> int:
        return len(self.scores)

    @property
    def complete(self) -> bool:
        return self.present == self.expected

    @property
    def averaged(self) -> list[TaskSummary]:
        """The tasks the leaderboard's means cover: all, or its public ones (RTEB)."""
        only = self.benchmark.summary_tasks
        tasks = self.tasks
        return tasks if only is None else [t for t in tasks if t.task in only]

    @property
    def not_averaged(self) -> list[str]:
        """Tasks of the benchmark the leaderboard leaves out of its means (RTEB's private)."""
        only = self.benchmark.summary_tasks
        return [] if only is None else [t.task for t in self.tasks if t.task not in only]

    @property
    def leaderboard_complete(self) -> bool:
        """Whether every task the leaderboard averages is complete."""
        averaged = self.averaged
        return bool(averaged) and all(t.complete for t in averaged)

    @property
    def average(self) -> float | None:
        """Mean over the complete averaged tasks present (Mean (Task) when complete)."""
        return _mean(t.value for t in self.averaged if t.complete)

    @property
    def average_task_type(self) -> float | None:
        """Mean of the per-type means of the complete averaged tasks present."""
        return _mean_of_type_means(t for t in self.averaged if t.complete)

    @property
    def mean_task(self) -> float | None:
        """The leaderboard's Mean (Task): none unless every averaged task is complete."""
        return self.average if self.leaderboard_complete else None

    @property
    def mean_task_type(self) -> float | None:
        """The leaderboard's Mean (TaskType), the mean of the per-type means: none unless
        every averaged task is complete."""
        return self.average_task_type if self.leaderboard_complete else None

    @property
    def mean_subset(self) -> float | None:
        """The leaderboard's Mean (Subset) (HUME): every (task, subset) weighs the same. Like
        the leaderboard, it covers the tasks with a result and is none if one is partial."""
        with_result = [t for t in self.averaged if t.status != MISSING]
        if not with_result or any(t.status == PARTIAL for t in with_result):
            return None
        return _mean(v for t in with_result for v in t.subset_means)

    def leaderboard_mean(self, aggregation: str) -> float | None:
        """The leaderboard's value of one mean column (``mean_task``, ``mean_task_type``,
        ``mean_subset``)."""
        if aggregation in _MEANS:  # only the one asked for is computed
            return getattr(self, aggregation)
        return None

    @property
    def revisions(self) -> dict[str, str | None]:
        """Task -> the model revision its result came from, for tasks with a result."""
        return {t.task: t.revision for t in self.tasks if t.status != MISSING}

    @property
    def conventions(self) -> list[str]:
        """One sentence per way these numbers differ from mteb's leaderboard, naming the tasks."""
        notes = []
        legacy = [t.task for t in self.scores if t.legacy_metric]
        if legacy:
            notes.append(
                f"{', '.join(legacy)}: scored by `map`, mteb 1.x's main score for them, in "
                "results that name no main score (mteb's leaderboard leaves these tasks out)"
            )
        by_metric: dict[tuple[str, str], list[str]] = {}
        for t in self.scores:
            if t.convention_metric and t.metric:
                main = t.main_metric or "the main score"
                by_metric.setdefault((t.metric, main), []).append(t.task)
        for (metric, main), tasks in by_metric.items():
            notes.append(f"{', '.join(tasks)}: scored by {metric} (mteb's leaderboard: {main})")
        return notes


def task_index(model: ModelResults, catalog: Catalog) -> dict[str, TaskResult]:
    """The model's results by the catalog's task name (old names resolved)."""
    index: dict[str, TaskResult] = {}
    for name, task in model.tasks.items():
        index.setdefault(catalog.canonical_name(name), task)
    return index


def _asked_cells(
    name: str, info: TaskInfo, benchmark: Benchmark, task: TaskResult
) -> tuple[tuple[str, ...], list[Cell] | None, int | None]:
    """(splits, cells, subsets per split) the benchmark asks for. ``cells`` is None where
    the subset list is too long to ship: then only how many subsets there are is known."""
    splits = tuple(benchmark.splits.get(name) or info.eval_splits)
    if not splits:  # a project's own task without declared splits: whatever was evaluated
        splits = tuple(dict.fromkeys(s.split for s in task.scores))
    subsets = benchmark.subsets.get(name) or list(info.subsets)
    if subsets:
        return splits, [(split, subset) for split in splits for subset in subsets], len(subsets)
    count = benchmark.subset_counts.get(name)
    return splits, None, count


class _Rule(NamedTuple):
    """How to read one number from a score entry under a benchmark's convention."""

    candidates: tuple[str, ...]
    main: str | None
    by_main_score: bool  # mteb's benchmarks: the entry's own main score

    @property
    def own_main(self) -> str | None:
        """The name a score read from the entry's own main score goes by; None where the
        rule reads no entry's main score."""
        return (self.main or "main_score") if self.by_main_score else None

    def value(self, entry: SubsetScores) -> tuple[str, float, bool] | None:
        """(metric name, value, read under a legacy name mteb does not read), or None."""
        own_main = self.own_main
        if own_main is not None and entry.main_score is not None:
            return own_main, entry.main_score, False
        found = find_metric(entry.metrics, list(self.candidates))
        if found is None:
            return None
        name, number = found
        legacy = self.by_main_score and name not in _mteb_names(self.main)
        return name, number, legacy


def _mteb_names(main: str | None) -> set[str]:
    """The names under which mteb finds a main score in a file that does not name one (it
    renames the nested ``cos_sim`` family of old files, nothing else)."""
    if main is None:
        return set()
    old = legacy_name(main)
    return {main} if old is None else {main, old}


def _rule(info: TaskInfo, benchmark: Benchmark) -> _Rule:
    main = info.main_score
    if benchmark.metric_by_type is None:
        return _Rule((main,) if main else (), main, True)
    candidates = benchmark.metric_by_type.get(info.type) or ([main] if main else [])
    return _Rule(tuple(candidates), main, False)


def rounded(value: float, decimals: int | None) -> float:
    """A task's score as the benchmark's leaderboard rounds it (not at all by default)."""
    return value if decimals is None else round(value, decimals)


def _shared_task_summary(
    name: str,
    info: TaskInfo,
    benchmark: Benchmark,
    task: TaskResult,
    made: dict[tuple, TaskSummary],
    firsts: dict[str, dict[Cell, SubsetScores]],
) -> TaskSummary:
    """`_task_summary`, taken from ``made`` when another benchmark asked the same of the task:
    a summary depends on the benchmark only through what it says of the task (its splits,
    subsets or their count), the rule it reads a score by, and its rounding. ``firsts``: each
    task's `_first_scores`, made once for all benchmarks."""
    key = (
        name,
        tuple(benchmark.splits.get(name) or ()),
        tuple(benchmark.subsets.get(name) or ()),
        benchmark.subset_counts.get(name),
        _rule(info, benchmark),
        benchmark.task_decimals,
    )
    summary = made.get(key)
    if summary is None:
        entries = firsts.get(name)
        if entries is None:
            entries = firsts[name] = _first_scores(task)
        summary = made[key] = _task_summary(name, info, benchmark, task, entries)
    return summary


def _first_scores(task: TaskResult) -> dict[Cell, SubsetScores]:
    """The task's scores by (split, subset), the first where a file repeats one."""
    scores = task.scores
    entries = dict(zip(map(cell_of, scores), scores))  # in C: right unless a cell repeats
    if len(entries) != len(scores):
        entries = {}
        for entry in scores:
            entries.setdefault(cell_of(entry), entry)
    return entries


def _task_summary(
    name: str,
    info: TaskInfo,
    benchmark: Benchmark,
    task: TaskResult | None,
    entries: dict[Cell, SubsetScores] | None = None,
) -> TaskSummary:
    """The task's row of the benchmark's table; ``entries``: `_first_scores` of ``task``,
    where it is already made (a model's task is read by every benchmark that holds it)."""
    if task is None:
        splits = tuple(benchmark.splits.get(name) or info.eval_splits)
        key = (name, info.type, info.main_score, splits)
        summary = _missing.get(key)
        if summary is None:
            summary = TaskSummary(
                task=name,
                type=info.type,
                status=MISSING,
                main_metric=info.main_score,
                splits=splits,
            )
            if len(_missing) < _MISSING_KEPT:
                _missing[key] = summary
        return summary
    splits, cells, per_split = _asked_cells(name, info, benchmark, task)
    if entries is None:
        entries = _first_scores(task)
    unnamed: list[Cell] = []  # asked for, but known only by count
    if cells is None:
        cells = [key for key in entries if key[0] in splits]
        for split in splits:
            have = sum(1 for key in cells if key[0] == split)
            # Without a count, a split with any subset passes; one with none is missing.
            wanted = per_split if per_split is not None else min(have, 1) or 1
            unnamed.extend([(split, UNNAMED)] * max(wanted - have, 0))
    rule = _rule(info, benchmark)
    scored: dict[Cell, float] = {}
    missing: list[Cell] = []
    metric, legacy = None, False
    # The file's own main score, where the rule reads that: `_Rule.value`'s first case inlined
    # for the cells of a model's hundreds of tasks in every benchmark that has them.
    own_main = rule.own_main
    for cell in cells:
        entry = entries.get(cell)
        if entry is None:
            missing.append(cell)
            continue
        if own_main is not None and entry.main_score is not None:
            metric = own_main
            scored[cell] = entry.main_score * 100
            continue
        found = rule.value(entry)
        if found is None:
            missing.append(cell)
            continue
        metric, number, was_legacy = found
        legacy = legacy or was_legacy
        scored[cell] = number * 100
    missing.extend(unnamed)
    complete = bool(scored) and not missing
    if len(splits) == 1:  # one score per subset: its mean is itself, as a float
        subsets = tuple(subset for _, subset in scored)
        means = tuple(map(mean_of_one, scored.values()))
    else:
        by_subset: dict[str, list[float]] = {}
        for (_, subset), value in scored.items():
            by_subset.setdefault(subset, []).append(value)
        subsets, means = tuple(by_subset), tuple(map(fmean, by_subset.values()))
    convention = complete and not rule.by_main_score
    return TaskSummary(
        task=name,
        type=info.type,
        status=COMPLETE if complete else PARTIAL,
        value=rounded(fmean(scored.values()), benchmark.task_decimals) if complete else None,
        metric=metric if metric is not None else (rule.candidates or (None,))[0],
        main_metric=info.main_score,
        splits=splits,
        subsets=subsets,
        missing_cells=tuple(missing),
        subset_means=means if complete else (),
        revision=task.model_revision,
        legacy_metric=legacy and complete,
        convention_metric=convention and metric not in alias_names(info.main_score or ""),
        scored_cells=tuple(scored.items()),
    )


# A missing task's row is the catalog's alone: the same for every model of a results store.
_missing: dict[tuple, TaskSummary] = {}
_MISSING_KEPT = 20_000


def summarize(
    model: ModelResults,
    catalog: Catalog,
    benchmark: str | Benchmark,
    index: dict[str, TaskResult] | None = None,
    only: Collection[str] | None = None,
) -> BenchmarkSummary:
    """The benchmark's table for this model.

    ``benchmark``: a catalog benchmark's name, or a `Benchmark` of one's own (a narrowed or
    re-scored copy for a comparison). ``index``: the model's results by catalog task name, to
    skip rebuilding it when summarising many benchmarks of one model. ``only``: the tasks to
    summarise, where the others' summaries are not wanted (the table is then of these only).
    """
    if isinstance(benchmark, str):
        benchmark = catalog.benchmark(benchmark)
    index = task_index(model, catalog) if index is None else index
    return _summary(catalog, benchmark, index, {}, only)


def _summary(
    catalog: Catalog,
    benchmark: Benchmark,
    index: dict[str, TaskResult],
    known: dict[str, TaskSummary],
    only: Collection[str] | None = None,
) -> BenchmarkSummary:
    """`summarize`, with the summaries of some tasks already made (``known``)."""
    by_type: dict[str, TypeSummary] = {}
    for name in benchmark.tasks:
        if only is not None and name not in only:
            continue
        info = catalog.task(name)
        summary = known.get(name)
        if summary is None:
            summary = _task_summary(name, info, benchmark, index.get(name))
        by_type.setdefault(info.type, TypeSummary(type=info.type)).tasks.append(summary)
    ordered = dict(sorted(by_type.items()))
    return BenchmarkSummary(benchmark=benchmark, by_type=ordered)


def relevant_summaries(model: ModelResults, catalog: Catalog) -> list[BenchmarkSummary]:
    """The summary of every benchmark for which the results score at least one task
    completely, in catalog order."""
    index = task_index(model, catalog)
    summaries = []
    made: dict[tuple, TaskSummary] = {}
    firsts: dict[str, dict[Cell, SubsetScores]] = {}
    for name in catalog.benchmark_names():
        benchmark = catalog.benchmark(name)
        # Only a task the model has can be complete: those decide before the whole table,
        # most of it missing tasks, is made (and are not made again for it).
        known = {
            task: _shared_task_summary(
                task, catalog.task(task), benchmark, index[task], made, firsts
            )
            for task in benchmark.tasks
            if task in index
        }
        if any(summary.complete for summary in known.values()):
            summaries.append(_summary(catalog, benchmark, index, known))
    return summaries


def relevant_benchmarks(model: ModelResults, catalog: Catalog) -> list[str]:
    """The names of :func:`relevant_summaries`."""
    return [summary.benchmark.name for summary in relevant_summaries(model, catalog)]
