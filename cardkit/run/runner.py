"""The `cardkit run` loop: plan, skip what is done, evaluate one task at a time with mteb.

Results land in mteb's layout ``OUTPUT/<org>__<model>/<revision>/<Task>.json`` plus
``model_meta.json``, under the name and revision the user gives. Each file is written
atomically after its task finishes, so an interrupted run leaves only complete files, and a
re-run skips them. Everything cheap (task files, model path, result files) is checked before
mteb, torch or the model load.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cardkit.atomic import write_bytes_atomic, write_text_atomic
from cardkit.errors import CardkitError
from cardkit.readers.run_record import RUN_FILE, RunCommand, read_run_record, record_text
from cardkit.readers.tasks_file import TASKS_FILE
from cardkit.run.settings import RunSettings, check_settings
from cardkit.run.task_files import LocalTask, load_task_folder

log = logging.getLogger("cardkit")

NO_REVISION = "no_revision_available"
LIMIT_KEY = "cardkit_limit"
_QUERY_DOCUMENT_TYPES = {"Retrieval", "Reranking", "InstructionRetrieval", "InstructionReranking"}


@dataclass
class PlannedTask:
    name: str
    result_path: Path
    local: LocalTask | None = None
    skip: bool = False
    mteb_task: Any = None


@dataclass
class TaskOutcome:
    name: str
    path: Path
    skipped: bool
    main_score: float | None = None
    metric: str | None = None
    seconds: float = 0.0


@dataclass
class RunReport:
    folder: Path
    model_name: str
    revision: str
    outcomes: list[TaskOutcome] = field(default_factory=list)
    extra_tasks: dict[str, dict[str, Any]] = field(default_factory=dict)


def name_as_path(name: str) -> str:
    """mteb's folder name for a model name (``org/model`` -> ``org__model``)."""
    return name.replace("/", "__").replace(" ", "_")


def _looks_like_path(model: str) -> bool:
    return (
        model.startswith((".", "/", "~", "\\"))
        or model.count("/") > 1
        or "\\" in model
        or bool(re.match(r"^[A-Za-z]:", model))
    )


def resolve_identity(settings: RunSettings) -> tuple[str, str]:
    """(model name, revision) the results are filed under; checks a local model path exists."""
    if settings.api_model:
        return settings.model_name or settings.api_model, settings.revision or NO_REVISION
    model = str(settings.model)
    path = Path(model).expanduser()
    if path.exists():
        if not path.is_dir():
            raise CardkitError("the model must be a folder (a saved SentenceTransformer)", path)
        revision = settings.revision
        if revision is None and path.resolve().parent.name == "snapshots":
            revision = path.resolve().name  # a Hub cache snapshot: its commit hash
        return settings.model_name or path.resolve().name, revision or NO_REVISION
    if _looks_like_path(model):
        raise CardkitError("no such model folder", path)
    return settings.model_name or model, settings.revision or NO_REVISION


