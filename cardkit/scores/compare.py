"""Several models side by side on a benchmark, ranked as the MTEB leaderboard ranks them.

Every number in a row is what `cardkit.scores.summary` gives for that model alone (partial and
missing tasks listed, never averaged); this module only orders the rows and adds the ranks.
The rules are those of mteb 2.26's leaderboard (``mteb.benchmarks._create_table``):

- **Borda count.** Per task, the models with a score are ranked (ties share the mean rank);
  each earns ``n - rank`` points, ``n`` being the number of models with at least one complete
  task; the points are summed and the sums ranked, ties sharing the best rank. A partial task
  counts with the mean of the (split, subset) scores it has, as on the leaderboard; HUME
  counts (task, subset) pairs instead of tasks, RTEB its public tasks only.
- **Order.** Most benchmarks sort by the Borda rank. HUME sorts by Mean (Subset) (its rank
  column stays the Borda rank), MIEB by Mean (TaskType), ViDoRe v3 by Mean (Task) (their rank
  is the position). C-MTEB, which is not on mteb's leaderboard, sorts by Mean (Task) as the
  original C-MTEB leaderboard sorted by its Average.

The rows carry what a table of models shows besides the scores (a link to the model's page,
embedding dimension, maximum tokens), so a model card's comparison rows and `cardkit compare`
print the same thing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cardkit.catalog import Benchmark, Catalog
from cardkit.io.errors import CardkitError
from cardkit.model import ModelResults
from cardkit.readers.discover import model_meta
from cardkit.scores.summary import (
    MEAN_LABELS,
    MISSING,
    BenchmarkSummary,
    TaskSummary,
    fmean,
    mean_columns,
    relevant_benchmarks,
    rounded,
    summarize,
)

HUB_URL = "https://huggingface.co"
BORDA = "borda"
RANK_BORDA = "Rank (Borda)"
_REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


@dataclass(frozen=True)
class ModelFacts:
    """What a leaderboard row shows about a model besides its scores."""

    name: str
    link: str | None = None
    embedding_dim: int | None = None
    max_tokens: int | None = None


def _embedding_dim(value: Any) -> int | None:
    """mteb's rule: an int, or the largest of several (Matryoshka) dimensions."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
        return max(value)
    return None


def _max_tokens(value: Any) -> int | None:
    """A number of tokens; mteb writes ``Infinity`` for models without a limit."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if math.isfinite(value) and value > 0 else None


def _link(name: str, meta: dict[str, Any]) -> str | None:
    reference = meta.get("reference")
    if isinstance(reference, str) and reference.startswith("https://"):
        return reference
    return f"{HUB_URL}/{name}" if _REPO_ID.fullmatch(name) else None


def model_facts(model: ModelResults, name: str | None = None) -> ModelFacts:
    """Name, page and size facts of a model, from its results and ``model_meta.json``."""
    meta = model_meta(model)
    name = name or model.model_name or "unknown model"
    return ModelFacts(
        name=name,
        link=_link(name, meta),
        embedding_dim=_embedding_dim(meta.get("embed_dim")),
        max_tokens=_max_tokens(meta.get("max_tokens")),
    )


@dataclass(frozen=True)
class ComparisonRow:
    """One model on one benchmark: its summary, and where the leaderboard ranks it."""

    facts: ModelFacts
    summary: BenchmarkSummary
    rank: int | None = None  # the leaderboard's rank column (see `BenchmarkComparison`)
    borda_rank: int | None = None
    borda_count: float | None = None

    @property
    def name(self) -> str:
        return self.facts.name

    @property
    def link(self) -> str | None:
        return self.facts.link

    def mean(self, aggregation: str) -> float | None:
        """The leaderboard's mean (``mean_task``, ...): none unless every task it covers is
        complete."""
        return self.summary.leaderboard_mean(aggregation)

    def type_mean(self, task_type: str) -> float | None:
        """The leaderboard's mean of one task type: none unless all its tasks are complete."""
        types = self.summary.by_type.get(task_type)
        return types.leaderboard_mean if types is not None else None

    def task(self, name: str) -> TaskSummary | None:
        return next((t for t in self.summary.tasks if t.task == name), None)

    @property
    def present(self) -> int:
        return self.summary.present

    @property
    def expected(self) -> int:
        return self.summary.expected

    @property
    def partial(self) -> list[TaskSummary]:
        return self.summary.partial

    @property
    def missing(self) -> list[str]:
        return self.summary.missing


