"""Render the card body from Jinja2 templates.

The default templates run in a normal environment; a user's template (``--template``) runs
in a sandbox. Both use ``StrictUndefined``: a misspelt variable is an error naming the
template file, the line and the variable, never an empty hole in a published card.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from cardkit import __version__
from cardkit.io.errors import CardkitError
from cardkit.io.resources import resource_dir
from cardkit.modelindex import ModelIndexEntry
from cardkit.render.benchmark_section import comparison_table, summary_caption
from cardkit.render.overview import overview_table
from cardkit.render.plan import CardPlan
from cardkit.render.reproduce import is_revision, reproduce_context
from cardkit.render.sections import named_line, with_result
from cardkit.render.task_scores import (
    TaskRow,
    least_table_bytes,
    per_task_notes,
    per_task_table,
)
from cardkit.render.template_cache import bundled_template_cache, cache_folder
from cardkit.reports.tables import (
    markdown_code,
    markdown_fence,
    markdown_table,
    markdown_text,
    metrics_table,
    score,
    summary_headers,
    summary_row,
    summary_table,
    task_table,
    type_label,
)
from cardkit.reports.tables import task_rows as benchmark_task_rows
from cardkit.scores.summary import BenchmarkSummary

if TYPE_CHECKING:  # the comparison code is imported only for a card with comparisons
    from cardkit.scores.compare import BenchmarkComparison

DEFAULT_TEMPLATE = "card.md.j2"


def templates_dir() -> Path:
    return resource_dir("templates")


def python_string(value: str) -> str:
    """A Python string literal (double quotes) for code snippets."""
    return json.dumps(value, ensure_ascii=False)


_OPTIONS: dict[str, Any] = {
    "undefined": jinja2.StrictUndefined,
    "keep_trailing_newline": True,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "autoescape": False,
}


def _environment(template: Path | None) -> jinja2.Environment:
    """The environment a card's template renders in: the bundled templates' own, or a sandbox
    for the user's template (made anew for each card, so that nothing of one card's template
    outlives it)."""
    if template is None:
        return _bundled_environment(cache_folder())
    from cardkit.render.sandbox import BudgetSandbox  # a user's template only
    from cardkit.render.template_files import UserTemplateLoader

    # The user's folder first, then cardkit's parts, so a template can include ours.
    default_loader = jinja2.FileSystemLoader(str(templates_dir()))
    loader = jinja2.ChoiceLoader([UserTemplateLoader(template.parent), default_loader])
    return _with_filters(BudgetSandbox(loader=loader, **_OPTIONS))


@lru_cache(maxsize=4)
def _bundled_environment(compiled_in: Path | None) -> jinja2.Environment:
    """The bundled templates' environment, made once per process and cache folder
    (``compiled_in``, where `bundled_template_cache` keeps the compiled templates): the cards
    of a results store then load each template once, not once per card."""
    loader = jinja2.FileSystemLoader(str(templates_dir()))
    env = jinja2.Environment(loader=loader, bytecode_cache=bundled_template_cache(), **_OPTIONS)
    return _with_filters(env)


def _with_filters(env: jinja2.Environment) -> jinja2.Environment:
    env.filters["pystr"] = python_string
    env.filters["score"] = score
    env.filters["type_label"] = type_label
    # Data written into Markdown: a name shows as text, never as a link, image or HTML.
    env.filters["md"] = markdown_text
    env.filters["code"] = markdown_code
    env.filters["fence"] = markdown_fence
    return env


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost template file and line of an error raised while rendering."""
    import traceback  # only when a template failed

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
    over_budget: tuple[type[Exception], ...] = ()  # only a user's template has a budget
    if template is not None:
        from cardkit.render.sandbox import TemplateLimitError

        over_budget = (TemplateLimitError,)
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        where = f"line {exc.lineno}" if exc.lineno else None
        raise CardkitError(
            f"template syntax error: {exc.message}", exc.filename or name, where
        ) from None
    except over_budget as exc:
        filename, line = _template_frame(exc)
        raise CardkitError(
            f"template stopped: {exc}", filename or name, f"line {line}" if line else None
        ) from None
    except (RecursionError, MemoryError) as exc:
        filename, line = _template_frame(exc)
        what = "calls itself too deeply" if isinstance(exc, RecursionError) else "ran out of memory"
        raise CardkitError(
            f"template stopped: it {what}", filename or name, f"line {line}" if line else None
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
    except (TypeError, ValueError, AttributeError, LookupError, ArithmeticError) as exc:
        filename, line = _template_frame(exc)
        if filename is None:
            raise
        raise CardkitError(
            f"template error: {type(exc).__name__}: {exc}",
            filename,
            f"line {line}" if line else None,
        ) from None


# What the bundled templates read of a benchmark's section (a test holds them to it): a
# user's template gets every key, the bundled ones only these, since the others (a table of
# each benchmark's tasks, its rows, what each partial task lacks) are a third of a large
# card's body context.
BUNDLED_BENCHMARK_KEYS = frozenset({"title", "caption", "table", "chart"})


def _benchmark_context(
    summary: BenchmarkSummary,
    model_name: str,
    chart: str | None,
    comparison: BenchmarkComparison | None = None,
    keys: Collection[str] | None = None,
) -> dict[str, Any]:
    """A benchmark section's variables (``keys``: only these; None: all)."""
    bench = summary.benchmark
    parts: dict[str, Callable[[], Any]] = {
        "name": lambda: bench.name,
        "title": lambda: bench.title,
        "description": lambda: bench.description,
        "convention": lambda: bench.convention,
        "complete": lambda: summary.complete,
        "present": lambda: summary.present,
        "expected": lambda: summary.expected,
        "average": lambda: summary.average,
        "average_task_type": lambda: summary.average_task_type,
        "mean_task": lambda: summary.mean_task,
        "mean_task_type": lambda: summary.mean_task_type,
        "mean_subset": lambda: summary.mean_subset,
        "missing": lambda: list(summary.missing),
        "partial": lambda: [{"task": t.task, "lacks": t.missing_text()} for t in summary.partial],
        "not_averaged": lambda: summary.not_averaged,
        "conventions": lambda: summary.conventions,
        "types": lambda: [
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
        "tasks": lambda: [
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
        "headers": lambda: summary_headers(summary),
        "row": lambda: summary_row(summary, model_name),
        "table": lambda: (
            comparison_table(comparison, model_name)
            if comparison is not None
            else summary_table(summary, model_name)
        ),
        "caption": lambda: summary_caption(summary, comparison),
        "task_table": lambda: task_table(summary),
        "task_rows": lambda: benchmark_task_rows(summary.scores),
        "chart": lambda: chart,
    }
    return {key: make() for key, make in parts.items() if keys is None or key in keys}


# The per-task table of a model run on hundreds of tasks is longer than a reader scrolls
# through (e5-mistral-7b-instruct: 857 rows, 60 KB): past this size the body leaves it out and
# says where the scores are (the model-index, which the Hub shows beside the card).
PER_TASK_TABLE_LIMIT = 30 * 1024


def _readable(rows: list[TaskRow], sections: bool) -> str | None:
    """The per-task table, or None when it is too long for the card's body (not made where
    `least_table_bytes` is over the limit already)."""
    if least_table_bytes(rows, sections) > PER_TASK_TABLE_LIMIT:
        return None
    table = per_task_table(rows, sections)
    return table if len(table.encode("utf-8")) <= PER_TASK_TABLE_LIMIT else None


class _Deferred:
    """Text computed only when a template prints it (the every-metric table of a large
    model-index costs more than the whole card)."""

    def __init__(self, compute: Callable[[], str]):
        self._compute = compute

    def __str__(self) -> str:
        return self._compute()


def card_context(
    plan: CardPlan,
    entries: Sequence[ModelIndexEntry],
    metrics: str = "default",
    metrics_cut: int | None = None,
    results: list[dict[str, Any]] | None = None,
    template: Path | None = None,
) -> dict[str, Any]:
    """Every variable a template receives (documented in README.md, "Your own template"),
    read from the card's ``plan`` and its model-index ``entries``.

    ``metrics``: the metrics the model-index holds (``default``, ``main``, ``all``);
    ``metrics_cut``: main scores only because every metric would make the card larger than
    this many MB, the size a default card is kept under (None: not cut); ``results``: the
    entries as the card's YAML holds them, when already made (a template cannot change them:
    the bundled one does not, and another runs in an immutable sandbox); ``template``: the
    user's template the context is for (None: the bundled one, which never reads ``results``,
    so the entries' dicts are not made for it: a test holds the bundled templates to that).
    """
    model, info, comparisons = plan.model, plan.info, plan.comparisons
    overview = overview_table(plan)
    task_table = _readable(plan.rows, bool(plan.sections.shown))
    summaries, named = plan.sections.shown, plan.sections.named
    rows = plan.rows
    other_rows = [
        [
            row.task,
            type_label(row.type),
            row.score.split,
            ", ".join(row.score.subsets),
            row.score.metric or "",
            score(row.score.value),
        ]
        for row in rows
        if not row.benchmarks
    ]
    compared = sorted({r.name for c in comparisons.values() for r in c.rows if r.name != info.name})
    return {
        "model": {
            "id": info.model_id,
            "name": info.name,
            "revision": model.revision if is_revision(model.revision) else None,
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
        "open_weights": info.open_weights,
        "reference": info.reference,
        "example_language": info.example_language,
        "citation": info.citation,
        "benchmarks": [
            _benchmark_context(
                s,
                info.name,
                plan.charts.get(s.benchmark.name),
                comparisons.get(s.benchmark.name),
                BUNDLED_BENCHMARK_KEYS if template is None else None,
            )
            for s in summaries
        ],
        "compared": compared,
        "overview": overview,
        "also_evaluated": [
            {
                "name": s.benchmark.name,
                "title": s.benchmark.title,
                "with_result": with_result(s),
                "complete": s.present,
                "expected": s.expected,
            }
            for s in named
        ],
        "also_evaluated_line": named_line(named, plan.sections.forced, task_table is not None),
        "task_table": task_table,
        "task_count": len(rows),
        "task_notes": per_task_notes(rows),
        "other_tasks": other_rows,
        "other_tasks_table": markdown_table(
            ["Task", "Type", "Split", "Subset", "Main metric", "Score"],
            other_rows,
            [False] * 5 + [True],
        )
        if other_rows
        else None,
        "results": results
        if results is not None
        else ([entry.to_dict() for entry in entries] if template is not None else []),
        "metric_count": sum(len(entry.metrics) for entry in entries),
        "metrics": metrics,
        "metrics_cut": metrics_cut,
        "metrics_table": _Deferred(lambda: metrics_table(entries)),
        "reproduce": reproduce_context(
            model, plan.catalog, info.model_id, info.build_command, info.prompts, info.card
        ),
        "cardkit_version": __version__,
    }
