"""Which benchmarks get a section of the card, and which are only named in one line.

A benchmark average is a number readers quote, so the card shows one only for a benchmark
the model was really run on: by default, one whose tasks are at least ``COVERAGE`` complete
(the rest are named in its caption and never averaged). Benchmarks with results for fewer of
their tasks are listed with their task counts, without any average; their tasks' scores are
in the per-task table. Benchmarks named by the user (``--benchmark``, ``benchmarks:``) always
get a section.
"""

from __future__ import annotations

from typing import NamedTuple

from cardkit.catalog import Catalog
from cardkit.model import ModelResults
from cardkit.readers.discover import model_meta
from cardkit.scores.summary import MISSING, BenchmarkSummary, relevant_summaries, summarize

# The share of a benchmark's tasks that must be complete for it to get a section by default.
COVERAGE = 0.9

# The benchmarks readers look for first, most looked-for first (mteb's leaderboard opens on
# MTEB(Multilingual, v2) and MTEB(eng, v2); C-MTEB is the table Chinese cards quote); the
# others follow in catalog order.
PROMINENT = (
    "MTEB(eng, v2)",
    "MTEB(Multilingual, v2)",
    "C-MTEB",
    "MTEB(cmn, v1)",
    "MTEB(eng, v1)",
    "MTEB(Multilingual, v1)",
    "BEIR",
)
# Languages named differently by the model's metadata and by mteb's tasks.
_SAME_LANGUAGE = {"cmn": "zho"}


class Sections(NamedTuple):
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


def _language(code: str) -> str:
    """``eng-Latn``, ``eng_Latn`` -> ``eng``; ``cmn-Hans`` -> ``zho``."""
    base = code.replace("_", "-").split("-")[0].lower()
    return _SAME_LANGUAGE.get(base, base)


def model_languages(model: ModelResults) -> set[str]:
    """The languages the model's ``model_meta.json`` names (none when it names none)."""

    named = model_meta(model).get("languages")
    return {_language(c) for c in named if isinstance(c, str)} if isinstance(named, list) else set()


def _in_languages(summary: BenchmarkSummary, catalog: Catalog, languages: set[str]) -> bool:
    """Whether most of the benchmark's tasks hold a language the model is made for (all
    benchmarks are when the model names none). A task lists every language of its dataset,
    whatever subsets a benchmark takes: C-MTEB's STS22 lists English."""
    if not languages:
        return True
    tasks = summary.benchmark.tasks
    matching = sum(
        any(_language(code) in languages for code in catalog.task(task).languages) for task in tasks
    )
    return matching * 2 >= len(tasks)


def ordered(
    summaries: list[BenchmarkSummary], model: ModelResults, catalog: Catalog
) -> list[BenchmarkSummary]:
    """Sections in the model's languages first, then the most looked-for benchmarks, then
    catalog order: an English model's card opens on MTEB(eng, v2), not C-MTEB."""
    languages = model_languages(model)

    def key(item: tuple[int, BenchmarkSummary]) -> tuple:
        index, summary = item
        name = summary.benchmark.name
        prominence = PROMINENT.index(name) if name in PROMINENT else len(PROMINENT)
        return (not _in_languages(summary, catalog, languages), prominence, index)

    return [summary for _, summary in sorted(enumerate(summaries), key=key)]


def choose_sections(
    model: ModelResults, catalog: Catalog, forced: list[str] | None = None
) -> Sections:
    """The card's benchmark sections: ``forced`` ones in the order given, else every covered
    benchmark, in the model's languages first, then by prominence (`ordered`); the other
    benchmarks with a complete task are only named, in catalog order."""
    relevant = relevant_summaries(model, catalog)
    if forced is None:
        return Sections(
            shown=ordered([s for s in relevant if covered(s)], model, catalog),
            named=[s for s in relevant if not covered(s)],
        )
    shown = [summarize(model, catalog, name) for name in forced]
    names = {s.benchmark.name for s in shown}
    named = [s for s in relevant if s.benchmark.name not in names]
    return Sections(shown=shown, named=named, forced=True)


def named_line(
    named: list[BenchmarkSummary], forced: bool = False, task_table: bool = True
) -> str | None:
    """One sentence naming the benchmarks without a section, with their task counts
    (``forced``: the sections were named by the user, not chosen by coverage; ``task_table``:
    the card shows the per-task table, else their scores are only in its metadata)."""
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
        + (
            ". Their tasks' scores are in the per-task table."
            if task_table
            else ". Their tasks' scores are in this card's metadata (`model-index`)."
        )
    )
