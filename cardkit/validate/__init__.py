"""The one gate for user files: read (a regular file, bounded), decode, parse YAML with
positions, check against a schema in ``schemas/``, and report with file, line and column.

`cardkit validate` reports every finding of a card or `.eval_results` file:

    >>> from cardkit.validate import validate_paths
    >>> report = validate_paths([Path("README.md")])
    >>> report.exit_code, report.findings

and never raises on bad input. cardkit.yaml and task.yaml go through :func:`read_yaml_file`,
which raises the first error as the one line a command prints.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cardkit.io.userfile import FileTooLarge, UnreadableFile, read_bytes, read_text
from cardkit.modelindex import EVAL_RESULTS_FOLDER
from cardkit.validate.checks import check_card, check_eval_results
from cardkit.validate.findings import Finding
from cardkit.validate.parse import (
    MAX_BYTES,
    Document,
    Kind,
    parse_document,
    yaml_document,
)
from cardkit.validate.schema import schema_findings

if TYPE_CHECKING:
    from cardkit.validate.cache import ValidationCache

__all__ = [
    "Document",
    "Finding",
    "Report",
    "kind_of",
    "read_yaml_file",
    "validate_bytes",
    "validate_file",
    "validate_paths",
]

# From this many files on, checking them in several processes pays for starting them.
MANY_FILES = 8
_YAML = (".yaml", ".yml")


class Report:
    """Every finding of a run, and how many files were checked."""

    __slots__ = ("cached", "files", "findings")

    def __init__(self) -> None:
        self.files = 0
        self.findings: list[Finding] = []
        self.cached = 0  # files whose findings came from the cache, unchanged since

    @property
    def exit_code(self) -> int:
        """0 valid (warnings allowed), 1 invalid, 2 a path could not be read."""
        if any(f.unreadable for f in self.findings):
            return 2
        return 1 if any(f.is_error for f in self.findings) else 0


def kind_of(path: Path) -> Kind:
    """A YAML file is an `.eval_results` file; anything else is a card."""
    return "eval-results" if path.suffix.lower() in _YAML else "card"


def read_yaml_file(path: Path, kind: str, what: str, schema: bool = True) -> Document:
    """A user's YAML file (cardkit.yaml, task.yaml, an `.eval_results` file to read) checked
    against ``schemas/`` for its kind; the first error, in file order, is raised as a
    CardkitError naming the file, the line, the column and the key."""
    doc = yaml_document(read_text(path, what), str(path), kind)
    if doc.parsed and schema:
        schema_findings(doc)
    doc.raise_first_error()
    return doc


def validate_bytes(
    raw: bytes, file: str = "<card>", kind: Kind = "card", quick: bool = True
) -> list[Finding]:
    """Every finding for one file's content, sorted by position.

    A file is first checked the quick way: its YAML loaded by libyaml without positions, the
    schema by its plain check; only a file with a finding is parsed again with positions.
    ``quick=False`` parses with positions and asks jsonschema from the start (the findings are
    the same; it is slower).
    """
    return validated_document(raw, file, kind, quick).findings


def validated_document(raw: bytes, file: str, kind: Kind = "card", quick: bool = True) -> Document:
    """The file's content parsed and checked: its data, and its findings sorted by position
    (see validate_bytes), for a caller that needs both."""
    doc = parse_document(raw, file, kind, quick)
    if doc.parsed:
        _check(doc, quick)
    if doc.findings and not doc.positions:  # placed by the parse with positions
        doc = parse_document(raw, file, kind)
        if doc.parsed:
            _check(doc, quick)
    doc.findings.sort(key=lambda f: (f.line or 0, f.col or 0))
    return doc


def _check(doc: Document, quick: bool) -> None:
    schema_findings(doc, quick)
    (check_card if doc.kind == "card" else check_eval_results)(doc)


def validate_file(path: Path, kind: Kind | None = None) -> list[Finding]:
    """One file; a file over 10 MB is refused without being read to its end."""
    return _checked(path, kind)[0]


def _checked(path: Path, kind: Kind | None = None) -> tuple[list[Finding], str | None]:
    """One file's findings, and no digest (nothing is cached)."""
    return _checked_and_digested(path, kind, digest=False)


def _digested(path: Path) -> tuple[list[Finding], str | None]:
    """One file's findings, and the SHA-256 of the bytes they are of (None if not read)."""
    return _checked_and_digested(path, None, digest=True)


def _checked_and_digested(
    path: Path, kind: Kind | None, digest: bool
) -> tuple[list[Finding], str | None]:
    try:
        raw = read_bytes(path, "file", MAX_BYTES)
    except FileTooLarge as exc:
        return [Finding(str(path), 1, 1, "", exc.message)], None
    except UnreadableFile as exc:
        reason = f"cannot read: {exc.reason}"
        return [Finding(str(path), None, None, "", reason, unreadable=True)], None
    findings = validate_bytes(raw, str(path), kind or kind_of(path))
    if not digest:
        return findings, None
    from cardkit.io.fingerprint import bytes_digest  # hashlib: only for a cache

    return findings, bytes_digest(raw)