@dataclass(frozen=True)
class BenchmarkComparison:
    """The leaderboard table of several models on one benchmark, rows in its order."""

    benchmark: Benchmark
    rows: tuple[ComparisonRow, ...]
    order: str  # BORDA, or the mean column the leaderboard sorts by ("mean_task", ...)
    types: tuple[str, ...] = field(default=())
    tasks: tuple[str, ...] = field(default=())

    @property
    def rank_label(self) -> str:
        """The name of the leaderboard's rank column."""
        if self.order in (BORDA, "mean_subset"):
            return RANK_BORDA
        return "Rank (Mean Task)" if self.order == "mean_task" else "Rank"

    @property
    def shows_borda_apart(self) -> bool:
        """Whether the Borda rank is a column of its own (when the rank is a position)."""
        return self.rank_label != RANK_BORDA

    @property
    def mean_columns(self) -> list[str]:
        """The aggregations whose means the leaderboard shows, in its order."""
        return mean_columns(self.benchmark)

    @property
    def shows_types(self) -> bool:
        return "task_types" in self.benchmark.aggregations

    @property
    def order_label(self) -> str:
        """How the rows are ordered, in words."""
        if self.order == BORDA:
            return "by Borda count over the tasks"
        return f"by {MEAN_LABELS[self.order]}"

    def type_count(self, task_type: str) -> int:
        first = self.rows[0].summary.by_type.get(task_type) if self.rows else None
        return first.expected if first is not None else 0


def leaderboard_order(benchmark: Benchmark) -> str:
    """What the leaderboard sorts a benchmark's table by (mteb 2.26's rule, from the
    benchmark's columns): Mean (Subset) where shown (HUME); Mean (TaskType) where it is the
    only mean (MIEB); Mean (Task) for benchmarks with public and private tasks (ViDoRe v3) and
    for C-MTEB, scored by its own metrics and ranked by its Average; else the Borda count."""
    aggregations = set(benchmark.aggregations)
    if "mean_subset" in aggregations:
        return "mean_subset"
    if "mean_task_type" in aggregations and "mean_task" not in aggregations:
        return "mean_task_type"
    if "public_private" in aggregations or benchmark.metric_by_type is not None:
        return "mean_task"
    return BORDA


def _partition_scores(summary: BenchmarkSummary, by_subset: bool) -> dict[Any, float]:
    """The scores the Borda count ranks: per task the mean of the (split, subset) scores it
    has (a partial task too); per (task, subset) the mean over the splits when every split
    the benchmark asks for is there (``by_subset``, HUME)."""
    decimals = summary.benchmark.task_decimals
    scores: dict[Any, float] = {}
    for task in summary.averaged:
        if not task.scored_cells:
            continue
        if not by_subset:
            values = [value for _, value in task.scored_cells]
            scores[task.task] = rounded(fmean(values), decimals)
            continue
        per_subset: dict[str, dict[str, float]] = {}
        for (split, subset), value in task.scored_cells:
            per_subset.setdefault(subset, {})[split] = value
        for subset, splits in per_subset.items():
            if all(split in splits for split in task.splits):
                scores[(task.task, subset)] = fmean(splits.values())
    return scores


def _average_ranks(values: dict[int, float]) -> dict[int, float]:
    """Rank 1 for the highest value; equal values share the mean of their ranks."""
    ordered = sorted(values.items(), key=lambda item: -item[1])
    ranks: dict[int, float] = {}
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1][1] == ordered[start][1]:
            end += 1
        shared = (start + end) / 2 + 1
        for position in range(start, end + 1):
            ranks[ordered[position][0]] = shared
        start = end + 1
    return ranks


def has_results(summary: BenchmarkSummary) -> bool:
    """Whether the model has a result for any task the benchmark's means cover: the
    leaderboard ranks only those."""
    return any(t.status != MISSING for t in summary.averaged)


def borda_counts(summaries: Sequence[BenchmarkSummary]) -> list[float | None]:
    """Each model's Borda count on one benchmark, as mteb's leaderboard computes it; None for
    a model without any result on it (the leaderboard does not rank it)."""
    if not summaries:
        return []
    by_subset = "mean_subset" in summaries[0].benchmark.aggregations
    with_complete = sum(any(t.complete for t in s.averaged) for s in summaries)
    partitions: dict[Any, dict[int, float]] = {}
    for index, summary in enumerate(summaries):
        for key, value in _partition_scores(summary, by_subset).items():
            partitions.setdefault(key, {})[index] = value
    counts: list[float | None] = [0.0 if has_results(s) else None for s in summaries]
    for values in partitions.values():
        for index, rank in _average_ranks(values).items():
            counts[index] = (counts[index] or 0.0) + with_complete - rank
    return counts


