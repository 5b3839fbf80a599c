"""One (model, task) pair of a run: what it must compute, and computing it with mteb.

A job returns the bytes of the files it produced and writes nothing itself, so the same
function serves the local loop and a Ray worker, and the process that plans the run (the
driver) is the only one that writes result files, atomically, in mteb's layout.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cardkit.io.errors import CardkitError
from cardkit.run.rerank import RERANK_KEY
from cardkit.run.settings import RunSettings
from cardkit.run.task_files import LocalTask

LIMIT_KEY = "cardkit_limit"
_QUERY_DOCUMENT_TYPES = {"Retrieval", "Reranking", "InstructionRetrieval", "InstructionReranking"}


@dataclass
class Job:
    """What is left to do for one task of one model (decided by the driver from the files)."""

    task: str
    task_type: str
    main_score: str
    result_path: Path
    local: LocalTask | None = None
    stage1: bool = True
    # Stage two: the reranked task's name and file, and stage one's predictions when stage
    # one is already done (the worker reads nothing from the driver's disk).
    stage2: bool = False
    reranked_task: str | None = None
    reranked_path: Path | None = None
    predictions_path: Path | None = None
    predictions: bytes | None = None
    # What stage two's file records of its pipeline (the task, top k, both models): the run
    # plans it and finds a finished stage two by it, the worker writes it.
    rerank: dict[str, Any] | None = None
    # Why stage one runs again although its result exists (printed with the job).
    note: str = ""
    # A test hook: the worker process exits while holding this job.
    exit_in_worker: bool = False


@dataclass
class StageOutcome:
    task: str
    path: Path
    metric: str
    split: str | None
    score: float | None
    seconds: float


@dataclass
class JobOutput:
    """The files a job produced, as bytes, and one outcome line per stage."""

    stage1: bytes | None = None
    predictions: bytes | None = None
    stage2: bytes | None = None
    model_meta: str | None = None
    outcomes: list[StageOutcome] = field(default_factory=list)
    error: str | None = None


def prompts_for(settings: RunSettings, name: str, task_type: str) -> dict[str, str]:
    """The model_prompts entries for one task, keyed the way mteb looks prompts up."""
    prompt = settings.prompts.get(name, settings.prompt)
    if prompt is None:
        return {}
    if isinstance(prompt, dict):
        return {f"{task_type}-{kind}": text for kind, text in prompt.items()}
    if task_type in _QUERY_DOCUMENT_TYPES:
        return {f"{task_type}-query": prompt}
    return {task_type: prompt}


def limit_task(task: Any, limit: int) -> None:
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


def result_bytes(result: Any, limit: int | None, extra: dict[str, Any] | None = None) -> bytes:
    """mteb's own serialisation (TaskResult.to_disk), plus cardkit's markers when set."""
    with tempfile.TemporaryDirectory(prefix="cardkit-run-") as tmp:
        path = Path(tmp) / "result.json"
        result.to_disk(path)
        text = path.read_text(encoding="utf-8")
    if limit is not None or extra:
        data = json.loads(text)
        if limit is not None:
            data[LIMIT_KEY] = limit
        data.update(extra or {})
        text = json.dumps(data, indent=2)
    return text.encode("utf-8")


def _main_score(result: Any) -> tuple[str | None, float | None]:
    try:
        return result.scores and next(iter(result.scores)), float(result.get_score())
    except Exception:  # an unusual result shape: the summary line just says less
        return None, None


def _fresh_task(job: Job) -> Any:
    """A new mteb task object: stage two changes the task, so each stage gets its own."""
    if job.local is not None:
        from cardkit.run.custom_tasks import make_mteb_task

        task = make_mteb_task(job.local)
    else:
        import mteb

        task = mteb.get_task(job.task)
    return task


def _evaluate(model: Any, task: Any, batch_size: int, **kwargs: Any) -> Any:
    import mteb

    name = task.metadata.name
    try:
        result = mteb.evaluate(
            model,
            task,
            cache=None,
            overwrite_strategy="always",
            encode_kwargs={"batch_size": batch_size, "show_progress_bar": True},
            show_progress_bar=True,
            raise_error=True,
            **kwargs,
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


def _loaded_task(job: Job, settings: RunSettings) -> Any:
    task = _fresh_task(job)
    task.load_data()
    if settings.limit:
        limit_task(task, settings.limit)
    return task


def _use_prompts(model: Any, settings: RunSettings, job: Job) -> None:
    """The model's own prompts, with the project's for this task on top."""
    builtin = dict(getattr(model, "_cardkit_builtin_prompts", None) or {})
    extra = prompts_for(settings, job.task, job.task_type)
    model.model_prompts = {**builtin, **extra} or None


def _stage1(job: Job, settings: RunSettings, encoder: Any, out: JobOutput) -> None:
    task = _loaded_task(job, settings)
    _use_prompts(encoder, settings, job)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cardkit-predictions-") as tmp:
        folder = Path(tmp) if job.stage2 else None
        result = _evaluate(encoder, task, settings.batch_size, prediction_folder=folder)
        if folder is not None:
            out.predictions = (folder / task.prediction_file_name).read_bytes()
    seconds = time.perf_counter() - start
    out.stage1 = result_bytes(result, settings.limit)
    split, score = _main_score(result)
    out.outcomes.append(
        StageOutcome(job.task, job.result_path, job.main_score, split, score, seconds)
    )


def _stage2(job: Job, settings: RunSettings, reranker: Any, out: JobOutput) -> None:
    predictions = out.predictions or job.predictions
    assert predictions is not None and job.reranked_task and job.reranked_path
    task = _loaded_task(job, settings)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cardkit-rerank-") as tmp:
        path = Path(tmp) / "predictions.json"
        path.write_bytes(predictions)
        try:
            task.convert_to_reranking(path, top_k=settings.top_k)
        except (KeyError, ValueError) as exc:
            raise CardkitError(
                f"stage one's predictions of task {job.task} do not fit its data ({exc}); "
                "rerun with --overwrite",
                job.predictions_path,
            ) from None
    task.metadata = task.metadata.model_copy(update={"name": job.reranked_task})
    reranker_settings = settings.reranker
    assert reranker_settings is not None
    if reranker_settings.type == "bi-encoder" and not reranker_settings.prompt:
        # an embedding model reranks with the run's prompts, as it retrieved with them
        _use_prompts(reranker, settings, job)
    batch_size = reranker_settings.batch_size or settings.batch_size
    result = _evaluate(reranker, task, batch_size)
    seconds = time.perf_counter() - start
    out.stage2 = result_bytes(result, settings.limit, {RERANK_KEY: job.rerank})
    split, score = _main_score(result)
    out.outcomes.append(
        StageOutcome(job.reranked_task, job.reranked_path, job.main_score, split, score, seconds)
    )


def run_job(job: Job, settings: RunSettings, encoder: Any, reranker: Any) -> JobOutput:
    """Compute what the job asks for; a problem is returned, not raised (it may cross Ray)."""
    import os

    if job.exit_in_worker:
        os._exit(3)
    out = JobOutput()
    try:
        if job.stage1:
            out.model_meta = json.dumps(encoder.mteb_model_meta.to_dict(), indent=4, default=str)
            _stage1(job, settings, encoder, out)
        if job.stage2:
            _stage2(job, settings, reranker, out)
    except CardkitError as exc:
        out.error = str(exc)
    return out
