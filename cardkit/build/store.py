"""A card for every model of a results store, on every core: ``cardkit build STORE -o CARDS``.

A results store is a folder of model folders, each holding revision folders of result files
(``STORE/<org>__<model>/<revision>/<Task>.json``, the layout of the public
``embeddings-benchmark/results`` repository and of ``mteb run``'s output folder). Each model
folder is built exactly as ``cardkit build STORE/<folder> -o CARDS/<folder>/README.md`` would
build it (same options, same revision policy), in a worker process of its own: a model that
cannot be built is refused with one line and never stops the others, a card is written
atomically, and ``CARDS/report.json`` says what became of every model.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import resource
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from cardkit.build.card import BuildRequest, plan_build, write_cards
from cardkit.build.manifest import Manifest, Record, Settings
from cardkit.io.atomic import write_text_atomic
from cardkit.io.errors import CardkitError
from cardkit.io.fingerprint import tree_fingerprint
from cardkit.io.log import log
from cardkit.io.safenames import file_name, inside, name_clashes
from cardkit.io.workers import WorkerDied, WorkerFailed, run_each
from cardkit.readers.discover import store_model_folders, subfolders
from cardkit.readers.revisions import revisions_used

REPORT_NAME = "report.json"
CARD_NAME = "README.md"

Status = Literal["written", "unchanged", "refused", "not built"]


def _size(folder: Path) -> int:
    """How many files the model's revision folders hold: the biggest models go first, so the
    last minute is not one large model on one core."""
    try:
        return sum(len(os.listdir(r)) for r in subfolders(folder)) + len(os.listdir(folder))
    except OSError:
        return 0


@dataclass(frozen=True)
class ModelJob:
    """One model folder to card: the request is the user's, with results and output set."""

    folder: Path
    request: BuildRequest
    eval_results: bool = False


@dataclass
class ModelOutcome:
    """What became of one model folder (a line of ``report.json``)."""

    folder: str  # the model folder's name in the store
    status: Status
    card: str | None = None  # the card's path, relative to the cards folder
    model: str | None = None
    tasks: int = 0
    entries: int = 0
    revisions: list[str | None] = field(default_factory=list)  # where the tasks came from
    files: int = 0  # files written beside the card (charts, .eval_results)
    error: str | None = None
    reason: str | None = None  # the error with its names blanked: what the summary counts
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0

    @property
    def built(self) -> bool:
        return self.status in ("written", "unchanged")


