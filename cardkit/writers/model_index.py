"""Write the `model-index` of the reference cards (stella-base-zh, xiaobu, Dmeta) from results."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from cardkit.catalog import Catalog, TaskInfo
from cardkit.io.errors import CardkitError
from cardkit.io.log import log
from cardkit.io.yamlwrite import Represented, ScalarLines, key_text, line_start, spaced_key
from cardkit.model import ModelResults, SubsetScores, TaskResult
from cardkit.modelindex import (
    Metric,
    MetricsChoice,
    ModelIndexEntry,
    card_factor,
    count_shown_alike,
    dataset_name,
    find_metric,
    is_percentage,
    select_metrics,
    shown_main_metric,
)

_new_tuple = tuple.__new__

# Task types that measure something other than quality (words per second): never card scores.
NON_SCORE_TYPES = frozenset({"Speed"})


def main_value(scores: SubsetScores, main_metric: str | None) -> float | None:
    """The main score: the file's own, else the catalog's main metric looked up by name."""
    if scores.main_score is not None:
        return scores.main_score
    if main_metric is None:
        return None
    found = find_metric(scores.metrics, [main_metric])
    return found[1] if found else None


def task_info(catalog: Catalog, task: TaskResult) -> TaskInfo:
    """The task's catalog entry; for an unknown task, the error suggests the type and main
    score its file points to."""
    info = catalog.get(task.task_name)
    if info is not None:
        return info
    metrics = [name for scores in task.scores[:1] for name in scores.metrics]
    main = next(
        (
            name
            for scores in task.scores[:1]
            for name, value in scores.metrics.items()
            if scores.main_score is not None and value == scores.main_score
        ),
        None,
    )
    return catalog.task(task.task_name, task.source, metrics, main)


# The metrics selected of one (split, subset): (name, value) pairs, in file order.
Selection = Iterable[tuple[str, float]]


def _selected(
    model: ModelResults, catalog: Catalog, metrics: MetricsChoice, skipped: list[str]
) -> Iterator[tuple[TaskResult, TaskInfo, list[tuple[SubsetScores, Selection]]]]:
    """Each scored task, with the metrics ``metrics`` selects of each of its (split, subset):
    tasks in ASCII order, splits and subsets as found; a task that measures no quality is
    skipped (its note added to ``skipped``), and a main score no fraction can be stops the
    build. A task at a time: a store's largest models hold 8,000 score entries."""
    main_only = metrics == "main"
    for task in model.sorted_tasks():
        info = task_info(catalog, task)
        if info.type in NON_SCORE_TYPES:
            skipped.append(
                f"skipped {task.task_name}: a {info.type} task measures no quality score"
            )
            continue
        main_metric = info.main_score
        selections: list[tuple[SubsetScores, Selection]] = []
        for scores in task.scores:
            main = main_value(scores, main_metric)
            _check_main(task, scores, main_metric, main)
            if main_only:  # select_metrics(..., "main", ...) without a dict made of it
                found = shown_main_metric(scores.metrics, main_metric, main)
                selections.append((scores, () if found is None else (found,)))
            else:
                chosen = select_metrics(scores.metrics, metrics, main_metric, main)
                selections.append((scores, chosen.items()))
        yield task, info, selections


def result_entries(
    model: ModelResults, catalog: Catalog, metrics: MetricsChoice = "default"
) -> list[ModelIndexEntry]:
    """One entry per (task, split, subset): tasks in ASCII order, splits and subsets as found."""
    entries: list[ModelIndexEntry] = []
    skipped: list[str] = []
    for task, info, selections in _selected(model, catalog, metrics, skipped):
        out_of_range: list[str] = []
        dataset_type = catalog.dataset_path(task.task_name, task.dataset_revision)
        for scores, selected in selections:
            shown = _card_metrics(selected, out_of_range)
            if shown:
                entries.append(
                    ModelIndexEntry(
                        info.type,  # task_type
                        task.task_name,
                        scores.subset,
                        scores.split,
                        dataset_type,
                        task.dataset_revision,
                        shown,
                    )
                )
        _warn_out_of_range(task, out_of_range)
    for note in skipped:
        log.info("note: %s", note)
    return entries


