"""What changed between two sets of results of one model: per score, per task, per benchmark.

Scores are compared per (task, split, subset) by the task's main score, in points (0 to 100).
Where the main score did not change, the other metrics both sides hold are compared too
(diagnostics such as ``nauc_*`` left out, as cards leave them out). A difference comes with
what may explain it: another dataset revision, mteb version or model revision. Benchmark
means are `cardkit.scores.summary`'s for each side alone, shown as a card shows them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from cardkit.catalog import Benchmark, Catalog
from cardkit.model import ModelResults, SubsetScores, TaskResult
from cardkit.modelindex import find_metric, is_diagnostic
from cardkit.readers.revisions import PLACEHOLDER_REVISIONS, revisions_used
from cardkit.scores.summary import (
    MEAN_LABELS,
    PARTIAL,
    BenchmarkSummary,
    TaskSummary,
    mean_columns,
    relevant_summaries,
    summarize,
    task_index,
)

CHANGED = "changed"
SAME = "same"
ADDED = "added"
REMOVED = "removed"
# Two scores closer than this (points) are the same: the Hub's .eval_results files keep 5
# decimals of a score in points, as mteb writes them, so a score read back from them is up to
# half of that last digit away from the card's (a hair more after float arithmetic).
TOLERANCE = 5e-6 * (1 + 1e-9)
_PLACEHOLDERS = {None, "", "None", "none", "null", *PLACEHOLDER_REVISIONS}
_LEGACY = "cos_sim_"  # mteb 1.12 renamed cos_sim_* to cosine_*


def same_score(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=TOLERANCE)


@dataclass(frozen=True)
class MetricChange:
    """A metric other than the main score, both sides in points."""

    metric: str
    old: float
    new: float

    @property
    def delta(self) -> float:
        return self.new - self.old


@dataclass(frozen=True)
class ScoreChange:
    """The main score of one (task, split, subset) before and after, in points."""

    task: str
    type: str | None
    split: str
    subset: str
    metric: str | None
    old: float | None
    new: float | None
    status: str  # CHANGED, SAME, ADDED or REMOVED
    other_metrics: tuple[MetricChange, ...] = ()  # changed while the main score did not
    reasons: tuple[str, ...] = ()  # what changed besides the scores (revisions, versions)

    @property
    def delta(self) -> float | None:
        if self.old is None or self.new is None:
            return None
        return self.new - self.old

    def drops_by_more_than(self, threshold: float) -> bool:
        delta = self.delta
        return delta is not None and delta < -threshold and not same_score(-delta, threshold)


@dataclass(frozen=True)
class MeanChange:
    """One of a benchmark's mean columns before and after, as a card shows it: the
    leaderboard's mean, none for an incomplete run."""

    column: str  # "mean_task", "mean_task_type" or "mean_subset"
    old: float | None
    new: float | None
    comparable: bool  # both over the same tasks

    @property
    def label(self) -> str:
        return MEAN_LABELS[self.column]

    @property
    def delta(self) -> float | None:
        if not self.comparable or self.old is None or self.new is None:
            return None
        return self.new - self.old

    @property
    def changed(self) -> bool:
        if self.old is None or self.new is None:
            return (self.old is None) != (self.new is None)
        return not same_score(self.old, self.new)

    def drops_by_more_than(self, threshold: float) -> bool:
        delta = self.delta
        return delta is not None and delta < -threshold and not same_score(-delta, threshold)


@dataclass(frozen=True)
class BenchmarkChange:
    """One benchmark's summary for each side."""

    old: BenchmarkSummary
    new: BenchmarkSummary
    means: tuple[MeanChange, ...]
    newly_partial: tuple[TaskSummary, ...]  # partial after, not before

    @property
    def benchmark(self) -> Benchmark:
        return self.new.benchmark

    @property
    def changed(self) -> bool:
        if any(m.changed for m in self.means) or self.newly_partial:
            return True
        old = {t.task: (t.status, t.value) for t in self.old.tasks}
        for task in self.new.tasks:
            status, value = old[task.task]
            if status != task.status:
                return True
            if value is not None and task.value is not None and not same_score(value, task.value):
                return True
        return False


