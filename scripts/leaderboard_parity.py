#!/usr/bin/env python
"""Compare cardkit's benchmark summaries with the MTEB leaderboard's own computation.

Both sides read the same result folders. mteb's side is its leaderboard path
(``ResultCache.load_results`` -> ``BenchmarkResults`` -> ``validate_and_filter_scores`` ->
``join_revisions`` -> the benchmark's summary table); cardkit's side is
``read_results(..., revision="merge")`` -> ``summarize``. For every model and every
benchmark in which the model has results for at least ``--min-coverage`` of the tasks, the
Mean (Task), Mean (TaskType), per-type means, per-task scores and task counts are compared.

On the real leaderboard every task and subset of a benchmark has been run by some model, and
mteb judges a model's task complete against what *any* model has. A handful of folders lacks
that crowd, so a reference row covering every (task, split, subset) of the benchmark is added
to mteb's input (it is never compared): completeness is then judged against the benchmark,
as on the leaderboard.

Differences that cardkit's conventions explain are reported as such: a task scored from an
old file that names no main score (``legacy map``). Anything else is a mismatch.

Usage (needs mteb, i.e. the ``run`` extra)::

    python scripts/leaderboard_parity.py RESULTS_ROOT [--model ORG/NAME ...] [--min-coverage 0.5]

RESULTS_ROOT holds ``<org>__<model>/<revision>/<Task>.json`` folders (the ``results`` folder of
the public results repository, or any copy of it).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TOLERANCE = 0.01
REFERENCE_MODEL = "cardkit-parity/reference"
# The leaderboard's mean columns, by the aggregation that shows them.
MEANS = {
    "mean_task": "Mean (Task)",
    "mean_task_type": "Mean (TaskType)",
    "mean_subset": "Mean (Subset)",
}


@dataclass
class Numbers:
    """One model on one benchmark, in percent."""

    means: dict[str, float | None]  # "Mean (Task)", "Mean (TaskType)" where the table has them
    types: dict[str, float | None]
    tasks: dict[str, float]  # complete tasks only

    @property
    def mean_task(self) -> float | None:
        return self.means.get("Mean (Task)")

    @property
    def mean_task_type(self) -> float | None:
        return self.means.get("Mean (TaskType)")

    @property
    def count(self) -> int:
        return len(self.tasks)


@dataclass
class Pair:
    model: str
    benchmark: str
    expected: int
    mteb: Numbers | None
    cardkit: Numbers
    # Tasks cardkit scores by a convention the leaderboard does not follow.
    convention_tasks: list[str] = field(default_factory=list)
    # cardkit's numbers with those tasks left out, as the leaderboard leaves them out.
    cardkit_strict: Numbers | None = None
    differences: list[str] = field(default_factory=list)
    checked: Counter[str] = field(default_factory=Counter)

    @property
    def compared(self) -> bool:
        """False for a model mteb's leaderboard does not show (not in its registry)."""
        return self.mteb is not None

    @property
    def equal(self) -> bool:
        return self.compared and not self.differences and not self.convention_tasks

    @property
    def explained(self) -> bool:
        return self.compared and not self.differences and bool(self.convention_tasks)

    @property
    def mismatch(self) -> bool:
        return self.compared and bool(self.differences)


# --------------------------------------------------------------------------- mteb's side


def _quiet_mteb() -> Any:
    """mteb, without its warnings, and without the training-data lookups behind the
    leaderboard's zero-shot columns: they scan every registered model (seconds per run) and
    are not compared here."""
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    import mteb
    import mteb.benchmarks._create_table as tables

    tables._training_datasets_cached = _no_training_data
    return mteb


def _no_training_data(model_name: str) -> None:
    return None


def _cache_for(root: Path, keep: list[tempfile.TemporaryDirectory]) -> Any:
    """A ResultCache reading ``root`` (mteb looks for ``<cache>/results/<model>/...``)."""
    from mteb.cache import ResultCache

    if root.name == "results":
        return ResultCache(cache_path=root.parent)
    tmp = tempfile.TemporaryDirectory()
    keep.append(tmp)
    (Path(tmp.name) / "results").symlink_to(root.resolve(), target_is_directory=True)
    return ResultCache(cache_path=tmp.name)


def load_mteb_results(root: Path, folders: list[str] | None = None) -> Any:
    """mteb's BenchmarkResults for the model folders under ``root`` (all when None)."""
    _quiet_mteb()
    keep: list[tempfile.TemporaryDirectory] = []
    cache = _cache_for(root, keep)
    try:
        return cache.load_results(
            models=[f.replace("__", "/") for f in folders] if folders else None,
            only_main_score=True,
            require_model_meta=False,
            include_remote=False,
            load_experiments="no_experiments",
        )
    finally:
        for tmp in keep:
            tmp.cleanup()


