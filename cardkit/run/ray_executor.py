"""`--executor ray`: every (model, task) pair of a run is one Ray task.

Workers evaluate and hand back the bytes of the files; this process (the driver) writes them
atomically into the same layout as a local run, as each task finishes, so resume, `--build`
and every reader work unchanged. A task runs on one GPU when the run's device is CUDA (or
``auto`` on a cluster that has GPUs). A task is never retried: a worker that dies loses only
its own (model, task) pair, the others are written, and the next run finishes what is missing.
Ray is imported here only, so a run without ``--executor ray`` never loads it.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

from cardkit.io.console import status
from cardkit.io.errors import CardkitError, first_line
from cardkit.io.log import log
from cardkit.run.encoders import api_key, device, load_encoder, load_reranker, quiet_libraries
from cardkit.run.job import Job, JobOutput, run_job
from cardkit.run.output import ModelRun, write_output
from cardkit.run.settings import RunSettings

# Models loaded by this worker process, reused by the next task of the same model.
_LOADED: dict[str, Any] = {}


def _model_key(kind: str, settings: RunSettings, name: str, revision: str) -> str:
    fields = {
        "kind": kind,
        "name": name,
        "revision": revision,
        "model": settings.model,
        "api": [settings.api_base, settings.api_model, settings.dimensions],
        "device": settings.device,
        "precision": settings.precision,
        "pooling": settings.pooling,
        "max_seq_length": settings.max_seq_length,
        "model_kwargs": settings.model_kwargs,
        "reranker": dataclasses.asdict(settings.reranker) if kind == "reranker" else None,
    }
    return json.dumps(fields, sort_keys=True, default=str)


def _loaded(key: str, load: Any) -> Any:
    if key not in _LOADED:
        _LOADED[key] = load()
    return _LOADED[key]


def evaluate_in_worker(
    job: Job, settings: RunSettings, identity: tuple[str, str], reranker_id: Any
) -> JobOutput:
    """The body of a Ray task: load (or reuse) the models, run the job, return its files."""
    try:
        with quiet_libraries():
            encoder = reranker = None
            if job.stage1:
                encoder = _loaded(
                    _model_key("encoder", settings, *identity),
                    lambda: load_encoder(settings, *identity),
                )
            if job.stage2:
                assert settings.reranker is not None
                reranker = _loaded(
                    _model_key("reranker", settings, *reranker_id),
                    lambda: load_reranker(settings.reranker, device(settings), *reranker_id),
                )
            return run_job(job, settings, encoder, reranker)
    except CardkitError as exc:
        return JobOutput(error=str(exc))


def _connect(settings: RunSettings) -> Any:
    try:
        import ray
    except ImportError:
        raise CardkitError(
            "--executor ray needs Ray: install cardkit[ray] (pip install 'cardkit[ray]')"
        ) from None
    options: dict[str, Any] = {"log_to_driver": False}
    if settings.ray_address:
        options["address"] = settings.ray_address
    else:  # a new instance, even where another one (or a stale record of one) is found
        options.update(address="local", include_dashboard=False)
    try:
        ray.init(**options)
    except Exception as exc:  # Ray's many ways to say "no cluster there"
        where = settings.ray_address or "this machine"
        reason = first_line(exc)
        hint = ""
        if settings.ray_address and not os.environ.get("RAY_AUTH_MODE"):
            hint = (
                " (a cluster that asks for Ray's token authentication is reached by address "
                "only with RAY_AUTH_MODE=token and its token)"
            )
        raise CardkitError(
            f"cannot start or reach a Ray cluster at {where}: {reason}{hint}"
        ) from None
    return ray


def _gpus_per_task(ray: Any, settings: RunSettings) -> int:
    cluster_gpus = ray.cluster_resources().get("GPU", 0)
    if settings.device == "cuda":
        if cluster_gpus < 1:
            raise CardkitError("--device cuda: the Ray cluster has no GPU")
        return 1
    return 1 if settings.device == "auto" and cluster_gpus >= 1 else 0


def run_on_ray(runs: list[ModelRun], settings: RunSettings, reranker_id: Any) -> None:
    """Submit every job, write each result as it arrives, then report the lost ones."""
    ray = _connect(settings)
    try:
        gpus = _gpus_per_task(ray, settings)
        remote = ray.remote(num_cpus=1, num_gpus=gpus, max_retries=0)(evaluate_in_worker)
        pending: dict[Any, tuple[Any, Job]] = {}
        for run in runs:
            single = dataclasses.replace(run.settings, api_key=api_key(run.settings))
            for job in run.jobs:
                ref = remote.remote(job, single, (run.name, run.revision), reranker_id)
                pending[ref] = (run, job)
                names = [job.task] if job.stage1 else []
                names += [job.reranked_task] if job.stage2 and job.reranked_task else []
                status(f"{' + '.join(names)}{run.label}: submitted to Ray{job.note}")
        lost: list[str] = []
        failed: list[str] = []
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            run, job = pending.pop(ready[0])
            try:
                out = ray.get(ready[0])
            except ray.exceptions.RayError as exc:
                first = first_line(exc, default="")
                log.warning("%s%s: lost (%s: %s)", job.task, run.label, type(exc).__name__, first)
                lost.append(f"{job.task}{run.label}")
                continue
            try:
                write_output(run, job, out)
            except CardkitError as exc:
                log.warning("%s%s: failed: %s", job.task, run.label, exc)
                failed.append(str(exc))
    finally:
        ray.shutdown()
    if failed:
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        raise CardkitError(failed[0] + more)
    if lost:
        raise CardkitError(
            f"{len(lost)} (model, task) pair(s) lost with their Ray worker: {', '.join(lost)}; "
            "every other result is written: run the same command again to finish these"
        )
