"""The results repository's CI rules, and the integrity rules, over one model folder.

Each check mirrors one test of ``embeddings-benchmark/results`` (named in
cardkit.audit.rules), limited to the folders audited: the repository's tests walk every
folder of the repository, a pull request only adds or changes some.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import warnings
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cardkit.audit.findings import AuditFinding
from cardkit.audit.integrity import check_file, fingerprints, version_tuple
from cardkit.audit.repo import MAIN_SCORE_EPSILON, MAX_FILE_BYTES, BaseStore, Exceptions
from cardkit.io.errors import CardkitError
from cardkit.io.userfile import RESULT_LIMIT, parse_json, read_bytes

META = "model_meta.json"
_PLACEHOLDERS = ("no_revision_available", "external")
_IGNORED = (".DS_Store",)


@dataclass(frozen=True)
class ModelJob:
    """One model folder to audit: all its revision folders, or the ones given."""

    folder: Path
    revisions: tuple[Path, ...]
    base: BaseStore | None
    exceptions: Exceptions
    mteb: bool = False


@dataclass
class ModelAudit:
    folder: str
    files: int = 0
    findings: list[AuditFinding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # task file -> fingerprints of its score blocks (copied-scores compares them across models)
    prints: dict[str, list[str]] = field(default_factory=dict)
    model: str | None = None
    revision: str | None = None
    # (task, split, subset) -> main score in 0..1, for the pull request comment
    main_scores: dict[tuple[str, str, str], float] = field(default_factory=dict)


def is_sha1(value: str) -> bool:
    """The repository's test: 40 lower-case hex digits."""
    return len(value) == 40 and all(c in "0123456789abcdef" for c in value)


def _read_json(path: Path) -> tuple[bytes, Any]:
    raw = read_bytes(path, "result file", RESULT_LIMIT)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CardkitError(f"not UTF-8 (byte {exc.start})", path) from None
    return raw, parse_json(text, path)


@lru_cache(maxsize=1)
def _mteb_names() -> frozenset[str]:
    import mteb

    return frozenset(meta.name for meta in mteb.get_model_metas() if meta.name)


def splits_subsets(data: Any) -> dict[str, set[str]]:
    """tests/test_no_splits_are_removed.py's get_splits_subsets (KeyError where it fails)."""
    return {
        split: {r["hf_subset"] for r in results}
        for split, results in data.get("scores", {}).items()
    }


def languages(data: Any) -> dict[tuple[str, str], set[str]]:
    """tests/test_no_languages_are_removed.py's get_languages."""
    langs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for split, results in data.get("scores", {}).items():
        if isinstance(results, list):
            for r in results:
                if isinstance(r, dict) and isinstance(r.get("languages"), list):
                    langs[(split, r.get("hf_subset", ""))].update(r["languages"])
    return langs


def main_scores(data: Any) -> dict[tuple[str, str], float]:
    """Main score per (split, subset), over 1 divided by 100 (tests/test_results_diff.py)."""
    found: dict[tuple[str, str], float] = {}
    scores = data.get("scores") if isinstance(data, dict) else None
    if not isinstance(scores, dict):
        return found
    for split, entries in scores.items():
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            subset, main = entry.get("hf_subset"), entry.get("main_score")
            if subset is None or isinstance(main, bool) or not isinstance(main, (int, float)):
                continue
            if math.isnan(main):
                continue
            value = float(main)
            found[(split, str(subset))] = value / 100 if value > 1 else value
    return found