def _reference_model(benchmark: Any) -> Any:
    """A model with a score for every (task, split, subset) the benchmark asks for."""
    from mteb.results import ModelResult, TaskResult

    results = []
    for task in benchmark.tasks:
        subsets = ["default"] if task.is_aggregate else list(task.hf_subsets)
        scores = {
            split: [{"hf_subset": s, "main_score": 0.5, "languages": []} for s in subsets]
            for split in task.eval_splits
        }
        results.append(
            TaskResult.model_construct(
                dataset_revision="reference",
                task_name=task.metadata.name,
                mteb_version="2.0.0",
                scores=scores,
                evaluation_time=None,
            )
        )
    return ModelResult.model_construct(
        model_name=REFERENCE_MODEL,
        model_revision="reference",
        task_results=results,
        experiment_name=None,
        model_meta=None,
    )


def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value * 100


def mteb_numbers(results: Any, benchmark: Any) -> dict[str, Numbers]:
    """Model name -> the leaderboard's numbers for one benchmark."""
    from mteb.benchmarks._create_table import _build_per_task_pivot
    from mteb.benchmarks.benchmark import BenchmarkAggregation
    from mteb.models.model_implementations import MODEL_REGISTRY
    from mteb.results import BenchmarkResults

    with_reference = BenchmarkResults.model_construct(
        model_results=[*results.model_results, _reference_model(benchmark)]
    )
    frame = with_reference._to_results_df(benchmark.tasks)
    pivot = _build_per_task_pivot(frame)
    table = benchmark._create_summary_table(frame).df
    if pivot is None:
        return {}
    per_task, task_cols = pivot
    rows = {r["Model"]: r for r in table.iter_rows(named=True)} if "Model" in table.columns else {}
    shown = [a.value for a in benchmark.aggregations if isinstance(a, BenchmarkAggregation)]
    columns = [MEANS[a] for a in shown if a in MEANS]
    type_names = {t.metadata.name: t.metadata.type for t in benchmark.tasks}
    type_cols = sorted({type_names[c] for c in task_cols}) if "task_types" in shown else []
    out: dict[str, Numbers] = {}
    for row in per_task.iter_rows(named=True):
        name = row["model_name"]
        if name == REFERENCE_MODEL or row["_experiment_id"] or name not in MODEL_REGISTRY:
            continue  # the table shows registered models only
        summary = rows.get(name, {})  # no row: the leaderboard shows no mean for it
        out[name] = Numbers(
            means={c: _number(summary.get(c)) for c in columns},
            types={t: _number(summary.get(t)) for t in type_cols},
            tasks={c: v for c in task_cols if (v := _number(row[c])) is not None},
        )
    return out


# --------------------------------------------------------------------------- cardkit's side


def catalog_without(tasks: frozenset[str]) -> Any:
    """cardkit's catalog, with ``tasks`` left out of every benchmark."""
    from cardkit.catalog import CATALOG_PATH, Catalog, load_catalog

    if not tasks:
        return load_catalog()
    data = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    for bench in data["benchmarks"].values():
        bench["tasks"] = [t for t in bench["tasks"] if t not in tasks]
        if bench.get("summary_tasks") is not None:
            bench["summary_tasks"] = [t for t in bench["summary_tasks"] if t not in tasks]
    return Catalog(data)


def cardkit_models(root: Path, folders: Iterable[str]) -> Iterator[Any]:
    """One merged ModelResults per model folder, as ``cardkit build --revision merge`` reads."""
    from cardkit.catalog import load_catalog
    from cardkit.io.errors import CardkitError
    from cardkit.readers import read_results

    catalog = load_catalog()
    for folder in folders:
        try:
            yield from read_results([root / folder], catalog, "merge")
        except CardkitError as exc:
            print(f"cardkit cannot read {folder}: {exc}", file=sys.stderr)


def cardkit_numbers(summary: Any) -> Numbers:
    shown = summary.benchmark.aggregations
    return Numbers(
        means={MEANS[a]: summary.leaderboard_mean(a) for a in shown if a in MEANS},
        types={t.type: t.leaderboard_mean for t in summary.by_type.values()}
        if "task_types" in shown
        else {},
        tasks={t.task: t.value for t in summary.scores},
    )