def finished_result(path: Path, limit: int | None) -> bool:
    """A result file that a previous run finished (and with the same --limit)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict) or not isinstance(data.get("scores"), dict):
        return False
    return bool(data["scores"]) and data.get(LIMIT_KEY) == limit


def _load_local_tasks(settings: RunSettings) -> list[LocalTask]:
    tasks = [load_task_folder(folder) for folder in settings.custom_tasks]
    seen: dict[str, Path] = {}
    for task in tasks:
        if task.name in seen:
            raise CardkitError(
                f"two task folders are both named '{task.name}': {seen[task.name]} and "
                f"{task.folder}",
                task.folder / "task.yaml",
                "name",
            )
        seen[task.name] = task.folder
    return tasks


def _mteb_key_error(exc: KeyError) -> str:
    text = str(exc.args[0]) if exc.args else str(exc)
    match = re.search(r"Did you mean:?\s*'?([^'?]+)'?\??", text)
    return f" (did you mean {match.group(1)}?)" if match else ""


def _resolve_builtin(settings: RunSettings, local_names: set[str]) -> list[Any]:
    """mteb task objects for --tasks and --benchmark (imports mteb)."""
    import mteb

    found: list[Any] = []
    if settings.benchmark:
        try:
            benchmark = mteb.get_benchmark(settings.benchmark)
        except KeyError as exc:
            raise CardkitError(
                f"unknown benchmark '{settings.benchmark}'{_mteb_key_error(exc)}"
            ) from None
        found.extend(benchmark.tasks)
    for name in settings.tasks:
        if name in local_names:
            continue
        try:
            found.append(mteb.get_task(name))
        except KeyError as exc:
            raise CardkitError(
                f"unknown task '{name}': not an mteb {mteb.__version__} task{_mteb_key_error(exc)}"
                "; a task of your own needs --custom-task DIR (a folder with task.yaml)"
            ) from None
    unique: dict[str, Any] = {}
    for task in found:
        unique.setdefault(task.metadata.name, task)
    return list(unique.values())


def _prompts_for(settings: RunSettings, name: str, task_type: str) -> dict[str, str]:
    """The model_prompts entries for one task, keyed the way mteb looks prompts up."""
    prompt = settings.prompts.get(name, settings.prompt)
    if prompt is None:
        return {}
    if isinstance(prompt, dict):
        return {f"{task_type}-{kind}": text for kind, text in prompt.items()}
    if task_type in _QUERY_DOCUMENT_TYPES:
        return {f"{task_type}-query": prompt}
    return {task_type: prompt}


def _limit_task(task: Any, limit: int) -> None:
    """Keep the first ``limit`` examples of each evaluated split (queries, for retrieval)."""
    from datasets import Dataset

    splits = set(task.eval_splits)

    def trim(node: Any, key: str | None) -> Any:
        if isinstance(node, Dataset):
            return node.select(range(min(limit, len(node)))) if key in splits else node
        if isinstance(node, dict) and {"queries", "corpus", "relevant_docs"} <= set(node):
            queries = node["queries"].select(range(min(limit, len(node["queries"]))))
            kept = set(queries["id"])
            node["queries"] = queries
            node["relevant_docs"] = {q: d for q, d in node["relevant_docs"].items() if q in kept}
            return node
        if hasattr(node, "keys"):
            for child in list(node.keys()):
                node[child] = trim(node[child], child)
        return node

    task.dataset = trim(task.dataset, None)


@contextlib.contextmanager
def _quiet_libraries() -> Iterator[None]:
    """Keep the terminal to progress bars and cardkit's lines: library chatter is not news."""
    with warnings.catch_warnings():
        for category in (FutureWarning, DeprecationWarning, UserWarning):
            warnings.simplefilter("ignore", category)
        for name in ("mteb", "sentence_transformers", "transformers", "datasets"):
            logging.getLogger(name).setLevel(logging.ERROR)
        yield


def _device(settings: RunSettings) -> str | None:
    return None if settings.device == "auto" else settings.device


def load_encoder(settings: RunSettings, name: str, revision: str) -> Any:
    """The mteb encoder: a wrapped SentenceTransformer, or the API encoder."""
    from mteb.models.model_meta import ModelMeta

    if settings.api_base:
        from cardkit.run.api_client import EmbeddingsClient
        from cardkit.run.api_model import ApiEncoder

        client = EmbeddingsClient(
            base_url=settings.api_base,
            model=str(settings.api_model),
            api_key=os.environ.get(settings.api_key_env),
            dimensions=settings.dimensions,
            key_env=settings.api_key_env,
        )
        return ApiEncoder(client, name, revision)

    from mteb.models import SentenceTransformerEncoderWrapper
    from sentence_transformers import SentenceTransformer

    model_path = str(Path(str(settings.model)).expanduser())
    kwargs = dict(settings.model_kwargs)
    hub_revision = settings.revision if not Path(model_path).exists() else None
    try:
        if settings.pooling:
            from sentence_transformers.sentence_transformer.modules import Pooling, Transformer

            transformer = Transformer(model_path, max_seq_length=settings.max_seq_length)
            pooling = Pooling(transformer.get_embedding_dimension(), settings.pooling)
            st = SentenceTransformer(
                modules=[transformer, pooling], device=_device(settings), **kwargs
            )
        else:
            st = SentenceTransformer(
                model_path, device=_device(settings), revision=hub_revision, **kwargs
            )
    except CardkitError:
        raise
    except Exception as exc:  # the library's many ways to say "cannot load this"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CardkitError(f"cannot load the model: {reason}", model_path) from None
    if settings.max_seq_length:
        st.max_seq_length = settings.max_seq_length
    if settings.precision != "fp32":
        import torch

        st.to(torch.float16 if settings.precision == "fp16" else torch.bfloat16)
    encoder = SentenceTransformerEncoderWrapper(st)
    meta: ModelMeta = encoder.mteb_model_meta
    encoder.mteb_model_meta = meta.model_copy(update={"name": name, "revision": revision})
    return encoder