class _Captured(logging.Handler):
    """The model's warnings and notes, kept for the report instead of printed."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.warnings: list[str] = []
        self.notes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            self.warnings.append(message)
        else:
            self.notes.append(message.removeprefix("note: "))


@contextlib.contextmanager
def _capture_log() -> Iterator[_Captured]:
    logger = logging.getLogger("cardkit")
    saved = logger.handlers[:], logger.level, logger.propagate
    captured = _Captured()
    logger.handlers[:] = [captured]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield captured
    finally:
        logger.handlers[:], level, logger.propagate = saved
        logger.setLevel(level)


# Parts of a message that name a file, a task, a model or a number: blanked to count reasons.
_NAMES = (
    (re.compile(r"'[^']*'|\"[^\"]*\""), "'…'"),
    (re.compile(r"(?<![\w.])-?\d[\d.]*(e[+-]?\d+)?"), "N"),
)


def reason_of(message: str) -> str:
    """The kind of a refusal: its first clause, names and numbers blanked."""
    kind = message.split(": ", 1)[0]
    for pattern, blank in _NAMES:
        kind = pattern.sub(blank, kind)
    return kind[:120]


def build_model(job: ModelJob) -> ModelOutcome:
    """Card one model folder; bad input is a refusal in the outcome, never an exception."""
    started = time.process_time()
    card_path = job.request.output
    outcome = ModelOutcome(folder=job.folder.name, status="refused", card=str(card_path))
    with _capture_log() as log:
        try:
            cards = plan_build(job.request)
            planned = []
            if job.eval_results:
                from cardkit.writers.eval_results import plan_for_cards

                planned = plan_for_cards(cards)
            write_cards(cards)
            if planned:
                from cardkit.writers.eval_results import write_files

                write_files(planned)
            (card,) = cards
            outcome.status = "written" if card.changed else "unchanged"
            outcome.model = card.model_name
            outcome.tasks, outcome.entries = card.tasks, card.entries
            outcome.revisions = revisions_used(card.model)
            outcome.files = len(card.changed_assets) + sum(1 for p in planned if p.changed)
        except CardkitError as exc:
            outcome.error, outcome.reason = str(exc), reason_of(exc.message)
    outcome.warnings, outcome.notes = log.warnings, log.notes
    outcome.cpu_seconds = round(time.process_time() - started, 3)
    return outcome


@dataclass
class StoreReport:
    """Everything ``report.json`` holds: the counts, and one outcome per model folder."""

    store: str
    cards: str
    revision: str
    jobs: int
    models: list[ModelOutcome]
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    interrupted: bool = False
    skipped: int = 0  # models not built again: unchanged since the last build (not reported)

    def count(self, *statuses: str) -> int:
        return sum(1 for m in self.models if m.status in statuses)

    @property
    def warned(self) -> int:
        return sum(1 for m in self.models if m.built and m.warnings)

    def reasons(self) -> Counter[str]:
        return Counter(m.reason or "" for m in self.models if m.status == "refused")

    def as_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "cards": self.cards,
            "revision": self.revision,
            "jobs": self.jobs,
            "interrupted": self.interrupted,
            "wall_seconds": round(self.wall_seconds, 2),
            "cpu_seconds": round(self.cpu_seconds, 2),
            "counts": {
                "models": len(self.models),
                "built": self.count("written", "unchanged"),
                "written": self.count("written"),
                "unchanged": self.count("unchanged"),
                "warned": self.warned,
                "refused": self.count("refused"),
                "not_built": self.count("not built"),
            },
            "refused_reasons": dict(self.reasons().most_common()),
            "models": [asdict(m) for m in self.models],
        }

    def summary(self) -> str:
        """The one line that ends the command."""
        built = self.count("written", "unchanged")
        line = (
            f"{_count(len(self.models), 'model folder')}: {_count(built, 'card')} built "
            f"({self.count('written')} "
            f"written, {self.count('unchanged')} unchanged), {self.warned} with warnings, "
            f"{self.count('refused')} refused"
        )
        reasons = self.reasons().most_common()
        if reasons:
            line += " (" + "; ".join(f"{n} {reason}" for reason, n in reasons) + ")"
        if self.skipped:
            line += (
                f", {self.skipped} of them not built again (unchanged since the last build; "
                "--force builds them)"
            )
        if self.interrupted:
            line += f", {self.count('not built')} not built (interrupted)"
        return (
            f"{line}; {self.wall_seconds:.1f} s, {self.cpu_seconds:.1f} s CPU on {self.jobs} "
            f"processes; report: {Path(self.cards) / REPORT_NAME}"
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def plan_jobs(
    folders: list[Path],
    cards: Path,
    request: BuildRequest,
    eval_results: bool = False,
    command_for: Callable[[Path, Path], str] | None = None,
) -> list[ModelJob]:
    """One job per model folder, its card at ``cards/<folder>/README.md``, biggest first.

    ``command_for(folder, card)``: the `cardkit build` command each card records, the one
    that builds that card alone (by default, the folder and ``-o`` with the request's options).
    """
    jobs = []
    for folder in sorted(folders, key=lambda f: (-_size(f), f.name)):
        card = cards / file_name(folder.name, "", "model folder") / CARD_NAME
        command = command_for(folder, card) if command_for is not None else None
        one = replace(request, results=[folder], output=card, build_command=command)
        jobs.append(ModelJob(folder, one, eval_results))
    return jobs


def refusals(todo: list[ModelJob], cards: Path) -> dict[int, str]:
    """The jobs that may not run, each with the line refusing it: two model folders whose
    cards would be one file (``a:b`` and ``a_b``, or names differing only in case, one file
    on macOS and Windows) are both refused, and so is a folder whose card folder would take
    the place of the store's report."""
    names = [(job.folder.name, job.request.output.parent.name) for job in todo]
    clashes = name_clashes(names, "model folders")
    refused = {}
    for index, (folder, mapped) in enumerate(names):
        if folder in clashes:
            refused[index] = clashes[folder]
        elif mapped.casefold() == REPORT_NAME:
            refused[index] = (
                f"model folder {folder!r} would take the place of the store's {REPORT_NAME} "
                f"in {cards}: rename it"
            )
    return refused


def _outcome_of(job: ModelJob, result: ModelOutcome | WorkerDied | WorkerFailed) -> ModelOutcome:
    if isinstance(result, ModelOutcome):
        return result
    if isinstance(result, WorkerDied):
        error, reason = result.reason, "the process working on it died"
    else:
        error = f"internal error: {result.error} (please report it)"
        reason = "internal error"
    return ModelOutcome(
        job.folder.name, "refused", str(job.request.output), error=error, reason=reason
    )


def build_store(
    store: Path,
    cards: Path,
    request: BuildRequest,
    jobs: int,
    eval_results: bool = False,
    progress: Callable[[ModelOutcome], None] | None = None,
    command_for: Callable[[Path, Path], str] | None = None,
    force: bool = False,
) -> StoreReport:
    """Card every model folder of ``store`` into ``cards/<folder>/README.md``, ``jobs`` at a
    time, then write ``cards/report.json``.

    ``request`` holds the options of every card (revision policy, metrics, template, ...);
    its ``results`` and ``output`` are set per model. ``progress`` is called with each
    outcome as it comes; ``command_for`` is as for :func:`plan_jobs`. Ctrl-C stops the
    workers (their temporary files removed), writes the report of what was done, and is
    raised again.

    A model whose folder and card folder are as the last build into ``cards`` left them,
    with the same settings, is not built again (its last outcome is reported, as
    "unchanged"): see :mod:`cardkit.build.manifest`. ``force`` builds every model.
    """
    folders = store_model_folders(store)
    if folders is None:
        raise CardkitError(
            "not a results store (a folder of <org>__<model>/<revision>/ folders)", store
        )
    cards.mkdir(parents=True, exist_ok=True)
    report_path = inside(cards / REPORT_NAME, cards)
    planned = plan_jobs(folders, cards, request, eval_results, command_for)
    for job in planned:
        inside(job.request.output, cards)
    started, cpu_before = time.monotonic(), _own_cpu() + _children_cpu()
    shared = {f.name: getattr(request, f.name) for f in fields(request)}
    # A card shows the command that builds it, with the store's and the cards' paths: a store
    # moved, or built into a folder moved, rebuilds every card.
    where = {"eval_results": eval_results, "store": str(store), "cards": str(cards)}
    settings = Settings.of({k: v for k, v in shared.items() if k not in _NOT_SHARED} | where)
    manifest, why_not = Manifest.load(cards, settings)
    if why_not is not None:
        log.info("note: %s", why_not)
    refused = refusals(planned, cards)
    inputs = {
        job.folder.name: tree_fingerprint(job.folder)
        for position, job in enumerate(planned)
        if position not in refused
    }
    # Outcomes known before any work (refused, or unchanged since the last build) take
    # negative keys; the jobs that run, their index in ``todo``.
    outcomes: dict[int, ModelOutcome] = {}
    records: dict[str, Record] = {}
    todo: list[ModelJob] = []
    for position, job in enumerate(planned):
        name = job.folder.name
        if position in refused:
            error = refused[position]
            outcome = ModelOutcome(
                name,
                "refused",
                _relative(str(job.request.output), cards),
                error=str(CardkitError(error, job.folder)),
                reason=reason_of(error),
            )
            outcomes[-len(outcomes) - 1] = outcome
            if progress is not None:
                progress(outcome)
            continue
        record = None if force else manifest.unchanged(name, inputs[name], _card_folder(job))
        if record is None:
            todo.append(job)
            continue
        records[name] = record
        outcome = _skipped(record)
        outcomes[-len(outcomes) - 1] = outcome
        if progress is not None:
            progress(outcome)
    report = StoreReport(str(store), str(cards), request.revision or "merge", jobs, [])
    try:
        with contextlib.closing(run_each(build_model, todo, jobs)) as results:
            for index, result in results:
                job = todo[index]
                outcome = _outcome_of(job, result)
                outcome.card = _relative(outcome.card, cards)
                outcomes[index] = outcome
                records[job.folder.name] = Record(
                    inputs[job.folder.name], tree_fingerprint(_card_folder(job)), asdict(outcome)
                )
                if progress is not None:
                    progress(outcome)
    except BaseException:
        report.interrupted = True
        raise
    finally:
        for index, job in enumerate(todo):
            if index not in outcomes:
                card = _relative(str(job.request.output), cards)
                outcomes[index] = ModelOutcome(job.folder.name, "not built", card)
        report.models = sorted(outcomes.values(), key=lambda m: m.folder)
        report.wall_seconds = time.monotonic() - started
        report.cpu_seconds = _own_cpu() + _children_cpu() - cpu_before
        text = json.dumps(report.as_dict(), indent=1, ensure_ascii=False) + "\n"
        write_text_atomic(report_path, text)
        manifest.save(records)
    report.skipped = len(planned) - len(todo) - len(refused)
    return report


# What plan_jobs sets for each model: not a setting every card shares.
# The request's fields that are no setting of the cards: set per model, or (--force) how this
# build treats the last one (a card a forced build made is what the next build would keep).
_NOT_SHARED = frozenset({"results", "output", "build_command", "force"})


def _card_folder(job: ModelJob) -> Path:
    return job.request.output.parent


def _skipped(record: Record) -> ModelOutcome:
    """The outcome of a model not built again: its last one, its card now "unchanged"."""
    known = {f.name for f in fields(ModelOutcome)}
    outcome = ModelOutcome(**{k: v for k, v in record.outcome.items() if k in known})
    if outcome.built:
        outcome.status, outcome.files = "unchanged", 0
    outcome.cpu_seconds = 0.0
    return outcome


def _relative(path: str | None, cards: Path) -> str | None:
    if path is None:
        return None
    with contextlib.suppress(ValueError):
        return str(Path(path).relative_to(cards))
    return path
