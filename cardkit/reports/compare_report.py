"""`cardkit compare` output: the leaderboard table of several models per benchmark, as text,
Markdown, CSV or JSON.

Text and Markdown round to two decimals as the leaderboard does; CSV and JSON keep every
digit for other tools. Missing and partial tasks are named under each table, never averaged.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from typing import Any

from cardkit.reports.captions import short_list
from cardkit.reports.tables import markdown_link, markdown_table, markdown_text, type_label
from cardkit.reports.terminal import text_table
from cardkit.scores.compare import BenchmarkComparison, ComparisonRow
from cardkit.scores.summary import COMPLETE, MEAN_LABELS, PARTIAL, TaskSummary

NONE = "–"


def _score(value: float | None) -> str:
    return NONE if value is None else f"{value:.2f}"


def _rank(value: int | None) -> str:
    return NONE if value is None else str(value)


def _tasks(row: ComparisonRow) -> str:
    return str(row.expected) if row.present == row.expected else f"{row.present}/{row.expected}"


def _has_sizes(table: BenchmarkComparison) -> tuple[bool, bool]:
    return (
        any(r.facts.embedding_dim is not None for r in table.rows),
        any(r.facts.max_tokens is not None for r in table.rows),
    )


def _task_cell(task: TaskSummary | None) -> str:
    if task is None or task.status not in (COMPLETE, PARTIAL):
        return NONE
    return _score(task.value) if task.complete else "partial"


def headers(table: BenchmarkComparison, with_tasks: bool = False) -> list[str]:
    """The columns of a benchmark's table, in the leaderboard's order."""
    dims, tokens = _has_sizes(table)
    out = [table.rank_label, "Model"]
    out += ["Embedding Dimensions"] * dims + ["Max Tokens"] * tokens
    out += ["Tasks"] + [MEAN_LABELS[a] for a in table.mean_columns]
    if table.shows_types:
        out += [f"{type_label(t)} ({table.type_count(t)})" for t in table.types]
    if table.shows_borda_apart:
        out.append("Rank (Borda)")
    if with_tasks:
        out += list(table.tasks)
    return out


def shown(table: BenchmarkComparison) -> list[ComparisonRow]:
    """The rows a table shows: models with a result on the benchmark (the others are named
    under it)."""
    return [row for row in table.rows if row.borda_rank is not None]


def without_results(table: BenchmarkComparison) -> list[str]:
    return [row.name for row in table.rows if row.borda_rank is None]


def rows(
    table: BenchmarkComparison, with_tasks: bool = False, links: bool = False
) -> list[list[str]]:
    """The table's cells, two decimals; ``links``: the model as a Markdown link."""
    dims, tokens = _has_sizes(table)
    out = []
    for row in shown(table):
        name = markdown_link(row.name, row.link) if links and row.link else row.name
        cells = [_rank(row.rank), name]
        if dims:
            cells.append(_rank(row.facts.embedding_dim))
        if tokens:
            cells.append(_rank(row.facts.max_tokens))
        cells.append(_tasks(row))
        cells += [_score(row.mean(a)) for a in table.mean_columns]
        if table.shows_types:
            cells += [_score(row.type_mean(t)) for t in table.types]
        if table.shows_borda_apart:
            cells.append(_rank(row.borda_rank))
        if with_tasks:
            cells += [_task_cell(row.task(t)) for t in table.tasks]
        out.append(cells)
    return out


def _numeric(table: BenchmarkComparison, with_tasks: bool) -> list[bool]:
    columns = headers(table, with_tasks)
    return [name != "Model" for name in columns]


def caption(table: BenchmarkComparison, name: Callable[[str], str] = str) -> list[str]:
    """What the table covers and how it is ranked, then what each model lacks; ``name``
    writes a model's name (`markdown_text` for Markdown)."""
    bench = table.benchmark
    first = f"{bench.title}: {len(table.tasks)} tasks"
    if bench.convention:
        first += f"; {bench.convention.rstrip('.')}"
    if bench.metric_by_type is not None:
        first += f". Ranked {table.order_label}, as the original leaderboard ranked its Average"
    else:
        first += f". Ranked {table.order_label}, as mteb's leaderboard ranks it"
    lines = [first + "."]
    if without_results(table):
        absent = [name(n) for n in without_results(table)]
        lines.append(f"No result on this benchmark: {short_list(absent)}.")
    if any(row.present < row.expected for row in shown(table)):
        lines.append(
            "As on the leaderboard, a mean is shown only when every task it covers is complete."
        )
    # Each caveat once, naming every model it holds for.
    said: dict[str, list[str]] = {}
    for row in shown(table):
        notes = []
        if row.partial:
            parts = [f"{t.task} (lacks {t.missing_text()})" for t in row.partial]
            notes.append(f"partial, not averaged: {short_list(parts)}.")
        if row.missing:
            notes.append(f"no result for {len(row.missing)} tasks: {short_list(row.missing)}.")
        notes += [f"differs from mteb's leaderboard: {note}." for note in row.summary.conventions]
        for note in notes:
            said.setdefault(note, []).append(row.name)
    lines += [f"{_and([name(n) for n in names])}: {note}" for note, names in said.items()]
    return lines


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def render_text(tables: Sequence[BenchmarkComparison], with_tasks: bool = False) -> str:
    parts = []
    for table in tables:
        lines = caption(table)
        body = text_table(
            headers(table, with_tasks), rows(table, with_tasks), _numeric(table, with_tasks)
        )
        parts.append(lines[0] + "\n" + body + "".join(line + "\n" for line in lines[1:]))
    return "\n".join(parts)


