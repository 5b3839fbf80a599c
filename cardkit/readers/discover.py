"""Find the results behind each path the user gives, whatever the folder layout.

Layouts: a single task file; a flat folder of task files; a revision folder
``<org>__<model>/<revision>/`` (mteb, the public results repository, evalscope's
``outputs/<model>/<revision>/``); a model folder holding revision folders; a results root
holding model folders; a model card (its model-index).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from cardkit.catalog import Catalog
from cardkit.errors import CardkitError
from cardkit.metrics import is_diagnostic
from cardkit.model import ModelResults, TaskResult
from cardkit.readers.card import read_card
from cardkit.readers.eval_results import (
    add_sibling_eval_results,
    is_eval_results_path,
    read_eval_results,
)
from cardkit.readers.mteb_json import NotAResultFile, load_json, parse_result
from cardkit.readers.revisions import MERGE, POLICIES, outranks, select_revision
from cardkit.readers.run_record import RUN_FILE
from cardkit.readers.tasks_file import TASKS_FILE, read_tasks_file

log = logging.getLogger("cardkit")

_SKIPPED_NAMES = {"model_meta.json", TASKS_FILE, RUN_FILE}
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
    task = parse_result(load_json(path), path)
    # Diagnostics (nauc_*, thresholds) are not in a card by default: their NaN is no news.
    shown = [name for name in task.dropped_metrics if not is_diagnostic(name)]
    if shown:
        log.warning(
            "%s: left out metrics holding NaN, infinity or null: %s", path, ", ".join(shown)
        )
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
        if outranks(task, other):
            # Same scores in both: the file the leaderboard would keep speaks for them (its
            # main score, or none in an old file), as mteb keeps one file per task.
            newer = {(s.split, s.subset): s for s in task.scores}
            other.scores[:] = [newer.pop((s.split, s.subset), s) for s in other.scores]
            other.scores.extend(newer.values())
            other.mteb_version, other.date = task.mteb_version, task.date
        else:
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
    if not path.is_dir():  # a file; a FIFO or device is refused when read
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
    found: list[tuple[Path, ModelResults]], revision: str | None, catalog: Catalog
) -> list[ModelResults]:
    """One set of results per model, chosen by the revision policy (`cardkit.readers.revisions`):
    folders of the same revision are read as one, then ``revision`` picks among the rest."""
    by_model: dict[str, dict[str | None, ModelResults]] = {}
    roots: dict[str, Path] = {}
    for root, model in found:
        name = model.model_name or ""
        roots.setdefault(name, root)
        revisions = by_model.setdefault(name, {})
        same = revisions.get(model.revision)
        if same is None:
            revisions[model.revision] = model
        else:
            for task in model.tasks.values():
                add_task(same, task, catalog)
    chosen = []
    for name, revisions in by_model.items():
        try:
            model = select_revision(
                list(revisions.values()), revision, canonical=catalog.canonical_name
            )
        except CardkitError as exc:
            raise CardkitError(exc.message, roots[name]) from None
        if len(revisions) > 1 and (revision or MERGE) in POLICIES:
            _note_choice(model, len(revisions), revision or MERGE)
        chosen.append(model)
    return chosen


def _note_choice(model: ModelResults, folders: int, policy: str) -> None:
    """Say which revision folders a model's results came from, when cardkit chose."""
    used = Counter(task.model_revision for task in model.tasks.values())
    counts = ", ".join(f"{rev} ({n} tasks)" for rev, n in used.most_common())
    if policy == MERGE:
        how, other = "merged task by task as the MTEB leaderboard merges them", "NAME or latest"
    else:
        how, other = "took the one the MTEB leaderboard ranks first", "merge or NAME"
    log.info(
        "note: %s: %d revision folders, %s: %s (--revision %s to change)",
        model.model_name,
        folders,
        how,
        counts,
        other,
    )


def read_results(
    paths: Iterable[Path | str],
    catalog: Catalog,
    revision: str | None = None,
) -> list[ModelResults]:
    """All models found under the given paths, one set of results each.

    ``revision`` chooses among a model's revision folders: ``merge`` (the default: task by
    task, as the MTEB leaderboard does), ``latest`` (the one folder the leaderboard ranks
    first) or a folder's name. Each task remembers the revision it came from.
    """
    found: list[tuple[Path, ModelResults]] = []
    for path in map(Path, paths):
        found.extend((path, model) for model in _read_path(path, catalog))
    return _select_revision(found, revision, catalog)
