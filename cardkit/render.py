"""Render the card body from Jinja2 templates.

The default templates run in a normal environment; a user's template (``--template``) runs
in a sandbox. Both use ``StrictUndefined``: a misspelt variable is an error naming the
template file, the line and the variable, never an empty hole in a published card.
"""

from __future__ import annotations

import json
import re
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox

from cardkit import __version__
from cardkit.catalog import Catalog
from cardkit.errors import CardkitError
from cardkit.model import ModelResults
from cardkit.resources import resource_dir
from cardkit.summary import BenchmarkSummary
from cardkit.tables import (
    entry_task,
    main_score_rows,
    markdown_table,
    metrics_table,
    score,
    summary_caption,
    summary_headers,
    summary_row,
    summary_table,
    task_rows,
    task_table,
    type_label,
)
from cardkit.template_files import UserTemplateLoader

DEFAULT_TEMPLATE = "card.md.j2"
# Folder names that are not real model revisions (mteb and the results repository use them).
_NOT_A_REVISION = {"no_revision_available", "external", "main", "master"}


@dataclass
class CardInfo:
    """What the card says about the model beyond its results (from cardkit.yaml or the CLI)."""

    name: str
    model_id: str
    description: str | None = None
    license: str | None = None
    language: str | list[str] | None = None
    tags: list[str] = field(default_factory=list)
    base_model: str | list[str] | None = None
    prompts: dict[str, str] = field(default_factory=dict)
    citation: str | None = None
    build_command: str = "cardkit build results -o README.md"


def templates_dir() -> Path:
    return resource_dir("templates")


def python_string(value: str) -> str:
    """A Python string literal (double quotes) for code snippets."""
    return json.dumps(value, ensure_ascii=False)