def _content_digest(path: Path) -> str | None:
    """The SHA-256 of a file to validate, or None when it is not a file that can be read."""
    from cardkit.io.fingerprint import bytes_digest

    try:
        return bytes_digest(read_bytes(path, "file", MAX_BYTES))
    except (FileTooLarge, UnreadableFile):
        return None


def files_in(folder: Path) -> list[Path]:
    """A model repository's README.md and `.eval_results/*.yaml`."""
    if folder.name == EVAL_RESULTS_FOLDER:
        out, results = [], folder
    else:
        readme, results = folder / "README.md", folder / EVAL_RESULTS_FOLDER
        out = [readme] if readme.is_file() else []
    if results.is_dir():
        out += sorted(p for p in results.iterdir() if p.suffix.lower() in _YAML and p.is_file())
    return out


def files_below(folder: Path) -> list[Path]:
    """The files of every model repository below ``folder`` (a folder of cards, as
    ``cardkit build STORE -o CARDS`` writes them): each folder holding a README.md or an
    `.eval_results/`, in name order. Hidden folders and links are not followed, and a
    repository's own subfolders are not searched."""
    found: list[Path] = []
    for root, dirs, _ in os.walk(folder):
        here = files_in(Path(root)) if root != str(folder) else []
        here = [p for p in here if not _linked(p, Path(root))]
        if here:
            found += here
            dirs.clear()
        else:
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
    return found


def _linked(path: Path, root: Path) -> bool:
    """A link met while searching a folder (the file, or the `.eval_results` folder holding
    it): it may point anywhere, so it is not read."""
    return path.is_symlink() or (path.parent != root and path.parent.is_symlink())


def _unreadable(path: Path, reason: str) -> Finding:
    return Finding(str(path), None, None, "", reason, unreadable=True)


def _files_of(path: Path) -> list[Path] | Finding:
    """The files to validate for one path given, or the finding that says why there are none."""
    if not path.is_dir():
        return [path]
    try:
        files = files_in(path) or files_below(path)
    except OSError as exc:
        return _unreadable(path, f"cannot read: {exc.strerror or type(exc).__name__}")
    if not files:
        return _unreadable(path, "no README.md or .eval_results/*.yaml to validate here")
    return files


def validate_paths(
    paths: list[Path],
    jobs: int | None = 1,
    progress: Callable[[int], None] | None = None,
    cache: ValidationCache | None = None,
) -> Report:
    """Cards, `.eval_results` files, model repository folders holding them, or folders of
    such folders (searched below). ``jobs`` > 1 validates files in that many processes (None:
    one per core when there are many files); the findings are the same, in the same order.
    ``progress`` is called with the number of files to check, then with 0 after each file.
    With a ``cache`` (loaded), a file whose content it has findings for is not checked again,
    and the cache then holds this run's findings (for the caller to save)."""
    report = Report()
    slots: list[list[Path] | Finding] = [_files_of(path) for path in paths]
    files = [f for slot in slots if isinstance(slot, list) for f in slot]
    found: dict[int, list[Finding]] = {}
    if cache is not None:
        for index, file in enumerate(files):
            sha256 = _content_digest(file)
            known = None if sha256 is None else cache.findings(file, sha256)
            if known is not None:
                found[index] = known
    report.cached = len(found)
    todo = [index for index in range(len(files)) if index not in found]
    if progress is not None:
        progress(len(todo))
    if jobs is None:
        jobs = 1
        if len(todo) >= MANY_FILES:
            from cardkit.io.workers import default_jobs

            jobs = default_jobs()
    checked = _validate_files(
        [files[index] for index in todo], jobs, progress, _checked if cache is None else _digested
    )
    for position, index in enumerate(todo):
        found[index], sha256 = checked[position]
        if cache is not None and sha256 is not None:
            cache.record(files[index], sha256, found[index])
    index = 0
    for slot in slots:
        if isinstance(slot, Finding):
            report.findings.append(slot)
            continue
        for _ in slot:
            report.files += 1
            report.findings.extend(found[index])
            index += 1
    return report


def _validate_files(
    files: list[Path],
    jobs: int,
    progress: Callable[[int], None] | None,
    check: Callable[[Path], tuple[list[Finding], str | None]],
) -> dict[int, tuple[list[Finding], str | None]]:
    """Each file's findings and content digest (``check``: with one or without) by its
    index; in worker processes when there are several."""
    found: dict[int, tuple[list[Finding], str | None]] = {}
    if jobs <= 1 or len(files) <= 1:
        for index, file in enumerate(files):
            found[index] = check(file)
            if progress is not None:
                progress(0)
        return found
    from cardkit.io.workers import WorkerDied, WorkerFailed, run_each

    with contextlib.closing(run_each(check, files, jobs)) as results:
        for index, result in results:
            if isinstance(result, WorkerDied):
                result = [_unreadable(files[index], f"not checked: {result.reason}")], None
            elif isinstance(result, WorkerFailed):
                result = [_unreadable(files[index], f"internal error: {result.error}")], None
            found[index] = result
            if progress is not None:
                progress(0)
    return found
