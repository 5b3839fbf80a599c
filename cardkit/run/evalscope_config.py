"""evalscope's MTEB task configuration, read as its users wrote it, mapped onto `cardkit run`.

The format is the one of evalscope's MTEB guide (``eval_backend: RAGEval``, ``eval_config:
{tool: MTEB, model: [...], eval: {...}}``), with the meaning evalscope's code gave it: one model
is a one-stage run; two models are a two-stage run, the first retrieving and the second
reranking (a cross-encoder when ``is_cross_encoder`` is true, else a bi-encoder); ``prompt``
(or a task's entry of ``prompts``) goes before queries only; ``max_seq_length`` defaults to
512, ``encode_kwargs.batch_size`` to 32 (10 for an API model), ``top_k`` to 5 and
``overwrite_results`` to true. A key cardkit cannot honour is refused with one line naming it,
never ignored; ``hub: modelscope`` is refused (cardkit downloads from the Hugging Face Hub only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cardkit.io.errors import CardkitError
from cardkit.io.log import log
from cardkit.io.userfile import parse_json, read_text
from cardkit.run.settings import max_batch_size
from cardkit.validate import Document, read_yaml_file
from cardkit.validate.findings import data_path
from cardkit.validate.schema import load_schema

_TOP_KEYS = ("eval_backend", "eval_config", "work_dir")
_CONFIG_KEYS = ("tool", "model", "eval")
_LOCAL_KEYS = (
    "model_name_or_path",
    "is_cross_encoder",
    "pooling_mode",
    "max_seq_length",
    "prompt",
    "prompts",
    "model_kwargs",
    "config_kwargs",
    "encode_kwargs",
    "hub",
)
_API_KEYS = (
    "model_name",
    "api_base",
    "api_key",
    "dimensions",
    "encode_kwargs",
    "prompt",
    "prompts",
    "is_cross_encoder",
    "hub",
)
_ENCODE_KEYS = ("batch_size", "show_progress_bar")
_EVAL_KEYS = ("tasks", "top_k", "verbosity", "overwrite_results", "limits", "hub", "output_folder")
# evalscope's defaults (its ModelArguments and EvalArguments).
_MAX_SEQ_LENGTH = 512
_BATCH_SIZE = 32
_API_BATCH_SIZE = 10
_TOP_K = 5
_OUTPUT = "outputs"
_ENV_REFERENCE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


@dataclass
class EvalscopeRun:
    """cardkit's settings for an evalscope config: a run: section and what it cannot hold."""

    section: dict[str, Any]
    overwrite: bool
    api_key: str | None = field(default=None, repr=False)


class _Reader:
    """Type checks with messages naming the key path, its line and column."""

    def __init__(self, path: Path, doc: Document | None):
        self.path = path
        self.doc = doc

    def fail(self, message: str, keys: list[str | int]) -> CardkitError:
        if self.doc is not None:
            return self.doc.error_at(keys, message)
        return CardkitError(message, self.path, data_path(keys) or None)

    def mapping(self, value: Any, keys: list[str | int], allowed: tuple[str, ...]) -> dict:
        if not isinstance(value, dict):
            raise self.fail("expected a mapping", keys)
        for key in value:
            if key not in allowed:
                raise self.fail(_refusal(str(key), keys), [*keys, key])
        return value

    def typed(self, data: dict, key: str, keys: list, types: tuple[type, ...], what: str) -> Any:
        value = data.get(key)
        if value is None:
            return None
        bad_int = isinstance(value, int) and int in types and not isinstance(value, bool)
        if (
            isinstance(value, bool) != (bool in types)
            or not isinstance(value, types)
            or (bad_int and value <= 0)
        ):
            raise self.fail(f"expected {what}, got {value!r}", [*keys, key])
        return value


def _refusal(key: str, keys: list[str | int]) -> str:
    """Why cardkit refuses a key evalscope knows, or that it is unknown."""
    hints = {
        "dimension": "evalscope's key is 'dimensions'",
        "dataset_path": "give local tasks with --custom-task DIR (a folder with task.yaml)",
        "models": "this is evalscope's MTEB guide format: the list is 'model'",
        "task_names": "this is evalscope's MTEB guide format: the list is 'tasks'",
    }
    hint = hints.get(key, "cardkit cannot honour it")
    return f"key '{key}' is not supported: {hint}"


def _hub(reader: _Reader, data: dict, keys: list[str | int], what: str) -> None:
    hub = data.get("hub")
    if hub is None or hub == "huggingface":
        return
    if hub == "modelscope":
        raise reader.fail(
            f"hub: modelscope is not supported: cardkit does not download {what} from "
            "ModelScope; give a local folder or a Hugging Face Hub id (hub: huggingface)",
            [*keys, "hub"],
        )
    raise reader.fail(f"expected modelscope or huggingface, got {hub!r}", [*keys, "hub"])


