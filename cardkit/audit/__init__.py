"""`cardkit audit`: will the results repository accept these results, and can they be trusted?

PATH is a store (a folder of ``<org>__<model>/`` folders, or a checkout holding
``results/``), one model folder, one revision folder, or a card. Every model folder is audited
in a worker process of its own (cardkit.io.workers); what crosses models (copied score blocks)
is compared here when all are done.
"""

from __future__ import annotations

import importlib.util
import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from cardkit.audit.ci import ModelAudit, ModelJob, audit_model
from cardkit.audit.findings import AuditFinding
from cardkit.audit.repo import BaseStore, open_base, shipped_exceptions
from cardkit.io.errors import CardkitError
from cardkit.io.workers import WorkerDied, WorkerFailed, run_each
from cardkit.readers.discover import store_model_folders

if TYPE_CHECKING:
    from cardkit.audit.cache import AuditCache

__all__ = ["AuditReport", "audit_paths", "card_findings"]

# A copied folder: at least this many task files with identical score blocks (blocks of five
# distinct values or more, found under two model folders only).
COPY_MIN_TASKS = 3
_CARD_SUFFIXES = (".md", ".markdown")


@dataclass
class AuditReport:
    files: int = 0
    findings: list[AuditFinding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    models: list[ModelAudit] = field(default_factory=list)
    cached: int = 0  # model folders whose audit was taken from the cache, unchanged since

    @property
    def exit_code(self) -> int:
        return 1 if self.findings else 0


def mteb_available() -> bool:
    return importlib.util.find_spec("mteb") is not None


def _is_revision_folder(folder: Path) -> bool:
    try:
        return any(p.suffix == ".json" and p.is_file() for p in folder.iterdir())
    except OSError:
        return False


def plan(path: Path) -> list[tuple[Path, tuple[Path, ...] | None]]:
    """(model folder, the revision folders to audit or None for all) for one PATH."""
    if (path / "results").is_dir() and not _is_revision_folder(path):
        path = path / "results"
    models = store_model_folders(path)
    if models is not None:
        return [(m, None) for m in models]
    if _is_revision_folder(path):
        folder = Path(os.path.abspath(path))
        return [(folder.parent, (folder,))]
    if path.is_dir():
        return [(path, None)]
    raise CardkitError("not a results folder, a revision folder, a store or a card", path)


def _jobs_for(paths: Sequence[Path], base: BaseStore | None, mteb: bool) -> list[ModelJob]:
    exceptions = base.exceptions if base is not None else shipped_exceptions()
    jobs = []
    for path in paths:
        for folder, revisions in plan(path):
            if revisions is None:
                revisions = (
                    tuple(p for p in sorted(folder.iterdir()) if p.is_dir() and not p.is_symlink())
                    if folder.is_dir()
                    else ()
                )
            jobs.append(ModelJob(folder, revisions, base, exceptions, mteb))
    # The biggest model folders first, so that the last seconds are not one model on one core.
    return sorted(jobs, key=lambda j: -sum(_count(r) for r in j.revisions))


def _count(folder: Path) -> int:
    try:
        return len(list(folder.iterdir()))
    except OSError:
        return 0


def copied_scores(audits: Sequence[ModelAudit]) -> list[AuditFinding]:
    """Model folders sharing identical score blocks in COPY_MIN_TASKS task files or more."""
    owners: dict[tuple[str, str], set[int]] = defaultdict(set)
    for index, audit in enumerate(audits):
        for task, prints in audit.prints.items():
            for fingerprint in prints:
                owners[(task, fingerprint)].add(index)
    shared: dict[tuple[int, int], set[str]] = defaultdict(set)
    for (task, _), indices in owners.items():
        if len(indices) > 2:
            continue  # the same block under three models or more: the task's answer, not a copy
        ordered = sorted(indices, key=lambda i: audits[i].folder)
        for i, first in enumerate(ordered):
            for second in ordered[i + 1 :]:
                if audits[first].folder != audits[second].folder:
                    shared[(first, second)].add(task)
    found = []
    for (first, second), tasks in sorted(
        shared.items(), key=lambda kv: (audits[kv[0][1]].folder, audits[kv[0][0]].folder)
    ):
        if len(tasks) >= COPY_MIN_TASKS:
            names = sorted(tasks)
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            found.append(
                AuditFinding(
                    "copied-scores",
                    audits[second].folder,
                    "",
                    f"{len(names)} task files hold the same score blocks as model folder "
                    f"{audits[first].folder}: {shown}",
                )
            )
    return found


def audit_paths(
    paths: Sequence[Path],
    against: Path | None = None,
    jobs: int = 1,
    use_mteb: bool | None = None,
    progress: Callable[[int], None] | None = None,
    cache: Literal["load", "renew"] | None = None,
) -> AuditReport:
    """Audit results folders, stores and cards; ``against``: a results repository checkout
    (or folder) whose main the files are compared with. ``progress(total)`` is called once
    before the first model and once after each. ``cache``: take the audit of a model folder
    unchanged since the last run from the user's cache ("load"), or audit every folder and
    record the audits for the next run ("renew"); None: no cache."""
    report = AuditReport()
    base = open_base(against) if against is not None else None
    mteb = mteb_available() if use_mteb is None else use_mteb
    if not mteb:
        why = "--no-mteb" if use_mteb is False else "mteb is not importable"
        report.notes.append(f"{why}: rules model-in-mteb and loadable-by-mteb were not run")
    if base is None:
        report.notes.append(
            "no --against: rules no-splits-removed, no-languages-removed and "
            "main-score-within-threshold compare with main and were not run"
        )
    cards = [p for p in paths if p.is_file() and p.suffix.lower() in _CARD_SUFFIXES]
    folders = [p for p in paths if p not in cards]
    for card in cards:
        report.files += 1
        report.findings.extend(card_findings(card))
    planned = _jobs_for(folders, base, mteb)
    if progress is not None:
        progress(len(planned))
    kept = _open_cache(folders, base, mteb, cache) if folders and cache else None
    todo, inputs = planned, [""] * len(planned)
    audits: list[ModelAudit] = []
    if kept is not None:
        todo, inputs, audits = _recorded(planned, kept, cache == "load")
        report.cached = len(audits)
        for _ in audits:
            if progress is not None:
                progress(len(planned))
    for index, result in run_each(audit_model, todo, jobs):
        if isinstance(result, (WorkerDied, WorkerFailed)):
            reason = result.reason if isinstance(result, WorkerDied) else result.error
            raise CardkitError(f"the audit of this folder failed: {reason}", todo[index].folder)
        if kept is not None:
            kept.record(todo[index], inputs[index], result)
        audits.append(result)
        if progress is not None:
            progress(len(planned))
    if kept is not None:
        problem = kept.save()
        if problem:
            report.notes.append(problem)
    audits.sort(key=lambda a: a.folder)
    for audit in audits:
        report.files += audit.files
        report.findings.extend(audit.findings)
        report.notes.extend(audit.notes)
    report.findings.extend(copied_scores(audits))
    report.models = audits
    return report


def _recorded(
    planned: list[ModelJob], kept: AuditCache, load: bool
) -> tuple[list[ModelJob], list[str], list[ModelAudit]]:
    """The jobs still to audit with the digests of their inputs (to record their audits
    under), and the audits the cache holds for the others (none unless ``load``)."""
    todo: list[ModelJob] = []
    inputs: list[str] = []
    audits: list[ModelAudit] = []
    for job in planned:
        digest = kept.inputs(job)
        known = kept.audit(job, digest) if load else None
        if known is None:
            todo.append(job)
            inputs.append(digest)
        else:
            audits.append(known)
    return todo, inputs, audits


def _open_cache(
    folders: Sequence[Path], base: BaseStore | None, mteb: bool, how: str
) -> AuditCache | None:
    from cardkit.audit.cache import audit_cache, auditor_fingerprint

    exceptions = base.exceptions if base is not None else shipped_exceptions()
    kept = audit_cache(folders, auditor_fingerprint(mteb, base, exceptions))
    if kept is not None and how == "load":
        kept.load()
    return kept


def card_findings(card: Path, data: bytes | None = None) -> list[AuditFinding]:
    """The integrity findings of a card (its summary tables against its own model-index);
    ``data``: the card's bytes, when already read."""
    from cardkit.audit.cards import check_card

    return check_card(card, data)
