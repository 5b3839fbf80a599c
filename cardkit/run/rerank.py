"""Two-stage retrieval: the embedding model retrieves, a reranker reorders its top k.

Stage one is mteb's retrieval evaluation with ``prediction_folder`` (mteb saves each query's
ranked documents); stage two is ``AbsTaskRetrieval.convert_to_reranking`` on those predictions,
evaluated with the reranker, a sentence-transformers ``CrossEncoder`` (or a bi-encoder scoring
only the candidates). Both are mteb's own code; this module names and files what they produce.

The stage-two result is the score of a pipeline, not of either model alone, so it is filed
beside the first stage's results under a task name that says which reranker saw how many
candidates: ``<Task>-top<k>-reranked-by-<reranker>``. A card built from the folder lists it
next to the task's own score, and the model-index never gives the pipeline's number to the
plain task. The reranker itself is loaded by :func:`cardkit.run.encoders.load_reranker`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TOP_K = 10
PREDICTIONS_DIR = "predictions"
# The key a stage-two result file carries, next to mteb's own previous_results_model_meta.
RERANK_KEY = "cardkit_rerank"


@dataclass
class RerankerSettings:
    """The second stage: which model reranks, and how it is loaded and fed."""

    model: str
    type: str = "cross-encoder"
    name: str | None = None
    revision: str | None = None
    batch_size: int | None = None
    max_seq_length: int | None = None
    prompt: str | None = None
    model_kwargs: dict[str, Any] = field(default_factory=dict)


def reranker_from_config(value: str | dict[str, Any], base: Path | None = None) -> RerankerSettings:
    """``reranker:`` of a run section (checked by its schema): a model, or a mapping."""
    if isinstance(value, str):
        value = {"model": value}
    model = value["model"]
    if base is not None and (base / model).exists():
        model = str(base / model)  # a relative folder in the config
    return RerankerSettings(
        model=model,
        type=value.get("type", "cross-encoder"),
        name=value.get("name"),
        revision=value.get("revision"),
        batch_size=value.get("batch_size"),
        max_seq_length=value.get("max_seq_length"),
        prompt=value.get("prompt"),
        model_kwargs=dict(value.get("model_kwargs") or {}),
    )


def reranked_task_name(task: str, reranker_name: str, top_k: int) -> str:
    """The name a stage-two result is filed under: the task, the cut and the reranker."""
    safe = re.sub(r"[^A-Za-z0-9_.\-]", "_", reranker_name.replace("/", "__"))
    return f"{task}-top{top_k}-reranked-by-{safe}"


def predictions_path(folder: Path, task: str) -> Path:
    """Where stage one keeps mteb's predictions file of a task (mteb's own file name)."""
    return folder / PREDICTIONS_DIR / f"{task}_predictions.json"


def reranked_catalog_entry(
    base: dict[str, Any], task: str, first_stage: str, reranker_name: str, top_k: int
) -> dict[str, Any]:
    """The catalog entry recorded for a stage-two task: the base task's data, as reranking."""
    return {
        **base,
        "type": "Reranking",
        "description": f"{task}: the top {top_k} documents retrieved by {first_stage}, "
        f"reranked by {reranker_name}.",
    }
