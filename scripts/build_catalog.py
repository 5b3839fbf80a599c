#!/usr/bin/env python
"""Generate ``cardkit/data/catalog.json``: mteb's task registry as data, plus what older mteb
releases and the public results store knew.

Why: turning result files into model-index metadata needs each task's type, dataset path,
revision, main score, splits and benchmarks. mteb knows all of that, but importing it pulls in
torch and takes seconds, so cardkit ships a snapshot and never imports mteb on the conversion path.

Where each part comes from:

- current tasks, their renames and mteb's benchmarks: the installed mteb (``mteb.get_tasks``,
  ``mteb.get_benchmarks``, mteb's rename tables);
- tasks current mteb no longer has, further renames (found where a release dropped a name and
  the same class took a new one, or where the results store spells a task in another case),
  renamed subsets (MLSUM ``default`` -> ``fr``, XPQA ``fr`` -> ``fra-fra``), the dataset path
  every task revision was published under, and every task name the results store uses:
  ``scripts/catalog_history.json``, mined from mteb's git history (every release's task source)
  and the results store by ``scripts/mine_task_history.py`` (the command is in its
  ``generated_by`` field);
- what no source says: ``scripts/catalog_legacy.yaml``, written by hand (dataset paths that
  published cards show where they differ from mteb's, aggregate tasks mteb 1.x cards named by
  their combined dataset, the C-MTEB leaderboard definition). It wins over both.

Usage (needs mteb, i.e. the ``run`` extra)::

    python scripts/build_catalog.py               # rebuild cardkit/data/catalog.json
    python scripts/build_catalog.py --check       # rebuild, then check it against reference data
    python scripts/build_catalog.py --check-only  # check the shipped catalog, without mteb

The check reads the reference data (real cards and mteb result files) from ``$CARDKIT_SHARED``,
by default the ``shared`` folder next to the repository.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import re
import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
OVERLAY_PATH = REPO / "scripts" / "catalog_legacy.yaml"
HISTORY_PATH = REPO / "scripts" / "catalog_history.json"
CATALOG_PATH = REPO / "cardkit" / "data" / "catalog.json"
MODEL_REVISIONS_PATH = REPO / "cardkit" / "data" / "model_revisions.json"
REFERENCE = Path(os.environ.get("CARDKIT_SHARED", REPO.parent / "shared"))

# Subset lists longer than this are left out: FloresBitextMining alone has 41k language pairs,
# which would more than double the file every cardkit run loads. No list means "any subset".
MAX_SUBSETS = 2000
MAIN_SCORE_CONVENTION = "each task's mteb main_score"
TASK_FIELDS = (
    "type",
    "dataset",
    "revision",
    "main_score",
    "eval_splits",
    "languages",
    "subsets",
    "benchmarks",
)
REQUIRED_NEW_TASK_FIELDS = ("type", "dataset", "main_score", "eval_splits")
BENCHMARK_FIELDS = (
    "title",
    "description",
    "tasks",
    "metric_by_type",
    "convention",
    "subsets",
    "splits",
    "subset_counts",
    "aggregations",
    "summary_tasks",
    "task_decimals",
)
CARD_NAME = re.compile(r"^MTEB (?P<task>\S+)(?: \((?P<subset>[^()]+)\))?$")
FRONT_MATTER = re.compile(r"\A---\r?\n(.*?)\r?\n---\r?\n", re.DOTALL)

Catalog = dict[str, Any]


class CatalogError(Exception):
    """The overlay and mteb's registry do not make a consistent catalog."""


# --------------------------------------------------------------------------- reading mteb


def _quiet_mteb() -> Any:
    """Import mteb without its beta-task warnings: the build prints its own report."""
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    import mteb

    return mteb


def _dataset_path(value: Any) -> str | None:
    """mteb's dataset path, or None where it has none (aggregates say so in a sentence)."""
    if not isinstance(value, str) or not value.strip() or " " in value.strip():
        return None
    return value.strip()


