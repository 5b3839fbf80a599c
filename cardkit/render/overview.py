"""The card's overview: one row per benchmark section (its tasks, its means, and the model's
rank among the compared models), read from the card plan, so it repeats the sections' own
numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cardkit.reports.tables import markdown_table, score, tasks_label
from cardkit.scores.summary import MEAN_LABELS, mean_columns

if TYPE_CHECKING:
    from cardkit.render.plan import CardPlan
    from cardkit.scores.compare import BenchmarkComparison

_MEANS = ("mean_task", "mean_task_type")


def _rank(comparison: BenchmarkComparison | None, name: str) -> str:
    """``2 of 3``: the model's place in the section's table (a dash when it has none)."""
    if comparison is None:
        return "–"
    ranked = [row for row in comparison.rows if row.rank is not None]
    own = next((row.rank for row in ranked if row.name == name), None)
    return "–" if own is None else f"{own} of {len(ranked)}"


def overview_table(plan: CardPlan) -> str | None:
    """The overview of a card with several benchmark sections (None for one or none). A
    benchmark whose leaderboard shows another mean (HUME's Mean (Subset)) leaves the cell
    empty; its section gives it."""
    summaries = plan.shown
    if len(summaries) < 2:
        return None
    compared = bool(plan.comparisons)
    headers = ["Benchmark", "Tasks", *(MEAN_LABELS[a] for a in _MEANS)]
    rows = []
    for summary in summaries:
        columns = mean_columns(summary.benchmark)
        row: list[str | None] = [summary.benchmark.title, tasks_label(summary)]
        row += [score(summary.leaderboard_mean(a)) if a in columns else None for a in _MEANS]
        if compared:
            row.append(_rank(plan.comparisons.get(summary.benchmark.name), plan.info.name))
        rows.append(row)
    if compared:
        headers.append("Rank")
    return markdown_table(headers, rows, [False, True, True, True, True][: len(headers)])
