"""What a run writes and reports: each model's result files, model_meta.json, the record of
local tasks and of the command, and one line per task evaluated.

Written by the process that runs ``cardkit run`` whatever evaluated the task (this process or
a Ray worker), each file atomically, so an interrupted run leaves only complete files.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cardkit.io.atomic import write_bytes_atomic, write_text_atomic
from cardkit.io.console import status
from cardkit.io.errors import CardkitError
from cardkit.readers.run_record import RUN_FILE, RunCommand, read_run_record, record_text
from cardkit.readers.tasks_file import TASKS_FILE
from cardkit.run.job import Job, JobOutput, StageOutcome
from cardkit.run.settings import RunSettings


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
    """What happened to one model of the run."""

    folder: Path
    model_name: str
    revision: str
    outcomes: list[TaskOutcome] = field(default_factory=list)
    extra_tasks: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class ModelRun:
    """One model of the run: its own settings, the name and revision it is filed under."""

    settings: RunSettings
    name: str
    revision: str
    folder: Path
    jobs: list[Job] = field(default_factory=list)
    report: RunReport = field(init=False)
    meta_written: bool = False
    # Catalog entries of the local and reranked tasks, recorded beside the results.
    recorded: dict[str, dict[str, Any]] = field(default_factory=dict)
    # " (model name)" after task names in the printed lines, when the run has several models.
    label: str = ""

    def __post_init__(self) -> None:
        self.report = RunReport(self.folder, self.name, self.revision)


def write_output(run: ModelRun, job: Job, out: JobOutput) -> None:
    """Write what a job produced: stage one's predictions first, then each result file."""
    if out.model_meta is not None:
        _write_model_meta(run, out.model_meta)
    update_tasks_file(run.folder, run.recorded)
    if out.predictions is not None and job.predictions_path is not None:
        write_bytes_atomic(job.predictions_path, out.predictions)
    if out.stage1 is not None:
        write_bytes_atomic(job.result_path, out.stage1)
    if out.stage2 is not None and job.reranked_path is not None:
        write_bytes_atomic(job.reranked_path, out.stage2)
    _record_command(run.folder, run.settings, [stage.task for stage in out.outcomes])
    for stage in out.outcomes:
        report_stage(run, stage)
    if out.error:
        raise CardkitError(out.error)


def _write_model_meta(run: ModelRun, meta_json: str) -> None:
    if not run.meta_written:
        write_text_atomic(run.folder / "model_meta.json", meta_json)
        run.meta_written = True


def update_tasks_file(folder: Path, entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Record the local (and reranked) tasks next to their results, so a later build knows them."""
    path = folder / TASKS_FILE
    known: dict[str, dict[str, Any]] = {}
    if path.is_file():
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict) and isinstance(loaded.get("tasks"), dict):
                known = loaded["tasks"]
    if entries and any(known.get(name) != entry for name, entry in entries.items()):
        known.update(entries)
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


def report_stage(run: ModelRun, stage: StageOutcome) -> None:
    run.report.outcomes.append(
        TaskOutcome(stage.task, stage.path, False, stage.score, stage.metric, stage.seconds)
    )
    shown = f"{stage.score:.4f}" if stage.score is not None else "?"
    status(
        f"{stage.task}{run.label}: {stage.metric} = {shown} ({stage.split}) in "
        f"{stage.seconds:.1f}s -> {stage.path}"
    )