def _unique(items: Iterable[str]) -> list[str]:
    """Items in first-seen order, without repeats."""
    return list(dict.fromkeys(items))


def mteb_tasks(mteb: Any) -> dict[str, dict[str, Any]]:
    """Every task mteb registers (superseded, private and beta ones too: old files use them)."""
    tasks: dict[str, dict[str, Any]] = {}
    for task in mteb.get_tasks(exclude_superseded=False, exclude_private=False, exclude_beta=False):
        meta = task.metadata
        aggregate = bool(getattr(task, "is_aggregate", False))
        revision = None if aggregate else meta.dataset.get("revision")
        entry: dict[str, Any] = {
            "type": str(meta.type),
            "dataset": None if aggregate else _dataset_path(meta.dataset.get("path")),
            "revision": str(revision) if revision is not None else None,
            "main_score": meta.main_score,
            "eval_splits": list(meta.eval_splits),
            "languages": list(meta.bcp47_codes),
        }
        subsets = list(meta.hf_subsets)
        if len(subsets) <= MAX_SUBSETS:
            entry["subsets"] = subsets
        tasks[meta.name] = entry
    return tasks


def mteb_aliases() -> dict[str, str]:
    """mteb's own rename tables (private, so read defensively: a missing one is no error)."""
    aliases: dict[str, str] = {}
    for module, attribute in (
        ("mteb.results.task_result", "renamed_tasks"),
        ("mteb.get_tasks", "_TASK_RENAMES"),
    ):
        try:
            table = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError):
            continue
        aliases.update({str(old): str(new) for old, new in table.items()})
    return aliases


def mteb_placeholder_tasks() -> list[str]:
    """Removed tasks mteb still loads old result files for; the overlay must describe them."""
    try:
        from mteb.results.task_result import outdated_tasks
    except ImportError:
        return []
    return sorted(outdated_tasks)


def mteb_benchmarks(mteb: Any) -> dict[str, dict[str, Any]]:
    """Every mteb benchmark: its tasks, the subsets and splits it narrows them to, and how its
    leaderboard summarises them."""
    benchmarks: dict[str, dict[str, Any]] = {}
    for bench in mteb.get_benchmarks():
        entry: dict[str, Any] = {
            "title": bench.name,
            "description": " ".join((bench.description or "").split()),
            "tasks": sorted({task.metadata.name for task in bench.tasks}),
            "metric_by_type": None,
            "convention": MAIN_SCORE_CONVENTION,
        }
        entry.update(benchmark_cells(bench))
        entry.update(leaderboard_rules(bench))
        benchmarks[bench.name] = entry
    return benchmarks


def benchmark_cells(bench: Any) -> dict[str, Any]:
    """The (split, subset) cells a benchmark asks of each task, where they differ from the
    task's own (mteb's leaderboard validates a result against the benchmark's task objects).

    ``subsets``/``splits``: the narrowed lists; ``subset_counts``: how many subsets a task is
    asked for where the list is too long to ship (cardkit then checks the count).
    """
    subsets: dict[str, list[str]] = {}
    splits: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for task in bench.tasks:
        meta = task.metadata
        # mteb keeps one task object per name (the last); so does the catalog.
        chosen = ["default"] if task.is_aggregate else list(task.hf_subsets or [])
        if len(chosen) > MAX_SUBSETS:
            counts[meta.name] = len(chosen)
            subsets.pop(meta.name, None)
        elif chosen and chosen != list(meta.hf_subsets):
            subsets[meta.name] = chosen
            counts.pop(meta.name, None)
        else:
            subsets.pop(meta.name, None)
            counts.pop(meta.name, None)
        chosen_splits = list(task.eval_splits)
        if chosen_splits != list(meta.eval_splits):
            splits[meta.name] = chosen_splits
        else:
            splits.pop(meta.name, None)
    cells: dict[str, Any] = {}
    for key, value in (("subsets", subsets), ("splits", splits), ("subset_counts", counts)):
        if value:
            cells[key] = dict(sorted(value.items()))
    return cells