def _batch_size(reader: _Reader, entry: dict, keys: list, default: int) -> int:
    encode = entry.get("encode_kwargs")
    if encode is None:
        return default
    encode = reader.mapping(encode, [*keys, "encode_kwargs"], _ENCODE_KEYS)
    reader.typed(encode, "show_progress_bar", [*keys, "encode_kwargs"], (bool,), "true or false")
    size = reader.typed(encode, "batch_size", [*keys, "encode_kwargs"], (int,), "a positive int")
    largest = max_batch_size()
    if size is not None and size > largest:
        raise reader.fail(
            f"expected a batch size of at most {largest:,}, got {size:,}",
            [*keys, "encode_kwargs", "batch_size"],
        )
    return size or default


def _prompts(reader: _Reader, entry: dict, keys: list, tasks: list[str]) -> dict[str, Any]:
    """evalscope puts ``prompt`` (else the task's ``prompts`` entry) before queries only."""
    prompt = reader.typed(entry, "prompt", keys, (str,), "a string")
    prompts = reader.typed(entry, "prompts", keys, (dict,), "task name -> prompt")
    for task, text in (prompts or {}).items():
        if not isinstance(text, str):
            raise reader.fail(f"expected a string, got {text!r}", [*keys, "prompts", task])
    if prompt:
        return {task: {"query": prompt} for task in tasks}
    return {task: {"query": text} for task, text in (prompts or {}).items() if text}


def _model_kwargs(reader: _Reader, entry: dict, keys: list) -> dict[str, Any]:
    """evalscope's model_kwargs and config_kwargs are those of the transformers model."""
    kwargs: dict[str, Any] = {}
    for key in ("model_kwargs", "config_kwargs"):
        value = reader.typed(entry, key, keys, (dict,), "a mapping")
        if value:
            kwargs[key] = dict(value)
    return kwargs


def _first_model(reader: _Reader, entry: Any, keys: list, tasks: list[str]) -> tuple[dict, Any]:
    """The retrieving (or only) model as run: settings, and a literal API key if any."""
    if isinstance(entry, dict) and "api_base" in entry:
        entry = reader.mapping(entry, keys, _API_KEYS)
        if entry.get("is_cross_encoder"):
            raise reader.fail("an API model cannot be a cross-encoder", [*keys, "is_cross_encoder"])
        _hub(reader, entry, keys, "models")
        section: dict[str, Any] = {
            "api_base": reader.typed(entry, "api_base", keys, (str,), "a URL"),
            "api_model": reader.typed(entry, "model_name", keys, (str,), "the API's model name"),
            "batch_size": _batch_size(reader, entry, keys, _API_BATCH_SIZE),
            "prompts": _prompts(reader, entry, keys, tasks),
        }
        if section["api_model"] is None:
            raise reader.fail("missing key 'model_name': the model the API serves", keys)
        dimensions = reader.typed(entry, "dimensions", keys, (int,), "a positive integer")
        if dimensions:
            section["dimensions"] = dimensions
        key = reader.typed(entry, "api_key", keys, (str,), "a string")
        literal = None
        if key is not None:
            reference = _ENV_REFERENCE.fullmatch(key)
            if reference:
                section["api_key_env"] = reference.group(1)
            else:
                literal = key
        return section, literal
    entry = reader.mapping(entry, keys, _LOCAL_KEYS)
    if entry.get("is_cross_encoder"):
        raise reader.fail(
            "the first model retrieves: it cannot be a cross-encoder (a reranker goes second)",
            [*keys, "is_cross_encoder"],
        )
    _hub(reader, entry, keys, "models")
    model = reader.typed(entry, "model_name_or_path", keys, (str,), "a folder or Hub id")
    if not model:
        raise reader.fail("missing key 'model_name_or_path'", keys)
    section = {
        "model": model,
        "max_seq_length": reader.typed(entry, "max_seq_length", keys, (int,), "a positive int")
        or _MAX_SEQ_LENGTH,
        "batch_size": _batch_size(reader, entry, keys, _BATCH_SIZE),
        "prompts": _prompts(reader, entry, keys, tasks),
        "model_kwargs": _model_kwargs(reader, entry, keys),
    }
    pooling = reader.typed(entry, "pooling_mode", keys, (str,), "a pooling mode")
    if pooling is not None:
        poolings = load_schema("cardkit-config")["properties"]["run"]["properties"]["pooling"]
        if pooling not in poolings["enum"]:
            raise reader.fail(
                f"expected one of {', '.join(poolings['enum'])}, got {pooling!r}",
                [*keys, "pooling_mode"],
            )
        section["pooling"] = pooling
    return section, None