def render_markdown(tables: Sequence[BenchmarkComparison], with_tasks: bool = False) -> str:
    parts = []
    for table in tables:
        lines = caption(table, markdown_text)
        body = markdown_table(
            headers(table, with_tasks),
            rows(table, with_tasks, links=True),
            _numeric(table, with_tasks),
        )
        notes = "".join(f"\n{line}\n" for line in lines[1:])
        title = table.benchmark.title
        first = f"**{title}**{lines[0][len(title) :]}"
        parts.append(f"{first}\n\n{body}{notes}")
    return "\n".join(parts)


def _row_json(row: ComparisonRow, table: BenchmarkComparison) -> dict[str, Any]:
    return {
        "rank": row.rank,
        "borda_rank": row.borda_rank,
        "borda_count": row.borda_count,
        "model": row.name,
        "link": row.link,
        "embedding_dimensions": row.facts.embedding_dim,
        "max_tokens": row.facts.max_tokens,
        "complete_tasks": row.present,
        "tasks": row.expected,
        "means": {MEAN_LABELS[a]: row.mean(a) for a in table.mean_columns},
        "average_over_complete_tasks": row.summary.average,
        "types": {t: row.type_mean(t) for t in table.types},
        "task_scores": {
            t.task: {"status": t.status, "value": t.value, "split": t.split}
            for t in row.summary.tasks
        },
        "partial": [{"task": t.task, "lacks": t.missing_text()} for t in row.partial],
        "missing": row.missing,
        "conventions": row.summary.conventions,
    }


def render_json(tables: Sequence[BenchmarkComparison]) -> str:
    data = [
        {
            "benchmark": table.benchmark.name,
            "title": table.benchmark.title,
            "convention": table.benchmark.convention,
            "ranked_by": "Borda count" if table.order == "borda" else MEAN_LABELS[table.order],
            "rank_column": table.rank_label,
            "types": {t: table.type_count(t) for t in table.types},
            "rows": [_row_json(row, table) for row in table.rows],
        }
        for table in tables
    ]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_csv(tables: Sequence[BenchmarkComparison], with_tasks: bool = False) -> str:
    """One row per (benchmark, model), columns the union over the benchmarks; full precision."""
    types = list(dict.fromkeys(t for table in tables for t in table.types))
    tasks = list(dict.fromkeys(t for table in tables for t in table.tasks)) if with_tasks else []
    columns = ["Benchmark", "Rank", "Rank (Borda)", "Model", "Link", "Embedding Dimensions"]
    columns += ["Max Tokens", "Complete Tasks", "Tasks", *MEAN_LABELS.values(), *types, *tasks]
    columns += ["Partial", "Missing"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for table in tables:
        for row in shown(table):
            means = {MEAN_LABELS[a]: row.mean(a) for a in table.mean_columns}
            values: dict[str, Any] = {
                "Benchmark": table.benchmark.name,
                "Rank": row.rank,
                "Rank (Borda)": row.borda_rank,
                "Model": row.name,
                "Link": row.link,
                "Embedding Dimensions": row.facts.embedding_dim,
                "Max Tokens": row.facts.max_tokens,
                "Complete Tasks": row.present,
                "Tasks": row.expected,
                **means,
                **{t: row.type_mean(t) for t in table.types},
                **{t.task: t.value for t in row.summary.tasks if with_tasks},
                "Partial": "; ".join(f"{t.task} (lacks {t.missing_text()})" for t in row.partial),
                "Missing": "; ".join(row.missing),
            }
            writer.writerow(["" if values.get(c) is None else values[c] for c in columns])
    return buffer.getvalue()
