"""`cardkit build`: results in, card out. Everything the command does is callable from Python.

A new card gets the reference front matter and the whole rendered body. An existing card keeps
every byte but the managed keys (``model-index``, ``tags``) and the insides of its generated
regions; a card without regions keeps its body unless ``body`` asks for the regions to be added.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, NamedTuple

from cardkit.build.config import ProjectConfig
from cardkit.cardtext.frontmatter import CardText, dump_yaml
from cardkit.cardtext.update import KeptIndex, new_card_text, update_card_text
from cardkit.catalog import Catalog, load_catalog
from cardkit.io.atomic import is_stdout, output_kind, text_bytes, write_bytes_atomic
from cardkit.io.errors import CardkitError
from cardkit.io.log import log
from cardkit.io.redact import redact
from cardkit.io.safenames import inside, model_folder, unique_names
from cardkit.io.userfile import TEXT_LIMIT as MAX_BYTES  # the largest card validate accepts
from cardkit.io.userfile import read_text
from cardkit.model import ModelResults
from cardkit.modelindex import (
    EXPECTED_MISSING,
    MetricsChoice,
    ModelIndexEntry,
    looks_scaled_down,
)
from cardkit.readers import read_results
from cardkit.render.plan import CardInfo, CardPlan, plan_card
from cardkit.writers.model_index import (
    ENTRY_YAML,
    METRIC_LEAST_BYTES,
    ShownValues,
    count_values,
    model_index_value,
    result_entries,
)

ASSETS_DIR = "assets"


class Existing(Enum):
    """Where the card to update comes from when its text is not given."""

    READ = "read from the output"


@dataclass
class BuildRequest:
    """What `cardkit build` is asked for: the results, where the cards go, and every option
    (the command line and cardkit.yaml merged)."""

    results: list[Path]
    output: Path = Path("README.md")
    model_name: str | None = None
    revision: str | None = None
    metrics: MetricsChoice = "default"
    extra_tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The card body and its extras; see docs/commands/build.md.
    config: ProjectConfig | None = None
    template: Path | None = None
    chart: bool = False
    # None: update the regions an existing card has; True: also add the missing ones;
    # False: leave an existing card's body alone.
    body: bool | None = None
    replace_sections: dict[str, str] = field(default_factory=dict)
    # Let --replace-section remove the author's sub-sections and tables (named as they go).
    force: bool = False
    benchmarks: list[str] | None = None
    build_command: str | None = None
    # Other models to show beside this one in every summary table: anything `cardkit compare`
    # reads (result folders, cards, a results store, hf://ORG/NAME[@REVISION]).
    compare: list[str] = field(default_factory=list)
    # Remove the card's MTEB entries the results do not hold (they are kept otherwise).
    prune: bool = False


@dataclass
class BuiltCard:
    """One card made and not yet written: its text, what it was made from, and the files it
    links."""

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
    # How the results met the MTEB entries the card already had (None: it had none).
    merge: IndexMerge | None = None

    @property
    def changed(self) -> bool:
        return self.text != self.old_text

    @cached_property
    def data(self) -> bytes:
        """The bytes written of the card: encoded once, for its size and for the file."""
        return text_bytes(self.path, self.text)


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


def read_compared(sources: list[str], catalog: Catalog) -> list[tuple[str, ModelResults]]:
    """(source, model) of every model a comparison source holds, read as `cardkit compare`
    reads them (a model folder's revisions merged as the leaderboard merges them)."""
    from cardkit.readers.sources import grouped_notes, read_source

    found: list[tuple[str, ModelResults]] = []
    with grouped_notes():
        for source in sources:
            found.extend((source, model) for model in read_source(source, catalog))
    return found


def _card_info(model: ModelResults, name: str, request: BuildRequest) -> CardInfo:
    from cardkit.render.usage import example_language, hub_id, open_weights, reference

    config = request.config or ProjectConfig()
    # A name only guessed from a folder is warned of once, by warn_guessed_name. A --model-name
    # with its organisation is the Hub id; a bare one is only the card's title.
    named = name if "/" in name else model.model_name or name
    model_id = config.model_id or hub_id(model, named, not guessed_name(model))
    return CardInfo(
        name=name,
        model_id=model_id,
        open_weights=open_weights(model),
        reference=reference(model),
        example_language=example_language(config.language, model),
        card=None if is_stdout(request.output) else request.output,
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
    that shape the card, run in the card's folder (paths as that folder reaches them)."""
    from cardkit.render.reproduce import card_relative

    def local(path: Path | str) -> str:
        return card_relative(path, request.output) if "://" not in str(path) else str(path)

    words = ["cardkit", "build", *map(local, request.results)]
    if request.output.name != "README.md":
        words += ["-o", request.output.name]
    if request.config is not None and request.config.path is not None:
        words += ["--config", local(request.config.path)]
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
        words += ["--compare", local(source) if Path(source).exists() else source]
    return redact(shlex.join(words))


def _charts(plan: CardPlan, output: Path) -> tuple[dict[str, str], dict[Path, bytes]]:
    """Each section's chart: its link from the card, and the PNG's path and bytes."""
    from cardkit.render.chart import summary_chart

    links: dict[str, str] = {}
    files: dict[Path, bytes] = {}
    for summary in plan.shown:
        if summary.present == 0:
            continue
        chart = summary_chart(summary, plan.info.name)
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


class IndexMerge(NamedTuple):
    """How the results' entries met the card's model-index: entries new to the card, entries
    the results replace, and the card's own entries the results lack (kept, or pruned)."""

    added: int
    updated: int
    kept: int
    pruned: int

    @property
    def entries(self) -> int:
        return self.added + self.updated + self.kept

    def line(self) -> str:
        """What the update did, for the line `cardkit build` prints (empty: nothing to say,
        every entry of the card replaced)."""
        if not (self.kept or self.pruned or (self.added and self.updated)):
            return ""
        parts = [
            f"{count} {what}"
            for count, what in (
                (self.added, "added"),
                (self.updated, "updated"),
                (self.kept, "kept from the card"),
                (self.pruned, "pruned"),
            )
            if count
        ]
        return ", ".join(parts)


def _card_entries(text: str, output: Path, name: str) -> list[dict[str, Any]] | None:
    """The MTEB entries the existing card holds for this model (the model-index item the
    update merges into), or None when it has none or they cannot be read (the update then
    says why)."""
    from cardkit.cardtext.frontmatter import load_front_matter, split_card
    from cardkit.modelindex import is_mteb_result

    try:
        card = split_card(text, output)
        data = load_front_matter(card, output) if card.has_front_matter else {}
    except CardkitError:
        return None
    items = data.get("model-index")
    if not isinstance(items, list) or not items:
        return None
    named = [m for m in items if isinstance(m, dict) and m.get("name") == name]
    item = named[0] if named else items[0] if len(items) == 1 else None
    results = item.get("results") if isinstance(item, dict) else None
    if not isinstance(results, list):
        return None
    return [r for r in results if isinstance(r, dict) and is_mteb_result(r)] or None


def _merged_results(
    job: CardJob, index: list[dict[str, Any]], entries: list[ModelIndexEntry]
) -> tuple[ModelResults, IndexMerge | None, KeptIndex | None]:
    """The results the card's model-index describes once updated: the new results, plus the
    card's own entries they lack unless pruned. The tables are made from these, so they
    describe the whole model-index, not only the new files. And what `kept_model_index`
    found, for the update: a card whose model-index is ``index`` already (one this build made
    before) holds these entries, and its YAML need not be read."""
    from cardkit.cardtext.update import kept_model_index
    from cardkit.modelindex import is_mteb_result, merge_key
    from cardkit.readers.model_card import card_results

    if not job.old_text:
        return job.model, None, None
    canonical = job.catalog.canonical_name
    results = index[0]["results"]

    def written() -> str:  # the model-index's YAML, from the entries (as a new card's is)
        whole = {"model-index": [{"name": job.name, "results": entries}]}
        return dump_yaml(whole, {ModelIndexEntry: ENTRY_YAML})

    kept = kept_model_index(job.old_text, index, job.output, job.request.prune, canonical, written)
    new_list = [merge_key(entry, canonical) for entry in results]
    if kept is not None:  # the card's MTEB entries are those of ``index``
        mteb = [(entry, key) for entry, key in zip(results, new_list) if is_mteb_result(entry)]
        old = [entry for entry, _ in mteb] or None
        old_keys = [key for _, key in mteb]
    else:
        old = _card_entries(job.old_text, job.output, job.name)
        old_keys = [merge_key(entry, canonical) for entry in old or ()]
    if old is None:
        return job.model, None, kept
    new_keys = set(new_list)
    lacked = [entry for entry, key in zip(old, old_keys) if key not in new_keys]
    merge = IndexMerge(
        added=len(new_keys - set(old_keys)),
        updated=len(new_keys & set(old_keys)),
        kept=0 if job.request.prune else len(lacked),
        pruned=len(lacked) if job.request.prune else 0,
    )
    if job.request.prune or not lacked:
        return job.model, merge, kept
    try:
        [held] = card_results({"model-index": [{"results": lacked}]}, job.output)
    except CardkitError:
        return job.model, merge, kept  # an entry cardkit cannot read: the tables show the results
    tasks = dict(job.model.tasks)
    by_name = {canonical(name): name for name in tasks}
    for name, task in held.tasks.items():
        own = by_name.get(canonical(name))
        if own is None:
            tasks[name] = task
        else:
            tasks[own] = replace(tasks[own], scores=tasks[own].scores + task.scores)
    return replace(job.model, tasks=tasks), merge, kept


class CardJob:
    """One card to make: the model, where its card goes and what the request asks; its plan
    and charts are computed once, on first use, however many model-indexes are tried.
    ``old_text``: the card to update (None: a new card), read from ``output`` unless given."""

    def __init__(
        self,
        model: ModelResults,
        catalog: Catalog,
        name: str,
        output: Path,
        request: BuildRequest,
        compared: list[tuple[str, ModelResults]],
        old_text: str | None | Literal[Existing.READ] = Existing.READ,
    ):
        self.model, self.catalog, self.name, self.output = model, catalog, name, output
        self.request, self.compared = request, compared
        if old_text is Existing.READ:
            old_text = read_text(output, "card") if output_kind(output) == "file" else None
        self.old_text = old_text
        self._plan: tuple[CardPlan, dict[Path, bytes]] | None = None

    def plan(self, results: ModelResults) -> tuple[CardPlan, dict[Path, bytes]]:
        """The card plan of ``results`` (the card's whole model-index), and the chart files
        it links (path -> PNG bytes)."""
        if self._plan is None:
            request = self.request
            info = _card_info(self.model, self.name, request)
            try:
                plan = plan_card(results, self.catalog, info, request.benchmarks, self.compared)
            except CardkitError as exc:
                named = (
                    request.config.path if request.config and request.config.benchmarks else None
                )
                raise CardkitError(exc.message, exc.path or named, exc.where) from None
            assets: dict[Path, bytes] = {}
            if request.chart:
                links, assets = _charts(plan, self.output)
                plan = plan._replace(charts=links)
            self._plan = (plan, assets)
        return self._plan


def render_model_card(job: CardJob, metrics: MetricsChoice) -> BuiltCard:
    """The card text of ``job`` with a model-index of ``metrics``; an existing card is
    updated, not replaced."""
    model, catalog, output, request = job.model, job.catalog, job.output, job.request
    entries = result_entries(model, catalog, metrics)
    _refuse_wrong_scale(entries, model)
    old_text = job.old_text
    # A new card's YAML is written from the entries themselves (ENTRY_YAML); an update merges
    # their dicts into the card's own.
    index = (
        [{"name": job.name, "results": entries}]
        if old_text is None
        else model_index_value(job.name, entries)
    )
    results, merge, kept = _merged_results(job, index, entries)
    entry_count = len(entries) if merge is None else merge.entries
    config = request.config or ProjectConfig()
    body_wanted = request.body
    rendered: str | None = None
    assets: dict[Path, bytes] = {}
    if _needs_body(old_text, body_wanted, output):
        from cardkit.render.body import card_context, render_template  # Jinja2: only for a body

        plan, assets = job.plan(results)
        # Main scores only where every metric would not fit: the card says so.
        cut = CARD_BUDGET // 1024 // 1024 if metrics != request.metrics else None
        results_dicts = None if old_text is None else index[0]["results"]
        context = card_context(plan, entries, metrics, cut, results_dicts, request.template)
        rendered = render_template(context, request.template)
    if old_text is None:
        assert rendered is not None
        from cardkit.render.usage import open_weights

        text = new_card_text(
            index,
            rendered,
            config.card_front_matter(),
            config.tags,
            open_weights(model),
            {ModelIndexEntry: ENTRY_YAML},
        )
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
                    force=request.force,
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
            kept=kept,
        )
        if rendered is not None and not assets_linked(text, assets):
            assets = {}
        if rendered is None and body_wanted is None:
            log.info(
                "note: %s has no cardkit sections, so its body stays as it is: --body adds "
                "the generated evaluation, usage and reproduce sections (--replace-section "
                "evaluation=HEADING puts the evaluation in place of a section of yours)",
                output,
            )
        from cardkit.render.reproduce import same_but_build_command

        if text != old_text and same_but_build_command(old_text, text):
            text = old_text  # only the recorded command differs: how it was typed, not the card
    changed_assets = [p for p, data in assets.items() if _old_bytes(p) != data]
    return BuiltCard(
        path=output,
        model_name=job.name,
        text=text,
        old_text=old_text,
        tasks=len(results.tasks),
        entries=entry_count,
        model=model,
        catalog=catalog,
        assets=assets,
        changed_assets=changed_assets,
        merge=merge,
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


def plan_build(request: BuildRequest, output_is_folder: bool = False) -> list[BuiltCard]:
    """Compute every card the request would write, writing nothing.

    ``output_is_folder``: the output was given as a folder (``-o cards/``, a trailing slash a
    Path drops), so a single model is an error and several get one card each in it, even
    before the folder exists.
    """
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
    outputs = _output_for(models, request.output, output_is_folder)
    compared = read_compared(request.compare, catalog) if request.compare else []
    cards = [
        _render_within_limit(
            CardJob(
                model,
                catalog.with_recorded_tasks(model.extra_tasks),
                display_name(model, request.model_name),
                out,
                request,
                compared,
            )
        )
        for model, out in zip(models, outputs)
    ]
    for model in models:  # once every card is made: an error stays the only line
        warn_guessed_name(model, request)
    return cards


# A default card is kept under this size: published cards of big models are 100-200 KB, and
# the Hub reads every task's main score from .eval_results/ (--eval-results) anyway.
CARD_BUDGET = 1024 * 1024


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _refuse_wrong_scale(entries: list[ModelIndexEntry], model: ModelResults) -> None:
    """Results whose every score is below 1% make a card `cardkit validate` refuses (it looks
    like 0 to 1 scores): the results store holds such files, taken from a card on the 0 to 1
    scale and divided by 100 again."""
    if entries and all(looks_scaled_down(entry) for entry in entries):
        raise CardkitError(
            "every score in the results lies between 0 and 0.01 (below 1%), which cardkit "
            "validate refuses as a card on the wrong scale: these look like 0 to 1 scores "
            "divided by 100 again; check the result files",
            model.source,
        )


def card_within_limit(
    model: ModelResults,
    catalog: Catalog,
    name: str,
    output: Path,
    request: BuildRequest,
    compared: list[tuple[str, ModelResults]] | None = None,
    old_text: str | None | Literal[Existing.READ] = Existing.READ,
) -> BuiltCard:
    """The card of ``model`` at ``output`` (see :func:`_render_within_limit`); ``old_text``:
    the card to update (None: a new card), read from ``output`` unless given."""
    return _render_within_limit(
        CardJob(model, catalog, name, output, request, compared or [], old_text)
    )


def _render_within_limit(job: CardJob) -> BuiltCard:
    """The card, with what ``--metrics`` asks, or an error: never less than asked.

    ``--metrics all`` over the largest card `cardkit validate` accepts is an error. The
    default keeps a card under ``CARD_BUDGET``: past it, the card carries each task's main
    score only (as ``--metrics main``), said in one line; a card over the budget even so is
    written with one line saying why and how to make it smaller. Nothing is written for a
    card `cardkit validate` would refuse.
    """
    request = job.request
    left_out: tuple[ShownValues | None, int, bool] | None = None  # every metric, when it was
    if request.metrics != "main":
        limit = MAX_BYTES if request.metrics == "all" else CARD_BUDGET
        new_card = job.old_text is None
        # Every metric of the files bounds what any choice shows: while even that many
        # would fit, the choice's own values are counted only if they are to be named.
        bound = job.model.value_count()
        fits = bound * METRIC_LEAST_BYTES <= limit
        # Counted only as far as the decision needs: to the end only for a line naming them.
        shown = (
            None if fits else count_values(job.model, job.catalog, request.metrics, limit, new_card)
        )
        size = bound * METRIC_LEAST_BYTES if shown is None else shown.least_bytes(new_card)
        rendered = size <= limit
        if rendered:
            card = render_model_card(job, request.metrics)
            size = len(card.data)
            if size <= limit:
                return card
        if request.metrics == "all":
            values = _counted(job, shown).values
            raise CardkitError(
                f"with every metric ({values} values) the card would be over the "
                f"{_mb(MAX_BYTES)} cardkit validate accepts: build it with --metrics default "
                "or --metrics main",
                job.output,
            )
        left_out = (shown, size, rendered)
    card = render_model_card(job, "main")
    size = len(card.data)
    if size > MAX_BYTES:
        raise CardkitError(
            f"the card would be {_mb(size)} even with main scores only, over the "
            f"{_mb(MAX_BYTES)} cardkit validate accepts: build fewer tasks per card",
            job.output,
        )
    if left_out is None:
        return card
    if size <= CARD_BUDGET:
        shown, every_size, rendered = left_out
        counted = _counted(job, shown)
        if rendered:  # its real size
            every = f"with every metric ({counted.values} values) it would be {_mb(every_size)}"
        else:  # not rendered: what the metrics alone would take, at least
            least = counted.least_bytes(job.old_text is None)
            every = f"every metric ({counted.values} values) would take at least {_mb(least)} alone"
        log.warning(
            "%s: %s, over the %s a card is kept under: its model-index carries each task's "
            "main score only (--metrics all keeps every metric)",
            job.output,
            every,
            _mb(CARD_BUDGET),
        )
    else:  # over the budget even so: what every metric would make is beside the point
        log.warning(
            "%s: the card is %s with each task's main score only (%d entries), over the %s a "
            "card is kept under: build it from the result files of fewer tasks (.eval_results/, "
            "written with --eval-results, carries every task for the Hub)",
            job.output,
            _mb(size),
            card.entries,
            _mb(CARD_BUDGET),
        )
    return card


def _counted(job: CardJob, shown: ShownValues | None) -> ShownValues:
    """Every value the request's metrics show, counted to the end (``shown``: as far as it was
    counted already, if at all)."""
    if shown is not None and shown.complete:
        return shown
    return count_values(job.model, job.catalog, job.request.metrics)


def write_cards(cards: list[BuiltCard], named_output: Path | None = None) -> None:
    """Charts first, then the card that links them; each file atomically, its mode kept.

    ``named_output``: the card path the user named (``-o``), the one output that may be a
    device or a pipe; a default or derived one is a regular file or nothing.
    """
    for card in cards:
        for path in card.changed_assets:
            write_bytes_atomic(path, card.assets[path])
        if card.changed:
            named = named_output is not None and card.path == named_output
            write_bytes_atomic(card.path, card.data, named)


def build(request: BuildRequest) -> list[BuiltCard]:
    """Plan every card first so that an error in any input leaves every file untouched."""
    cards = plan_build(request)
    write_cards(cards)
    return cards