# Leaderboard columns of a benchmark unless it says otherwise (mteb's Benchmark default).
DEFAULT_AGGREGATIONS = ["mean_task", "mean_task_type", "task_types"]


def leaderboard_rules(bench: Any) -> dict[str, Any]:
    """How the leaderboard summarises a benchmark, where it departs from the default.

    ``aggregations``: the mean columns it shows (``mean_task``, ``mean_task_type``,
    ``task_types``, ``mean_subset``, ``public_private``; custom groupings are not carried).
    ``summary_tasks``: the tasks its means cover, where not all (RTEB hides private tasks).
    """
    from mteb.benchmarks.benchmark import Benchmark, BenchmarkAggregation

    rules: dict[str, Any] = {}
    aggregations = [str(a.value) for a in bench.aggregations if isinstance(a, BenchmarkAggregation)]
    if aggregations != DEFAULT_AGGREGATIONS:
        rules["aggregations"] = aggregations
    if type(bench)._create_summary_table is not Benchmark._create_summary_table:
        if type(bench).__name__ != "RtebBenchmark":
            raise CatalogError(
                f"benchmark {bench.name}: {type(bench).__name__} summarises its own way; "
                "describe its rule in leaderboard_rules()"
            )
        rules["summary_tasks"] = sorted(
            task.metadata.name for task in bench.tasks if task.metadata.is_public
        )
    return rules


def mteb_model_revisions(mteb: Any) -> dict[str, str]:
    """Model name -> the revision mteb's model registry names (the leaderboard prefers it
    among a model's revision folders)."""
    from mteb.models.get_model_meta import get_model_metas

    return {
        meta.name: str(meta.revision)
        for meta in sorted(get_model_metas(), key=lambda m: m.name or "")
        if meta.name and meta.revision
    }


def build_model_revisions(output: Path = MODEL_REVISIONS_PATH) -> None:
    """Write the registry's model revisions beside the catalog."""
    mteb = _quiet_mteb()
    write_model_revisions(mteb_model_revisions(mteb), mteb.__version__, output)


def write_model_revisions(revisions: dict[str, str], mteb_version: str, output: Path) -> None:
    """One line per model, read only when a model has several revision folders."""
    lines = ["{", f' "mteb_version": {_compact(mteb_version)},', ' "models": {']
    lines.append(",\n".join(f"  {_compact(k)}: {_compact(v)}" for k, v in revisions.items()))
    lines.extend([" }", "}"])
    output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {_display(output)} ({len(revisions)} models)")


# --------------------------------------------------------------------------- merging


def load_overlay(path: Path = OVERLAY_PATH) -> dict[str, Any]:
    """The hand-written overlay; every section is optional."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for section in ("tasks", "aliases", "legacy_datasets", "benchmarks"):
        data[section] = data.get(section) or {}
    return data


def _overlay_task(
    name: str, fields: dict[str, Any], known: dict[str, Any] | None
) -> dict[str, Any]:
    """An overlay task: fields over mteb's entry, or a complete entry for a task mteb lacks."""
    unknown = set(fields) - set(TASK_FIELDS)
    if unknown:
        raise CatalogError(f"overlay task {name}: unknown fields {sorted(unknown)}")
    if known is not None:
        return {**known, **fields}
    missing = [f for f in REQUIRED_NEW_TASK_FIELDS if f not in fields]
    if missing:
        raise CatalogError(f"overlay task {name} is not in mteb and lacks {missing}")
    entry = {"revision": None, "languages": [], "subsets": ["default"], **fields}
    if entry["revision"] is not None:
        entry["revision"] = str(entry["revision"])
    return entry