@dataclass
class ResultsDiff:
    """Everything that differs between two sets of results (``old`` -> ``new``)."""

    old_model: ModelResults
    new_model: ModelResults
    scores: list[ScoreChange]  # every (task, split, subset), most lowered first
    tasks_added: list[str]
    tasks_removed: list[str]
    benchmarks: list[BenchmarkChange] = field(default_factory=list)

    @property
    def changes(self) -> list[ScoreChange]:
        """The scores that differ, were added or were removed."""
        return [s for s in self.scores if s.status != SAME or s.other_metrics]

    @property
    def compared(self) -> list[ScoreChange]:
        """Scores both sides hold."""
        return [s for s in self.scores if s.status in (CHANGED, SAME)]

    @property
    def changed_benchmarks(self) -> list[BenchmarkChange]:
        return [b for b in self.benchmarks if b.changed]

    @property
    def empty(self) -> bool:
        return not self.changes and not self.changed_benchmarks

    def regressions(self, threshold: float) -> list[ScoreChange]:
        """Scores that dropped by more than ``threshold`` points, most lowered first."""
        return [s for s in self.scores if s.drops_by_more_than(threshold)]

    def average_regressions(self, threshold: float) -> list[tuple[BenchmarkChange, MeanChange]]:
        """Benchmark means that dropped by more than ``threshold`` points."""
        return [
            (bench, mean)
            for bench in self.benchmarks
            for mean in bench.means
            if mean.drops_by_more_than(threshold)
        ]


def _main_score(entry: SubsetScores, main: str | None) -> tuple[str | None, float | None]:
    """(metric name, value in points) of an entry's main score; files before mteb 1.11 and
    cards name none, so the catalog's main metric is looked up under its names."""
    if entry.main_score is not None:
        return main, entry.main_score * 100
    if main is None:
        return None, None
    found = find_metric(entry.metrics, [main])
    return (found[0], found[1] * 100) if found else (main, None)


def _comparable_metrics(metrics: dict[str, float]) -> dict[str, float]:
    """Scores by one name per metric (``cos_sim_*`` is ``cosine_*``), diagnostics left out."""
    out: dict[str, float] = {}
    for name, value in metrics.items():
        if is_diagnostic(name):
            continue
        key = "cosine_" + name[len(_LEGACY) :] if name.startswith(_LEGACY) else name
        out.setdefault(key, value)
    return out


def _other_metric_changes(old: SubsetScores, new: SubsetScores) -> tuple[MetricChange, ...]:
    if old.metrics == new.metrics:
        return ()
    before, after = _comparable_metrics(old.metrics), _comparable_metrics(new.metrics)
    return tuple(
        MetricChange(name, before[name] * 100, after[name] * 100)
        for name in before.keys() & after.keys()
        if not same_score(before[name] * 100, after[name] * 100)
    )


def _known(value: str | None) -> str | None:
    return None if value in _PLACEHOLDERS else value


def _short(value: str) -> str:
    return value[:7] if len(value) == 40 and all(c in "0123456789abcdef" for c in value) else value


def _reasons(old: TaskResult, new: TaskResult, by_model_revision: bool) -> tuple[str, ...]:
    """What else changed between the two results of a task, where both sides say. The model
    revision only where a side's tasks come from several (else the header says it once)."""
    pairs = [
        ("dataset revision", old.dataset_revision, new.dataset_revision),
        ("mteb", old.mteb_version, new.mteb_version),
    ]
    if by_model_revision:
        pairs.append(("model revision", old.model_revision, new.model_revision))
    out = []
    for label, a, b in pairs:
        a, b = _known(a), _known(b)
        if a is not None and b is not None and a != b:
            out.append(f"{label} {_short(a)} -> {_short(b)}")
    return tuple(out)


def _one_side(
    task: str, kind: str | None, main: str | None, result: TaskResult, status: str
) -> list[ScoreChange]:
    rows = []
    for entry in result.scores:
        metric, value = _main_score(entry, main)
        old, new = (value, None) if status == REMOVED else (None, value)
        rows.append(ScoreChange(task, kind, entry.split, entry.subset, metric, old, new, status))
    return rows


