"""Find the results behind each path the user gives, whatever the folder layout.

Layouts: a single task file; a flat folder of task files; a revision folder
``<org>__<model>/<revision>/`` (mteb, the public results repository, evalscope's
``outputs/<model>/<revision>/``); a model folder holding revision folders; a results root
holding model folders; a model card (its model-index).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

from cardkit.catalog import Catalog
from cardkit.errors import CardkitError
from cardkit.metrics import EXPECTED_MISSING, is_diagnostic
from cardkit.model import ModelResults, TaskResult
from cardkit.readers.card import read_card
from cardkit.readers.eval_results import (
    add_sibling_eval_results,
    is_eval_results_path,
    read_eval_results,
)
from cardkit.readers.mteb_json import NotAResultFile, load_json, parse_result
from cardkit.readers.tasks_file import TASKS_FILE, read_tasks_file

log = logging.getLogger("cardkit")

_SKIPPED_NAMES = {"model_meta.json", TASKS_FILE}
_MAX_DEPTH = 3


def _json_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix == ".json" and p.is_file())


def _result_folders(root: Path, depth: int = 0) -> list[Path]:
    """Folders below ``root`` (itself included) that directly hold JSON files."""
    if _json_files(root):
        return [root]
    if depth >= _MAX_DEPTH:
        return []
    found: list[Path] = []
    for child in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        found.extend(_result_folders(child, depth + 1))
    return found


def _model_identity(folder: Path) -> tuple[str, str | None, dict]:
    """(model name, revision, model_meta) of a folder of task files."""
    meta_path = folder / "model_meta.json"
    meta: dict = {}
    if meta_path.is_file():
        loaded = load_json(meta_path)
        meta = loaded if isinstance(loaded, dict) else {}
    parent = folder.parent.name
    looks_like_revision = "__" in parent or _is_revision_name(folder.name)
    name = meta.get("name") if isinstance(meta.get("name"), str) else None
    if name is None:
        name = parent.replace("__", "/") if looks_like_revision else folder.name
    # The folder is the truth in the results layout: model_meta.json may be copied between them.
    revision = meta.get("revision") if isinstance(meta.get("revision"), str) else None
    if looks_like_revision:
        revision = folder.name
    return name, revision, meta


def _is_revision_name(name: str) -> bool:
    return bool(
        re.fullmatch(r"[0-9a-f]{7,40}|no_revision_available|external|main|master|v?\d[\w.]*", name)
    )


def _read_folder(folder: Path, catalog: Catalog) -> ModelResults:
    name, revision, meta = _model_identity(folder)
    model = ModelResults(model_name=name, revision=revision, meta=meta, source=folder)
    model.extra_tasks = read_tasks_file(folder)
    catalog = catalog.with_recorded_tasks(model.extra_tasks)
    for path in _json_files(folder):
        if path.name in _SKIPPED_NAMES:
            continue
        try:
            task = load_task(path)
        except NotAResultFile as exc:
            log.info("note: skipped %s: %s", path, exc.message)
            continue
        add_task(model, task, catalog)
    return model


def load_task(path: Path) -> TaskResult:
    """Parse one result file, warning once about metrics left out for NaN or missing values."""
    task = drop_repeated_scores(parse_result(load_json(path), path))
    # Diagnostics (nauc_*, thresholds) are not in a card by default: their NaN is no news; nor
    # are the scores mteb leaves empty on purpose (counted once per build instead).
    shown = [
        name
        for name in task.dropped_metrics
        if not is_diagnostic(name) and name not in EXPECTED_MISSING
    ]
    if shown:
        log.warning(
            "%s: left out metrics holding NaN, infinity or null: %s", path, ", ".join(shown)
        )
    return task


def drop_repeated_scores(task: TaskResult) -> TaskResult:
    """One score per (split, subset) of a file: a repeat with the same scores is dropped, one
    with other scores is an error (which of the two is the result?)."""
    seen: dict[tuple[str, str], dict[str, float]] = {}
    kept = []
    for scores in task.scores:
        key = (scores.split, scores.subset)
        if key in seen:
            if not _same_scores(seen[key], scores.metrics):
                raise CardkitError(
                    f"split '{key[0]}', subset '{key[1]}' is in the file twice, with different "
                    "scores: remove one",
                    task.source,
                )
            continue
        seen[key] = scores.metrics
        kept.append(scores)
    task.scores = kept
    return task


def _subset_keys(task: TaskResult) -> dict[tuple[str, str], dict[str, float]]:
    return {(s.split, s.subset): s.metrics for s in task.scores}


def add_task(model: ModelResults, task: TaskResult, catalog: Catalog) -> None:
    """Add a task, merging with a file for the same task only when the scores agree."""
    canonical = catalog.canonical_name(task.task_name)
    for other_name, other in model.tasks.items():
        if catalog.canonical_name(other_name) != canonical:
            continue
        mine, theirs = _subset_keys(task), _subset_keys(other)
        for key in mine.keys() & theirs.keys():
            if not _same_scores(mine[key], theirs[key]):
                raise CardkitError(
                    f"two files give different scores for task {canonical}, split '{key[0]}', "
                    f"subset '{key[1]}': {other.source} and {task.source}; remove one",
                    task.source,
                )
        other.scores.extend(s for s in task.scores if (s.split, s.subset) not in theirs)
        return
    model.tasks[task.task_name] = task


def _same_scores(a: dict[str, float], b: dict[str, float]) -> bool:
    common = a.keys() & b.keys()
    return bool(common) and all(abs(a[k] - b[k]) <= 1e-9 * max(1.0, abs(a[k])) for k in common)


def _read_path(path: Path, catalog: Catalog) -> list[ModelResults]:
    if not path.exists():
        raise CardkitError("no such file or folder", path)
    if is_eval_results_path(path):
        return [read_eval_results(path, catalog)]
    if path.is_file():
        if path.suffix.lower() in (".md", ".markdown"):
            return add_sibling_eval_results(read_card(path), path, catalog)
        task = load_task(path)
        name, revision, meta = _model_identity(path.parent)
        model = ModelResults(model_name=name, revision=revision, meta=meta, source=path)
        add_task(model, task, catalog)
        return [model]
    folders = _result_folders(path)
    models = [_read_folder(folder, catalog) for folder in folders]
    models = [m for m in models if m.tasks]
    if not models:
        raise CardkitError("no mteb result files found in this folder", path)
    return models


def _select_revision(
    models: list[ModelResults], revision: str | None, root: Path
) -> list[ModelResults]:
    """One revision per model: the one asked for, or the only one there is."""
    by_model: dict[str, list[ModelResults]] = {}
    for model in models:
        by_model.setdefault(model.model_name or "", []).append(model)
    chosen = []
    for name, revisions in by_model.items():
        if revision is not None:
            picked = [
                m
                for m in revisions
                if m.revision == revision or (m.source and m.source.name == revision)
            ]
            if not picked:
                listed = ", ".join(str(m.revision) for m in revisions)
                raise CardkitError(
                    f"model {name} has no revision '{revision}' (found: {listed})", root
                )
            chosen.extend(picked)
        elif len(revisions) > 1:
            listed = ", ".join(str(m.revision) for m in revisions)
            raise CardkitError(
                f"results of several revisions of {name}: {listed}; pick one with --revision",
                root,
            )
        else:
            chosen.extend(revisions)
    return chosen


def read_results(
    paths: Iterable[Path | str],
    catalog: Catalog,
    revision: str | None = None,
) -> list[ModelResults]:
    """All models found under the given paths, merged by model name, one revision each."""
    merged: dict[tuple[str | None, str | None], ModelResults] = {}
    paths = [Path(p) for p in paths]
    for path in paths:
        found = _select_revision(_read_path(path, catalog), revision, path)
        for model in found:
            key = (model.model_name, model.revision)
            if key not in merged:
                merged[key] = model
                continue
            for task in model.tasks.values():
                add_task(merged[key], task, catalog)
    return list(merged.values())
