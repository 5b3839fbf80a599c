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

from dataclasses import dataclass, field
from pathlib import Path

from cardkit.userfile import FileTooLarge, UnreadableFile, read_bytes, read_text
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

EVAL_RESULTS = ".eval_results"
_YAML = (".yaml", ".yml")


@dataclass
class Report:
    files: int = 0
    findings: list[Finding] = field(default_factory=list)

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


def validate_bytes(raw: bytes, file: str = "<card>", kind: Kind = "card") -> list[Finding]:
    """Every finding for one file's content, sorted by position."""
    doc = parse_document(raw, file, kind)
    if doc.parsed:
        schema_findings(doc)
        (check_card if kind == "card" else check_eval_results)(doc)
    return sorted(doc.findings, key=lambda f: (f.line or 0, f.col or 0))


def validate_file(path: Path, kind: Kind | None = None) -> list[Finding]:
    """One file; a file over 10 MB is refused without being read to its end."""
    try:
        raw = read_bytes(path, "file", MAX_BYTES)
    except FileTooLarge as exc:
        return [Finding(str(path), 1, 1, "", exc.message)]
    except UnreadableFile as exc:
        return [Finding(str(path), None, None, "", f"cannot read: {exc.reason}", unreadable=True)]
    return validate_bytes(raw, str(path), kind or kind_of(path))


def files_in(folder: Path) -> list[Path]:
    """A model repository's README.md and `.eval_results/*.yaml`."""
    if folder.name == EVAL_RESULTS:
        out, results = [], folder
    else:
        readme, results = folder / "README.md", folder / EVAL_RESULTS
        out = [readme] if readme.is_file() else []
    if results.is_dir():
        out += sorted(p for p in results.iterdir() if p.suffix.lower() in _YAML and p.is_file())
    return out


def validate_paths(paths: list[Path]) -> Report:
    """Cards, `.eval_results` files, or model repository folders holding them."""
    report = Report()
    for path in paths:
        if path.is_dir():
            try:
                files = files_in(path)
            except OSError as exc:
                reason = f"cannot read: {exc.strerror or type(exc).__name__}"
                report.findings.append(Finding(str(path), None, None, "", reason, unreadable=True))
                continue
            if not files:
                report.findings.append(
                    Finding(
                        str(path),
                        None,
                        None,
                        "",
                        "no README.md or .eval_results/*.yaml to validate here",
                        unreadable=True,
                    )
                )
                continue
        else:
            files = [path]
        for file in files:
            report.files += 1
            report.findings.extend(validate_file(file))
    return report
