"""One benchmark's section of the card: the sentences under its heading and its table, for
the card's model alone or beside the models it is compared with.

Numbers come from `cardkit.scores.summary`; a comparison's rows, ranks and columns from
`cardkit.scores.compare` and `cardkit.reports.compare_report`, so the card and
`cardkit compare` agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cardkit.reports.captions import (
    convention_sentences,
    private_sentence,
    scoring_sentence,
    short_list,
    status_sentences,
)
from cardkit.reports.tables import Markdown, cell, markdown_text, narrow_tables
from cardkit.scores.summary import BenchmarkSummary

if TYPE_CHECKING:  # the comparison code is imported only for a card with comparisons
    from cardkit.scores.compare import BenchmarkComparison


def summary_caption(
    summary: BenchmarkSummary, comparison: BenchmarkComparison | None = None
) -> str:
    """The sentences under a benchmark's heading: what the table averages and how, where it
    differs from mteb's leaderboard, and what each model lacks (one paragraph each)."""
    bench = summary.benchmark
    first = f"{summary.expected} task{'' if summary.expected == 1 else 's'}."
    if bench.metric_by_type is not None:
        first += f" {scoring_sentence(bench)}"
    lines = [first]
    private = private_sentence(summary)
    if private:
        lines.append(private)
    if comparison is None:
        lines += convention_sentences(summary.scores)
        lines += status_sentences(summary)
        return "\n\n".join(lines)
    from cardkit.reports.compare_report import shown, without_results

    lines.append(_ranking_sentence(comparison))
    shown_rows = shown(comparison)
    # Model names come from the results: escaped, as data.
    lines += _shared_sentences(
        [(markdown_text(row.name), convention_sentences(row.summary.scores)) for row in shown_rows]
    )
    lacking: dict[str, list[str]] = {}
    for row in shown_rows:
        for line in _lacks(row.summary):
            lacking.setdefault(line, []).append(markdown_text(row.name))
    lines += [f"{_and(names)}: {line}" for line, names in lacking.items()]
    absent = [markdown_text(name) for name in without_results(comparison)]
    if absent:
        lines.append(f"No result on this benchmark: {short_list(absent)}.")
    return "\n\n".join(lines)


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _ranking_sentence(comparison: BenchmarkComparison) -> str:
    if comparison.benchmark.metric_by_type is not None:
        how = f"Ranked {comparison.order_label}, as the original leaderboard ranked its Average"
    else:
        how = f"Ranked {comparison.order_label}, as mteb's leaderboard ranks it"
    return f"{how}; ties share a rank. A mean is shown only when every task it covers is complete."


def _shared_sentences(per_model: list[tuple[str, list[str]]]) -> list[str]:
    """Sentences every model has said once; the others prefixed with the model's name."""
    if not per_model:
        return []
    common = [s for s in per_model[0][1] if all(s in sentences for _, sentences in per_model)]
    out = list(common)
    for name, sentences in per_model:
        out += [f"{name}: {s}" for s in sentences if s not in common]
    return out


def _lacks(summary: BenchmarkSummary) -> list[str]:
    """What a compared model lacks on a benchmark, in one sentence (none when complete)."""
    if summary.complete:
        return []
    parts = [f"{summary.present} of {summary.expected} tasks complete"]
    if summary.partial:
        partial = [f"{t.task} (lacks {t.missing_text()})" for t in summary.partial]
        parts.append(f"partial, not averaged: {short_list(partial)}")
    if summary.missing:
        parts.append(f"no result: {short_list(summary.missing)}")
    return ["; ".join(parts) + "."]


def comparison_table(comparison: BenchmarkComparison, own_name: str) -> str:
    """The leaderboard table of the card's model and the models it is compared with, as
    `cardkit compare` prints it (each model linked to its page), the card's model in bold."""
    from cardkit.reports.compare_report import headers, rows, shown

    columns = headers(comparison)
    cells = rows(comparison, links=True)
    for row, line in zip(shown(comparison), cells):
        if row.name == own_name:
            line[1] = Markdown(f"**{cell(line[1])}**")
    numeric = [name != "Model" for name in columns]
    types = len(comparison.types) if comparison.shows_types else 0
    first = columns.index("Tasks") + 1 + len(comparison.mean_columns)
    return narrow_tables(columns, cells, numeric, types, first)
