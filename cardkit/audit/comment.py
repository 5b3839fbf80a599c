"""``--format markdown``: the comment the results repository's bot posts on a pull request,
then the findings.

The bot (``scripts/create_pr_results_comment.py`` of ``embeddings-benchmark/results``) shows
each new model beside reference models on the tasks it covers: per task the mean main score
over the new model's splits and subsets, the best score on main and whose it is, whether the
task is in the model's training data, an average row, the best of each row in bold. Scores
over 1 are divided by 100, as the bot does. Reference and best scores come from ``--against``;
without it the comment shows the new models alone.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from cardkit.audit.ci import main_scores
from cardkit.audit.findings import findings_markdown
from cardkit.audit.repo import BaseStore, open_base

if TYPE_CHECKING:
    from cardkit.audit import AuditReport

# The bot's default reference models (its REFERENCE_MODELS).
REFERENCE_MODELS = ("intfloat/multilingual-e5-large", "google/gemini-embedding-001")


def _fmt(value: float | None) -> str:
    """The bot's number format: three decimals, no leading zero."""
    if value is None or math.isnan(value):
        return ""
    text = f"{value:.3f}"
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _task_scores(
    scores: dict[tuple[str, str, str], float],
) -> dict[str, dict[tuple[str, str], float]]:
    by_task: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    for (task, split, subset), value in scores.items():
        by_task[task][(split, subset)] = value
    return by_task


def _stored(
    base: BaseStore, model_folder: str, revision: str, task: str
) -> dict[tuple[str, str], float]:
    raw = base.read(model_folder, revision, f"{task}.json")
    return {} if raw is None else _parsed(raw)


def _parsed(raw: bytes) -> dict[tuple[str, str], float]:
    try:
        return main_scores(json.loads(raw))
    except ValueError:
        return {}


def _score_on(cells: dict[tuple[str, str], float], wanted: list[tuple[str, str]]) -> float | None:
    if not all(c in cells for c in wanted):
        return None
    return _mean([cells[c] for c in wanted])


def _training_data(model: str) -> set[str] | None:
    try:
        import mteb

        return set(mteb.get_model_meta(model).get_training_datasets() or ())
    except Exception:  # mteb absent, or the model unknown to it: the column says '-'
        return None


def _model_table(
    model: str,
    tasks: dict[str, dict[tuple[str, str], float]],
    base: BaseStore | None,
    in_pr: set[str],
    use_mteb: bool,
) -> list[str]:
    references = list(REFERENCE_MODELS) if base is not None else []
    header = ["task_name", model, *references]
    if base is not None:
        header += ["Max result", "Model with max result"]
    header.append("In Training Data")
    training = _training_data(model) if use_mteb else None
    rows, columns = [], defaultdict(list)
    beaten = []
    for task in sorted(tasks):
        wanted = sorted(tasks[task])
        own = _mean(list(tasks[task].values()))
        values: list[float | None] = [own]
        for reference in references:
            folder = reference.replace("/", "__")
            found = (
                [_score_on(_stored(base, folder, r, task), wanted) for r in base.revisions(folder)]
                if base
                else []
            )
            found = [v for v in found if v is not None]
            values.append(max(found) if found else None)
        best: tuple[float | None, str] = (None, "")
        if base is not None:
            keys = [
                (folder, revision, f"{task}.json")
                for folder, revision in base.task_files(task)
                if folder.replace("__", "/") not in in_pr
            ]
            for (folder, _, _), raw in sorted(base.read_many(keys).items()):
                value = _score_on(_parsed(raw), wanted)
                if value is not None and (best[0] is None or value > best[0]):
                    best = (value, folder.replace("__", "/"))
            values.append(best[0])
            if own is not None and best[0] is not None and own > best[0]:
                beaten.append(task)
        for i, value in enumerate(values):
            if value is not None:
                columns[i].append(value)
        numeric = [v for v in values if v is not None]
        top = max(numeric) if numeric else None
        cells = [f"**{_fmt(v)}**" if v is not None and v == top else _fmt(v) for v in values]
        if base is not None:
            cells.append(best[1])
        cells.append("-" if training is None else str(task in training))
        rows.append([task, *cells[: len(values)], *cells[len(values) :]])
    averages = [_mean(columns[i]) for i in range(len(header) - (3 if base is not None else 2))]
    top = max((a for a in averages if a is not None), default=None)
    average_cells = [f"**{_fmt(a)}**" if a is not None and a == top else _fmt(a) for a in averages]
    if base is not None:
        average_cells.append("")
    rows.append(["**Average**", *average_cells, "-"])
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(":---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    if beaten:
        lines += [
            "",
            "Model have high performance on these tasks: " + ",".join(f"`{t}`" for t in beaten),
            "",
        ]
    return lines


def markdown_report(report: AuditReport, against: Path | None, use_mteb: bool = True) -> str:
    """The bot's comment for the models audited, then the findings; ``use_mteb``: whether the
    training-data column may ask mteb (otherwise it shows '-')."""
    base = open_base(against) if against is not None else None
    models = [(a.model or a.folder.replace("__", "/"), a) for a in report.models if a.main_scores]
    parts = ["# Model Results Comparison", ""]
    if not models:
        parts.append("No new model results found in this PR.")
    else:
        in_pr = {name for name, _ in models}
        if base is not None:
            parts.append(f"**Reference models:** {', '.join(f'`{m}`' for m in REFERENCE_MODELS)}")
        parts += [f"**New models evaluated:** {', '.join(f'`{m}`' for m, _ in models)}", ""]
        for name, audit in models:
            parts.append(f"## Results for `{name}`")
            parts += _model_table(name, _task_scores(audit.main_scores), base, in_pr, use_mteb)
            parts += ["", "---", ""]
    return "\n".join(parts) + "\n" + findings_markdown(report.findings, report.notes)
