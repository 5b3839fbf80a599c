"""Two-stage retrieval: the embedding model retrieves, a reranker reorders its top k.

Stage one is mteb's retrieval evaluation with ``prediction_folder`` (mteb saves each query's
ranked documents); stage two is ``AbsTaskRetrieval.convert_to_reranking`` on those predictions,
evaluated with the reranker, a sentence-transformers ``CrossEncoder`` (or a bi-encoder scoring
only the candidates). Both are mteb's own code; this module names and files what they produce.

The stage-two result is the score of a pipeline, not of either model alone, so it is filed
beside the first stage's results under a task name that says which reranker saw how many
candidates: ``<Task>-top<k>-reranked-by-<reranker>``. A card built from the folder lists it
next to the task's own score, and the model-index never gives the pipeline's number to the
plain task. Only this module's loaders import mteb or sentence-transformers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cardkit.io.errors import CardkitError, first_line

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


def load_reranker(reranker: RerankerSettings, device: str | None, name: str, revision: str) -> Any:
    """The mteb model for stage two (imports sentence-transformers and mteb)."""
    if reranker.type == "bi-encoder":
        from cardkit.run.runner import load_encoder
        from cardkit.run.settings import RunSettings

        settings = RunSettings(
            model=reranker.model,
            device=device or "auto",
            max_seq_length=reranker.max_seq_length,
            model_kwargs=dict(reranker.model_kwargs),
        )
        encoder = load_encoder(settings, name, revision)
        if reranker.prompt:
            encoder.model_prompts = {"query": reranker.prompt}
        return encoder
    from mteb.models import CrossEncoderWrapper
    from sentence_transformers import CrossEncoder

    model_path = str(Path(reranker.model).expanduser())
    hub_revision = reranker.revision if not Path(model_path).exists() else None
    try:
        cross = CrossEncoder(
            model_path,
            device=device,
            revision=hub_revision,
            max_length=reranker.max_seq_length,
            **reranker.model_kwargs,
        )
    except Exception as exc:  # the library's many ways to say "cannot load this"
        raise CardkitError(f"cannot load the reranker: {first_line(exc)}", model_path) from None
    wrapper = CrossEncoderWrapper(cross, query_prefix=reranker.prompt or "")
    wrapper.mteb_model_meta = wrapper.mteb_model_meta.model_copy(
        update={"name": name, "revision": revision}
    )
    return wrapper