# The fewest bytes a new card's model-index takes for an entry, less its metrics (its nine
# lines, each value at least one character), and for a metric, less its name (its two lines,
# a value at least three: "0.0"). A card written to the end from the entries is at least as
# long as `ShownValues.least_bytes`: a test holds the writer to it.
ENTRY_LEAST_BYTES = 121
METRIC_LEAST_BYTES = 30


class ShownValues(NamedTuple):
    """What a model-index of some metrics holds, counted without making it."""

    values: int  # metric values
    entries: int  # entries with at least one
    name_chars: int  # the characters of the metrics' names, one name per value
    complete: bool = True  # False: counting stopped once the bytes were over what was asked

    def least_bytes(self, new_card: bool = True) -> int:
        """The fewest bytes a card's model-index of these values takes: a new card's, written
        to the end from its entries; an updated card's, which may keep its own text of them,
        only the values' lines are sure."""
        if not new_card:
            return self.values * METRIC_LEAST_BYTES
        return self.entries * ENTRY_LEAST_BYTES + self.values * METRIC_LEAST_BYTES + self.name_chars


def count_values(
    model: ModelResults,
    catalog: Catalog,
    metrics: MetricsChoice,
    stop_over: int | None = None,
    new_card: bool = True,
) -> ShownValues:
    """What ``result_entries(model, catalog, metrics)`` holds, without making the entries:
    what decides whether a card with them would be too big (it says nothing: the entries made
    afterwards say what they leave out). A main score no fraction can be stops it, as it stops
    the entries.

    ``stop_over``: stop counting (a task at a time) once the values counted already take more
    than this many bytes (`ShownValues.least_bytes` of a new card or not): all a decision
    needs, where the model's files hold many times more. The count is then not complete."""
    count = entries = chars = 0
    if metrics == "main":
        for *_, selections in _selected(model, catalog, metrics, []):
            for _, selected in selections:
                shown = _card_metrics(selected, [])
                if shown:
                    count, entries = count + len(shown), entries + 1
                    chars += sum(len(name) for name, _ in shown)
        return ShownValues(count, entries, chars)
    every = metrics == "all"
    for task in model.sorted_tasks():
        info = task_info(catalog, task)
        if info.type in NON_SCORE_TYPES:
            continue
        alike: dict[tuple[str, ...], list[dict[str, float]]] = {}  # the entries, by names
        for scores in task.scores:
            _check_main(task, scores, info.main_score, main_value(scores, info.main_score))
            found = scores.metrics
            alike.setdefault(tuple(found), []).append(found)
        for group in alike.values():
            values, showing, names = count_shown_alike(group, every)
            count, entries, chars = count + values, entries + showing, chars + names
        if stop_over is not None:
            so_far = ShownValues(count, entries, chars, complete=False)
            if so_far.least_bytes(new_card) > stop_over:
                return so_far
    return ShownValues(count, entries, chars)


def _warn_out_of_range(task: TaskResult | None, names: list[str]) -> None:
    if task is not None and names:
        log.warning(
            "%s: left out metrics outside -1 to 1, which no fraction can be: %s",
            task.source or task.task_name,
            ", ".join(names),
        )


def _check_main(
    task: TaskResult, scores: SubsetScores, metric: str | None, value: float | None
) -> None:
    """A main score is what leaderboards rank by: one no fraction can be stops the build."""
    if value is None or -1 <= value <= 1 or (metric and not is_percentage(metric)):
        return
    raise CardkitError(
        f"main score {value!r} is outside -1 to 1: mteb scores are fractions "
        "(cards show them times 100)",
        task.source,
        f"split '{scores.split}', subset '{scores.subset}'",
    )


def _card_metrics(selected: Selection, out_of_range: list[str]) -> tuple[Metric, ...]:
    """The metrics as a card shows them; a percentage must be a fraction (-1 to 1) in the file,
    and one that is not is left out (its name added to ``out_of_range``)."""
    shown = []
    for name, value in selected:
        if not -1 <= value <= 1 and is_percentage(name):
            if name not in out_of_range:
                out_of_range.append(name)
            continue
        # Metric(name, card_value(name, value)), made as the named tuple itself makes it.
        shown.append(_new_tuple(Metric, (name, float(value) * card_factor(name))))
    return tuple(shown)