def _environment(template: Path | None) -> jinja2.Environment:
    options: dict[str, Any] = {
        "undefined": jinja2.StrictUndefined,
        "keep_trailing_newline": True,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "autoescape": False,
    }
    default_loader = jinja2.FileSystemLoader(str(templates_dir()))
    if template is None:
        env = jinja2.Environment(loader=default_loader, **options)
    else:
        # The user's folder first, then cardkit's parts, so a template can include ours.
        loader = jinja2.ChoiceLoader([UserTemplateLoader(template.parent), default_loader])
        env = jinja2.sandbox.ImmutableSandboxedEnvironment(loader=loader, **options)
    env.filters["pystr"] = python_string
    env.filters["score"] = score
    env.filters["type_label"] = type_label
    return env


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost template file and line of an error raised while rendering."""
    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename and not frame.filename.endswith(".py") and "<" not in frame.filename:
            found = (frame.filename, frame.lineno)
    return found


def _undefined_message(message: str) -> str:
    match = re.fullmatch(r"'(.+)' is undefined", message)
    if match:
        return f"undefined variable '{match.group(1)}'"
    match = re.fullmatch(r"'(.+)' has no attribute '(.+)'", message)
    if match:
        return f"undefined variable: {match.group(1)} has no attribute '{match.group(2)}'"
    return f"undefined variable: {message}"


def render_template(context: dict[str, Any], template: Path | None = None) -> str:
    """The rendered body; any template problem is a CardkitError naming file and line."""
    if template is not None and not template.exists():
        raise CardkitError("no such template file", template)
    env = _environment(template)
    name = template.name if template is not None else DEFAULT_TEMPLATE
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        where = f"line {exc.lineno}" if exc.lineno else None
        raise CardkitError(
            f"template syntax error: {exc.message}", exc.filename or name, where
        ) from None
    except jinja2.UndefinedError as exc:
        filename, line = _template_frame(exc)
        raise CardkitError(
            _undefined_message(exc.message or str(exc)),
            filename or name,
            f"line {line}" if line else None,
        ) from None
    except jinja2.TemplateError as exc:
        filename, line = _template_frame(exc)
        raise CardkitError(
            f"template error: {exc}", filename or name, f"line {line}" if line else None
        ) from None
    except (TypeError, ValueError, AttributeError, KeyError, ZeroDivisionError) as exc:
        filename, line = _template_frame(exc)
        if filename is None:
            raise
        raise CardkitError(
            f"template error: {type(exc).__name__}: {exc}",
            filename,
            f"line {line}" if line else None,
        ) from None


def _benchmark_context(
    summary: BenchmarkSummary, model_name: str, chart: str | None
) -> dict[str, Any]:
    bench = summary.benchmark
    return {
        "name": bench.name,
        "title": bench.title,
        "description": bench.description,
        "convention": bench.convention,
        "complete": summary.complete,
        "present": summary.present,
        "expected": summary.expected,
        "average": summary.average,
        "average_task_type": summary.average_task_type,
        "mean_task": summary.mean_task,
        "mean_task_type": summary.mean_task_type,
        "mean_subset": summary.mean_subset,
        "missing": list(summary.missing),
        "partial": [{"task": t.task, "lacks": t.missing_text()} for t in summary.partial],
        "not_averaged": summary.not_averaged,
        "conventions": summary.conventions,
        "types": [
            {
                "type": t.type,
                "label": type_label(t.type),
                "present": t.present,
                "expected": t.expected,
                "complete": t.complete,
                "mean": t.mean,
            }
            for t in summary.by_type.values()
        ],
        "tasks": [
            {
                "task": s.task,
                "type": s.type,
                "split": s.split,
                "subsets": list(s.subsets),
                "metric": s.metric,
                "score": s.value,
                "revision": s.revision,
            }
            for s in summary.scores
        ],
        "headers": summary_headers(summary),
        "row": summary_row(summary, model_name),
        "table": summary_table(summary, model_name),
        "caption": summary_caption(summary),
        "task_table": task_table(summary),
        "task_rows": task_rows(summary.scores),
        "chart": chart,
    }


def _is_revision(revision: str | None) -> bool:
    return bool(revision) and revision not in _NOT_A_REVISION


def _reproduce_context(model: ModelResults, catalog: Catalog, info: CardInfo) -> dict[str, Any]:
    tasks = model.sorted_tasks()
    versions = sorted({t.mteb_version for t in tasks if t.mteb_version}, key=_version_key)
    used = Counter(t.model_revision or model.revision for t in tasks)
    merged = len(used) > 1
    revisions = []
    for task in tasks:
        known = catalog.get(task.task_name)
        revisions.append(
            {
                "task": task.task_name,
                "dataset": catalog.dataset_path(task.task_name, task.dataset_revision)
                if known
                else task.task_name,
                "revision": task.dataset_revision or "unknown",
                "mteb_version": task.mteb_version or "unknown",
                "model_revision": task.model_revision or model.revision,
            }
        )
    pins = [f'"cardkit=={__version__}"']
    # Pin mteb to the version that wrote the files when it is a release one can install.
    release = versions and re.fullmatch(r"\d+\.\d+\.\d+", versions[-1])
    pins.append(f'"mteb=={versions[-1]}"' if release else "mteb")
    run = f"mteb run -m {info.model_id}"
    if _is_revision(model.revision):
        run += f" --model-revision {model.revision}"
    names = sorted({catalog.canonical_name(t.task_name) for t in tasks})
    run += " -t " + " ".join(names) + " --output-folder results"
    headers = ["Task", "Dataset", "Revision", "mteb version"]
    rows = [[r["task"], r["dataset"], r["revision"], r["mteb_version"]] for r in revisions]
    if merged:
        headers.append("Model revision")
        for row, r in zip(rows, revisions):
            row.append(r["model_revision"] or "unknown")
    return {
        "cardkit_version": __version__,
        "mteb_versions": versions,
        "model_revision": model.revision if _is_revision(model.revision) else None,
        # Several revisions merged task by task: each with its number of tasks.
        "model_revisions": [
            {"revision": rev or "unknown", "tasks": count} for rev, count in used.items()
        ]
        if merged
        else [],
        "dataset_revisions": revisions,
        "revisions_table": markdown_table(headers, rows),
        "commands": [f"pip install {' '.join(pins)}", run, info.build_command],
    }


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else -1 for p in re.split(r"[.+-]", version))


def card_context(
    model: ModelResults,
    catalog: Catalog,
    info: CardInfo,
    summaries: list[BenchmarkSummary],
    index: list[dict[str, Any]],
    charts: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Every variable a template receives (documented in docs/readme/card.md)."""
    charts = charts or {}
    entries = index[0]["results"] if index else []
    covered = {t.task for summary in summaries for t in summary.tasks}
    other_entries = [e for e in entries if catalog.canonical_name(entry_task(e)) not in covered]
    main_metrics = {}
    for entry in entries:
        task_info = catalog.get(entry_task(entry))
        main_metrics[entry_task(entry)] = task_info.main_score if task_info else None
    other_rows = main_score_rows(other_entries, main_metrics)
    return {
        "model": {
            "id": info.model_id,
            "name": info.name,
            "revision": model.revision if _is_revision(model.revision) else None,
            "tasks": len(model.tasks),
        },
        "name": info.name,
        "model_id": info.model_id,
        "description": info.description,
        "license": info.license,
        "language": info.language,
        "tags": list(info.tags),
        "base_model": info.base_model,
        "prompts": {"query": info.prompts.get("query"), "passage": info.prompts.get("passage")},
        "citation": info.citation,
        "benchmarks": [
            _benchmark_context(s, info.name, charts.get(s.benchmark.name)) for s in summaries
        ],
        "other_tasks": other_rows,
        "other_tasks_table": markdown_table(
            ["Task", "Type", "Split", "Subset", "Main metric", "Score"],
            other_rows,
            [False] * 5 + [True],
        )
        if other_rows
        else None,
        "results": entries,
        "metric_count": sum(len(e["metrics"]) for e in entries),
        "metrics_table": metrics_table(entries),
        "reproduce": _reproduce_context(model, catalog, info),
        "cardkit_version": __version__,
    }
