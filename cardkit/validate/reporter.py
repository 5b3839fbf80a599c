"""Findings as text lines (``FILE:LINE:COL: PATH: message``) or as JSON for other tools."""

from __future__ import annotations

import json
from collections.abc import Sequence

from cardkit.validate.findings import Finding


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(files: int, findings: Sequence[Finding]) -> str:
    errors = sum(1 for f in findings if f.is_error)
    warnings = len(findings) - errors
    return (
        f"{_plural(files, 'file')} checked: {_plural(errors, 'error')}, "
        f"{_plural(warnings, 'warning')}"
    )


def format_finding(finding: Finding) -> str:
    place = finding.file
    if finding.line is not None:
        place += f":{finding.line}:{finding.col or 1}"
    parts = [place]
    if finding.path:
        parts.append(finding.path)
    message = finding.message if finding.is_error else f"warning: {finding.message}"
    return ": ".join([*parts, message])


def text_report(files: int, findings: Sequence[Finding]) -> str:
    lines = [format_finding(f) for f in findings]
    lines.append(summary(files, findings))
    return "\n".join(lines) + "\n"


def json_report(files: int, findings: Sequence[Finding]) -> str:
    errors = sum(1 for f in findings if f.is_error)
    report = {
        "files": files,
        "errors": errors,
        "warnings": len(findings) - errors,
        "findings": [f.as_dict() for f in findings],
    }
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