def _reranker(reader: _Reader, entry: Any, keys: list) -> dict[str, Any]:
    entry = reader.mapping(entry, keys, _LOCAL_KEYS)
    _hub(reader, entry, keys, "models")
    for key in ("pooling_mode", "prompts"):
        if entry.get(key) is not None:
            raise reader.fail(
                f"key '{key}' is not supported for the reranker: cardkit cannot honour it",
                [*keys, key],
            )
    model = reader.typed(entry, "model_name_or_path", keys, (str,), "a folder or Hub id")
    if not model:
        raise reader.fail("missing key 'model_name_or_path'", keys)
    cross = reader.typed(entry, "is_cross_encoder", keys, (bool,), "true or false")
    reranker: dict[str, Any] = {
        "model": model,
        "type": "cross-encoder" if cross else "bi-encoder",
        "batch_size": _batch_size(reader, entry, keys, _BATCH_SIZE),
        "max_seq_length": reader.typed(entry, "max_seq_length", keys, (int,), "a positive int")
        or _MAX_SEQ_LENGTH,
    }
    prompt = reader.typed(entry, "prompt", keys, (str,), "a string")
    if prompt:
        reranker["prompt"] = prompt
    kwargs = _model_kwargs(reader, entry, keys)
    if kwargs:
        reranker["model_kwargs"] = kwargs
    return reranker


def _tasks(reader: _Reader, evaluation: dict) -> list[str]:
    tasks = evaluation.get("tasks")
    keys: list[str | int] = ["eval_config", "eval", "tasks"]
    if not isinstance(tasks, list) or not tasks:
        raise reader.fail("expected a list of mteb task names", keys)
    for index, task in enumerate(tasks):
        if not isinstance(task, str) or not task:
            raise reader.fail(f"expected a task name, got {task!r}", [*keys, index])
    return list(tasks)


def map_evalscope(data: dict[str, Any], path: Path, doc: Document | None = None) -> EvalscopeRun:
    """cardkit's run settings for an evalscope MTEB task configuration."""
    reader = _Reader(path, doc)
    reader.mapping(data, [], _TOP_KEYS)
    backend = data.get("eval_backend")
    if backend is not None and str(backend).lower() != "rageval":
        raise reader.fail(
            f"eval_backend {backend!r}: only evalscope's RAGEval backend (tool MTEB) is supported",
            ["eval_backend"],
        )
    config = reader.mapping(data.get("eval_config"), ["eval_config"], _CONFIG_KEYS)
    tool = config.get("tool")
    if not isinstance(tool, str) or tool.lower() != "mteb":
        raise reader.fail(f"tool {tool!r}: only tool MTEB is supported", ["eval_config", "tool"])
    eval_keys: list[str | int] = ["eval_config", "eval"]
    evaluation = reader.mapping(config.get("eval"), eval_keys, _EVAL_KEYS)
    tasks = _tasks(reader, evaluation)
    _hub(reader, evaluation, eval_keys, "datasets")
    reader.typed(evaluation, "verbosity", eval_keys, (int,), "0 to 3")  # logging only
    models = config.get("model")
    model_keys: list[str | int] = ["eval_config", "model"]
    if not isinstance(models, list) or not 1 <= len(models) <= 2:
        raise reader.fail(
            "expected a list of one model (one stage) or two (retrieve, then rerank)", model_keys
        )
    section, api_key = _first_model(reader, models[0], [*model_keys, 0], tasks)
    section["tasks"] = tasks
    if len(models) == 2:
        if "api_base" in section:
            raise reader.fail("a two-stage run needs a local embedding model first", model_keys)
        section["reranker"] = _reranker(reader, models[1], [*model_keys, 1])
        top_k = reader.typed(evaluation, "top_k", eval_keys, (int,), "a positive integer")
        section["top_k"] = top_k or _TOP_K
    limits = reader.typed(evaluation, "limits", eval_keys, (int,), "a positive integer")
    if limits:
        section["limit"] = limits
    output = evaluation.get("output_folder") or data.get("work_dir") or _OUTPUT
    if not isinstance(output, str):
        raise reader.fail(f"expected a folder, got {output!r}", ["work_dir"])
    section["output"] = output
    overwrite = reader.typed(evaluation, "overwrite_results", eval_keys, (bool,), "true or false")
    if (
        "hub" not in models[0]
        and "model" in section
        and not (path.parent / section["model"]).exists()
    ):
        log.info(
            "note: %s: evalscope would download %s from ModelScope; cardkit looks for it on "
            "the Hugging Face Hub",
            path,
            section["model"],
        )
    return EvalscopeRun(section, True if overwrite is None else overwrite, api_key)


def read_evalscope(path: Path) -> EvalscopeRun | None:
    """The mapped settings when ``path`` is an evalscope config, None for a cardkit.yaml."""
    doc: Document | None = None
    try:
        doc = read_yaml_file(path, "cardkit-config", "config file", schema=False)
        data = doc.data
    except CardkitError:
        if path.suffix.lower() != ".json":
            raise
        data = parse_json(read_text(path, "config file"), path)  # JSON that YAML refuses
    if not isinstance(data, dict) or not ({"eval_backend", "eval_config"} & set(data)):
        return None
    return map_evalscope(data, path, doc)
