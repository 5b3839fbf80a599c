"""Write results as mteb 1.11+ result files: the way the public results repository keeps
results taken from a card (its ``external`` folders)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cardkit.atomic import write_text_atomic
from cardkit.catalog import Catalog
from cardkit.metrics import find_metric
from cardkit.model import ModelResults, TaskResult


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


def export_results(model: ModelResults, catalog: Catalog, folder: Path) -> list[Path]:
    """One ``<Task>.json`` per task plus ``model_meta.json``; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for task in model.sorted_tasks():
        path = folder / f"{task.task_name}.json"
        text = json.dumps(task_result_json(task, catalog), indent=2, ensure_ascii=False) + "\n"
        write_text_atomic(path, text)
        written.append(path)
    meta_path = folder / "model_meta.json"
    write_text_atomic(meta_path, json.dumps(model_meta_json(model), indent=2) + "\n")
    written.append(meta_path)
    return written