def load_history(path: Path = HISTORY_PATH) -> dict[str, Any]:
    """The mined history (see ``scripts/mine_task_history.py``); none is an empty one."""
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def merge_tasks(
    tasks: dict[str, dict[str, Any]],
    aliases: dict[str, str],
    overlay: dict[str, Any],
    history: dict[str, Any],
) -> tuple[dict[str, dict[str, Any]], dict[str, str], dict[str, dict[str, str]], dict, list[str]]:
    """Tasks, aliases, legacy dataset paths and subset renames, and notes.

    Precedence: mteb's registry, then the mined history for what it lacks, then the overlay
    over both.
    """
    notes: list[str] = []
    tasks = {name: dict(entry) for name, entry in tasks.items()}
    mined_aliases = {str(k): str(v) for k, v in history.get("renames", {}).items()}
    all_aliases = {
        **mined_aliases,
        **aliases,
        **{str(k): str(v) for k, v in overlay["aliases"].items()},
    }
    for name, entry in history.get("retired_tasks", {}).items():
        if name not in tasks and name not in all_aliases:
            tasks[name] = {k: v for k, v in entry.items() if k in TASK_FIELDS}
    for name, fields in overlay["tasks"].items():
        tasks[name] = _overlay_task(name, fields, tasks.get(name))

    kept_aliases: dict[str, str] = {}
    for old, new in sorted(all_aliases.items()):
        if old in tasks:
            notes.append(f"alias {old} -> {new} dropped: {old} is itself a current task")
        elif new not in tasks:
            if old in mined_aliases:
                notes.append(f"mined rename {old} -> {new} dropped: {new} is not a catalog task")
                continue
            raise CatalogError(f"alias {old} -> {new}: {new} is not a catalog task")
        else:
            kept_aliases[old] = new

    legacy = _legacy_paths(
        tasks, kept_aliases, history.get("dataset_paths", {}), overlay["legacy_datasets"]
    )
    subset_renames: dict[str, dict[str, str]] = {}
    for name, renames in history.get("subset_renames", {}).items():
        target = name if name in tasks else kept_aliases.get(name)
        if target is None:
            notes.append(f"subset renames of {name} dropped: not a catalog task")
            continue
        known = tasks[target].get("subsets")
        kept = {old: new for old, new in renames.items() if known is None or new in known}
        if kept != renames:
            notes.append(f"subset renames of {name} not all current subsets: {renames}")
        if kept:
            subset_renames[target] = kept
    return tasks, kept_aliases, legacy, subset_renames, notes


def _legacy_paths(
    tasks: dict[str, dict[str, Any]],
    aliases: dict[str, str],
    mined: dict[str, dict[str, str]],
    overlay: dict[str, dict[Any, Any]],
) -> dict[str, dict[str, str]]:
    """Task -> {revision -> the dataset path cards of that revision show}: every mined path
    that differs from the task's current one (a renamed task's under its new name, its own
    first), then the overlay's (cards win)."""
    published: dict[str, dict[str, str]] = {}
    for name, revisions in sorted(mined.items(), key=lambda item: item[0] in aliases):
        target = name if name in tasks else aliases.get(name)
        if target is not None:
            for rev, path in revisions.items():
                published.setdefault(target, {}).setdefault(rev, path)
    legacy: dict[str, dict[str, str]] = {}
    for name, revisions in published.items():
        current = tasks[name].get("dataset")
        differing = {rev: path for rev, path in revisions.items() if path != current}
        if differing:
            legacy[name] = differing
    for name, revisions in overlay.items():
        if name not in tasks:
            raise CatalogError(f"legacy_datasets: {name} is not a catalog task (use its new name)")
        pairs = {str(rev): str(path) for rev, path in revisions.items()}
        legacy[name] = {**legacy.get(name, {}), **pairs}
    return {
        name: dict(sorted(pairs.items(), key=lambda kv: (kv[0] != "None", kv[0])))
        for name, pairs in sorted(legacy.items())
    }


