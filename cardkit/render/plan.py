"""The card plan: everything a card body shows, scored once per card.

Scoring (`cardkit.scores`) and rendering meet here, in one value: the benchmark summaries and
which of them get a section, the leaderboard tables beside the compared models, the per-task
rows, and what the card says about the model. The template context, the tables and the charts
all read the plan, so a number on the card is computed in one place; `cardkit compare` and
`cardkit diff` call the same scoring functions on the same inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from cardkit.catalog import Catalog
from cardkit.model import ModelResults
from cardkit.render.sections import Sections, choose_sections
from cardkit.render.task_scores import TaskRow, task_rows
from cardkit.scores.summary import BenchmarkSummary, summarize

if TYPE_CHECKING:  # the comparison code is imported only for a card with comparisons
    from cardkit.scores.compare import BenchmarkComparison


@dataclass
class CardInfo:
    """What the card says about the model beyond its results (from cardkit.yaml or the CLI)."""

    name: str
    model_id: str
    description: str | None = None
    license: str | None = None
    language: str | list[str] | None = None
    tags: list[str] = field(default_factory=list)
    base_model: str | list[str] | None = None
    prompts: dict[str, str] = field(default_factory=dict)
    # False for a model whose weights are not published (an API model): no local snippet.
    open_weights: bool = True
    reference: str | None = None  # the model's page (model_meta.json)
    example_language: str = "en"  # of the Usage section's example sentences: en or zh
    card: Path | None = None  # where the card goes: paths in its commands are relative to it
    citation: str | None = None
    # The `cardkit build` command that made the card (None: not known, "": none to show).
    build_command: str | None = None


class CardPlan(NamedTuple):
    """One card's scores, sections and facts, computed once and read by every renderer."""

    model: ModelResults
    catalog: Catalog
    info: CardInfo
    sections: Sections
    # Per benchmark section, the table of this model and the compared ones (empty: alone).
    comparisons: dict[str, BenchmarkComparison]
    rows: list[TaskRow]
    # Per benchmark section, the card-relative link of its chart (``--chart``).
    charts: Mapping[str, str] = MappingProxyType({})

    @property
    def shown(self) -> list[BenchmarkSummary]:
        """The benchmarks with a section, in the card's order."""
        return self.sections.shown


def plan_card(
    model: ModelResults,
    catalog: Catalog,
    info: CardInfo,
    benchmarks: list[str] | None = None,
    compared: list[tuple[str, ModelResults]] | None = None,
) -> CardPlan:
    """The plan of ``model``'s card: ``benchmarks`` the sections asked for (None: chosen by
    coverage), ``compared`` the (source, model) pairs shown beside it in every section."""
    sections = choose_sections(model, catalog, benchmarks)
    return CardPlan(
        model=model,
        catalog=catalog,
        info=info,
        sections=sections,
        comparisons=comparisons(model, info.name, sections.shown, compared or [], catalog),
        rows=task_rows(model, catalog, sections.shown),
    )


def comparisons(
    model: ModelResults,
    name: str,
    summaries: list[BenchmarkSummary],
    compared: list[tuple[str, ModelResults]],
    catalog: Catalog,
) -> dict[str, BenchmarkComparison]:
    """Per benchmark section, the leaderboard table of this model and the compared ones: the
    card's own summary is reused, each other model summarised as `cardkit compare` does."""
    if not compared:
        return {}
    from cardkit.scores.compare import ComparisonRow, model_facts, rank_rows

    names = [
        f"{other.model_name} ({source})" if other.model_name == name else str(other.model_name)
        for source, other in compared
    ]
    # What does not change from one benchmark to the next: each model's facts and catalog.
    others = [
        (model_facts(other, other_name), other, catalog.with_recorded_tasks(other.extra_tasks))
        for other_name, (_, other) in zip(names, compared)
    ]
    own = model_facts(model, name)
    tables = {}
    for summary in summaries:
        rows = [ComparisonRow(own, summary)]
        for facts, other, other_catalog in others:
            rows.append(ComparisonRow(facts, summarize(other, other_catalog, summary.benchmark)))
        tables[summary.benchmark.name] = rank_rows(rows)
    return tables
