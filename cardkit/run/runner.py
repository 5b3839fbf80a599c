"""The `cardkit run` loop: plan every (model, task) pair, skip what is done, evaluate the rest.

Results land in mteb's layout ``OUTPUT/<org>__<model>/<revision>/<Task>.json`` plus
``model_meta.json``, under the name and revision the user gives each model; a reranked task's
result sits beside its first stage (see :mod:`cardkit.run.rerank`). Each file is written by
this process, atomically, after its task finishes, whether the task ran here (one model at a
time, each loaded once) or on Ray (:mod:`cardkit.run.ray_executor`): an interrupted run leaves
only complete files, and a re-run skips them, stage by stage. Everything cheap (task files,
model paths, result files) is checked before mteb, torch or a model load.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cardkit.io.atomic import remove_stale_temporaries
from cardkit.io.console import status
from cardkit.io.errors import CardkitError
from cardkit.io.log import log
from cardkit.io.safenames import file_name, inside
from cardkit.run.encoders import api_key, device, load_encoder, load_reranker, quiet_libraries
from cardkit.run.job import LIMIT_KEY, Job, run_job
from cardkit.run.output import ModelRun, RunReport, TaskOutcome, update_tasks_file, write_output
from cardkit.run.rerank import (
    RERANK_KEY,
    checkpoint_kind,
    predictions_path,
    reranked_catalog_entry,
    reranked_task_name,
)
from cardkit.run.settings import RunSettings, check_settings
from cardkit.run.task_files import LocalTask, load_task_folder

NO_REVISION = "no_revision_available"
# A test hook: a worker (or the local loop) exits while evaluating this task.
WORKER_EXIT_ENV = "CARDKIT_TEST_WORKER_EXIT"


def name_as_path(name: str, what: str = "model") -> str:
    """mteb's folder name for a model name (``org/model`` -> ``org__model``), safe as one
    path component (a name from a config or a model folder is untrusted)."""
    return file_name(name.replace("/", "__").replace(" ", "_"), "", what, shown=name)


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


def finished_result(path: Path, limit: int | None, rerank: dict[str, Any] | None = None) -> bool:
    """A result file that a previous run finished (with the same --limit, and for a stage-two
    result, the same first stage, reranker and top k)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict) or not isinstance(data.get("scores"), dict):
        return False
    if rerank is not None and data.get(RERANK_KEY) != rerank:
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


def _check_api(settings: RunSettings) -> None:
    """One tiny request before anything heavy: a wrong URL or key fails in a second."""
    from cardkit.run.api_client import EmbeddingsClient

    EmbeddingsClient(
        base_url=str(settings.api_base),
        model=str(settings.api_model),
        api_key=api_key(settings),
        dimensions=settings.dimensions,
        key_env=settings.api_key_env,
    ).embed_batch(["cardkit connection check"])


def model_runs(settings: RunSettings) -> list[ModelRun]:
    """Every model of the run with its own settings, name, revision and results folder."""
    if settings.api_base:
        singles = [settings]
    else:
        models = settings.models or [str(settings.model)]
        singles = []
        for index, model in enumerate(models):
            names, revisions = settings.model_names, settings.revisions
            singles.append(
                dataclasses.replace(
                    settings,
                    model=model,
                    models=[model],
                    model_name=names[index] if len(names) == len(models) else None,
                    revision=revisions[index] if len(revisions) == len(models) else None,
                )
            )
    runs = []
    seen: dict[Path, str] = {}
    for single in singles:
        name, revision = resolve_identity(single)
        output = Path(settings.output)  # type: ignore[arg-type]
        folder = output / name_as_path(name) / file_name(revision, "", "revision")
        inside(folder, output)
        if folder in seen:
            raise CardkitError(
                f"two models would be filed under {name} ({revision}): {seen[folder]} and "
                f"{single.model}; give each a --model-name of its own"
            )
        seen[folder] = str(single.model or single.api_model)
        runs.append(ModelRun(single, name, revision, folder))
    if len(runs) > 1:
        for run in runs:
            run.label = f" ({run.name})"
    return runs


def reranker_identity(settings: RunSettings) -> tuple[str, str]:
    """(name, revision) of the reranker, from its folder or Hub id like a model's."""
    assert settings.reranker is not None
    probe = RunSettings(
        model=settings.reranker.model,
        model_name=settings.reranker.name,
        revision=settings.reranker.revision,
    )
    try:
        return resolve_identity(probe)
    except CardkitError as exc:
        raise CardkitError(exc.message.replace("model", "reranker"), exc.path, exc.where) from None


@dataclass
class _TaskInfo:
    """What planning needs to know of a task, local or built in."""

    name: str
    type: str
    main_score: str
    catalog_entry: dict[str, Any]
    local: LocalTask | None = None


def _builtin_info(task: Any) -> _TaskInfo:
    meta = task.metadata
    entry = {
        "type": meta.type,
        "dataset": meta.dataset["path"],
        "revision": meta.dataset.get("revision"),
        "main_score": meta.main_score,
        "eval_splits": list(task.eval_splits),
        "languages": sorted({lang for lang in meta.languages}),
        "description": meta.description,
    }
    return _TaskInfo(meta.name, meta.type, meta.main_score, entry)