def _check_api(settings: RunSettings) -> None:
    """One tiny request before anything heavy: a wrong URL or key fails in a second."""
    from cardkit.run.api_client import EmbeddingsClient

    EmbeddingsClient(
        base_url=str(settings.api_base),
        model=str(settings.api_model),
        api_key=os.environ.get(settings.api_key_env),
        dimensions=settings.dimensions,
        key_env=settings.api_key_env,
    ).embed_batch(["cardkit connection check"])


def _result_bytes(result: Any, limit: int | None) -> bytes:
    """mteb's own serialisation (TaskResult.to_disk), plus the --limit marker when set."""
    with tempfile.TemporaryDirectory(prefix="cardkit-run-") as tmp:
        path = Path(tmp) / "result.json"
        result.to_disk(path)
        text = path.read_text(encoding="utf-8")
    if limit is not None:
        data = json.loads(text)
        data[LIMIT_KEY] = limit
        text = json.dumps(data, indent=2)
    return text.encode("utf-8")


def _write_model_meta(folder: Path, encoder: Any) -> None:
    meta = encoder.mteb_model_meta.to_dict()
    write_text_atomic(folder / "model_meta.json", json.dumps(meta, indent=4, default=str))


def _update_tasks_file(folder: Path, local: list[LocalTask]) -> dict[str, dict[str, Any]]:
    """Record the local tasks next to their results, so that a later build knows them."""
    path = folder / TASKS_FILE
    known: dict[str, dict[str, Any]] = {}
    if path.is_file():
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict) and isinstance(loaded.get("tasks"), dict):
                known = loaded["tasks"]
    for task in local:
        known[task.name] = task.catalog_entry()
    if local:
        text = json.dumps({"cardkit_tasks_version": 1, "tasks": known}, indent=2, sort_keys=True)
        write_text_atomic(path, text + "\n")
    return known


def _record_command(folder: Path, settings: RunSettings, evaluated: list[str]) -> None:
    """Add this run's command and the tasks it evaluated to the folder's run record."""
    if not (settings.command and evaluated):
        return
    config = str(settings.config_path) if settings.config_path is not None else None
    runs = read_run_record(folder) + [RunCommand(settings.command, tuple(evaluated), config)]
    write_text_atomic(folder / RUN_FILE, record_text(runs))


def _main_score(result: Any) -> tuple[str | None, float | None]:
    try:
        return result.scores and next(iter(result.scores)), float(result.get_score())
    except Exception:  # an unusual result shape: the summary line just says less
        return None, None


