"""Read the Hub's `.eval_results/*.yaml` files back into the results model.

Each entry holds one main score in percent (what cardkit and mteb write). The (split,
subset) comes from mteb's ``task_id`` ``<Task>_<subset>_<split>``, split where the catalog's
subsets and splits of the task say (subsets and splits may hold ``_`` themselves). Entries that
are aggregates (mteb's whole-task or benchmark score, ``task_id`` without subset and split)
carry no per-subset score and are skipped with a note.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cardkit.catalog import Catalog
from cardkit.io.errors import CardkitError
from cardkit.io.log import log
from cardkit.model import ModelResults, SubsetScores, TaskResult
from cardkit.modelindex import EVAL_RESULTS_FOLDER
from cardkit.readers.mteb_json import finite_float

_SUFFIXES = (".yaml", ".yml")


def is_eval_results_path(path: Path) -> bool:
    """A `.eval_results` folder, or a YAML file inside one."""
    if path.is_dir():
        return path.name == EVAL_RESULTS_FOLDER
    return path.suffix.lower() in _SUFFIXES and path.parent.name == EVAL_RESULTS_FOLDER


def _load(path: Path) -> list[Any]:
    from cardkit.validate import read_yaml_file  # a build from result files never needs it

    data = read_yaml_file(path, "eval-results", ".eval_results file", schema=False).data
    if not isinstance(data, list):
        raise CardkitError("an .eval_results file must hold a list of results", path)
    return data


def _split_task_id(task_id: str, task_name: str, catalog: Catalog) -> tuple[str, str] | None:
    """(subset, split) from ``<Task>_<subset>_<split>``, or None for an aggregate id.

    Of the ways to cut the rest at a ``_``, the one whose subset and split the catalog knows
    for the task wins; without that knowledge the split is what follows the last ``_``.
    """
    prefix = f"{task_name}_"
    if not task_id.startswith(prefix):
        return None
    rest = task_id[len(prefix) :]
    info = catalog.get(task_name)
    subsets = set(info.subsets or ("default",)) if info else {"default"}
    splits = set(info.eval_splits) if info else set()
    best: tuple[int, int, str, str] | None = None
    for cut in (i for i, char in enumerate(rest) if char == "_"):
        subset, split = rest[:cut], rest[cut + 1 :]
        if not subset or not split:
            continue
        score = 2 * (subset in subsets) + (split in splits)
        if best is None or (score, cut) > best[:2]:
            best = (score, cut, subset, split)
    return None if best is None else (best[2], best[3])


def _task_name(path: Path, task_id: str, catalog: Catalog) -> str:
    """The file is named after the task (mteb's layout); fall back to the id's prefix."""
    if path.stem in catalog or task_id == path.stem or task_id.startswith(f"{path.stem}_"):
        return path.stem
    known = [n for n in catalog.task_names() if task_id.startswith(f"{n}_")]
    return max(known, key=len) if known else path.stem


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def read_eval_results_file(path: Path, catalog: Catalog) -> list[TaskResult]:
    """The tasks of one file (normally one), scores on the 0 to 1 scale."""
    tasks: dict[str, TaskResult] = {}
    for index, entry in enumerate(_load(path)):
        where = f"[{index}]"
        if not isinstance(entry, dict):
            raise CardkitError("each result must be a mapping", path, where)
        dataset = entry.get("dataset")
        if not isinstance(dataset, dict) or not isinstance(dataset.get("id"), str):
            raise CardkitError("'dataset.id' is required", path, f"{where}.dataset")
        value = finite_float(entry.get("value"))
        if value is None:
            shown = repr(entry.get("value"))[:80]
            message = f"value must be a finite number, got {shown}"
            raise CardkitError(message, path, f"{where}.value")
        tid = str(dataset.get("task_id") or "")
        name = _task_name(path, tid, catalog)
        parsed = _split_task_id(tid, name, catalog)
        if parsed is None:
            log.info("note: skipped %s: %s: '%s' is an aggregate score", path, where, tid)
            continue
        subset, split = parsed
        info = catalog.get(name)
        metric = info.main_score if info and info.main_score else "main_score"
        score = value / 100
        task = tasks.get(name)
        if task is None:
            task = tasks[name] = TaskResult(
                task_name=name,
                scores=[],
                dataset_revision=_text(dataset.get("revision")),
                date=_text(entry.get("date")),
                source=path,
            )
        task.scores.append(SubsetScores(split, subset, {metric: score}, main_score=score))
    return list(tasks.values())


def read_eval_results(path: Path, catalog: Catalog, model_name: str | None = None) -> ModelResults:
    """A `.eval_results` folder (or one file in it) as one model's results.

    The model is named after the folder holding `.eval_results` (the model repository)
    unless ``model_name`` is given.
    """
    files = (
        sorted(p for p in path.iterdir() if p.suffix.lower() in _SUFFIXES and p.is_file())
        if path.is_dir()
        else [path]
    )
    folder = path if path.is_dir() else path.parent
    model = ModelResults(model_name=model_name or folder.resolve().parent.name, revision=None)
    model.source = path
    for file in files:
        for task in read_eval_results_file(file, catalog):
            _merge_task(model, task, catalog)
    if not model.tasks:
        raise CardkitError("no results found in the .eval_results files", path)
    return model


def _merge_task(model: ModelResults, task: TaskResult, catalog: Catalog) -> None:
    """Add a task, keeping the (split, subset) pairs the model already holds."""
    canonical = catalog.canonical_name(task.task_name)
    for name, other in model.tasks.items():
        if catalog.canonical_name(name) == canonical:
            have = {(s.split, s.subset) for s in other.scores}
            other.scores.extend(s for s in task.scores if (s.split, s.subset) not in have)
            return
    model.tasks[task.task_name] = task


def add_sibling_eval_results(
    models: list[ModelResults], card: Path, catalog: Catalog
) -> list[ModelResults]:
    """A card's model-index plus the `.eval_results` folder beside it, the card winning.

    Only tasks and (split, subset) pairs the card lacks are taken from `.eval_results`: the
    card carries every metric, the files only the main score.
    """
    folder = card.parent / EVAL_RESULTS_FOLDER
    if len(models) != 1 or not folder.is_dir():
        return models
    if not any(p.suffix.lower() in _SUFFIXES for p in folder.iterdir()):
        return models
    extra = read_eval_results(folder, catalog, models[0].model_name)
    for task in extra.sorted_tasks():
        _merge_task(models[0], task, catalog)
    return models
