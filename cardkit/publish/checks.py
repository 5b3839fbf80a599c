"""The gate before a push: every file that would be uploaded must be valid, or nothing is.

Findings are one line each, ``FILE: WHERE: message``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from cardkit.errors import CardkitError
from cardkit.frontmatter import load_front_matter, split_card
from cardkit.publish.files import CARD, EVAL_RESULTS, UploadFile
from cardkit.readers.card import card_results


def _finite_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def card_findings(path: Path, data: bytes) -> list[str]:
    """The card must have front matter that parses, and a well-formed model-index if any."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [f"{path}: not UTF-8 (byte {exc.start})"]
    try:
        card = split_card(text, path)
        if not card.has_front_matter:
            return [f"{path}: the card has no YAML front matter (no '---' on line 1)"]
        metadata = load_front_matter(card.yaml_text, path)
        if "model-index" in metadata:
            card_results(metadata, path)
    except CardkitError as exc:
        return [str(exc)]
    return []


def eval_results_findings(path: Path, data: bytes) -> list[str]:
    """The Hub's `.eval_results` shape: a list of ``{dataset: {id, task_id}, value}``."""
    try:
        entries = yaml.safe_load(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        return [f"{path}: not UTF-8 (byte {exc.start})"]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
        return [f"{path}: {where}not valid YAML: {getattr(exc, 'problem', None) or exc}"]
    if not isinstance(entries, list) or not entries:
        return [f"{path}: must be a non-empty list of results"]
    found = []
    for index, entry in enumerate(entries):
        where = f"{path}: [{index}]"
        if not isinstance(entry, dict):
            found.append(f"{where}: must be a mapping")
            continue
        dataset = entry.get("dataset")
        if not isinstance(dataset, dict) or not isinstance(dataset.get("id"), str):
            found.append(f"{where}.dataset.id: required, a dataset id on the Hub")
        elif not isinstance(dataset.get("task_id"), str):
            found.append(f"{where}.dataset.task_id: required by the Hub")
        if not _finite_number(entry.get("value")):
            found.append(f"{where}.value: must be a finite number, got {entry.get('value')!r}")
        source = entry.get("source")
        if source is not None and not (isinstance(source, dict) and source.get("url")):
            found.append(f"{where}.source.url: required when 'source' is given")
    return found


def push_findings(files: list[UploadFile]) -> list[str]:
    """Every problem that must stop the push (empty when it may go ahead)."""
    found: list[str] = []
    for item in files:
        if item.path_in_repo == CARD:
            found.extend(card_findings(item.local, item.data))
        elif item.path_in_repo.startswith(f"{EVAL_RESULTS}/"):
            found.extend(eval_results_findings(item.local, item.data))
    return found