def _evaluate_one(encoder: Any, plan: PlannedTask, settings: RunSettings) -> Any:
    import mteb

    task = plan.mteb_task
    task.load_data()
    if settings.limit:
        _limit_task(task, settings.limit)
    name, task_type = task.metadata.name, task.metadata.type
    builtin = dict(getattr(encoder, "_cardkit_builtin_prompts", None) or {})
    extra = _prompts_for(settings, name, task_type)
    encoder.model_prompts = {**builtin, **extra} or None
    try:
        result = mteb.evaluate(
            encoder,
            task,
            cache=None,
            overwrite_strategy="always",
            encode_kwargs={"batch_size": settings.batch_size, "show_progress_bar": True},
            show_progress_bar=True,
            raise_error=True,
        )
    except CardkitError:
        raise
    except Exception as exc:
        raise CardkitError(
            f"evaluating task {name} failed: {type(exc).__name__}: {exc}".splitlines()[0]
        ) from None
    if not result.task_results:
        raise CardkitError(f"evaluating task {name} gave no result")
    return result.task_results[0]


def run(settings: RunSettings) -> RunReport:
    """Evaluate every planned task that has no finished result yet; returns what happened."""
    check_settings(settings)
    local = _load_local_tasks(settings)
    model_name, revision = resolve_identity(settings)
    folder = Path(settings.output) / name_as_path(model_name) / revision  # type: ignore[arg-type]
    report = RunReport(folder, model_name, revision)
    local_names = {t.name for t in local}
    plans = [PlannedTask(t.name, folder / f"{t.name}.json", local=t) for t in local]
    needs_mteb = bool(settings.benchmark) or any(n not in local_names for n in settings.tasks)
    for plan in plans:
        plan.skip = not settings.overwrite and finished_result(plan.result_path, settings.limit)
    todo = [p for p in plans if not p.skip]
    if not (todo or needs_mteb):
        report.outcomes = [_skipped(p) for p in plans]
        report.extra_tasks = _update_tasks_file(folder, local) if folder.is_dir() else {}
        return report

    if settings.api_base:
        _check_api(settings)
    with _quiet_libraries():
        for task in _resolve_builtin(settings, local_names):
            path = folder / f"{task.metadata.name}.json"
            skip = not settings.overwrite and finished_result(path, settings.limit)
            plans.append(PlannedTask(task.metadata.name, path, mteb_task=task, skip=skip))
        todo = [p for p in plans if not p.skip]
        from cardkit.run.offline import check_task_data

        check_task_data(
            [
                (
                    p.name,
                    p.mteb_task.metadata.dataset["path"],
                    p.mteb_task.metadata.dataset.get("revision"),
                )
                for p in todo
                if p.local is None
            ]
        )
        encoder = load_encoder(settings, model_name, revision) if todo else None
        if encoder is not None:
            encoder._cardkit_builtin_prompts = dict(encoder.model_prompts or {})
        meta_written = False
        for plan in plans:
            if plan.skip:
                report.outcomes.append(_skipped(plan))
                continue
            if plan.local is not None:
                from cardkit.run.custom_tasks import make_mteb_task

                plan.mteb_task = make_mteb_task(plan.local)
            print(f"{plan.name}: evaluating", flush=True)
            start = time.perf_counter()
            result = _evaluate_one(encoder, plan, settings)
            seconds = time.perf_counter() - start
            if not meta_written:
                _write_model_meta(folder, encoder)
                meta_written = True
            if plan.local is not None:
                _update_tasks_file(folder, [plan.local])
            write_bytes_atomic(plan.result_path, _result_bytes(result, settings.limit))
            _record_command(folder, settings, [plan.name])
            metric = plan.mteb_task.metadata.main_score
            split, score = _main_score(result)
            outcome = TaskOutcome(plan.name, plan.result_path, False, score, metric, seconds)
            report.outcomes.append(outcome)
            shown = f"{score:.4f}" if score is not None else "?"
            print(
                f"{plan.name}: {metric} = {shown} ({split}) in {seconds:.1f}s -> "
                f"{plan.result_path}",
                flush=True,
            )
    report.extra_tasks = _update_tasks_file(folder, local) if folder.is_dir() else {}
    return report


def _skipped(plan: PlannedTask) -> TaskOutcome:
    print(
        f"{plan.name}: skipped, a finished result exists ({plan.result_path}); "
        "--overwrite recomputes it",
        flush=True,
    )
    return TaskOutcome(plan.name, plan.result_path, True)