def strict_summary(model: Any, catalog: Any, summary: Any) -> tuple[Any, list[str]]:
    """cardkit's summary scored the leaderboard's way, and the tasks that changes: each
    result's main score instead of the benchmark's own metrics (C-MTEB), and no task read
    from a legacy ``map`` (the leaderboard leaves those out)."""
    from cardkit.scores.summary import MISSING, BenchmarkSummary, TypeSummary, summarize

    changed: list[str] = []
    if summary.benchmark.metric_by_type is not None:
        by_main = summarize(model, catalog, summary.benchmark._replace(metric_by_type=None))
        before = {t.task: t.value for t in summary.tasks}
        changed = [t.task for t in by_main.tasks if not _close(t.value, before[t.task])]
        summary = by_main
    changed += [t.task for t in summary.scores if t.legacy_metric]
    by_type = {
        name: TypeSummary(
            type=name,
            tasks=[
                t._replace(status=MISSING, value=None) if t.legacy_metric else t for t in ts.tasks
            ],
        )
        for name, ts in summary.by_type.items()
    }
    return BenchmarkSummary(benchmark=summary.benchmark, by_type=by_type), changed


def mteb_benchmark(catalog: Any, name: str) -> Any:
    """An mteb Benchmark holding a cardkit benchmark's tasks, splits and subsets (C-MTEB,
    which the leaderboard does not carry), so that mteb's computation can score it."""
    mteb = _quiet_mteb()
    bench = catalog.benchmark(name)
    tasks = [
        mteb.get_task(task, eval_splits=bench.splits.get(task), hf_subsets=bench.subsets.get(task))
        for task in bench.tasks
    ]
    return mteb.Benchmark(name=name, tasks=tasks)


# --------------------------------------------------------------------------- comparing


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= TOLERANCE


def differences(mteb: Numbers, ours: Numbers, checked: Counter[str] | None = None) -> list[str]:
    """What differs between the two, in words; empty when they agree. ``checked`` counts the
    numbers (not None on the leaderboard) that were compared, by kind."""
    checked = Counter() if checked is None else checked
    found = []
    if mteb.count != ours.count:
        extra = sorted(set(ours.tasks) - set(mteb.tasks))
        lacking = sorted(set(mteb.tasks) - set(ours.tasks))
        found.append(f"tasks {ours.count} vs mteb {mteb.count} (+{extra} -{lacking})")
    for name in sorted(set(mteb.tasks) & set(ours.tasks)):
        checked["task scores"] += 1
        if not _close(mteb.tasks[name], ours.tasks[name]):
            found.append(f"{name} {ours.tasks[name]:.4f} vs mteb {mteb.tasks[name]:.4f}")
    for kind, theirs, mine in (
        ("means", mteb.means, ours.means),
        ("type means", mteb.types, ours.types),
    ):
        for name, value in theirs.items():
            checked[name if kind == "means" else kind] += value is not None
            if not _close(value, mine.get(name)):
                found.append(f"{name} {mine.get(name)} vs mteb {value}")
    return found


def compare(
    root: Path,
    folders: list[str] | None = None,
    min_coverage: float = 0.5,
    without: frozenset[str] = frozenset(),
    own: tuple[str, ...] = ("C-MTEB",),
) -> list[Pair]:
    """Every (model, benchmark) pair with enough coverage, compared. ``without``: tasks left
    out of every benchmark on both sides (for a copy of the store that lacks their files).
    ``own``: cardkit benchmarks the leaderboard lacks, scored by mteb's code all the same."""
    from cardkit.scores.summary import MISSING, summarize

    mteb = _quiet_mteb()
    folders = folders or sorted(p.name for p in root.iterdir() if p.is_dir())
    results = load_mteb_results(root, folders)
    catalog = catalog_without(without)
    models = list(cardkit_models(root, folders))
    pairs: list[Pair] = []
    benchmarks = [*mteb.get_benchmarks(), *(mteb_benchmark(catalog, name) for name in own)]
    for benchmark in benchmarks:
        if benchmark.name not in catalog.benchmark_names():
            continue
        if without:
            kept = [t for t in benchmark.tasks if t.metadata.name not in without]
            benchmark = benchmark._replace(tasks=kept)
        summaries = {}
        for model in models:
            summary = summarize(model, catalog, benchmark.name)
            have = sum(t.status != MISSING for t in summary.tasks)
            if have >= min_coverage * summary.expected:
                summaries[model.model_name] = (model, summary)
        if not summaries:
            continue
        theirs = mteb_numbers(results, benchmark)
        for name, (model, summary) in sorted(summaries.items()):
            pairs.append(_pair(model, catalog, summary, theirs.get(name)))
    return pairs