def merge(
    tasks: dict[str, dict[str, Any]],
    aliases: dict[str, str],
    benchmarks: dict[str, dict[str, Any]],
    overlay: dict[str, Any],
    mteb_version: str,
    history: dict[str, Any] | None = None,
) -> tuple[Catalog, list[str]]:
    """The catalog, and notes on what the overlay had to supply or could not use."""
    tasks, kept_aliases, legacy, subset_renames, notes = merge_tasks(
        tasks, aliases, overlay, history or {}
    )

    merged_benchmarks: dict[str, dict[str, Any]] = {}
    for name, fields in overlay["benchmarks"].items():
        merged_benchmarks[name] = {**benchmarks.get(name, {}), **fields}
    for name, entry in benchmarks.items():
        merged_benchmarks.setdefault(name, entry)
    for name, entry in merged_benchmarks.items():
        merged_benchmarks[name] = _finish_benchmark(name, entry, tasks)

    for task in tasks.values():
        task["benchmarks"] = []
    for name, entry in sorted(merged_benchmarks.items()):
        for task_name in entry["tasks"]:
            tasks[task_name]["benchmarks"].append(name)

    catalog: Catalog = {
        "mteb_version": mteb_version,
        "tasks": {name: _ordered(tasks[name], TASK_FIELDS) for name in sorted(tasks)},
        "aliases": kept_aliases,
        "legacy_datasets": legacy,
        "subset_renames": subset_renames,
        "benchmarks": merged_benchmarks,
    }
    return catalog, notes


def _finish_benchmark(name: str, entry: dict[str, Any], tasks: dict[str, Any]) -> dict[str, Any]:
    """Check a benchmark's task references and put its fields in the documented order."""
    entry = {"title": name, "description": "", "metric_by_type": None, **entry}
    entry.setdefault("convention", MAIN_SCORE_CONVENTION)
    listed_tasks = list(entry.get("tasks") or [])
    if len(set(listed_tasks)) != len(listed_tasks):
        raise CatalogError(f"benchmark {name} lists a task twice")
    entry["tasks"] = sorted(listed_tasks)
    listed = set(entry["tasks"])
    for task_name in entry["tasks"]:
        if task_name not in tasks:
            raise CatalogError(f"benchmark {name}: {task_name} is not a catalog task")
    for section in ("subsets", "splits", "subset_counts", "summary_tasks"):
        extra = set(entry.get(section) or {}) - listed
        if extra:
            raise CatalogError(f"benchmark {name}: {section} for tasks it lacks: {sorted(extra)}")
        if not entry.get(section) and section != "summary_tasks":  # none averaged is a rule
            entry.pop(section, None)
    return _ordered(entry, BENCHMARK_FIELDS)


