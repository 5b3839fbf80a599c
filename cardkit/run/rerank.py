"""Two-stage retrieval: the embedding model retrieves, a reranker reorders its top k.

Stage one is mteb's retrieval evaluation with ``prediction_folder`` (mteb saves each query's
ranked documents); stage two is ``AbsTaskRetrieval.convert_to_reranking`` on those predictions,
evaluated with the reranker, a sentence-transformers ``CrossEncoder`` (or a bi-encoder scoring
only the candidates). Both are mteb's own code; this module names and files what they produce.

What the reranker is, is read from its checkpoint before anything loads
(:func:`checkpoint_kind`): a sentence-transformers embedding model is scored as a bi-encoder,
a sequence classifier as a cross-encoder only when its checkpoint holds the classification
head, and any other checkpoint is refused: loading it as a ``CrossEncoder`` would put a newly
initialised head on it, whose scores are random numbers.

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

from cardkit.io.errors import CardkitError, first_line

DEFAULT_TOP_K = 10
PREDICTIONS_DIR = "predictions"
# The key a stage-two result file carries, next to mteb's own previous_results_model_meta.
RERANK_KEY = "cardkit_rerank"


@dataclass
class RerankerSettings:
    """The second stage: which model reranks, and how it is loaded and fed."""

    model: str
    type: str | None = None  # None: read from the checkpoint (checkpoint_kind)
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
        type=value.get("type"),
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


# The files that say what a checkpoint is, and where its weights' names are listed.
_ST_CONFIG = "config_sentence_transformers.json"
_MODULES = "modules.json"
_CONFIG = "config.json"


def checkpoint_kind(reranker: RerankerSettings) -> str:
    """What ``reranker.model`` is: ``"bi-encoder"`` (a sentence-transformers embedding model)
    or ``"cross-encoder"`` (a sequence classifier whose head is in the checkpoint).

    Read from the checkpoint's small files (and the names in its weights' header), before
    any model loads. A checkpoint that would be scored by a newly initialised head is a
    CardkitError: a bare transformer, a classifier without its head weights, or an embedding
    model given as ``type: cross-encoder``.
    """
    files = _CheckpointFiles(reranker.model, reranker.revision)
    st_config = files.json(_ST_CONFIG)
    config = files.json(_CONFIG)
    if config is None and st_config is None and not files.exists(_MODULES):
        where = "in this folder" if files.local else "on the Hub or in its cache"
        raise CardkitError(
            f"cannot rerank with this: no {_CONFIG}, {_MODULES} or {_ST_CONFIG} {where}",
            reranker.model,
        )
    architectures = config.get("architectures") or [] if isinstance(config, dict) else []
    classifier = any(str(a).endswith("ForSequenceClassification") for a in architectures)
    cross = st_config.get("model_type") == "CrossEncoder" if isinstance(st_config, dict) else False
    if cross or (classifier and not files.exists(_MODULES)):
        missing = _missing_head(files, config)
        if missing:
            raise CardkitError(
                f"cannot rerank with this checkpoint: its classification head "
                f"({', '.join(missing[:3])}) is not in its weights, and would be newly "
                "initialised (random scores)",
                reranker.model,
            )
        if reranker.type == "bi-encoder":
            raise CardkitError(
                "this checkpoint is a cross-encoder, not an embedding model: leave out "
                "--reranker-type (or type:) or give cross-encoder",
                reranker.model,
            )
        return "cross-encoder"
    if files.exists(_MODULES) or st_config is not None:
        if reranker.type == "cross-encoder":
            raise CardkitError(
                "this checkpoint is a sentence-transformers embedding model (bi-encoder): as a "
                "cross-encoder it would be scored by a newly initialised head (random scores); "
                "leave out --reranker-type (or type:) to score it as a bi-encoder",
                reranker.model,
            )
        return "bi-encoder"
    shown = ", ".join(map(str, architectures)) or "none"
    raise CardkitError(
        "cannot rerank with this checkpoint: it is neither a sentence-transformers model "
        f"({_MODULES}) nor a cross-encoder (config.json architectures: {shown}, no "
        "*ForSequenceClassification); a CrossEncoder made of it would score with a newly "
        "initialised head (random scores)",
        reranker.model,
    )


class _CheckpointFiles:
    """The small files of a checkpoint: a local folder's, or a Hub repository's (downloaded
    into the Hugging Face cache, where loading the model looks for them anyway)."""

    def __init__(self, model: str, revision: str | None):
        self.folder = Path(model).expanduser()
        self.model = model
        self.revision = revision
        self.local = self.folder.is_dir()

    def path(self, name: str) -> Path | None:
        if self.local:
            path = self.folder / name
            return path if path.is_file() else None
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

        try:
            return Path(hf_hub_download(self.model, name, revision=self.revision))
        except (EntryNotFoundError, LocalEntryNotFoundError):
            return None
        except Exception as exc:  # no such repository, no network: the load says it anyway
            raise CardkitError(f"cannot read the reranker: {first_line(exc)}", self.model) from None

    def exists(self, name: str) -> bool:
        return self.path(name) is not None

    def json(self, name: str) -> Any:
        path = self.path(name)
        if path is None:
            return None
        from cardkit.io.userfile import parse_json, read_text

        return parse_json(read_text(path, name), path)


def _missing_head(files: _CheckpointFiles, config: Any) -> list[str]:
    """The weights of the classifier's head (as transformers builds the architecture) that
    the checkpoint does not hold; none when the checkpoint's weights cannot be listed
    (a pickled ``pytorch_model.bin``: loading it says the rest)."""
    names = _weight_names(files)
    if names is None or not isinstance(config, dict):
        return []
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    where = str(files.folder) if files.local else files.model
    settings = AutoConfig.from_pretrained(where, revision=None if files.local else files.revision)
    with torch.device("meta"):  # the architecture's parameter names, no memory for them
        network = AutoModelForSequenceClassification.from_config(settings)
    base = f"{network.base_model_prefix}."
    head = [key for key in network.state_dict() if not key.startswith(base)]
    return [key for key in head if key not in names]


def _weight_names(files: _CheckpointFiles) -> set[str] | None:
    index = files.json("model.safetensors.index.json")
    if isinstance(index, dict) and isinstance(index.get("weight_map"), dict):
        return set(index["weight_map"])
    single = files.path("model.safetensors")
    if single is None:
        return None
    from safetensors import safe_open

    with safe_open(str(single), framework="pt") as weights:
        return set(weights.keys())
