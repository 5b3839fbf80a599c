"""cardkit as a library: every step of the command line as a function, text and values in and
out, the bundled task catalog by default.

These are the functions ``import cardkit`` offers (loaded on first use, so importing cardkit
stays instant). They write no file and read only the results named: a card is text in and
text out, as huggingface_hub's ``ModelCard`` works, and ``cardkit build`` makes its cards
through the same functions.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from cardkit.build.card import (
    BuildRequest,
    card_catalog,
    card_within_limit,
    display_name,
    read_compared,
)
from cardkit.build.config import ProjectConfig, load_config, pick
from cardkit.catalog import Catalog, load_catalog
from cardkit.io.errors import CardkitError
from cardkit.model import ModelResults
from cardkit.modelindex import MetricsChoice, ModelIndexEntry
from cardkit.readers import discover
from cardkit.scores import summary as scores_summary
from cardkit.writers.model_index import result_entries

if TYPE_CHECKING:
    from cardkit.scores.compare import BenchmarkComparison
    from cardkit.scores.diff import ResultsDiff
    from cardkit.scores.summary import BenchmarkSummary
    from cardkit.validate import Finding

PathLike: TypeAlias = "str | os.PathLike[str]"
#: One model's results, or where to read them: a result file or folder, or several of them.
Results: TypeAlias = "ModelResults | PathLike | Iterable[PathLike]"

# The name a card's messages give it when its text comes without a file.
CARD_NAME = "README.md"


def read_results(
    path_or_paths: PathLike | Iterable[PathLike],
    *,
    revision: str | None = None,
    catalog: Catalog | None = None,
) -> list[ModelResults]:
    """Read every model's results under one or more paths.

    A path is an mteb result file or folder in any layout cardkit knows (mteb 1.x and 2.x,
    evalscope, FlagEmbedding), a results store, a card whose model-index to read back, or
    ``.eval_results`` files.

    Args:
        path_or_paths: one path, or several.
        revision: which of a model's revision folders to use: ``merge`` (the default: task by
            task, as the MTEB leaderboard merges them), ``latest``, or a folder's name.
        catalog: the task catalog; default: the one cardkit ships.

    Returns:
        One `ModelResults` per model found, scores on mteb's 0 to 1 scale.

    Raises:
        CardkitError: a path is missing or unreadable, or holds a file no reader accepts.
    """
    return discover.read_results(_paths(path_or_paths), catalog or load_catalog(), revision)


def model_index(
    results: Results,
    *,
    metrics: MetricsChoice = "default",
    catalog: Catalog | None = None,
) -> list[ModelIndexEntry]:
    """The model-index entries of one model's results, as ``cardkit build`` writes them.

    Args:
        results: a `ModelResults`, or the path(s) of one model's results.
        metrics: ``default`` (every score but diagnostics), ``main`` (each task's main score
            only) or ``all`` (every numeric value).
        catalog: the task catalog; default: the one cardkit ships.

    Returns:
        One entry per (task, split, subset), tasks in ASCII order; ``entry.to_dict()`` is the
        entry as the card's YAML holds it.

    Raises:
        CardkitError: the results are unreadable, hold several models, or name a task the
            catalog does not know.
    """
    model, catalog = _model(results, catalog)
    return result_entries(model, catalog, metrics)


def summarize(
    results: Results,
    benchmark: str,
    *,
    catalog: Catalog | None = None,
) -> BenchmarkSummary:
    """One model's leaderboard summary on a benchmark: the numbers of its card's table.

    Args:
        results: a `ModelResults`, or the path(s) of one model's results.
        benchmark: a benchmark of the catalog: ``C-MTEB``, ``MTEB(cmn, v1)``, ``MTEB(eng, v2)``...
        catalog: the task catalog; default: the one cardkit ships.

    Returns:
        The per-task scores, the means per task type and over all tasks, and what is missing.

    Raises:
        CardkitError: the results are unreadable or hold several models, or the benchmark is
            unknown.
    """
    model, catalog = _model(results, catalog)
    return scores_summary.summarize(model, catalog, benchmark)


def build_card(
    results: Results,
    *,
    model_name: str | None = None,
    metrics: MetricsChoice | None = None,
    revision: str | None = None,
    config: ProjectConfig | PathLike | None = None,
    template: PathLike | None = None,
    benchmarks: Sequence[str] | None = None,
    compare: Sequence[str] | None = None,
    build_command: str | None = None,
    path: PathLike = CARD_NAME,
) -> str:
    """A new model card for one model's results: front matter with its model-index, and a
    body with the leaderboard summaries, usage and how to reproduce.

    Args:
        results: a `ModelResults`, or the path(s) of one model's results.
        model_name: the model-index name and the card's title; default: the config's
            ``name``, else the results' model name.
        metrics: ``default``, ``main`` or ``all`` (see `model_index`); default: the config's,
            else ``default``. A card that would be larger than ``cardkit validate`` accepts
            carries main scores only.
        revision: which revision folders of the results to read (see `read_results`).
        config: a project config (``cardkit.yaml``) or its path: the card's metadata,
            description, prompts, citation, and defaults for the other options, which win
            over it.
        template: your own Jinja2 template for the body.
        benchmarks: the benchmarks that get a summary section; default: those the results
            cover.
        compare: other models to show beside this one in every summary table (result folders,
            cards, ``hf://ORG/NAME``).
        build_command: the command the card shows for rebuilding it; default: a
            ``cardkit build`` command with these results and options.
        path: the card's name in messages (nothing is read or written there).

    Returns:
        The card's text.

    Raises:
        CardkitError: bad results, config or template, one line naming the file and place.
    """
    return _card(
        None,
        results,
        model_name=model_name,
        metrics=metrics,
        revision=revision,
        config=config,
        template=template,
        benchmarks=benchmarks,
        compare=compare,
        build_command=build_command,
        path=path,
    )


def update_card(
    text: str,
    results: Results,
    *,
    model_name: str | None = None,
    metrics: MetricsChoice | None = None,
    revision: str | None = None,
    config: ProjectConfig | PathLike | None = None,
    template: PathLike | None = None,
    benchmarks: Sequence[str] | None = None,
    compare: Sequence[str] | None = None,
    build_command: str | None = None,
    body: bool | None = None,
    replace_sections: dict[str, str] | None = None,
    prune: bool = False,
    path: PathLike = CARD_NAME,
) -> str:
    """An existing card updated with new results, every byte of it the author wrote kept.

    Only the model-index and the ``mteb`` tag of the front matter change, and in the body only
    the regions cardkit generated (between its ``<!-- cardkit:... -->`` markers).

    Args:
        text: the card as it is now.
        results: a `ModelResults`, or the path(s) of one model's results.
        model_name: as for `build_card`.
        metrics: as for `build_card`.
        revision: as for `build_card`.
        config: as for `build_card`.
        template: as for `build_card`.
        benchmarks: as for `build_card`.
        compare: as for `build_card`.
        build_command: as for `build_card`.
        body: None (default): update the regions the card has; True: add the missing ones
            too; False: leave the body alone.
        replace_sections: Markdown heading -> region name: replace a section the author
            wrote with cardkit's region of that name (implies ``body=True``).
        prune: remove the card's MTEB entries the results lack (they are kept otherwise).
        path: the card's name in messages (nothing is read or written there).

    Returns:
        The updated card's text (the same text when nothing changes).

    Raises:
        CardkitError: a card that cannot be updated safely (broken front matter, a region
            left open), or bad results; one line naming the place.
    """
    return _card(
        text,
        results,
        model_name=model_name,
        metrics=metrics,
        revision=revision,
        config=config,
        template=template,
        benchmarks=benchmarks,
        compare=compare,
        build_command=build_command,
        body=True if replace_sections and body is None else body,
        replace_sections=replace_sections,
        prune=prune,
        path=path,
    )


def validate_card(text: str, *, path: PathLike = CARD_NAME) -> list[Finding]:
    """Every problem of a card's metadata that the Hub would reject or misread, offline.

    Args:
        text: the card.
        path: the card's name in the findings.

    Returns:
        The findings, sorted by position; empty for a valid card. A finding with
        ``is_error`` false is a warning.
    """
    from cardkit.validate import validate_bytes

    return validate_bytes(text.encode("utf-8"), str(path), "card")


def compare(
    models: Sequence[Results],
    *,
    benchmarks: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
    catalog: Catalog | None = None,
) -> list[BenchmarkComparison]:
    """Models side by side on the leaderboard of each benchmark, as ``cardkit compare`` shows.

    Args:
        models: each model's `ModelResults`, or the path(s) of its results.
        benchmarks: the benchmarks to compare on; default: every one on which each model has
            a complete task.
        names: the name to show for each model; default: its own.
        catalog: the task catalog; default: the one cardkit ships.

    Returns:
        One table per benchmark: each model's means, ranks and facts.

    Raises:
        CardkitError: unreadable results, an unknown benchmark, or no benchmark shared.
    """
    from cardkit.scores.compare import compare_models

    catalog = catalog or load_catalog()
    read = [_model(results, catalog)[0] for results in models]
    return compare_models(read, catalog, benchmarks, names)


def diff(
    old: Results,
    new: Results,
    *,
    benchmarks: Sequence[str] | None = None,
    catalog: Catalog | None = None,
) -> ResultsDiff:
    """Two sets of results of a model compared score by score and benchmark by benchmark, as
    ``cardkit diff`` shows them.

    Args:
        old: the results before, a `ModelResults` or path(s) (a card's model-index too).
        new: the results after.
        benchmarks: the benchmarks whose means to compare; default: those either side covers.
        catalog: the task catalog; default: the one cardkit ships.

    Returns:
        Every score added, removed or changed, and each benchmark's means before and after.

    Raises:
        CardkitError: unreadable results or an unknown benchmark.
    """
    from cardkit.scores.diff import diff_results

    catalog = catalog or load_catalog()
    return diff_results(_model(old, catalog)[0], _model(new, catalog)[0], catalog, benchmarks)


def _paths(path_or_paths: PathLike | Iterable[PathLike]) -> list[Path]:
    if isinstance(path_or_paths, (str, os.PathLike)):
        return [Path(path_or_paths)]
    return [Path(p) for p in path_or_paths]


def _sources(results: Results) -> list[Path]:
    """The paths results were read from, for the command a card shows to rebuild it."""
    if isinstance(results, ModelResults):
        return [] if results.source is None else [results.source]
    return _paths(results)


def _model(
    results: Results, catalog: Catalog | None, revision: str | None = None
) -> tuple[ModelResults, Catalog]:
    """The one model of ``results`` and the catalog that knows its recorded tasks."""
    catalog = catalog or load_catalog()
    if isinstance(results, ModelResults):
        model = results
    else:
        paths = _paths(results)
        models = discover.read_results(paths, catalog, revision)
        if len(models) != 1:
            names = ", ".join(str(m.model_name) for m in models[:5])
            raise CardkitError(
                f"holds {len(models)} models ({names}): name the results of one model",
                paths[0] if len(paths) == 1 else None,
            )
        model = models[0]
    return model, catalog.with_recorded_tasks(model.extra_tasks)


def _card(
    text: str | None,
    results: Results,
    *,
    model_name: str | None,
    metrics: MetricsChoice | None,
    revision: str | None,
    config: ProjectConfig | PathLike | None,
    template: PathLike | None,
    benchmarks: Sequence[str] | None,
    compare: Sequence[str] | None,
    build_command: str | None,
    path: PathLike,
    body: bool | None = None,
    replace_sections: dict[str, str] | None = None,
    prune: bool = False,
) -> str:
    """The card for one model: new (``text`` None) or ``text`` updated. Options given win
    over the config's, as on the command line."""
    if config is not None and not isinstance(config, ProjectConfig):
        config = load_config(Path(config))
    conf = config or ProjectConfig()
    template = pick(template, conf.template)
    request = BuildRequest(
        results=_sources(results),
        output=Path(path),
        model_name=pick(model_name, conf.name),
        revision=pick(revision, conf.revision),
        metrics=pick(metrics, conf.metrics, "default"),
        extra_tasks=dict(conf.tasks),
        config=config,
        template=None if template is None else Path(template),
        body=body,
        replace_sections=dict(pick(replace_sections, conf.replace_sections, {})),
        benchmarks=pick(benchmarks, conf.benchmarks),
        compare=list(pick(compare, conf.compare, [])),
        build_command=build_command,
        prune=prune,
    )
    # The catalog of a build: the bundled one with the config's own tasks.
    catalog = card_catalog(request.extra_tasks)
    model, model_catalog = _model(results, catalog, request.revision)
    compared = read_compared(request.compare, catalog) if request.compare else []
    card = card_within_limit(
        model,
        model_catalog,
        display_name(model, request.model_name),
        request.output,
        request,
        compared,
        old_text=text,
    )
    return card.text