def _ordered(entry: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """Only the documented fields, in the documented order."""
    return {field: entry[field] for field in fields if field in entry}


# --------------------------------------------------------------------------- writing


def _compact(value: Any) -> str:
    """One JSON line without padding: the catalog is parsed on every cardkit run."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def render(catalog: Catalog) -> str:
    """JSON with one line per task, alias and legacy entry: small to load, readable in a diff.

    cardkit.catalog.read_catalog relies on this layout: it parses a task's line only when
    the task is asked for (tests/unit/test_catalog_lazy.py holds it to the whole parse)."""
    lines = ["{", f' "mteb_version": {_compact(catalog["mteb_version"])},']
    for section in ("tasks", "aliases", "legacy_datasets", "subset_renames"):
        items = catalog[section]
        lines.append(f' "{section}": {{')
        body = [f"  {_compact(key)}: {_compact(value)}" for key, value in items.items()]
        lines.append(",\n".join(body))
        lines.append(" },")
    lines.append(' "benchmarks": {')
    blocks = []
    for name, entry in catalog["benchmarks"].items():
        fields = [f"   {_compact(key)}: {_compact(value)}" for key, value in entry.items()]
        blocks.append(f"  {_compact(name)}: {{\n" + ",\n".join(fields) + "\n  }")
    lines.append(",\n".join(blocks))
    lines.append(" }")
    lines.append("}")
    text = "\n".join(line for line in lines if line) + "\n"
    if json.loads(text) != catalog:
        raise CatalogError("rendered catalog does not read back as the same data")
    return text


def build(
    output: Path = CATALOG_PATH, overlay_path: Path = OVERLAY_PATH
) -> tuple[Catalog, set[str]]:
    """Write the catalog; returns it with the names only the overlay knows."""
    mteb = _quiet_mteb()
    tasks = mteb_tasks(mteb)
    overlay = load_overlay(overlay_path)
    history = load_history()
    catalog, notes = merge(
        tasks, mteb_aliases(), mteb_benchmarks(mteb), overlay, mteb.__version__, history
    )
    for name in mteb_placeholder_tasks():
        if name not in catalog["tasks"]:
            notes.append(f"mteb still reads old results of {name}; describe it in the overlay")
    output.parent.mkdir(parents=True, exist_ok=True)
    text = render(catalog)
    output.write_text(text, encoding="utf-8")
    overlay_only = set(catalog["tasks"]) - set(tasks)
    size = len(text.encode()) / 1024
    print(f"wrote {_display(output)} ({size:.0f} KiB, mteb {mteb.__version__})")
    print(
        f"  {len(catalog['tasks'])} tasks ({len(overlay_only)} not in the installed mteb: "
        f"{', '.join(sorted(overlay_only))}), {len(catalog['aliases'])} aliases, "
        f"{sum(map(len, catalog['legacy_datasets'].values()))} legacy dataset paths "
        f"for {len(catalog['legacy_datasets'])} tasks, {len(catalog['benchmarks'])} benchmarks"
    )
    for note in notes:
        print(f"  note: {note}")
    return catalog, overlay_only


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- checking


def _resolve(catalog: Catalog, name: str) -> str | None:
    """The catalog name a task name reaches, the way cardkit looks it up."""
    if name in catalog["tasks"]:
        return name
    target = catalog["aliases"].get(name)
    return target if target in catalog["tasks"] else None


def _shown_path(catalog: Catalog, name: str, revision: str) -> str:
    """The dataset path a card built from this (task, revision) shows."""
    legacy = catalog["legacy_datasets"].get(name, {})
    return legacy.get(revision, catalog["tasks"][name]["dataset"] or name)


def _revision_key(value: Any) -> str:
    """Revisions as cards hold them: a missing one is the string "None"."""
    return "None" if value is None else str(value)


def _result_files(root: Path) -> Iterator[tuple[Path, str, str]]:
    """(file, task name, revision key) for every mteb result file under ``root``."""
    for path in sorted(root.rglob("*.json")):
        if path.name == "model_meta.json":
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        name = data.get("task_name") or data.get("mteb_dataset_name")
        if isinstance(name, str):
            yield path, name, _revision_key(data.get("dataset_revision"))


def _card_entries(card: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(task name, model-index result) for every MTEB entry of a card's front matter."""
    match = FRONT_MATTER.match(card.read_text(encoding="utf-8"))
    if not match:
        return
    front = yaml.safe_load(match.group(1)) or {}
    for model in front.get("model-index") or []:
        for result in model.get("results") or []:
            parsed = CARD_NAME.match(str((result.get("dataset") or {}).get("name", "")))
            if parsed:
                yield parsed.group("task"), result


def check(catalog: Catalog, reference: Path, overlay_only: set[str] | None = None) -> list[str]:
    """Problems that keep real cards and result files from resolving and round-tripping."""
    problems: list[str] = []
    results_root = reference / "data" / "mteb-results" / "results"
    cards = sorted([*reference.glob("seeds/*.md"), *reference.glob("data/cards/*.md")])
    if not results_root.is_dir() and not cards:
        return [f"no reference data under {reference}"]

    names: dict[str, int] = {}
    external_pairs: set[tuple[str, str, str]] = set()
    for path, name, revision in _result_files(results_root):
        names[name] = names.get(name, 0) + 1
        target = _resolve(catalog, name)
        if target is None:
            problems.append(f"result file task not in catalog: {name} ({path})")
        elif path.parent.name == "external":
            external_pairs.add((path.parent.parent.name, target, revision))
    via_alias = sorted(n for n in names if n not in catalog["tasks"] and _resolve(catalog, n))
    print(f"result files: {sum(names.values())} files, {len(names)} task names")
    renames = ", ".join(f"{n} -> {_resolve(catalog, n)}" for n in via_alias)
    print(f"  resolved through an alias: {renames or '-'}")
    if overlay_only is not None:
        used = sorted(n for n in names if _resolve(catalog, n) in overlay_only)
        print(f"  not in the installed mteb (history or overlay): {', '.join(used) or '-'}")

    entries = 0
    for card in cards:
        for name, result in _card_entries(card):
            entries += 1
            target = _resolve(catalog, name)
            where = f"{card.name}: {result['dataset'].get('name')}"
            if target is None:
                problems.append(f"card task not in catalog: {where}")
                continue
            task = catalog["tasks"][target]
            card_type = (result.get("task") or {}).get("type")
            if card_type != task["type"]:
                problems.append(f"task type {card_type} != catalog {task['type']}: {where}")
            revision = _revision_key(result["dataset"].get("revision"))
            shown = _shown_path(catalog, target, revision)
            if shown != result["dataset"].get("type"):
                problems.append(
                    f"dataset path {shown} != card {result['dataset'].get('type')} "
                    f"(revision {revision}): {where}"
                )
    print(f"cards: {len(cards)} cards, {entries} model-index entries checked")

    # An external folder was derived from a card of its own era: unless its revision is still the
    # current one, the path that card showed must be known, pinned in legacy_datasets or published
    # for that revision by an mteb release (then legacy_datasets holds it only where it differs).
    published = load_history().get("dataset_paths", {})
    for folder, name, revision in sorted(external_pairs):
        current = catalog["tasks"][name]["revision"]
        known = {**published.get(name, {}), **catalog["legacy_datasets"].get(name, {})}
        if revision != current and revision not in known:
            problems.append(f"external {folder}: no legacy dataset path for {name} @ {revision}")
    print(f"external folders: {len(external_pairs)} (task, revision) pairs checked")
    problems.extend(check_store_names(catalog))

    for bench_name, bench in catalog["benchmarks"].items():
        for name in bench["tasks"]:
            if name not in catalog["tasks"]:
                problems.append(f"benchmark {bench_name}: unknown task {name}")
    cmteb = catalog["benchmarks"].get("C-MTEB")
    if cmteb is None or len(cmteb["tasks"]) != 35:
        problems.append("C-MTEB must list 35 tasks")
    return problems


def check_store_names(catalog: Catalog) -> list[str]:
    """Every task name the results store uses (as mined) must resolve."""
    names = load_history().get("store_task_names", [])
    unknown = [name for name in names if _resolve(catalog, name) is None]
    print(f"results store: {len(names)} task names, {len(unknown)} unknown")
    return [f"results store task not in catalog: {name}" for name in unknown]


def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    """The written catalog, timed: every cardkit run pays this cost."""
    start = time.perf_counter()
    with path.open(encoding="utf-8") as handle:
        catalog = json.load(handle)
    print(f"{_display(path)} loads in {1000 * (time.perf_counter() - start):.1f} ms")
    return catalog


def main(argv: list[str] | None = None) -> int:
    """Build and/or check; the exit status says whether anything is missing."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=CATALOG_PATH)
    parser.add_argument("--overlay", type=Path, default=OVERLAY_PATH)
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="build, then check")
    mode.add_argument("--check-only", action="store_true", help="check without rebuilding")
    args = parser.parse_args(argv)

    overlay_only = None
    if not args.check_only:
        try:
            _, overlay_only = build(args.output, args.overlay)
            build_model_revisions(args.output.parent / MODEL_REVISIONS_PATH.name)
        except CatalogError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        if not args.check:
            return 0
    if not args.reference.is_dir():
        print(f"no reference data at {args.reference}: nothing to check")
        return 0
    problems = check(load_catalog(args.output), args.reference, overlay_only)
    for problem in problems:
        print(f"MISSING {problem}")
    print(f"{len(problems)} problem(s)" if problems else "nothing missing")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