def _entry_texts(entries: list, indent: int) -> list[tuple[str, int] | None]:
    """Each entry's YAML after its '- ' at ``indent`` (what writing ``entry.to_dict()`` writes)
    and the column it ends at; None for an entry (or anything else) the writer is to write
    from its dict: one without metrics, a value PyYAML must write or that may fold.

    A card's model-index is most of its bytes: written place by place, from the entries' own
    fields, it takes about 60% of the time of making each entry's dicts and walking them."""
    outer, inner = line_start(indent), line_start(indent + 2)

    def place(head: str, key: str) -> ScalarLines:
        return ScalarLines.at(head + inner + spaced_key(key), indent + 2 + len(spaced_key(key)))

    task_type = place(key_text("task"), "type")
    dataset_type = place(outer + key_text("dataset"), "type")
    names, configs, splits, revisions = (
        place("", key) for key in ("name", "config", "split", "revision")
    )
    dash = outer + "- "
    metrics_head = outer + key_text("metrics") + dash
    metric_names = ScalarLines.at(spaced_key("type"), indent + 2 + len(spaced_key("type")))
    value_head = inner + spaced_key("value")
    value_column = indent + 2 + len(spaced_key("value"))
    heads = _entry_heads.setdefault(indent, {})
    # Each entry's fields but its metrics, what its head is kept by (None: an item written
    # from its dict, an entry without metrics among them).
    keys = [
        entry[:6] if type(entry) is ModelIndexEntry and entry.metrics else None for entry in entries
    ]
    made: dict[tuple, str | None] = {}  # the heads of this list not kept for the process
    unseen = [key for key in dict.fromkeys(keys) if key is not None and key not in heads]
    if unseen:
        # Most of a large model's dataset names and subsets are new: their lines at once,
        # the fields taken place by place (the entries' first six fields, in order).
        task_types, tasks, subsets, split_names, types, revision_values = zip(*unseen)
        dataset_names = list(map(dataset_name, tasks, subsets))
        revision_texts = ["None" if value is None else value for value in revision_values]
        names.fill(dataset_names)
        configs.fill(subsets)
        dataset_type.fill(types)
        revisions.fill(revision_texts)
        for key, kind, type_, name, subset, split, revision in zip(
            unseen, task_types, types, dataset_names, subsets, split_names, revision_texts
        ):
            try:
                parts = (
                    task_type[kind],
                    dataset_type[type_],
                    names[name],
                    configs[subset],
                    splits[split],
                    revisions[revision],
                )
            except TypeError:  # a field no scalar (an entry a caller made of its own)
                parts = [None]
            head = None if None in parts else "".join(parts) + metrics_head
            (heads if len(heads) < _HEADS_KEPT else made)[key] = head
    written: list[tuple[str, int] | None] = []
    for entry, key in zip(entries, keys):
        if key is None:
            written.append(None)
            continue
        head = heads.get(key, _UNSEEN)
        if head is _UNSEEN:
            head = made[key]
        lines = []  # each metric's two lines
        for name, value in entry.metrics:
            # The rules of ScalarLines.line, inlined for a metric's name and its float value.
            name_line = metric_names[name] if type(name) is str else metric_names.line(name)
            if type(value) is float:
                text = repr(value)
                if "e" in text or "n" in text:
                    break
            else:
                text = ScalarLines.number("", value)
                if text is None:
                    break
            if name_line is None:
                break
            lines.append(name_line + value_head + text)
        else:
            if head is not None:
                written.append((head + dash.join(lines), value_column + len(text)))
                continue
        written.append(None)
    return written


# Each entry's text up to its metrics, by its other fields, for each indent: the cards of a
# results store's models hold the same tasks, splits and subsets again and again.
_entry_heads: dict[int, dict[tuple, str | None]] = {}
_HEADS_KEPT = 100_000
_UNSEEN = object()


# A card's YAML holds entries as their dicts; this writes a list of them at once.
ENTRY_YAML = Represented(ModelIndexEntry.to_dict, _entry_texts)


def model_index_value(name: str, entries: list[ModelIndexEntry]) -> list[dict[str, Any]]:
    """The card's ``model-index`` value: one model, its entries as the YAML holds them."""
    return [{"name": name, "results": [entry.to_dict() for entry in entries]}]


def model_index(
    model: ModelResults, catalog: Catalog, name: str, metrics: MetricsChoice = "default"
) -> list[dict[str, Any]]:
    """The ``model-index`` value of a model's results, named ``name``."""
    return model_index_value(name, result_entries(model, catalog, metrics))