def _task_changes(
    name: str,
    kind: str | None,
    main: str | None,
    old: TaskResult,
    new: TaskResult,
    by_model_revision: bool,
) -> list[ScoreChange]:
    before = {(e.split, e.subset): e for e in old.scores}
    after = {(e.split, e.subset): e for e in new.scores}
    reasons: tuple[str, ...] | None = None
    rows = []
    for key, entry in after.items():
        previous = before.get(key)
        metric, value = _main_score(entry, main)
        if previous is None:
            rows.append(ScoreChange(name, kind, *key, metric, None, value, ADDED))
            continue
        old_metric, old_value = _main_score(previous, main)
        status, others = SAME, ()
        if old_value is None or value is None:  # no main score known: the metrics speak
            status = SAME if old_value == value else CHANGED
        elif not same_score(old_value, value):
            status = CHANGED
        if status == SAME:
            others = _other_metric_changes(previous, entry)
        if status == CHANGED or others:
            reasons = _reasons(old, new, by_model_revision) if reasons is None else reasons
        rows.append(
            ScoreChange(
                name,
                kind,
                *key,
                metric or old_metric,
                old_value,
                value,
                status,
                others,
                reasons if status == CHANGED or others else (),
            )
        )
    for key, entry in before.items():
        if key not in after:
            metric, value = _main_score(entry, main)
            rows.append(ScoreChange(name, kind, *key, metric, value, None, REMOVED))
    return rows


def _benchmark_change(old: BenchmarkSummary, new: BenchmarkSummary) -> BenchmarkChange:
    same_tasks = {t.task for t in old.averaged if t.complete} == {
        t.task for t in new.averaged if t.complete
    }
    comparable = same_tasks or (old.leaderboard_complete and new.leaderboard_complete)
    means = tuple(
        MeanChange(a, old.leaderboard_mean(a), new.leaderboard_mean(a), comparable)
        for a in mean_columns(new.benchmark)
    )
    before = {t.task: t.status for t in old.tasks}
    newly_partial = tuple(
        t for t in new.tasks if t.status == PARTIAL and before.get(t.task) != PARTIAL
    )
    return BenchmarkChange(old, new, means, newly_partial)


def _sort_key(change: ScoreChange) -> tuple:
    order = {CHANGED: 0, ADDED: 1, REMOVED: 2, SAME: 3}[change.status]
    delta = change.delta if change.status == CHANGED and change.delta is not None else 0.0
    return (order, delta, change.task, change.split, change.subset)


def diff_results(
    old: ModelResults,
    new: ModelResults,
    catalog: Catalog,
    benchmarks: Sequence[str] | None = None,
) -> ResultsDiff:
    """Compare two sets of results of a model, score by score and benchmark by benchmark.

    ``benchmarks``: catalog names to summarise; default: every benchmark on which either
    side has a complete task.
    """
    old_catalog = catalog.with_recorded_tasks(old.extra_tasks)
    new_catalog = catalog.with_recorded_tasks(new.extra_tasks)
    before, after = task_index(old, old_catalog), task_index(new, new_catalog)
    mixed = len(revisions_used(old)) > 1 or len(revisions_used(new)) > 1
    scores: list[ScoreChange] = []
    for name in sorted(before.keys() | after.keys()):
        info = new_catalog.get(name) or old_catalog.get(name)
        kind = info.type if info else None
        main = info.main_score if info else None
        if name not in before:
            scores.extend(_one_side(name, kind, main, after[name], ADDED))
        elif name not in after:
            scores.extend(_one_side(name, kind, main, before[name], REMOVED))
        else:
            scores.extend(_task_changes(name, kind, main, before[name], after[name], mixed))
    scores.sort(key=_sort_key)
    old_summaries: dict[str, BenchmarkSummary] = {}
    new_summaries: dict[str, BenchmarkSummary] = {}
    if benchmarks is None:  # the benchmarks either side's card would summarise
        old_summaries = {s.benchmark.name: s for s in relevant_summaries(old, old_catalog)}
        new_summaries = {s.benchmark.name: s for s in relevant_summaries(new, new_catalog)}
        names = old_summaries.keys() | new_summaries.keys()
        benchmarks = [b for b in catalog.benchmark_names() if b in names]
    changes = [
        _benchmark_change(
            old_summaries.get(name) or summarize(old, old_catalog, name, before),
            new_summaries.get(name) or summarize(new, new_catalog, name, after),
        )
        for name in benchmarks
    ]
    return ResultsDiff(
        old_model=old,
        new_model=new,
        scores=scores,
        tasks_added=sorted(after.keys() - before.keys()),
        tasks_removed=sorted(before.keys() - after.keys()),
        benchmarks=changes,
    )
