"""`cardkit build`: results in, card out. Everything the command does is callable from Python.

A new card gets the reference front matter and the whole rendered body. An existing card keeps
every byte but the managed keys (``model-index``, ``tags``) and the insides of its generated
regions; a card without regions keeps its body unless ``body`` asks for the regions to be added.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cardkit.build.config import ProjectConfig
from cardkit.cardtext.frontmatter import CardText
from cardkit.cardtext.update import new_card_text, update_card_text
from cardkit.catalog import Catalog, load_catalog
from cardkit.io.atomic import is_stdout, output_kind, write_bytes_atomic, write_text_atomic
from cardkit.io.errors import CardkitError
from cardkit.io.log import log
from cardkit.io.redact import redact
from cardkit.io.safenames import inside, model_folder, unique_names
from cardkit.io.userfile import TEXT_LIMIT as MAX_BYTES  # the largest card validate accepts
from cardkit.io.userfile import read_text
from cardkit.model import ModelResults
from cardkit.modelindex import EXPECTED_MISSING, MetricsChoice, looks_scaled_down
from cardkit.readers import read_results
from cardkit.render.sections import Sections, choose_sections
from cardkit.scores.summary import BenchmarkSummary, summarize
from cardkit.writers.model_index import model_index

if TYPE_CHECKING:  # the comparison code is imported only for a card with comparisons
    from cardkit.scores.compare import BenchmarkComparison


ASSETS_DIR = "assets"


@dataclass
class BuildRequest:
    results: list[Path]
    output: Path = Path("README.md")
    # -o was typed with a trailing slash (which a Path drops): a folder of cards is wanted.
    output_is_folder: bool = False
    model_name: str | None = None
    revision: str | None = None
    metrics: MetricsChoice = "default"
    extra_tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The card body and its extras; see docs/readme/card.md.
    config: ProjectConfig | None = None
    template: Path | None = None
    chart: bool = False
    # None: update the regions an existing card has; True: also add the missing ones;
    # False: leave an existing card's body alone.
    body: bool | None = None
    replace_sections: dict[str, str] = field(default_factory=dict)
    benchmarks: list[str] | None = None
    build_command: str | None = None
    # Other models to show beside this one in every summary table: anything `cardkit compare`
    # reads (result folders, cards, a results store, hf://ORG/NAME[@REVISION]).
    compare: list[str] = field(default_factory=list)
    # Remove the card's MTEB entries the results do not hold (they are kept otherwise).
    prune: bool = False


@dataclass
class BuiltCard:
    path: Path
    model_name: str
    text: str
    old_text: str | None
    tasks: int
    entries: int
    # What the card was made from, for the files written beside it (.eval_results).
    model: ModelResults
    catalog: Catalog
    # Extra files the card links to (the chart PNGs): path -> bytes, and those that differ.
    assets: dict[Path, bytes] = field(default_factory=dict)
    changed_assets: list[Path] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.text != self.old_text


def card_catalog(extra_tasks: dict[str, dict[str, Any]] | None = None) -> Catalog:
    catalog = load_catalog()
    return catalog.with_tasks(extra_tasks) if extra_tasks else catalog


def display_name(model: ModelResults, requested: str | None) -> str:
    return requested or model.model_name or "model"


def guessed_name(model: ModelResults) -> bool:
    """Whether the model's name is only a guess: no model_meta.json names it, and it is the
    name of the folder holding the files (a flat folder, a lone file), not ``org__model``."""
    if not model.model_name:
        return True
    if isinstance(model.meta.get("name"), str) or "/" in model.model_name:
        return False
    source = model.source
    if source is None:
        return False
    folder = source if source.is_dir() else source.parent
    return model.model_name == folder.resolve().name or model.model_name == folder.name


def warn_guessed_name(model: ModelResults, request: BuildRequest) -> None:
    """One line, with the fix, when the card would be titled after a folder."""
    if request.model_name is not None or model.name_note or not guessed_name(model):
        return  # named, or a tool's placeholder already said (the note)
    after = ", after its folder" if model.model_name else ""
    config = "" if request.config is not None else " a"
    log.warning(
        "the results do not name the model, so the card calls it '%s'%s: give --model-name "
        "ORG/NAME (or name: in%s cardkit.yaml) for its Hub id",
        display_name(model, None),
        after,
        config,
    )


def _sections(model: ModelResults, catalog: Catalog, request: BuildRequest) -> Sections:
    names = request.benchmarks
    where = request.config.path if request.config and request.config.benchmarks else None
    try:
        return choose_sections(model, catalog, names)
    except CardkitError as exc:
        raise CardkitError(exc.message, exc.path or where, exc.where) from None


def read_compared(sources: list[str], catalog: Catalog) -> list[tuple[str, ModelResults]]:
    """(source, model) of every model a comparison source holds, read as `cardkit compare`
    reads them (a model folder's revisions merged as the leaderboard merges them)."""
    from cardkit.readers.sources import grouped_notes, read_source

    found: list[tuple[str, ModelResults]] = []
    with grouped_notes():
        for source in sources:
            found.extend((source, model) for model in read_source(source, catalog))
    return found


def _comparisons(
    model: ModelResults,
    name: str,
    summaries: list[BenchmarkSummary],
    compared: list[tuple[str, ModelResults]],
    catalog: Catalog,
) -> dict[str, BenchmarkComparison]:
    """Per benchmark section, the leaderboard table of this model and the compared ones."""
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


def _card_info(model: ModelResults, name: str, request: BuildRequest):
    from cardkit.render.body import CardInfo

    config = request.config or ProjectConfig()
    model_id = config.model_id or (model.model_name if model.model_name else name)
    return CardInfo(
        name=name,
        model_id=model_id,
        description=config.description,
        license=config.license,
        language=config.language,
        tags=list(config.tags),
        base_model=config.base_model,
        prompts=dict(config.prompts),
        citation=config.citation,
        build_command=default_build_command(request)
        if request.build_command is None
        else request.build_command,
    )


def default_build_command(request: BuildRequest) -> str:
    """The `cardkit build` command of a request made from Python: its results and the options
    that shape the card."""
    words = ["cardkit", "build", *map(str, request.results), "-o", str(request.output)]
    if request.config is not None and request.config.path is not None:
        words += ["--config", str(request.config.path)]
    if request.model_name:
        words += ["--model-name", request.model_name]
    if request.revision:
        words += ["--revision", request.revision]
    if request.metrics != "default":
        words += ["--metrics", request.metrics]
    if request.chart:
        words.append("--chart")
    for name in request.benchmarks or ():
        words += ["--benchmark", name]
    for source in request.compare:
        words += ["--compare", source]
    return redact(shlex.join(words))


def _charts(
    summaries: list[BenchmarkSummary], name: str, output: Path
) -> tuple[dict[str, str], dict[Path, bytes]]:
    from cardkit.render.chart import summary_chart

    links: dict[str, str] = {}
    files: dict[Path, bytes] = {}
    for summary in summaries:
        if summary.present == 0:
            continue
        chart = summary_chart(summary, name)
        links[summary.benchmark.name] = f"{ASSETS_DIR}/{chart.filename}"
        path = inside(output.parent / ASSETS_DIR / chart.filename, output.parent)
        files[path] = chart.png
    return links, files


def _needs_body(old_text: str | None, body: bool | None, output: Path) -> bool:
    """Render the body for a new card, when asked, or when the old card has regions."""
    if old_text is None or body is True:
        return True
    if body is False:
        return False
    from cardkit.cardtext.frontmatter import split_card
    from cardkit.cardtext.regions import find_regions

    card = split_card(old_text, output)
    return bool(find_regions(card.body, output, card.body_line_offset))


def render_model_card(
    model: ModelResults,
    catalog: Catalog,
    name: str,
    output: Path,
    metrics: MetricsChoice,
    request: BuildRequest | None = None,
    compared: list[tuple[str, ModelResults]] | None = None,
    index: list[dict[str, Any]] | None = None,
) -> BuiltCard:
    """The card text for one model at ``output``; an existing card is updated, not replaced.

    ``index``: the model-index of these results and ``metrics``, when it was made already.
    """
    request = request or BuildRequest(results=[], output=output, metrics=metrics)
    if index is None:
        index = model_index(model, catalog, name, metrics)
    _refuse_wrong_scale(index, model)
    entries = len(index[0]["results"])
    old_text = read_text(output, "card") if output_kind(output) == "file" else None
    config = request.config or ProjectConfig()
    body_wanted = request.body
    needs_body = _needs_body(old_text, body_wanted, output)
    rendered: str | None = None
    assets: dict[Path, bytes] = {}
    if needs_body:
        from cardkit.render.body import card_context, render_template  # Jinja2: only for a body

        sections = _sections(model, catalog, request)
        summaries = sections.shown
        links: dict[str, str] = {}
        if request.chart:
            links, assets = _charts(summaries, name, output)
        comparisons = _comparisons(model, name, summaries, compared or [], catalog)
        info = _card_info(model, name, request)
        context = card_context(
            model,
            catalog,
            info,
            summaries,
            index,
            links,
            sections.named,
            comparisons,
            sections.forced,
            metrics,
            _limit_mb() if metrics != request.metrics else None,  # every metric would not fit
        )
        rendered = render_template(context, request.template)
    if old_text is None:
        assert rendered is not None
        text = new_card_text(index, rendered, config.card_front_matter(), config.tags)
    else:
        body = None
        if rendered is not None:
            from cardkit.cardtext.regions import region_insides, update_body

            generated = region_insides(rendered, request.template or "template")

            def body(card: CardText) -> str:
                return update_body(
                    card.body,
                    generated,
                    newline=card.newline,
                    add_missing=bool(body_wanted),
                    replace_sections=request.replace_sections,
                    path=output,
                    line_offset=card.body_line_offset,
                )

        text = update_card_text(
            old_text,
            index,
            output,
            tags=config.tags,
            missing_keys=config.card_front_matter(),
            body=body,
            prune=request.prune,
            canonical=catalog.canonical_name,
        )
        if rendered is not None and not assets_linked(text, assets):
            assets = {}
    changed_assets = [p for p, data in assets.items() if _old_bytes(p) != data]
    return BuiltCard(
        path=output,
        model_name=name,
        text=text,
        old_text=old_text,
        tasks=len(model.tasks),
        entries=entries,
        model=model,
        catalog=catalog,
        assets=assets,
        changed_assets=changed_assets,
    )


def assets_linked(text: str, assets: dict[Path, bytes]) -> bool:
    """Whether the card shows its charts (an old card kept as it is does not)."""
    return any(f"{ASSETS_DIR}/{p.name}" in text for p in assets)


def _old_bytes(path: Path) -> bytes | None:
    """What an output file holds now (None when it is not there); a link is refused."""
    if output_kind(path) != "file":
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def _output_for(models: list[ModelResults], output: Path, folder_asked: bool = False) -> list[Path]:
    """One card for one model; for several, ``DIR/<org>__<name>/README.md`` inside ``-o DIR/``.

    Model names come from the results, so each folder name is made safe and kept inside.
    """
    folder_wanted = folder_asked
    if len(models) == 1:
        if folder_wanted or (not is_stdout(output) and output.is_dir()):
            raise CardkitError(
                f"is a folder: give the card's file name (for example {output / 'README.md'})",
                output,
            )
        return [output]
    if output.is_dir() or folder_wanted:
        names = [(str(m.model_name), model_folder(m.model_name)) for m in models]
        unique_names(names, "models")
        return [inside(output / folder / "README.md", output) for _, folder in names]
    names = ", ".join(sorted(str(m.model_name) for m in models))
    raise CardkitError(
        f"the results hold several models ({names}): build one at a time, or give -o a folder "
        "to write one card per model"
    )


def _note_expected_missing(models: list[ModelResults]) -> None:
    """One line for all files lacking what mteb leaves empty on purpose (ap of multiclass
    classification), instead of one warning per file."""
    files = [
        task
        for model in models
        for task in model.tasks.values()
        if set(EXPECTED_MISSING) & set(task.dropped_metrics)
    ]
    if files:
        log.info(
            "note: left out %s where null or NaN, as mteb writes them for multiclass "
            "classification (%d file(s), e.g. %s)",
            " and ".join(EXPECTED_MISSING),
            len(files),
            files[0].source,
        )


def plan_build(request: BuildRequest) -> list[BuiltCard]:
    """Compute every card the request would write, writing nothing."""
    if not request.results:
        raise CardkitError(
            "give the result files or folders to build from (or 'results:' in cardkit.yaml)"
        )
    catalog = card_catalog(request.extra_tasks)
    models = read_results(request.results, catalog, request.revision)
    _note_expected_missing(models)
    for model in models:
        if model.name_note and request.model_name is None:
            log.info("note: %s", model.name_note)
    outputs = _output_for(models, request.output, request.output_is_folder)
    compared = read_compared(request.compare, catalog) if request.compare else []
    cards = [
        _render_within_limit(
            model,
            catalog.with_recorded_tasks(model.extra_tasks),
            display_name(model, request.model_name),
            out,
            request,
            compared,
        )
        for model, out in zip(models, outputs)
    ]
    for model in models:  # once every card is made: an error stays the only line
        warn_guessed_name(model, request)
    return cards


def _limit_mb() -> int:
    """The largest card `cardkit validate` accepts, in MB."""
    return MAX_BYTES // 1024 // 1024


# Each metric of a model-index takes at least this many bytes of YAML (its "- type:" and
# "value:" lines): a card with more metrics than the limit allows need not be rendered.
_MIN_METRIC_BYTES = 30


def _refuse_wrong_scale(index: list[dict[str, Any]], model: ModelResults) -> None:
    """Results whose every score is below 1% make a card `cardkit validate` refuses (it looks
    like 0 to 1 scores): the results store holds such files, taken from a card on the 0 to 1
    scale and divided by 100 again."""
    results = index[0]["results"]
    if results and all(looks_scaled_down(result) for result in results):
        raise CardkitError(
            "every score in the results lies between 0 and 0.01 (below 1%), which cardkit "
            "validate refuses as a card on the wrong scale: these look like 0 to 1 scores "
            "divided by 100 again; check the result files",
            model.source,
        )


def _render_within_limit(
    model: ModelResults,
    catalog: Catalog,
    name: str,
    output: Path,
    request: BuildRequest,
    compared: list[tuple[str, ModelResults]] | None = None,
) -> BuiltCard:
    """The card, never larger than `cardkit validate` accepts: when every metric would not
    fit, the card carries each task's main score only (as ``--metrics main``), with a warning;
    when even that does not fit, nothing is written."""
    limit_mb = _limit_mb()
    if request.metrics != "main":
        index = model_index(model, catalog, name, request.metrics)
        values = sum(len(result["metrics"]) for result in index[0]["results"])
        if values * _MIN_METRIC_BYTES <= MAX_BYTES:
            card = render_model_card(
                model, catalog, name, output, request.metrics, request, compared, index
            )
            if len(card.text.encode("utf-8")) <= MAX_BYTES:
                return card
        log.warning(
            "%s: with %s metrics (%d values) the card would be over the %d MB cardkit validate "
            "accepts: it carries each task's main score only (as --metrics main)",
            output,
            request.metrics,
            values,
            limit_mb,
        )
    card = render_model_card(model, catalog, name, output, "main", request, compared)
    size = len(card.text.encode("utf-8"))
    if size > MAX_BYTES:
        raise CardkitError(
            f"the card would be {size / 1024 / 1024:.1f} MB even with main scores only, over "
            f"the {limit_mb} MB cardkit validate accepts: build fewer tasks per card",
            output,
        )
    return card


def write_cards(cards: list[BuiltCard]) -> None:
    """Charts first, then the card that links them; each file atomically, its mode kept."""
    for card in cards:
        for path in card.changed_assets:
            write_bytes_atomic(path, card.assets[path])
        if card.changed:
            write_text_atomic(card.path, card.text)


def build(request: BuildRequest) -> list[BuiltCard]:
    """Plan every card first so that an error in any input leaves every file untouched."""
    cards = plan_build(request)
    write_cards(cards)
    return cards