class _Auditor:
    def __init__(self, job: ModelJob):
        self.job = job
        self.out = ModelAudit(job.folder.name)
        self.model = job.folder.name

    def add(self, rule: str, path: Path | str, place: str, message: str) -> None:
        self.out.findings.append(AuditFinding(rule, str(path), place, message))

    def run(self) -> ModelAudit:
        job = self.job
        try:
            entries = sorted(os.scandir(job.folder), key=lambda e: e.name)
        except OSError as exc:
            self.add("folder-structure", job.folder, "", f"cannot read the folder: {exc.strerror}")
            return self.out
        revisions = [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
        for entry in entries:
            if entry.name in _IGNORED or entry.is_dir(follow_symlinks=False):
                continue
            if (self.model, entry.name) in job.exceptions.folders_without_meta:
                continue  # listed by the repository's test (a .gitkeep)
            rule = "model-meta-present" if not entry.is_symlink() else "folder-structure"
            self.add(
                rule, entry.path, "", "a file in a model folder, where only revision folders belong"
            )
        metas = {rev.name: self._meta(rev) for rev in revisions}
        self._duplicate_revisions(revisions, metas)
        self._duplicate_tasks(revisions)
        self._registry(metas)
        for rev in job.revisions:
            self._revision(rev, metas.get(rev.name))
        return self.out

    def _meta(self, rev: Path) -> dict[str, Any] | None | str:
        """model_meta.json's data; None when absent; a message when unreadable."""
        path = rev / META
        if not os.path.lexists(path):
            return None
        try:
            _, data = _read_json(path)
        except CardkitError as exc:
            return exc.message
        return data if isinstance(data, dict) else "not a JSON object"

    def _duplicate_revisions(self, revisions: list[Path], metas: dict[str, Any]) -> None:
        seen: dict[str, Path] = {}
        for rev in revisions:
            meta = metas[rev.name]
            revision = meta.get("revision") if isinstance(meta, dict) else rev.name
            key = json.dumps(revision)
            if key in seen:
                self.add(
                    "no-duplicate-revisions",
                    rev,
                    "",
                    f"revision {revision} is also the revision of {seen[key]}",
                )
            seen.setdefault(key, rev)

    def _task_files(self, rev: Path) -> list[str]:
        try:
            with os.scandir(rev) as entries:
                return sorted(
                    e.name[:-5] for e in entries if e.name.endswith(".json") and e.name != META
                )
        except OSError:
            return []

    def _duplicate_tasks(self, revisions: list[Path]) -> None:
        if self.model == "baseline__Human" or self.model.startswith("."):
            return
        where: dict[str, list[str]] = defaultdict(list)
        on_disk = {r.name for r in revisions if not r.name.startswith(".")}
        for rev in sorted(on_disk):
            for task in self._task_files(self.job.folder / rev):
                where[task].append(rev)
        base = self.job.base
        if base is not None and not base.holds(self.job.folder):
            # Files outside the checkout join main's other revisions of the model.
            for rev in base.revisions(self.model):
                if rev in on_disk or rev.startswith("."):
                    continue
                for name in base.names(self.model, rev):
                    if name.endswith(".json") and name != META:
                        where[name[:-5]].append(f"{rev} (on main)")
        for task, revs in sorted(where.items()):
            if len(revs) > 1:
                self.add(
                    "no-duplicate-tasks",
                    self.job.folder,
                    task,
                    f"results in {len(revs)} revision folders: {', '.join(revs)}",
                )

    def _registry(self, metas: dict[str, Any]) -> None:
        if not self.job.mteb:
            return
        names = _mteb_names()
        candidates = [m.get("name") for m in metas.values() if isinstance(m, dict)]
        candidates.append(self.model.replace("__", "/"))
        if not any(isinstance(n, str) and n in names for n in candidates):
            shown = next((n for n in candidates if isinstance(n, str)), self.model)
            self.add(
                "model-in-mteb",
                self.job.folder,
                "",
                f"model {shown} is not in mteb's model registry (mteb.get_model_metas())",
            )

    def _revision(self, rev: Path, meta: Any) -> None:
        pair = (self.model, rev.name)
        exc = self.job.exceptions
        legacy = pair in exc.folders_without_meta
        meta_path = rev / META
        if meta is None and not legacy:
            self.add("model-meta-present", rev, "", "no model_meta.json")
        elif isinstance(meta, str):
            self.add("folder-structure", meta_path, "", f"unreadable: {meta}")
        elif isinstance(meta, dict):
            self._check_meta(rev, meta, legacy, pair in exc.revision_exceptions)
        self._files(rev, meta if isinstance(meta, dict) else None)

    def _check_meta(self, rev: Path, meta: dict[str, Any], legacy: bool, exception: bool) -> None:
        path = rev / META
        name, revision = meta.get("name"), meta.get("revision")
        if not isinstance(name, str) or ("revision" not in meta):
            self.add("folder-structure", path, "", "needs 'name' (a string) and 'revision'")
            return
        self.out.model, self.out.revision = name, revision if isinstance(revision, str) else None
        expected_revision = rev.name if revision is None else revision
        if rev.name == "external":
            expected_revision = "external"
        expected_folder = name.replace(" ", "_").replace("/", "__")
        if (expected_folder, expected_revision) != (self.model, rev.name):
            self.add(
                "folder-structure",
                path,
                "name, revision",
                f"name {name!r} and revision {revision!r} give {expected_folder}/"
                f"{expected_revision}/, not {self.model}/{rev.name}/",
            )
        if legacy:
            return
        if not exception:
            text = revision if isinstance(revision, str) else None
            if (
                text is None
                or text.lower() in _PLACEHOLDERS
                or not (is_sha1(text) or len(text) == 1)
            ):
                self.add(
                    "revision-specified",
                    path,
                    "revision",
                    f"revision {revision!r} is not a 40-character commit sha (nor a "
                    "one-character API version)",
                )
            if revision != rev.name:
                self.add(
                    "revision-matches-path",
                    path,
                    "revision",
                    f"revision {revision!r} is not the folder's name {rev.name!r}",
                )
        if "/" not in name:
            self.add(
                "organisation-specified", path, "name", f"model name {name!r} has no organisation"
            )

    def _files(self, rev: Path, meta: dict[str, Any] | None) -> None:
        base = self.job.base
        try:
            entries = sorted(os.scandir(rev), key=lambda e: e.name)
        except OSError as exc:
            self.add("folder-structure", rev, "", f"cannot read the folder: {exc.strerror}")
            return
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink():
                self.add("folder-structure", path, "", "a link: the repository takes files only")
                continue
            if not entry.is_file():
                continue
            self.out.files += 1
            size = entry.stat().st_size
            try:
                raw = read_bytes(path, "file", RESULT_LIMIT) if size <= RESULT_LIMIT else None
            except CardkitError:
                raw = None
            old = base.read(self.model, rev.name, entry.name) if base is not None else None
            changed = base is None or old is None or old != raw
            if size > MAX_FILE_BYTES and changed:
                self.add(
                    "file-size",
                    path,
                    "",
                    f"{size:,} bytes: over the 10 MiB limit ({MAX_FILE_BYTES:,})",
                )
            if not entry.name.endswith(".json") or entry.name == META:
                continue
            self._result(path, raw, old if changed else None, meta)

    def _result(
        self, path: Path, raw: bytes | None, old: bytes | None, meta: dict[str, Any] | None
    ) -> None:
        try:
            if raw is None:
                raise CardkitError("too large or unreadable", path)
            data = parse_json(raw.decode("utf-8"), path)
        except (CardkitError, UnicodeDecodeError) as exc:
            message = exc.message if isinstance(exc, CardkitError) else "not UTF-8"
            self.add("task-name-matches-file", path, "", f"not readable JSON: {message}")
            return
        if not isinstance(data, dict):
            self.add("task-name-matches-file", path, "", "not a JSON object")
            return
        task = data.get("task_name") or data.get("mteb_dataset_name")
        if task is None:
            self.add(
                "task-name-matches-file",
                path,
                "task_name",
                "no 'task_name' (nor legacy 'mteb_dataset_name')",
            )
        elif task != path.stem:
            self.add(
                "task-name-matches-file",
                path,
                "task_name",
                f"task_name {task!r} is not the file name {path.stem!r}",
            )
        shown = str(path)
        version = version_tuple(data.get("mteb_version"))
        self.out.findings.extend(check_file(data, shown, path.stem, version))
        self.out.prints[path.stem] = fingerprints(data)
        for (split, subset), value in main_scores(data).items():
            self.out.main_scores[(path.stem, split, subset)] = value
        if old is not None:
            self._against_main(path, data, old, meta)
        if self.job.mteb:
            self._loadable(path, data)

    def _against_main(
        self, path: Path, new: dict[str, Any], old_raw: bytes, meta: dict[str, Any] | None
    ) -> None:
        try:
            old = json.loads(old_raw)
        except ValueError:
            return
        if not isinstance(old, dict):
            return
        try:
            before, after = splits_subsets(old), splits_subsets(new)
        except (KeyError, TypeError, AttributeError) as exc:
            self.add(
                "no-splits-removed",
                path,
                "scores",
                f"the repository's test cannot read the splits ({type(exc).__name__}: {exc})",
            )
        else:
            removed = {s: sorted(subs - after.get(s, set())) for s, subs in before.items()}
            removed = {s: subs for s, subs in removed.items() if subs}
            if removed:
                self.add(
                    "no-splits-removed",
                    path,
                    "scores",
                    f"splits/subsets on main removed: {removed}",
                )
        old_langs, new_langs = languages(old), languages(new)
        for (split, subset), langs in sorted(old_langs.items()):
            missing = sorted(langs - new_langs.get((split, subset), set()))
            if missing:
                self.add(
                    "no-languages-removed",
                    path,
                    f"scores.{split}",
                    f"subset {subset}: languages on main removed: {missing}",
                )
        if meta is None or "name" not in meta or "revision" not in meta:
            return  # the repository's test compares only folders with a model_meta.json
        before_scores, after_scores = main_scores(old), main_scores(new)
        for key, value in after_scores.items():
            if key in before_scores and abs(value - before_scores[key]) > MAIN_SCORE_EPSILON:
                self.add(
                    "main-score-within-threshold",
                    path,
                    f"scores.{key[0]} ({key[1]})",
                    f"main score {value:.5f} moved {value - before_scores[key]:+.5f} from main's "
                    f"{before_scores[key]:.5f} (limit {MAIN_SCORE_EPSILON})",
                )

    def _loadable(self, path: Path, data: dict[str, Any]) -> None:
        with _mteb_quiet():
            self._load_with_mteb(path, data)

    def _load_with_mteb(self, path: Path, data: dict[str, Any]) -> None:
        import mteb

        task = data.get("task_name") or data.get("mteb_dataset_name")
        try:
            mteb.get_task(str(task))
        except Exception as exc:  # mteb raises KeyError, ValueError and others for unknown tasks
            self.add(
                "loadable-by-mteb",
                path,
                "task_name",
                f"mteb does not know task {task!r} ({type(exc).__name__})",
            )
            return
        try:
            mteb.TaskResult.from_disk(path)
        except Exception as exc:  # pydantic and mteb's own errors: the file is refused either way
            text = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
            self.add("loadable-by-mteb", path, "", f"mteb cannot load it: {text}")


@contextlib.contextmanager
def _mteb_quiet() -> Iterator[None]:
    """mteb's warnings about the file are the finding, not lines of their own."""
    logger = logging.getLogger("mteb")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def audit_model(job: ModelJob) -> ModelAudit:
    """The findings of one model folder (a module-level function, for worker processes)."""
    return _Auditor(job).run()