def _plan_model(
    run: ModelRun,
    tasks: list[_TaskInfo],
    settings: RunSettings,
    reranker: tuple[str, str] | None,
    exit_on: str | None,
) -> None:
    """The jobs of one model: what is missing of each stage, given the files already there."""
    for stale in remove_stale_temporaries(run.folder):
        log.info("note: removed %s, left by a run killed while writing it", stale)
    limit = settings.limit
    first_stage = {"name": run.name, "revision": run.revision}
    for info in tasks:
        if info.local is not None:
            run.recorded[info.name] = info.catalog_entry
        result_path = run.folder / f"{info.name}.json"
        job = Job(
            task=info.name,
            task_type=info.type,
            main_score=info.main_score,
            result_path=result_path,
            local=info.local,
            exit_in_worker=exit_on == info.name,
        )
        done = not settings.overwrite and finished_result(result_path, limit)
        reranked = reranker is not None and info.type == "Retrieval"
        if reranked:
            assert reranker is not None and settings.reranker is not None
            job.reranked_task = reranked_task_name(info.name, reranker[0], settings.top_k)
            job.reranked_path = run.folder / f"{name_as_path(job.reranked_task, 'task')}.json"
            job.predictions_path = predictions_path(run.folder, info.name)
            run.recorded[job.reranked_task] = reranked_catalog_entry(
                info.catalog_entry, info.name, run.name, reranker[0], settings.top_k
            )
            job.rerank = {
                "task": info.name,
                "top_k": settings.top_k,
                "first_stage": first_stage,
                "reranker": {
                    "name": reranker[0],
                    "revision": reranker[1],
                    "type": settings.reranker.type,
                },
            }
            stage2_done = not settings.overwrite and finished_result(
                job.reranked_path, limit, job.rerank
            )
            job.stage2 = not stage2_done
            if job.stage2 and done and job.predictions_path.is_file():
                job.predictions = job.predictions_path.read_bytes()
            if done and not stage2_done and job.predictions is None:
                job.note = " (again: the reranker needs its ranked documents, which were not saved)"
            done = done and (stage2_done or job.predictions is not None)
        job.stage1 = not done
        if done:
            run.report.outcomes.append(_skipped(info.name + run.label, result_path))
        if reranked and not job.stage2:
            assert job.reranked_task is not None and job.reranked_path is not None
            run.report.outcomes.append(_skipped(job.reranked_task + run.label, job.reranked_path))
        if job.stage1 or job.stage2:
            run.jobs.append(job)


def _skipped(name: str, path: Path) -> TaskOutcome:
    status(f"{name}: skipped, a finished result exists ({path}); --overwrite recomputes it")
    return TaskOutcome(name, path, True)


def _run_locally(runs: list[ModelRun], settings: RunSettings, reranker_id: Any) -> None:
    """One model at a time in this process, each loaded once; the reranker loaded once."""
    reranker = None
    for run in runs:
        if not run.jobs:
            continue
        encoder = None
        if any(job.stage1 for job in run.jobs):
            encoder = load_encoder(run.settings, run.name, run.revision)
        for job in run.jobs:
            if job.stage2 and reranker is None:
                reranker = load_reranker(
                    settings.reranker,  # type: ignore[arg-type]
                    device(settings),
                    *reranker_id,
                )
            for stage, name, note in (
                (job.stage1, job.task, job.note),
                (job.stage2, job.reranked_task, ""),
            ):
                if stage:
                    status(f"{name}{run.label}: evaluating{note}")
            write_output(run, job, run_job(job, run.settings, encoder, reranker))


def _resolve_tasks(settings: RunSettings, local: list[LocalTask]) -> list[_TaskInfo]:
    infos = [_TaskInfo(t.name, t.type, t.main_score, t.catalog_entry(), local=t) for t in local]
    local_names = {t.name for t in local}
    needs_mteb = bool(settings.benchmark) or any(n not in local_names for n in settings.tasks)
    if not needs_mteb:
        return infos
    builtin = _resolve_builtin(settings, local_names)
    infos.extend(_builtin_info(task) for task in builtin)
    return infos


def run(settings: RunSettings) -> list[RunReport]:
    """Evaluate every (model, task) pair that has no finished result yet; one report a model."""
    check_settings(settings)
    local = _load_local_tasks(settings)
    runs = model_runs(settings)
    reranker_id = reranker_identity(settings) if settings.reranker else None
    exit_on = os.environ.get(WORKER_EXIT_ENV) if settings.executor == "ray" else None
    with quiet_libraries():
        if settings.reranker is not None:
            kind = checkpoint_kind(settings.reranker)
            settings.reranker = dataclasses.replace(settings.reranker, type=kind)
        tasks = _resolve_tasks(settings, local)
        if reranker_id and not any(t.type == "Retrieval" for t in tasks):
            log.warning("--reranker: none of the tasks is a retrieval task, nothing is reranked")
        for run_ in runs:
            _plan_model(run_, tasks, settings, reranker_id, exit_on)
        todo = [job for run_ in runs for job in run_.jobs]
        if todo:
            from cardkit.run.offline import check_task_data

            builtin = {t.name: t for t in tasks if t.local is None}
            check_task_data(
                [
                    (
                        name,
                        builtin[name].catalog_entry["dataset"],
                        builtin[name].catalog_entry["revision"],
                    )
                    for name in dict.fromkeys(job.task for job in todo)
                    if name in builtin
                ]
            )
            if settings.api_base:
                _check_api(settings)
            if settings.executor == "ray":
                from cardkit.run.ray_executor import run_on_ray

                run_on_ray(runs, settings, reranker_id)
            else:
                _run_locally(runs, settings, reranker_id)
    for run_ in runs:
        if run_.folder.is_dir():
            run_.report.extra_tasks = update_tasks_file(run_.folder, run_.recorded)
    return [run_.report for run_ in runs]
