"""`cardkit diff` output: a terminal table, Markdown for a pull request, JSON for other tools.

All three say the same things in the same order: the scores that dropped beyond the
threshold first, then every other change sorted by how much the score moved (most lowered
first), tasks added and removed, metrics that moved while the main score did not, and the
benchmark means before and after.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from cardkit.model import ModelResults
from cardkit.readers.revisions import revisions_used
from cardkit.reports.tables import markdown_code, markdown_table, markdown_text
from cardkit.reports.terminal import paint, text_table
from cardkit.scores.diff import (
    ADDED,
    CHANGED,
    REMOVED,
    SAME,
    BenchmarkChange,
    MeanChange,
    ResultsDiff,
    ScoreChange,
    same_score,
)

NONE = "–"


@dataclass(frozen=True)
class Gate:
    """The thresholds asked for (points; None: not asked) and what exceeds them."""

    threshold: float | None = None
    threshold_average: float | None = None

    def offenders(self, diff: ResultsDiff) -> list[ScoreChange]:
        return [] if self.threshold is None else diff.regressions(self.threshold)

    def average_offenders(self, diff: ResultsDiff) -> list[tuple[BenchmarkChange, MeanChange]]:
        if self.threshold_average is None:
            return []
        return diff.average_regressions(self.threshold_average)

    def failed(self, diff: ResultsDiff) -> bool:
        return bool(self.offenders(diff) or self.average_offenders(diff))


def score_text(value: float | None) -> str:
    return NONE if value is None else f"{value:.2f}"


def delta_text(value: float | None) -> str:
    if value is None:
        return NONE
    if value != 0 and abs(value) < 0.005:
        return f"{value:+.2g}"
    return f"{value:+.2f}"


def model_text(model: ModelResults) -> str:
    """``ORG/NAME (revision), N tasks``, naming every revision folder a merge used."""
    revisions = [r for r in revisions_used(model) if r is not None]
    if not revisions and model.revision:
        revisions = [model.revision]
    shown = ", ".join(r[:12] if len(r) == 40 else r for r in revisions)
    where = f" ({shown})" if shown else ""
    return f"{model.model_name or 'unnamed model'}{where}, {len(model.tasks)} tasks"


def _direction(change: ScoreChange) -> str:
    delta = change.delta
    if change.status == SAME or delta is None:
        return "the same" if change.status == SAME else "changed"
    return "lower" if delta < 0 else "higher"


def _counts(diff: ResultsDiff) -> str:
    directions = Counter(_direction(s) for s in diff.compared)
    parts = [
        f"{len(diff.compared)} scores compared: {directions['lower']} lower, "
        f"{directions['higher']} higher, {directions['the same']} the same",
        f"{len(diff.tasks_added)} tasks added, {len(diff.tasks_removed)} removed",
    ]
    return "; ".join(parts) + "."


def _note(change: ScoreChange) -> str:
    if change.status in (ADDED, REMOVED):
        return change.status
    return "; ".join(change.reasons)


def _whole_tasks(diff: ResultsDiff) -> set[str]:
    return set(diff.tasks_added) | set(diff.tasks_removed)


@dataclass
class _Parts:
    """The diff cut into the sections every format shows."""

    offenders: list[ScoreChange]
    changes: list[ScoreChange]  # changed scores (and, with everything, unchanged ones)
    cells: list[ScoreChange]  # scores added or removed in tasks both sides hold
    metrics: list[ScoreChange]  # other metrics moved, main score the same
    benchmarks: list[BenchmarkChange]
    average_offenders: list[tuple[BenchmarkChange, MeanChange]]


def _parts(diff: ResultsDiff, gate: Gate, everything: bool) -> _Parts:
    offenders = gate.offenders(diff)
    flagged = {id(s) for s in offenders}
    whole = _whole_tasks(diff)
    wanted = (CHANGED, SAME) if everything else (CHANGED,)
    return _Parts(
        offenders=offenders,
        changes=[s for s in diff.scores if s.status in wanted and id(s) not in flagged],
        cells=[s for s in diff.scores if s.status in (ADDED, REMOVED) and s.task not in whole],
        metrics=[s for s in diff.scores if s.other_metrics],
        benchmarks=diff.benchmarks if everything else diff.changed_benchmarks,
        average_offenders=gate.average_offenders(diff),
    )


# ------------------------------------------------------------------------------- text

SCORE_HEADERS = ["Task", "Split", "Subset", "Metric", "Old", "New", "Change", "Note"]
SCORE_NUMERIC = [False, False, False, False, True, True, True, False]


def _score_rows(changes: list[ScoreChange], colour: bool, offending: bool) -> list[list[str]]:
    rows = []
    for s in changes:
        delta = s.delta
        style = "bold red" if offending else "red" if (delta or 0) < 0 else "green"
        rows.append(
            [
                s.task,
                s.split,
                s.subset,
                s.metric or "main_score",
                score_text(s.old),
                score_text(s.new),
                paint(delta_text(delta), style if delta else None, colour),
                _note(s),
            ]
        )
    return rows


def _score_table(rows: list[list[str]], markdown: bool = False) -> str:
    """The score rows as a table, without the Note column when no row has a note."""
    headers, numeric = SCORE_HEADERS, SCORE_NUMERIC
    if not any(row[-1] for row in rows):
        headers, numeric, rows = headers[:-1], numeric[:-1], [row[:-1] for row in rows]
    return (markdown_table if markdown else text_table)(headers, rows, numeric)


def _metric_rows(changes: list[ScoreChange]) -> list[list[str]]:
    return [
        [s.task, s.split, s.subset, m.metric, score_text(m.old), score_text(m.new)]
        + [delta_text(m.delta), "; ".join(s.reasons)]
        for s in changes
        for m in sorted(s.other_metrics, key=lambda m: m.metric)
    ]


def _benchmark_labels(benchmarks: list[BenchmarkChange]) -> list[str]:
    return list(dict.fromkeys(m.label for b in benchmarks for m in b.means))


def _benchmark_headers(benchmarks: list[BenchmarkChange]) -> list[str]:
    return ["Benchmark", "Tasks", *_benchmark_labels(benchmarks)]


def _mean_cell(mean: MeanChange | None, colour: bool) -> str:
    """``66.40 -> 65.75 (-0.65)``; the change only where both cover the same tasks."""
    if mean is None:
        return NONE
    text = f"{score_text(mean.old)} -> {score_text(mean.new)}"
    if mean.old is None or mean.new is None:
        return text
    delta = mean.delta
    if delta is None:
        return text + " (other tasks)"
    style = None if same_score(delta + 1, 1) else "red" if delta < 0 else "green"
    return text + " (" + paint(delta_text(delta), style, colour) + ")"


def _benchmark_rows(benchmarks: list[BenchmarkChange], colour: bool) -> list[list[str]]:
    labels = _benchmark_labels(benchmarks)
    rows = []
    for bench in benchmarks:
        means = {m.label: m for m in bench.means}
        tasks = (
            f"{bench.old.present}/{bench.old.expected} -> {bench.new.present}/{bench.new.expected}"
        )
        rows.append(
            [
                bench.benchmark.name,
                tasks,
                *(_mean_cell(means.get(label), colour) for label in labels),
            ]
        )
    return rows


def _partial_lines(benchmarks: list[BenchmarkChange]) -> list[str]:
    return [
        f"Newly partial on {b.benchmark.name}: "
        + ", ".join(f"{t.task} (lacks {t.missing_text()})" for t in b.newly_partial)
        for b in benchmarks
        if b.newly_partial
    ]


def _names(label: str, names: list[str], limit: int = 40) -> str:
    shown = ", ".join(names[:limit]) + (
        f", and {len(names) - limit} more" if len(names) > limit else ""
    )
    return f"{label} ({len(names)}): {shown}"


def _verdict(diff: ResultsDiff, gate: Gate, parts: _Parts) -> list[str]:
    lines = []
    if gate.threshold is not None:
        if parts.offenders:
            lines.append(
                f"FAIL: {len(parts.offenders)} scores dropped by more than "
                f"{gate.threshold:g} points"
            )
        else:
            lines.append(f"OK: no score dropped by more than {gate.threshold:g} points")
    if gate.threshold_average is not None:
        if parts.average_offenders:
            lines.append(
                f"FAIL: {len(parts.average_offenders)} benchmark means dropped by more than "
                f"{gate.threshold_average:g} points"
            )
        else:
            lines.append(
                f"OK: no benchmark mean dropped by more than {gate.threshold_average:g} points"
            )
    return lines


def render_text(
    diff: ResultsDiff,
    old_label: str,
    new_label: str,
    gate: Gate = Gate(),
    everything: bool = False,
    colour: bool = False,
) -> str:
    parts = _parts(diff, gate, everything)
    out = [
        f"old: {old_label}: {model_text(diff.old_model)}\n"
        f"new: {new_label}: {model_text(diff.new_model)}\n" + _counts(diff)
    ]
    if diff.empty:
        out.append("No differences.")
    if parts.offenders:
        out.append(
            paint(f"Dropped by more than {gate.threshold:g} points:", "bold red", colour)
            + "\n"
            + _score_table(_score_rows(parts.offenders, colour, True))
        )
    if parts.average_offenders:
        lines = [
            f"  {b.benchmark.name} {m.label}: {score_text(m.old)} -> {score_text(m.new)} "
            f"({delta_text(m.delta)})"
            for b, m in parts.average_offenders
        ]
        out.append(
            paint(
                f"Means dropped by more than {gate.threshold_average:g} points:", "bold red", colour
            )
            + "\n"
            + "\n".join(lines)
        )
    if parts.changes:
        title = "Other scores" if parts.offenders else "Scores"
        title += ", most lowered first:" if not everything else " (all), most lowered first:"
        out.append(title + "\n" + _score_table(_score_rows(parts.changes, colour, False)))
    if diff.tasks_added:
        out.append(_names("Tasks added", diff.tasks_added))
    if diff.tasks_removed:
        out.append(_names("Tasks removed", diff.tasks_removed))
    if parts.cells:
        out.append(
            "Scores added or removed in tasks both hold:\n"
            + _score_table(_score_rows(parts.cells, colour, False))
        )
    if parts.metrics:
        out.append(
            "Metrics that changed although the main score did not:\n"
            + _score_table(_metric_rows(parts.metrics))
        )
    if parts.benchmarks:
        headers = _benchmark_headers(parts.benchmarks)
        table = text_table(
            headers,
            _benchmark_rows(parts.benchmarks, colour),
            [False] * len(headers),
        )
        notes = _partial_lines(parts.benchmarks)
        out.append(
            "Benchmarks (means as the card shows them; tasks: complete/all):\n"
            + table
            + "".join(line + "\n" for line in notes)
        )
    out.extend(_verdict(diff, gate, parts))
    return "\n\n".join(part.rstrip("\n") for part in out) + "\n"


# --------------------------------------------------------------------------- markdown


def render_markdown(
    diff: ResultsDiff,
    old_label: str,
    new_label: str,
    gate: Gate = Gate(),
    everything: bool = False,
) -> str:
    parts = _parts(diff, gate, everything)
    # Labels, model names, revisions and task names come from the user and the results:
    # escaped, so that none of them becomes a link, an image or HTML.
    out = [
        f"**Score diff**: {markdown_code(old_label)} ({markdown_text(model_text(diff.old_model))})"
        f" → {markdown_code(new_label)} ({markdown_text(model_text(diff.new_model))})",
        _counts(diff),
    ]
    out.extend(f"**{line}**" for line in _verdict(diff, gate, parts))
    if diff.empty:
        out.append("No differences.")
    if parts.offenders:
        out.append(f"#### Dropped by more than {gate.threshold:g} points")
        out.append(_score_table(_score_rows(parts.offenders, False, True), True))
    if parts.average_offenders:
        out.append(f"#### Means dropped by more than {gate.threshold_average:g} points")
        out.append(
            markdown_table(
                ["Benchmark", "Mean", "Old", "New", "Change"],
                [
                    [
                        b.benchmark.name,
                        m.label,
                        score_text(m.old),
                        score_text(m.new),
                        delta_text(m.delta),
                    ]
                    for b, m in parts.average_offenders
                ],
                [False, False, True, True, True],
            )
        )
    if parts.changes:
        out.append("#### Scores" if not parts.offenders else "#### Other scores")
        out.append(_score_table(_score_rows(parts.changes, False, False), True))
    if diff.tasks_added:
        added = [markdown_text(name) for name in diff.tasks_added]
        out.append(_names("**Tasks added**", added, limit=1000))
    if diff.tasks_removed:
        removed = [markdown_text(name) for name in diff.tasks_removed]
        out.append(_names("**Tasks removed**", removed, limit=1000))
    if parts.cells:
        out.append("#### Scores added or removed in tasks both hold")
        out.append(_score_table(_score_rows(parts.cells, False, False), True))
    if parts.metrics:
        out.append("#### Metrics that changed although the main score did not")
        out.append(_score_table(_metric_rows(parts.metrics), True))
    if parts.benchmarks:
        headers = _benchmark_headers(parts.benchmarks)
        out.append("#### Benchmarks")
        out.append(
            markdown_table(
                headers,
                _benchmark_rows(parts.benchmarks, False),
                [False] * len(headers),
            )
        )
        out.extend(markdown_text(line) for line in _partial_lines(parts.benchmarks))
    return "\n\n".join(part.rstrip("\n") for part in out) + "\n"


# ------------------------------------------------------------------------------- json


def _score_json(s: ScoreChange) -> dict[str, Any]:
    return {
        "task": s.task,
        "type": s.type,
        "split": s.split,
        "subset": s.subset,
        "metric": s.metric,
        "status": s.status,
        "old": s.old,
        "new": s.new,
        "delta": s.delta,
        "other_metrics": [
            {"metric": m.metric, "old": m.old, "new": m.new, "delta": m.delta}
            for m in s.other_metrics
        ],
        "reasons": list(s.reasons),
    }


def _side_json(label: str, model: ModelResults) -> dict[str, Any]:
    return {
        "source": label,
        "model": model.model_name,
        "revisions": [r for r in revisions_used(model) if r is not None],
        "tasks": len(model.tasks),
    }


def _benchmark_json(b: BenchmarkChange) -> dict[str, Any]:
    return {
        "benchmark": b.benchmark.name,
        "tasks": b.old.expected,
        "complete_old": b.old.present,
        "complete_new": b.new.present,
        "means": [
            {
                "mean": m.label,
                "old": m.old,
                "new": m.new,
                "delta": m.delta,
                "comparable": m.comparable,
            }
            for m in b.means
        ],
        "newly_partial": [{"task": t.task, "lacks": t.missing_text()} for t in b.newly_partial],
    }


def render_json(
    diff: ResultsDiff,
    old_label: str,
    new_label: str,
    gate: Gate = Gate(),
    everything: bool = False,
) -> str:
    parts = _parts(diff, gate, everything)
    scores = diff.scores if everything else diff.changes
    data = {
        "old": _side_json(old_label, diff.old_model),
        "new": _side_json(new_label, diff.new_model),
        "threshold": gate.threshold,
        "threshold_average": gate.threshold_average,
        "failed": gate.failed(diff),
        "compared": len(diff.compared),
        "unchanged": sum(1 for s in diff.scores if s.status == SAME and not s.other_metrics),
        "offenders": [_score_json(s) for s in parts.offenders],
        "average_offenders": [
            {
                "benchmark": b.benchmark.name,
                "mean": m.label,
                "old": m.old,
                "new": m.new,
                "delta": m.delta,
            }
            for b, m in parts.average_offenders
        ],
        "scores": [_score_json(s) for s in scores],
        "tasks_added": diff.tasks_added,
        "tasks_removed": diff.tasks_removed,
        "benchmarks": [_benchmark_json(b) for b in parts.benchmarks],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
