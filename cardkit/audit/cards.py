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
from cardkit.catalog import Catalog, load_catalog
from cardkit.io.errors import CardkitError
from cardkit.io.userfile import read_text
from cardkit.model import ModelResults
from cardkit.readers.model_card import card_results
from cardkit.scores.summary import BenchmarkSummary, relevant_summaries, summarize

_NUMBER = re.compile(r"^\s*\**\s*(-?\d+(?:\.(\d+))?)\s*\**\s*$")
# The benchmark whose metrics are the first MTEB leaderboard's (C-MTEB kept them).
FIRST_LEADERBOARD = "C-MTEB"
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
    # Only complete means: a table quotes a leaderboard's full average, which a model-index
    # missing some of the tasks cannot reproduce.
    for kind, by_type in summary.by_type.items():
        if by_type.complete and by_type.mean is not None:
            out[_key(kind)] = by_type.mean
    if summary.leaderboard_complete and summary.average is not None:
        for header in _MEAN_HEADERS:
            out[header] = summary.average
    return out


def _variants(
    model: ModelResults, summaries: list[BenchmarkSummary], catalog: Catalog
) -> list[list[BenchmarkSummary]]:
    """Per benchmark, its summary by mteb's main scores and by the first MTEB leaderboard's
    metrics (cos_sim_spearman, cos_sim_ap, ...: what C-MTEB kept, and what older cards quote)."""
    first = catalog.benchmark(FIRST_LEADERBOARD)
    out = []
    for summary in summaries:
        benchmark = summary.benchmark
        if benchmark.metric_by_type is None:
            old = benchmark._replace(metric_by_type=first.metric_by_type)
            out.append([summary, summarize(model, catalog, old)])
        else:
            out.append([summary])
    return out


def _agrees(shown: str, value: float) -> bool:
    match = _NUMBER.match(shown)
    if match is None:
        return False
    decimals = len(match.group(2) or "")
    return abs(float(match.group(1)) - value) <= 0.5 * 10**-decimals + 1e-9


def check_card(path: Path, data: bytes | None = None) -> list[AuditFinding]:
    """The card's tables against its model-index; ``data``: its bytes, when already read."""
    try:
        text = read_text(path, "card") if data is None else data.decode("utf-8-sig")
        card = split_card(text, path)
        data = load_front_matter(card, path) if card.has_front_matter else {}
        models = card_results(data, path) if data.get("model-index") else []
    except UnicodeDecodeError:
        return []  # not UTF-8: the validator refuses the card already
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
            summaries = _variants(model, relevant_summaries(model, catalog), catalog)
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
    summaries: list[list[BenchmarkSummary]],
) -> list[AuditFinding]:
    """The table's row against the benchmark whose means agree with most of its columns."""
    best: tuple[int, list[BenchmarkSummary], list[int]] = (0, [], [])
    for variants in summaries:
        every = [_means(s) for s in variants]
        columns = [
            i
            for i, h in enumerate(header)
            if i < len(row) and _NUMBER.match(row[i]) and h in every[0]
        ]
        agree = sum(
            1
            for i in columns
            if any(_agrees(row[i], m[header[i]]) for m in every if header[i] in m)
        )
        if agree > best[0]:
            best = (agree, variants, columns)
    agree, variants, columns = best
    if not variants or agree < 2:
        return []
    every = [_means(s) for s in variants]
    return [
        AuditFinding(
            "card-table",
            str(path),
            f"line {line}: {shown_headers[i]}",
            f"the table says {row[i]}, the card's model-index gives {every[0][header[i]]:.2f} "
            f"(as {variants[0].benchmark.name} averages it)",
        )
        for i in columns
        if not _any_agrees(row[i], header[i], every)
    ]


def _any_agrees(shown: str, column: str, every: list[dict[str, float]]) -> bool:
    return any(_agrees(shown, means[column]) for means in every if column in means)
