"""Small results folders for the audit's tests, written as the results repository lays them out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SHA = "0123456789abcdef0123456789abcdef01234567"


def block(
    main: float = 0.5, subset: str = "default", languages: list[str] | None = None, **metrics: Any
) -> dict[str, Any]:
    """One (split, subset) score block whose main score is also its ``ndcg_at_10``."""
    return {
        "ndcg_at_10": main,
        "recall_at_10": 0.61,
        "map_at_10": 0.42,
        "mrr_at_10": 0.47,
        "precision_at_1": 0.33,
        "mrr_at_1": 0.33,
        **metrics,
        "main_score": main,
        "hf_subset": subset,
        "languages": languages or ["eng-Latn"],
    }


def result(task: str, version: str = "2.19.0", **splits: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "task_name": task,
        "dataset_revision": "abc",
        "mteb_version": version,
        "evaluation_time": 1.5,
        "scores": splits or {"test": [block()]},
    }


def write_revision(
    store: Path,
    folder: str = "org__model",
    revision: str = SHA,
    meta: dict[str, Any] | None = None,
    files: dict[str, Any] | None = None,
    with_meta: bool = True,
) -> Path:
    """``store/<folder>/<revision>/`` with a model_meta.json (name and revision as the path
    gives them unless ``meta`` says otherwise) and the result files ``files``."""
    target = store / folder / revision
    target.mkdir(parents=True)
    if with_meta:
        data = {"name": folder.replace("__", "/"), "revision": revision, **(meta or {})}
        (target / "model_meta.json").write_text(json.dumps(data))
    for name, data in (files if files is not None else {"SciFact": result("SciFact")}).items():
        (target / f"{name}.json").write_text(json.dumps(data))
    return target
