"""What `cardkit audit` of a store found last time, so that auditing it again audits only the
model folders whose content changed.

A results store is audited after every merge; most of its model folders are as they were. The
cache holds, for each model folder audited, a digest of what its audit depends on (the content
of every file below the folder, the revision folders asked for, and, with ``--against``, the
commit or the content of the same model folder there) and that audit's outcome, under a
fingerprint of the auditor (cardkit's version and the source of its modules, the rules'
exceptions, whether mteb's rules ran and under which mteb). The rule that compares models with
each other (copied-scores) is run again on every run, from the recorded score fingerprints.

It lives in the user's own cache folder (``~/.cache/cardkit/audit/`` by default; see
cardkit.io.cachedir), never in the store, and is read as untrusted: a record not exactly of
the shape this module writes is ignored and that folder audited again.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from cardkit.audit.ci import ModelAudit, ModelJob
from cardkit.audit.findings import AuditFinding
from cardkit.audit.repo import BaseStore, exceptions_as_data
from cardkit.io.fingerprint import content_fingerprint, digest
from cardkit.io.recordcache import RecordCache, code_fingerprint, record_cache
from cardkit.io.userfile import RESULT_LIMIT


def auditor_fingerprint(mteb: bool, base: BaseStore | None, exceptions: Any) -> str:
    """What every model's audit depends on besides its folder."""
    parts = [f"mteb\0{_mteb_version() if mteb else 'not used'}"]
    parts.append(f"exceptions\0{sorted(exceptions_as_data(exceptions).items())}")
    if base is not None:
        parts.append(f"against\0{base.root.resolve()}\0{base.results}\0{base.ref}")
    return code_fingerprint(parts)


def _mteb_version() -> str:
    try:
        return metadata.version("mteb")
    except metadata.PackageNotFoundError:
        return "absent"


def audit_cache(paths: Sequence[Path], code: str) -> AuditCache | None:
    """The cache of these paths' audits, or None when the user has no private cache."""
    return record_cache(AuditCache, "audit", paths, code)


class AuditCache(RecordCache):
    """Each model folder's last audit, by the digest of what it depends on."""

    @staticmethod
    def key(job: ModelJob) -> str:
        return digest([str(job.folder.resolve()), *(r.name for r in job.revisions)])

    @staticmethod
    def inputs(job: ModelJob) -> str:
        """The digest of what the job's audit reads: its folder's content and, with a base
        that is a folder, the same model folder there (a git base is named by its commit in
        the auditor's fingerprint)."""
        # The audit reads no file over RESULT_LIMIT (it reports its size): nor does this.
        parts = [content_fingerprint(job.folder, RESULT_LIMIT)]
        if job.base is not None and job.base.ref is None:
            base_folder = job.base.results_root / job.folder.name
            parts.append(content_fingerprint(base_folder, RESULT_LIMIT))
        return digest(parts)

    def audit(self, job: ModelJob, inputs: str) -> ModelAudit | None:
        """The recorded audit of this job's inputs, or None when it must be audited."""
        key = self.key(job)
        record = self.get(key, inputs)
        audit = None if record is None else _audit_from(record.get("audit"))
        if audit is None:
            self.drop(key)
        return audit

    def record(self, job: ModelJob, inputs: str, audit: ModelAudit) -> None:
        self.put(self.key(job), inputs, audit=_audit_data(audit))


def _audit_data(audit: ModelAudit) -> dict[str, Any]:
    return {
        "folder": audit.folder,
        "files": audit.files,
        "findings": [list(f) for f in audit.findings],
        "notes": audit.notes,
        "prints": audit.prints,
        "model": audit.model,
        "revision": audit.revision,
        "main_scores": [[*key, value] for key, value in audit.main_scores.items()],
    }


def _strings(value: Any, length: int | None = None) -> bool:
    return (
        isinstance(value, list)
        and all(isinstance(v, str) for v in value)
        and (length is None or len(value) == length)
    )


def _audit_from(data: Any) -> ModelAudit | None:
    """The audit a record holds, or None for anything not of the shape `_audit_data` makes."""
    if not isinstance(data, dict) or set(data) != {
        "folder",
        "files",
        "findings",
        "notes",
        "prints",
        "model",
        "revision",
        "main_scores",
    }:
        return None
    findings, prints, scores = data["findings"], data["prints"], data["main_scores"]
    if (
        not isinstance(data["folder"], str)
        or type(data["files"]) is not int
        or not isinstance(findings, list)
        or not all(_strings(f, 4) for f in findings)
        or not _strings(data["notes"])
        or not isinstance(prints, dict)
        or not all(_strings(v) for v in prints.values())
        or not all(isinstance(v, (str, type(None))) for v in (data["model"], data["revision"]))
        or not isinstance(scores, list)
        or not all(
            isinstance(s, list) and len(s) == 4 and _strings(s[:3]) and type(s[3]) in (int, float)
            for s in scores
        )
    ):
        return None
    from cardkit.audit.rules import BY_ID

    if any(f[0] not in BY_ID for f in findings):
        return None
    return ModelAudit(
        folder=data["folder"],
        files=data["files"],
        findings=[AuditFinding(*f) for f in findings],
        notes=list(data["notes"]),
        prints={task: list(v) for task, v in prints.items()},
        model=data["model"],
        revision=data["revision"],
        main_scores={(s[0], s[1], s[2]): float(s[3]) for s in scores},
    )
