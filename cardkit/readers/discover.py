"""Find the results behind each path the user gives, whatever the folder layout.

Layouts: a single task file; a flat folder of task files; a revision folder
``<org>__<model>/<revision>/`` (mteb, the public results repository); a model folder holding
revision folders; a results root holding model folders; a model card (its model-index); and
what other tools write:

- evalscope (mteb backend): ``outputs/results/eval__<model>/<revision>/`` through mteb's
  ``ResultCache``, two-stage runs under ``outputs/stage1/`` and ``outputs/stage2/`` (with
  ``predictions/`` beside the results); older versions ``outputs/<model>/<revision>/``.
  evalscope names the model ``eval/<folder basename>``: the card says ``<folder basename>``;
- FlagEmbedding's MTEB runner: ``<output>/<model>/no_model_name_available/
  no_revision_available/`` (mteb's placeholders: the model is the folder above them);
- mteb 2.x experiments: ``<model>/<revision>/experiments/<name>/``, the same model run with
  other settings. They are read when given themselves, and named in a note otherwise, so that
  a revision folder gives one card.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from cardkit.catalog import Catalog
from cardkit.io.errors import CardkitError
from cardkit.io.log import log
from cardkit.model import ModelResults, SubsetScores, TaskResult, cell_of
from cardkit.modelindex import EXPECTED_MISSING, is_diagnostic
from cardkit.readers.eval_results import (
    add_sibling_eval_results,
    is_eval_results_path,
    read_eval_results,
)
from cardkit.readers.model_card import read_card
from cardkit.readers.mteb_json import NotAResultFile, load_json, parse_result
from cardkit.readers.revisions import (
    MERGE,
    POLICIES,
    outranks,
    revisions_used,
    select_revision,
)
from cardkit.readers.run_record import RUN_FILE
from cardkit.readers.tasks_file import TASKS_FILE, read_tasks_file

_SKIPPED_NAMES = {"model_meta.json", TASKS_FILE, RUN_FILE}
# Deep enough for evalscope's two-stage root: outputs/stage1/results/eval__<model>/<revision>.
_MAX_DEPTH = 5
EXPERIMENTS = "experiments"  # mteb's folder for runs of a model revision with other settings
EVALSCOPE_PREFIX = "eval/"  # evalscope's ModelMeta name: "eval/" + the model path's basename
NO_MODEL_NAME = "no_model_name_available"  # mteb's name for a model it cannot name
PREDICTIONS_SUFFIX = "_predictions.json"  # mteb's prediction_folder files


def _json_files(folder: Path) -> list[Path]:
    """The ``*.json`` files of a folder (a link to one included), in name order; the folder's
    listing tells which are files, without a `stat` of each."""
    with os.scandir(folder) as entries:
        names = [
            e.name
            for e in entries
            if e.name.endswith(".json") and e.name != ".json" and e.is_file()
        ]
    return [folder / name for name in sorted(names)]


def subfolders(folder: Path | str) -> list[Path]:
    """Folders to look into, in name order: no hidden ones, no links out of the tree."""
    with os.scandir(folder) as entries:
        found = [e.path for e in entries if e.is_dir(follow_symlinks=False) and e.name[:1] != "."]
    return [Path(path) for path in sorted(found)]


def _result_folders(root: Path, depth: int = 0) -> list[Path]:
    """Folders below ``root`` (itself included) that directly hold result files.

    A folder of mteb predictions only is skipped with a note; so are the experiments of a
    revision folder (runs with other settings: each is a card of its own).
    """
    files = _json_files(root)
    if files and all(p.name.endswith(PREDICTIONS_SUFFIX) for p in files):
        log.info("note: skipped %s: mteb predictions, not results", root)
        return []
    if files:
        _note_experiments(root)
        return [root]
    if depth >= _MAX_DEPTH:
        return []
    found: list[Path] = []
    for child in subfolders(root):
        found.extend(_result_folders(child, depth + 1))
    return found


def _note_experiments(folder: Path) -> None:
    experiments = folder / EXPERIMENTS
    if not experiments.is_dir() or experiments.is_symlink():
        return
    names = [p.name for p in subfolders(experiments)]
    if names:
        log.info(
            "note: %s also holds mteb experiments (the model run with other settings), left out "
            "of this card: %s; build %s/<name> for a card of one",
            folder,
            ", ".join(names),
            experiments,
        )


def _load_meta(folder: Path) -> dict:
    meta_path = folder / "model_meta.json"
    if not meta_path.is_file():
        return {}
    loaded = load_json(meta_path)
    return loaded if isinstance(loaded, dict) else {}


def model_meta(model: ModelResults) -> dict:
    """The model's model_meta.json: the results' own, or, for results merged from several
    revision folders (which keep none, a revision's meta being that revision's), the first
    such file of those folders; what it says of the model (its weights, languages, Hub id,
    size, instruction template) is the same in each."""
    if model.meta or model.source is None or not model.source.is_dir():
        return model.meta
    for revision in revisions_used(model):
        path = model.source / str(revision) / "model_meta.json"
        if revision is not None and path.is_file() and not path.is_symlink():
            try:
                meta = load_json(path)
            except CardkitError:
                continue  # a damaged file says nothing of the model
            if isinstance(meta, dict):
                return meta
    return {}


def _model_identity(folder: Path) -> tuple[str, str | None, dict, str | None]:
    """(model name, revision, model_meta, why the name may not be the Hub id) of a folder of
    task files."""
    meta = _load_meta(folder)
    if folder.parent.name == EXPERIMENTS:
        return _experiment_identity(folder, meta)
    parent = folder.parent.name
    looks_like_revision = "__" in parent or _is_revision_name(folder.name)
    name = meta.get("name") if isinstance(meta.get("name"), str) else None
    if name is None:
        name = parent.replace("__", "/") if looks_like_revision else folder.name
    # The folder is the truth in the results layout: model_meta.json may be copied between them.
    revision = meta.get("revision") if isinstance(meta.get("revision"), str) else None
    if looks_like_revision:
        revision = folder.name
    shown, note = _tool_name(name, folder)
    return shown, revision, meta, note


def _tool_name(name: str, folder: Path) -> tuple[str, str | None]:
    """The model's name where a tool wrote a placeholder or a prefix of its own, and a note
    that says how to give the real one."""
    if name.startswith(EVALSCOPE_PREFIX) or name.startswith("eval__"):
        base = name.split("/", 1)[1] if "/" in name else name[len("eval__") :]
        return base, (
            f"{folder}: evalscope names the model '{name}' (from its folder's name only): the "
            f"card calls it '{base}'; give --model-name ORG/NAME for its Hub id"
        )
    if name == NO_MODEL_NAME:
        # FlagEmbedding's runner writes <output>/<model>/no_model_name_available/<revision>/;
        # a plain mteb run writes results/no_model_name_available/<revision>/.
        above = folder.parent.parent.name if folder.parent.name == NO_MODEL_NAME else ""
        base = above if above not in ("", "results", "outputs") else NO_MODEL_NAME
        return base, (
            f"{folder}: the results do not name the model (mteb wrote '{NO_MODEL_NAME}'): the "
            f"card calls it '{base}'; give --model-name ORG/NAME for its Hub id"
        )
    return name, None


def _experiment_identity(folder: Path, meta: dict) -> tuple[str, str | None, dict, str | None]:
    """``<model>/<revision>/experiments/<name>/``: the model of the revision folder above; the
    revision names the experiment too (``<revision>/experiments/<name>``, mteb's own path), so
    that two experiments never merge into one card."""
    revision_folder = folder.parent.parent
    name = meta.get("name") if isinstance(meta.get("name"), str) else None
    name = name or revision_folder.parent.name.replace("__", "/")
    log.info(
        "note: %s: mteb experiment '%s' of %s at revision %s",
        folder,
        folder.name,
        name,
        revision_folder.name,
    )
    shown, note = _tool_name(name, folder)
    return shown, f"{revision_folder.name}/{EXPERIMENTS}/{folder.name}", meta, note


def _is_revision_name(name: str) -> bool:
    return bool(
        re.fullmatch(r"[0-9a-f]{7,40}|no_revision_available|external|main|master|v?\d[\w.]*", name)
    )


def _read_folder(folder: Path, catalog: Catalog) -> ModelResults:
    name, revision, meta, note = _model_identity(folder)
    model = ModelResults(model_name=name, revision=revision, meta=meta, source=folder)
    model.name_note = note
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
        task.model_revision = revision  # the revision it came from, as a model's tasks say
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
    """One score per (split, subset) of a file (cards were exported with entries twice): a
    repeat is dropped, with a note when its scores are the same and a warning naming both
    main scores when they are not (the first is kept)."""
    if len(set(map(cell_of, task.scores))) == len(task.scores):
        return task  # no repeat, as in nearly every file
    seen: dict[tuple[str, str], SubsetScores] = {}
    kept: list[SubsetScores] = []
    same: list[str] = []
    for scores in task.scores:
        key = (scores.split, scores.subset)
        first = seen.get(key)
        if first is None:
            seen[key] = scores
            kept.append(scores)
        elif _same_scores(first.metrics, scores.metrics):
            same.append(f"{key[0]}/{key[1]}")
        else:
            log.warning(
                "%s: split '%s', subset '%s' is in the file twice with different scores "
                "(main score %s, then %s): the first is kept",
                task.source,
                key[0],
                key[1],
                first.main_score,
                scores.main_score,
            )
    if same:
        log.info("note: %s: left out repeats of the same scores: %s", task.source, ", ".join(same))
    task.scores = kept
    return task


def _subset_keys(task: TaskResult) -> dict[tuple[str, str], dict[str, float]]:
    return {(s.split, s.subset): s.metrics for s in task.scores}


def add_task(model: ModelResults, task: TaskResult, catalog: Catalog) -> None:
    """Add a task, merging with a file for the same task only when the scores agree."""
    canonical = catalog.canonical_name(task.task_name)
    # The task held under any of its names (at most one: every task comes in through here).
    names = catalog.names_of(canonical)
    other = next((model.tasks[name] for name in names if name in model.tasks), None)
    if other is None:
        model.tasks[task.task_name] = task
        return
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
        name, revision, meta, note = _model_identity(path.parent)
        model = ModelResults(model_name=name, revision=revision, meta=meta, source=path)
        model.name_note = note
        add_task(model, task, catalog)
        return [model]
    try:
        folders = _result_folders(path)
        models = [_read_folder(folder, catalog) for folder in folders]
    except OSError as exc:  # a folder below it that may not be listed (/proc, no permission)
        below = f"{exc.filename}: " if exc.filename else ""
        raise CardkitError(f"cannot read {below}{exc.strerror or exc}", path) from None
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


def _holds_json(folder: str | Path) -> bool:
    with os.scandir(folder) as entries:
        return any(e.name.endswith(".json") and e.is_file() for e in entries)


def _holds_results(folder: str | Path) -> bool:
    """Result files, not only mteb's predictions (evalscope keeps those in a folder beside
    its results, which would make its output folder look like a store)."""
    with os.scandir(folder) as entries:
        return any(
            e.name.endswith(".json") and not e.name.endswith(PREDICTIONS_SUFFIX) and e.is_file()
            for e in entries
        )


def store_model_folders(root: Path) -> list[Path] | None:
    """The model folders of a results store, or None when ``root`` is not one.

    ``root`` is a store when it holds no result file itself and at least one of its folders
    holds revision folders of result files. Every folder of it is then one model (one that
    holds no results is refused when it is built, so it is not silently left out).
    """
    try:
        if not root.is_dir() or _holds_json(root):
            return None
        models = subfolders(root)
        if not any(
            not _holds_json(m) and any(_holds_results(r) for r in subfolders(m)) for m in models
        ):
            return None
    except OSError:
        return None
    return models
