"""The gate before a push: every file that would be uploaded must be valid, or nothing is.

It runs the same validator as `cardkit validate` on the bytes that would be uploaded, so a
push refuses exactly what validation reports as an error. Findings are one line each,
``FILE:LINE:COL: PATH: message``.
"""

from __future__ import annotations

from cardkit.publish.files import CARD, EVAL_RESULTS, UploadFile
from cardkit.validate import validate_bytes
from cardkit.validate.reporter import format_finding


def push_findings(files: list[UploadFile]) -> list[str]:
    """Every error that must stop the push (empty when it may go ahead); warnings do not."""
    found: list[str] = []
    for item in files:
        if item.path_in_repo == CARD:
            kind = "card"
        elif item.path_in_repo.startswith(f"{EVAL_RESULTS}/"):
            kind = "eval-results"
        else:
            continue
        findings = validate_bytes(item.data, str(item.local), kind)
        found.extend(format_finding(f) for f in findings if f.is_error)
    return found
