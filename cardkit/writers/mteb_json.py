"""Write results as mteb 1.11+ result files: the way the public results repository keeps
results taken from a card (its ``external`` folders)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cardkit.catalog import Catalog
from cardkit.io.atomic import write_text_atomic
from cardkit.io.errors import CardkitError
from cardkit.io.safenames import file_name, inside, unique_names
from cardkit.model import ModelResults, TaskResult
from cardkit.modelindex import find_metric

MODEL_META = "model_meta.json"


def task_result_json(task: TaskResult, catalog: Catalog) -> dict[str, Any]:
    info = catalog.get(task.task_name)
    scores: dict[str, list[dict[str, Any]]] = {}
    for entry in task.scores:
        item: dict[str, Any] = {"hf_subset": entry.subset, "languages": list(entry.languages)}
        item.update(entry.metrics)
        main = entry.main_score
        if main is None and info is not None and info.main_score:
            found = find_metric(entry.metrics, [info.main_score])
            main = found[1] if found else None
        if main is not None:
            item["main_score"] = main
        scores.setdefault(entry.split, []).append(item)
    return {
        "dataset_revision": task.dataset_revision,
        "task_name": task.task_name,
        "mteb_version": task.mteb_version,
        "evaluation_time": task.evaluation_time,
        "scores": scores,
    }


def model_meta_json(model: ModelResults, name: str | None = None) -> dict[str, Any]:
    meta = dict(model.meta)
    meta["name"] = name or model.model_name
    meta["revision"] = model.revision or meta.get("revision") or "external"
    return meta


def planned_files(model: ModelResults, catalog: Catalog, folder: Path) -> dict[Path, str]:
    """Path -> text of every file ``export_results`` writes, each checked to lie in ``folder``.

    Task names come from the card, so each becomes a safe file name; two tasks that would
    share a file, or a task that would overwrite ``model_meta.json``, are refused.
    """
    if folder.exists() and not folder.is_dir():
        raise CardkitError("is not a folder: export writes one file per task into a folder", folder)
    tasks = model.sorted_tasks()
    names = [(t.task_name, file_name(t.task_name, ".json", "task")) for t in tasks]
    unique_names(names, "tasks")
    for task_name, name in names:
        if name.casefold() == MODEL_META.casefold():
            raise CardkitError(f"a task named {task_name!r} would overwrite {MODEL_META}", folder)
    files: dict[Path, str] = {}
    for task, (_, name) in zip(tasks, names):
        text = json.dumps(task_result_json(task, catalog), indent=2, ensure_ascii=False) + "\n"
        files[inside(folder / name, folder)] = text
    meta = json.dumps(model_meta_json(model), indent=2) + "\n"
    files[inside(folder / MODEL_META, folder)] = meta
    return files


def export_results(model: ModelResults, catalog: Catalog, folder: Path) -> list[Path]:
    """One ``<Task>.json`` per task plus ``model_meta.json``; returns the files written.

    Every file is planned and checked before the first one is written.
    """
    return write_planned(planned_files(model, catalog, folder))


def write_planned(files: dict[Path, str]) -> list[Path]:
    """Write files planned by ``planned_files``, each atomically; returns their paths."""
    for path, text in files.items():
        write_text_atomic(path, text)
    return list(files)
