"""One finding of the audit (a rule that fails at a place) and the three ways to print them."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any, NamedTuple

from cardkit.audit.rules import BY_ID
from cardkit.validate.findings import Finding
from cardkit.validate.reporter import format_finding


class AuditFinding(NamedTuple):
    rule: str  # an id of cardkit.audit.rules.RULES
    file: str
    place: str  # where in the file ('scores.test[0].main_score'), or ''
    message: str

    @property
    def fix(self) -> str:
        return BY_ID[self.rule].fix

    @property
    def family(self) -> str:
        return BY_ID[self.rule].family

    def as_finding(self) -> Finding:
        """The validator's finding, so that audit and validate print lines alike."""
        return Finding(self.file, None, None, self.place, f"[{self.rule}] {self.message}")

    def as_dict(self) -> dict[str, Any]:
        return {**self._asdict(), "family": self.family, "fix": self.fix}


def counts(findings: Sequence[AuditFinding]) -> Counter[str]:
    return Counter(f.rule for f in findings)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(files: int, findings: Sequence[AuditFinding], notes: Sequence[str]) -> str:
    line = f"{_plural(files, 'file')} audited: {_plural(len(findings), 'finding')}"
    by_rule = counts(findings)
    if by_rule:
        line += " (" + ", ".join(f"{rule} {n}" for rule, n in sorted(by_rule.items())) + ")"
    return line


def text_report(files: int, findings: Sequence[AuditFinding], notes: Sequence[str]) -> str:
    """One line per finding (``FILE: PLACE: [rule] what; fix: what to do``), then a summary."""
    lines = [f"note: {note}" for note in notes]
    for finding in findings:
        line = format_finding(finding.as_finding())
        lines.append(f"{line}; fix: {finding.fix}")
    lines.append(summary(files, findings, notes))
    return "\n".join(lines) + "\n"


def json_report(files: int, findings: Sequence[AuditFinding], notes: Sequence[str]) -> str:
    report = {
        "files": files,
        "failed": bool(findings),
        "counts": dict(sorted(counts(findings).items())),
        "notes": list(notes),
        "findings": [f.as_dict() for f in findings],
    }
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def findings_markdown(findings: Sequence[AuditFinding], notes: Sequence[str]) -> str:
    """The findings as a Markdown section: a table of rules, then one row per finding."""
    parts = ["## cardkit audit", ""]
    if not findings:
        parts.append("Every rule passes.")
    else:
        parts += ["| rule | findings |", "|---|---|"]
        parts += [f"| `{rule}` | {n} |" for rule, n in sorted(counts(findings).items())]
        parts += ["", "| file | place | rule | finding | fix |", "|---|---|---|---|---|"]
        for f in findings:
            parts.append(
                f"| `{_cell(f.file)}` | {_cell(f.place)} | `{f.rule}` | {_cell(f.message)} "
                f"| {_cell(f.fix)} |"
            )
    if notes:
        parts += [""] + [f"Note: {_cell(note)}" for note in notes]
    return "\n".join(parts) + "\n"