def _pair(model: Any, catalog: Any, summary: Any, mteb: Numbers | None) -> Pair:
    ours = cardkit_numbers(summary)
    pair = Pair(model.model_name, summary.benchmark.name, summary.expected, mteb, ours)
    if mteb is None:  # not in mteb's model registry: the leaderboard does not show it
        return pair
    found = differences(mteb, ours, pair.checked)
    if found:
        strict, changed = strict_summary(model, catalog, summary)
        if changed:
            pair.cardkit_strict = cardkit_numbers(strict)
            pair.convention_tasks = changed
            pair.checked.clear()
            found = differences(mteb, pair.cardkit_strict, pair.checked)
    pair.differences = found
    return pair


def models_covering(
    root: Path, benchmarks: list[str], share: float, folders: list[str] | None = None
) -> list[str]:
    """Model folders whose revision folders together hold result files for at least
    ``share`` of the tasks of every one of ``benchmarks``."""
    from cardkit.catalog import load_catalog

    catalog = load_catalog()
    wanted = [set(catalog.benchmark(name).tasks) for name in benchmarks]
    chosen = []
    for folder in folders or sorted(p.name for p in root.iterdir() if p.is_dir()):
        names = {catalog.canonical_name(path.stem) for path in (root / folder).glob("*/*.json")}
        if all(len(names & tasks) >= share * len(tasks) for tasks in wanted):
            chosen.append(folder)
    return chosen


# --------------------------------------------------------------------------- report


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def report(pairs: list[Pair]) -> str:
    lines = [
        "| model | benchmark | tasks (cardkit / mteb / all) | Mean (Task) cardkit / mteb "
        "| Mean (TaskType) cardkit / mteb | result |",
        "|---|---|---|---|---|---|",
    ]
    for p in pairs:
        if not p.compared:
            verdict = "not on the leaderboard (model not in mteb's registry)"
        elif p.equal:
            verdict = "equal"
        elif p.explained:
            verdict = f"differs only by a named convention: {', '.join(p.convention_tasks)}"
        else:
            verdict = "MISMATCH: " + "; ".join(p.differences)[:300]
        theirs = p.mteb or Numbers({}, {}, {})
        lines.append(
            f"| {p.model} | {p.benchmark} | {p.cardkit.count} / {len(theirs.tasks)} / "
            f"{p.expected} | {_fmt(p.cardkit.mean_task)} / {_fmt(theirs.mean_task)} "
            f"| {_fmt(p.cardkit.mean_task_type)} / {_fmt(theirs.mean_task_type)} | {verdict} |"
        )
    compared = [p for p in pairs if p.compared]
    equal = sum(p.equal for p in compared)
    explained = sum(p.explained for p in compared)
    models = len({p.model for p in compared})
    checked: Counter[str] = sum((p.checked for p in compared), Counter())
    lines.append("")
    lines.append(
        f"{len(compared)} pairs ({models} models) compared: {equal} equal, {explained} "
        f"differing only by a named convention, {len(compared) - equal - explained} mismatches"
    )
    skipped = [p for p in pairs if not p.compared]
    if skipped:
        names = sorted({p.model for p in skipped})
        lines.append(
            f"{len(skipped)} pairs of {len(names)} models not on the leaderboard (not in mteb's "
            f"registry), not compared: {', '.join(names)}"
        )
    lines.append(
        "leaderboard values checked: "
        + ", ".join(f"{count} {kind}" for kind, count in sorted(checked.items()))
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="folder of <org>__<model> result folders")
    parser.add_argument(
        "--model",
        action="append",
        default=None,
        metavar="ORG/NAME",
        help="compare only this model (repeatable; default: every model folder)",
    )
    parser.add_argument(
        "--min-coverage",
        type=float,
        default=0.5,
        help="compare a benchmark for a model holding results for this share of its tasks",
    )
    parser.add_argument(
        "--require",
        action="append",
        default=[],
        metavar="BENCHMARK",
        help="compare only models whose folders hold files for --require-share of the tasks "
        "of this benchmark (repeatable: all must hold)",
    )
    parser.add_argument("--require-share", type=float, default=0.9)
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="TASK",
        help="leave TASK out of every benchmark on both sides (e.g. FloresBitextMining where "
        "the copy of the store lacks its files)",
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    folders = [m.replace("/", "__") for m in args.model] if args.model else None
    if args.require:
        folders = models_covering(args.root, args.require, args.require_share, folders)
        print(f"{len(folders)} models hold {args.require_share:.0%} of {', '.join(args.require)}")
    pairs = compare(args.root, folders, args.min_coverage, frozenset(args.without))
    print(report(pairs))
    return 1 if any(p.mismatch for p in pairs) else 0


if __name__ == "__main__":
    sys.exit(main())
