"""The card-table rule: a card's summary table against the averages of its own model-index.

A card may quote a leaderboard-style table (Avg | Retrieval | STS | ...) typed by hand or
copied from a leaderboard, while its model-index holds the scores themselves. A table is
matched to the benchmark whose means agree with most of its columns (at least two); then a
column that agrees with none of that benchmark's means is a finding.
"""

from __future__ import annotations

import re
from pathlib import Path

from cardkit.audit.findings import AuditFinding
from cardkit.cardtext.frontmatter import load_front_matter, split_card
from cardkit.catalog import load_catalog
from cardkit.io.errors import CardkitError
from cardkit.io.userfile import read_text
from cardkit.readers.model_card import card_results
from cardkit.scores.summary import BenchmarkSummary, relevant_summaries

_NUMBER = re.compile(r"^\s*\**\s*(-?\d+(?:\.(\d+))?)\s*\**\s*$")
_MEAN_HEADERS = {"avg", "average", "mean", "meantask", "meanall"}


def _key(header: str) -> str:
    text = re.sub(r"\(.*?\)|\[|\]|\*", "", header).lower()
    return re.sub(r"[^a-z]", "", text)


def _tables(lines: list[str]) -> list[tuple[int, list[list[str]]]]:
    """(first line number, rows of cells) of every pipe table, the separator row left out."""
    found, current, start = [], [], 0
    for number, line in enumerate([*lines, ""], start=1):
        if line.lstrip().startswith("|"):
            if not current:
                start = number
            current.append(line)
            continue
        if len(current) >= 3 and set(current[1].replace("|", "").strip()) <= set(":- "):
            rows = [[c.strip() for c in row.strip().strip("|").split("|")] for row in current]
            found.append((start, [rows[0], *rows[2:]]))
        current = []
    return found


def _means(summary: BenchmarkSummary) -> dict[str, float]:
    out: dict[str, float] = {}
    for kind, by_type in summary.by_type.items():
        if by_type.mean is not None:
            out[_key(kind)] = by_type.mean
    if summary.average is not None:
        for header in _MEAN_HEADERS:
            out[header] = summary.average
    return out


def _agrees(shown: str, value: float) -> bool:
    match = _NUMBER.match(shown)
    if match is None:
        return False
    decimals = len(match.group(2) or "")
    return abs(float(match.group(1)) - value) <= 0.5 * 10**-decimals + 1e-9


def check_card(path: Path) -> list[AuditFinding]:
    try:
        text = read_text(path, "card")
        card = split_card(text, path)
        models = card_results(load_front_matter(card, path), path) if card.has_front_matter else []
    except CardkitError as exc:
        return [
            AuditFinding(
                "card-table", str(path), "", f"cannot read the card's model-index: {exc.message}"
            )
        ]
    if not models:
        return []
    catalog = load_catalog()
    findings = []
    offset = card.body_line_offset
    for model in models:
        try:
            summaries = relevant_summaries(model, catalog)
        except CardkitError:
            continue
        name = (model.model_name or "").rsplit("/", 1)[-1].lower()
        for start, rows in _tables(card.body.splitlines()):
            header = [_key(h) for h in rows[0]]
            row = next(
                (r for r in rows[1:] if name and any(name in c.lower() for c in r[:2])), None
            )
            if row is None and len(rows) == 2:
                row = rows[1]
            if row is None:
                continue
            findings += _compare(
                path, start + offset + 1 + rows.index(row), rows[0], header, row, summaries
            )
    return findings


def _compare(
    path: Path,
    line: int,
    shown_headers: list[str],
    header: list[str],
    row: list[str],
    summaries: list[BenchmarkSummary],
) -> list[AuditFinding]:
    best: tuple[int, BenchmarkSummary | None, list[int]] = (0, None, [])
    for summary in summaries:
        means = _means(summary)
        columns = [
            i for i, h in enumerate(header) if h in means and i < len(row) and _NUMBER.match(row[i])
        ]
        agree = sum(1 for i in columns if _agrees(row[i], means[header[i]]))
        if agree > best[0]:
            best = (agree, summary, columns)
    agree, summary, columns = best
    if summary is None or agree < 2:
        return []
    means = _means(summary)
    return [
        AuditFinding(
            "card-table",
            str(path),
            f"line {line}: {shown_headers[i]}",
            f"the table says {row[i]}, the card's model-index gives {means[header[i]]:.2f} "
            f"(as {summary.benchmark.name} averages it)",
        )
        for i in columns
        if not _agrees(row[i], means[header[i]])
    ]