def min_ranks(values: Sequence[float | None]) -> list[int | None]:
    """Rank 1 for the highest value; equal values share the best rank (1, 2, 2, 4); None
    stays unranked."""
    present = [v for v in values if v is not None]
    return [None if v is None else 1 + sum(other > v for other in present) for v in values]


def comparison_row(
    model: ModelResults,
    catalog: Catalog,
    benchmark: str | Benchmark,
    name: str | None = None,
) -> ComparisonRow:
    """A model's unranked row on a benchmark (``name`` overrides the model's own)."""
    return ComparisonRow(model_facts(model, name), summarize(model, catalog, benchmark))


def _sort_key(row: ComparisonRow, order: str) -> tuple:
    if order == BORDA:
        return (row.borda_rank is None, row.borda_rank or 0, row.name)
    value = row.mean(order)  # rows without the mean last, in Borda order among them
    return (row.borda_rank is None, value is None, -(value or 0.0), row.borda_rank or 0, row.name)


def rank_rows(rows: Sequence[ComparisonRow]) -> BenchmarkComparison:
    """The rows of one benchmark, ranked and ordered as the leaderboard shows them.

    A model without any result on the benchmark is listed last, unranked.
    """
    if not rows:
        raise ValueError("rank_rows needs at least one row")
    benchmark = rows[0].summary.benchmark
    if any(row.summary.benchmark.name != benchmark.name for row in rows):
        raise ValueError("rank_rows needs rows of one benchmark")
    counts = borda_counts([row.summary for row in rows])
    borda = min_ranks(counts)
    ranked = [
        ComparisonRow(row.facts, row.summary, None, rank, count)
        for row, rank, count in zip(rows, borda, counts)
    ]
    order = leaderboard_order(benchmark)
    ranked.sort(key=lambda row: _sort_key(row, order))
    by_position = order not in (BORDA, "mean_subset")
    final = [
        ComparisonRow(
            r.facts,
            r.summary,
            (position if by_position else r.borda_rank) if r.borda_rank is not None else None,
            r.borda_rank,
            r.borda_count,
        )
        for position, r in enumerate(ranked, start=1)
    ]
    first = rows[0].summary
    return BenchmarkComparison(
        benchmark=benchmark,
        rows=tuple(final),
        order=order,
        types=tuple(first.by_type),
        tasks=tuple(t.task for t in first.tasks),
    )


def shared_benchmarks(models: Sequence[ModelResults], catalog: Catalog) -> list[str]:
    """Benchmarks on which every model has at least one complete task, in catalog order."""
    if not models:
        return []
    common = set(relevant_benchmarks(models[0], catalog))
    for model in models[1:]:
        common &= set(relevant_benchmarks(model, catalog))
    return [name for name in catalog.benchmark_names() if name in common]


def compare_models(
    models: Sequence[ModelResults],
    catalog: Catalog,
    benchmarks: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
) -> list[BenchmarkComparison]:
    """The leaderboard table of ``models`` on each benchmark.

    ``benchmarks``: catalog names; default: every benchmark on which each model has at least
    one complete task. ``names``: the name to show for each model (default: its own).
    Raises CardkitError when no benchmark is given and none is shared.
    """
    if not models:
        raise CardkitError("no models to compare")
    if names is not None and len(names) != len(models):
        raise ValueError("names must give one name per model")
    chosen = list(benchmarks) if benchmarks else shared_benchmarks(models, catalog)
    if not chosen:
        raise CardkitError(
            "no benchmark has a complete task in every model's results; name one with "
            "--benchmark (see the benchmarks each model's card summarises)"
        )
    facts = [model_facts(model, names[i] if names else None) for i, model in enumerate(models)]
    tables = []
    for benchmark in chosen:
        bench = catalog.benchmark(benchmark)
        rows = [
            ComparisonRow(fact, summarize(model, catalog, bench))
            for fact, model in zip(facts, models)
        ]
        tables.append(rank_rows(rows))
    return tables
