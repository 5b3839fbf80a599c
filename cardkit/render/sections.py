"""Which benchmarks get a section of the card, and which are only named in one line.

A benchmark average is a number readers quote, so the card shows one only for a benchmark
the model was really run on: by default, one whose tasks are at least ``COVERAGE`` complete
(the rest are named in its caption and never averaged). Benchmarks with results for fewer of
their tasks are listed with their task counts, without any average; their tasks' scores are
in the per-task table. Benchmarks named by the user (``--benchmark``, ``benchmarks:``) always
get a section.
"""

from __future__ import annotations

from dataclasses import dataclass

from cardkit.catalog import Catalog
from cardkit.model import ModelResults
from cardkit.scores.summary import MISSING, BenchmarkSummary, relevant_summaries, summarize

# The share of a benchmark's tasks that must be complete for it to get a section by default.
COVERAGE = 0.9


@dataclass(frozen=True)
class Sections:
    """The benchmarks summarised on the card, and those only named."""

    shown: list[BenchmarkSummary]
    named: list[BenchmarkSummary]
    forced: bool = False  # the sections are the ones the user named


def covered(summary: BenchmarkSummary) -> bool:
    """Whether enough of the benchmark's tasks are complete for a section of its own, and
    one of them is a task its means cover (a benchmark's private tasks alone give no row)."""
    enough = summary.present > 0 and summary.present >= COVERAGE * summary.expected
    return enough and any(t.complete for t in summary.averaged)


def with_result(summary: BenchmarkSummary) -> int:
    """How many of the benchmark's tasks have a result, complete or partial."""
    return sum(1 for t in summary.tasks if t.status != MISSING)


def choose_sections(
    model: ModelResults, catalog: Catalog, forced: list[str] | None = None
) -> Sections:
    """The card's benchmark sections: ``forced`` ones in the order given, else every covered
    benchmark in catalog order; the other benchmarks with a complete task are only named."""
    relevant = relevant_summaries(model, catalog)
    if forced is None:
        return Sections(
            shown=[s for s in relevant if covered(s)],
            named=[s for s in relevant if not covered(s)],
        )
    shown = [summarize(model, catalog, name) for name in forced]
    names = {s.benchmark.name for s in shown}
    named = [s for s in relevant if s.benchmark.name not in names]
    return Sections(shown=shown, named=named, forced=True)


def named_line(named: list[BenchmarkSummary], forced: bool = False) -> str | None:
    """One sentence naming the benchmarks without a section, with their task counts
    (``forced``: the sections were named by the user, not chosen by coverage)."""
    if not named:
        return None
    parts = []
    for summary in named:
        part = f"{with_result(summary)} of {summary.expected} tasks of {summary.benchmark.title}"
        if summary.present < with_result(summary):
            part += f" ({summary.present} complete)"
        parts.append(part)
    why = (
        "with no section asked for"
        if forced
        else "on too few complete tasks for a benchmark average"
    )
    return (
        f"Also evaluated, {why}: "
        + "; ".join(parts)
        + ". Their tasks' scores are in the per-task table."
    )
