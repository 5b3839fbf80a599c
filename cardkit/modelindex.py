"""The model-index format as cardkit writes and reads it: one typed entry, its ``MTEB Task
(subset)`` name, which metrics of a score entry go into a card, under which name and on which
scale, and what an MTEB entry of a model-index is."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from operator import itemgetter
from typing import Any, Literal, NamedTuple

from cardkit.io.lazyre import lazy

# The folder of the Hub's newer per-task result files (huggingface_hub calls it
# EVAL_RESULTS_FOLDER too, in releases newer than the oldest one cardkit supports).
EVAL_RESULTS_FOLDER = ".eval_results"

MetricsChoice = Literal["default", "main", "all"]
METRICS_CHOICES: tuple[str, ...] = ("default", "main", "all")

# mteb 1.12 renamed cos_sim_* to cosine_*; files written since often carry both.
_LEGACY_PREFIXES = (("cosine_", "cos_sim_"),)


@lru_cache(maxsize=8192)  # asked for every metric of every entry
def legacy_name(name: str) -> str | None:
    """The older name of a renamed metric (``cosine_spearman`` -> ``cos_sim_spearman``)."""
    for new, old in _LEGACY_PREFIXES:
        if name.startswith(new):
            return old + name[len(new) :]
    return None


# mteb 1.x reranking scored MAP/MRR over all candidates; mteb 2.x calls the same "at 1000".
# MindSmallReranking's queries are lists of subqueries: mteb 1.x took the best subquery and
# called the result "map", mteb 2.x names it "max_over_subqueries_map_at_1000".
_SAME_METRIC = {
    "map_at_1000": "map",
    "mrr_at_1000": "mrr",
    "map": "map_at_1000",
    "mrr": "mrr_at_1000",
    "max_over_subqueries_map_at_1000": "map",
}


@lru_cache(maxsize=4096)  # asked for every score entry read by its main metric
def alias_names(name: str) -> tuple[str, ...]:
    """Every name a metric is known by, the given one first."""
    names = [name]
    if name in _SAME_METRIC:
        names.append(_SAME_METRIC[name])
    for new, old in _LEGACY_PREFIXES:
        if name.startswith(new):
            names.append(old + name[len(new) :])
        elif name.startswith(old):
            names.append(new + name[len(old) :])
    return tuple(names)


# mteb's scores are fractions (accuracy, ndcg, v_measure, correlations, ...) that cards show in
# percent. These are not: regression errors (mse, mae, rmse) and r2 (unbounded below), nAUC
# differences (nauc_*, nAUC_*: -2 to 1), similarity thresholds (distances), and the counts and
# times of speed tasks and human-agreement baselines. Matched on the flattened name's parts.
_NOT_PERCENT = re.compile(
    r"(?:^|_)(?:mse|mae|rmse|r2|threshold|time|cores|gpus|words_per_sec|count)(?:_|$)"
    r"|nauc|_at_\d+_(?:diff1|max)$|(?:^|_)n_[a-z]|(?:^|_)num_|total_annotations",
    re.IGNORECASE,
)


@lru_cache(maxsize=8192)  # a few hundred names, met millions of times in a results store
def is_percentage(name: str) -> bool:
    """Whether a metric is a fraction that cards show multiplied by 100.

    The one rule for the model-index writer (which scales only these), the card reader
    (which divides only these) and the validator (which range-checks only these).
    """
    return _NOT_PERCENT.search(name) is None


def card_value(name: str, value: float) -> float:
    """A metric's value as a card shows it: percentages times 100, others as the file has them."""
    return float(value) * card_factor(name)


@lru_cache(maxsize=8192)
def card_factor(name: str) -> float:
    """What a metric's value is multiplied by on a card: 100 for a percentage, else 1 (a float
    times 1.0 is that float, exactly)."""
    return 100.0 if is_percentage(name) else 1.0


# mteb computes average precision for binary classification only and writes null (or NaN, in
# some versions) for the others on purpose: no news for the user, reported once per build.
EXPECTED_MISSING = ("ap", "ap_weighted")


# mteb's nAUC diagnostics, whatever their prefix (og_, changed_, individual_..._naucs_,
# max_over_subqueries_) and including FollowIR's older "mrr_at_10_diff1" style names.
_NAUC = re.compile(r"nauc|_at_\d+_(?:diff1|max|std)$", re.IGNORECASE)


@lru_cache(maxsize=8192)
def is_diagnostic(name: str) -> bool:
    """Thresholds, standard deviations and mteb's nAUC diagnostics are not scores."""
    return "threshold" in name or "std" in name or _NAUC.search(name) is not None


def select_metrics(
    metrics: dict[str, float],
    choice: MetricsChoice,
    main_metric: str | None,
    main_value: float | None,
) -> dict[str, float]:
    """The metrics a card shows, in file order, legacy/current duplicates collapsed."""
    if choice == "main":
        found = shown_main_metric(metrics, main_metric, main_value)
        return {} if found is None else dict((found,))
    kept: dict[str, float] = {}
    for name, old in _shown_names(tuple(metrics), choice == "all").names:
        value = metrics[name]
        if old is not None and _equal(metrics[old], value):
            continue  # the legacy name already carries this value
        kept[name] = value
    return kept


def shown_main_metric(
    metrics: dict[str, float], main_metric: str | None, main_value: float | None
) -> tuple[str, float] | None:
    """The one metric ``--metrics main`` shows of an entry: its main metric under the name the
    file gives it (the legacy name where that holds the same value), else the main score
    itself under the main metric's name; None without a main score."""
    if main_metric is None or main_value is None:
        return None
    for name in alias_names(main_metric):
        if name in metrics:
            return _preferred_name(name, metrics), metrics[name]
    return main_metric, main_value


def count_shown(metrics: dict[str, float], every: bool) -> tuple[int, int]:
    """``len(select_metrics(metrics, "all" if every else "default", ...))`` less the
    percentages outside -1 to 1 a card leaves out, and the characters of those names, without
    making the selection: what decides whether a card of every metric fits (a results store's
    biggest models have 170,000)."""
    shown = _shown_names(tuple(metrics), every)
    count, chars = len(shown.names), shown.chars
    for name, old in shown.legacy:
        if _equal(metrics[old], metrics[name]):
            count -= 1  # as select_metrics collapses them
            chars -= len(name)
    fractions = shown.fractions(metrics) if shown.fractions is not None else ()
    if fractions and (min(fractions) < -1 or max(fractions) > 1):
        for name, old in shown.names:
            if (
                not -1 <= metrics[name] <= 1
                and is_percentage(name)
                and (old is None or not _equal(metrics[old], metrics[name]))
            ):
                count -= 1
                chars -= len(name)
    return count, chars


def count_shown_alike(entries: list[dict[str, float]], every: bool) -> tuple[int, int, int]:
    """`count_shown` summed over entries whose metrics have the same names in the same order
    (a task's subsets, most often), and how many of them show any: (values, entries, name
    characters). Where no name has a legacy twin and no percentage lies outside -1 to 1, as
    in nearly every file, each entry shows every name: their values are looked at in a few
    steps for all of them, not entry by entry."""
    shown = _shown_names(tuple(entries[0]), every)
    fractions = shown.fractions
    if not shown.legacy:
        values = list(map(fractions, entries)) if fractions is not None else None
        if not values or (min(map(min, values)) >= -1 and max(map(max, values)) <= 1):
            count = len(shown.names)
            return count * len(entries), len(entries) if count else 0, shown.chars * len(entries)
    total = showing = chars = 0
    for metrics in entries:
        count, names = count_shown(metrics, every)
        total, showing, chars = total + count, showing + (count > 0), chars + names
    return total, showing, chars


class _Shown(NamedTuple):
    """The names a card may show of an entry's, worked out once per set of names."""

    names: tuple[tuple[str, str | None], ...]  # each, with its legacy name the entry holds too
    legacy: tuple[tuple[str, str], ...]  # those with one (most entries: none)
    chars: int  # the characters of the names
    # The values of those that are percentages, from an entry's metrics (an itemgetter of
    # their names: a tuple even of one), or None when there are none.
    fractions: Callable[[dict[str, float]], tuple[float, ...]] | None


@lru_cache(maxsize=4096)  # the score entries of a task, and of a model's tasks, share names
def _shown_names(names: tuple[str, ...], every: bool) -> _Shown:
    """The names a card may show (every one, or all but diagnostics), in order, each with its
    legacy name where the entry holds that too: the part of `select_metrics` that depends on
    the names only, worked out once per set of names."""
    present = set(names)
    shown = []
    for name in names:
        if not every and is_diagnostic(name):
            continue
        old = legacy_name(name)
        shown.append((name, old if old in present else None))
    percentages = [name for name, _ in shown if is_percentage(name)]
    return _Shown(
        tuple(shown),
        tuple((name, old) for name, old in shown if old is not None),
        sum(len(name) for name, _ in shown),
        itemgetter(*percentages, percentages[0]) if percentages else None,
    )


def _preferred_name(name: str, metrics: dict[str, float]) -> str:
    old = legacy_name(name)
    if old is not None and old in metrics and _equal(metrics[old], metrics[name]):
        return old
    return name


def _equal(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


def find_metric(metrics: dict[str, float], candidates: list[str]) -> tuple[str, float] | None:
    """The first candidate present, trying each under its old and new names."""
    for candidate in candidates:
        for name in alias_names(candidate):
            if name in metrics:
                return name, metrics[name]
    return None


# numpy sums float arrays pairwise in blocks of 128 with eight accumulators: mteb's means (and
# so the digits it publishes) come from that order of additions, not from a left-to-right sum.
_PAIRWISE_BLOCK = 128


def _pairwise_sum(values: list[float]) -> float:
    n = len(values)
    if n < 8:
        total = 0.0
        for value in values:
            total += value
        return total
    if n <= _PAIRWISE_BLOCK:
        acc = list(values[:8])
        i = 8
        while i < n - n % 8:
            for j in range(8):
                acc[j] += values[i + j]
            i += 8
        total = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
        for value in values[i:]:
            total += value
        return total
    half = n // 2
    half -= half % 8
    return _pairwise_sum(values[:half]) + _pairwise_sum(values[half:])


def mean_as_numpy(values: list[float]) -> float:
    """``numpy.mean(values)`` to the last bit, without numpy."""
    return _pairwise_sum([float(v) for v in values]) / len(values)


def round_as_numpy(value: float, digits: int) -> float:
    """``round(numpy.float64(value), digits)``: scale, round half to even, scale back (Python's
    own ``round`` rounds the decimal value instead and can differ in the last digit)."""
    scale = 10.0**digits
    return round(value * scale) / scale


def is_number(value: Any) -> bool:
    """A finite int or float (a boolean is no score)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def is_mteb_result(result: dict[str, Any]) -> bool:
    """An MTEB result entry (``MTEB <Task>`` name, or a dataset under ``mteb/`` or ``C-MTEB/``):
    the entries cardkit writes, owns when it updates a card, and range-checks."""
    dataset = result.get("dataset")
    if not isinstance(dataset, dict):
        return False
    name, kind = dataset.get("name"), dataset.get("type")
    return (isinstance(name, str) and name.startswith(_PREFIX)) or (
        isinstance(kind, str) and kind.startswith(("mteb/", "C-MTEB/"))
    )


# --------------------------------------------------------------------------- the entry

DEFAULT_SUBSET = "default"
# mteb's prefix of a dataset name in a model-index, and the subset in parentheses after it.
_PREFIX = "MTEB "
_NAME = lazy(r"^(?:MTEB )?(?P<task>.+?)(?: \((?P<subset>[^()]*)\))?$")


def dataset_name(task: str, subset: str) -> str:
    """The ``dataset.name`` of a task's entry: ``MTEB <Task>`` for the ``default`` subset,
    ``MTEB <Task> (<subset>)`` otherwise (the reference cards and mteb's generator)."""
    return _PREFIX + task if subset == DEFAULT_SUBSET else f"{_PREFIX}{task} ({subset})"


def parse_dataset_name(name: str) -> tuple[str, str] | None:
    """(task, subset) of a ``dataset.name``: the inverse of :func:`dataset_name` (for task
    names on one line that do not themselves end in parentheses, as no mteb task does).

    ``MTEB`` in front is optional, as cards of other tools have it; a name without a subset in
    parentheses is the ``default`` subset. An entry's ``config``, when it has one, names the
    subset all the same (:func:`entry_subset`). None: no task name (empty, or a line break
    before its end).
    """
    match = _NAME.match(name)
    if match is None:
        return None
    return match.group("task"), match.group("subset") or DEFAULT_SUBSET


def entry_subset(config: Any, parsed: str) -> str:
    """An entry's subset: its ``dataset.config``, else the one its name gives."""
    return str(config or parsed)


class Metric(NamedTuple):
    """One score of an entry, as the card shows it (percentages times 100)."""

    type: str
    value: float


class _EntryFields(NamedTuple):
    task_type: str
    task: str
    subset: str
    split: str
    dataset_type: str
    dataset_revision: str | None
    metrics: tuple[Metric, ...]


class ModelIndexEntry(_EntryFields):
    """One result of a model-index: a task's scores on one split and subset.

    The fields are huggingface_hub's ``EvalResult`` (task type, dataset type, name, config,
    split and revision), holding every metric of the result at once where ``EvalResult``
    holds one. ``task`` and ``subset`` are what ``dataset_name`` is made from, so nothing
    reads a task back out of the display name. A named tuple, not a dataclass: `cardkit
    validate` imports this module and would import `dataclasses` for this alone.
    """

    __slots__ = ()

    def __new__(
        cls,
        task_type: str,
        task: str,
        subset: str,
        split: str,
        dataset_type: str,
        dataset_revision: str | None,
        metrics: tuple[Metric, ...],
    ) -> ModelIndexEntry:
        # The reference cards write an unknown revision as the string "None", and results
        # converted back from such cards carry that string: one unknown, one value.
        revision = None if dataset_revision == "None" else dataset_revision
        fields = (task_type, task, subset, split, dataset_type, revision, tuple(metrics))
        return tuple.__new__(cls, fields)  # what the named tuple's own __new__ does

    @property
    def dataset_name(self) -> str:
        return dataset_name(self.task, self.subset)

    @property
    def key(self) -> tuple[str, str, str]:
        """The merge key: (task, subset, split)."""
        return self.task, self.subset, self.split

    def to_dict(self) -> dict[str, Any]:
        """The entry as the card's YAML holds it, keys in the reference cards' order; an
        unknown revision is the string ``None``, as those cards have it."""
        return {
            "task": {"type": self.task_type},
            "dataset": {
                "type": self.dataset_type,
                "name": self.dataset_name,
                "config": self.subset,
                "split": self.split,
                "revision": "None" if self.dataset_revision is None else self.dataset_revision,
            },
            "metrics": [{"type": name, "value": value} for name, value in self.metrics],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelIndexEntry:
        """An entry of a model-index as YAML loads it (keys the entry has no field for are
        not kept).

        Raises:
            ValueError: a part the entry needs is missing or of the wrong type.
        """
        task = data.get("task")
        dataset = data.get("dataset")
        metrics = data.get("metrics")
        if not isinstance(task, Mapping) or not isinstance(task.get("type"), str):
            raise ValueError("task.type must be a string")
        if not isinstance(dataset, Mapping):
            raise ValueError("dataset must be a mapping")
        for key in ("type", "name"):
            if not isinstance(dataset.get(key), str):
                raise ValueError(f"dataset.{key} must be a string")
        if not isinstance(metrics, list):
            raise ValueError("metrics must be a list")
        parsed = []
        for i, metric in enumerate(metrics):
            if not (
                isinstance(metric, Mapping)
                and isinstance(metric.get("type"), str)
                and is_number(metric.get("value"))
            ):
                raise ValueError(f"metrics[{i}] needs a 'type' and a finite number 'value'")
            parsed.append(Metric(metric["type"], metric["value"]))
        parsed_name = parse_dataset_name(dataset["name"])
        if parsed_name is None:
            raise ValueError("dataset.name names no task")
        name, subset = parsed_name
        revision = dataset.get("revision")
        return cls(
            task_type=task["type"],
            task=name,
            subset=entry_subset(dataset.get("config"), subset),
            split=str(dataset.get("split") or "test"),
            dataset_type=dataset["type"],
            dataset_revision=None if revision is None else str(revision),
            metrics=tuple(parsed),
        )


def merge_key(result: Any, canonical: Callable[[str], str] = str) -> tuple[str, str, str] | None:
    """(task, subset, split) of an MTEB entry of a card's model-index, as loaded from YAML;
    None for any other entry. ``canonical`` maps a task's older names to its current one."""
    if not isinstance(result, dict) or not is_mteb_result(result):
        return None
    dataset = result["dataset"]
    name = str(dataset.get("name") or dataset.get("type"))
    task, subset = parse_dataset_name(name) or (name, DEFAULT_SUBSET)
    return (
        canonical(task),
        entry_subset(dataset.get("config"), subset),
        str(dataset.get("split") or "test"),
    )


def metric_items(result: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(index, metric) of each metric mapping of an entry; anything else there is skipped."""
    metrics = result.get("metrics")
    if not isinstance(metrics, list):
        return []
    return [(i, m) for i, m in enumerate(metrics) if isinstance(m, dict)]


def looks_scaled_down(entry: ModelIndexEntry) -> bool:
    """Whether every percentage of an entry lies between 0 and 1 (one above 0): a 0 to 1
    score not multiplied by 100, if the whole model-index is like that."""
    return scaled_down([value for name, value in entry.metrics if is_percentage(name)])


def scaled_down(percentages: list[Any]) -> bool:
    """Whether these values of an entry's percentages all lie between 0 and 1, one above 0
    (see looks_scaled_down; validate asks it of a card's entries)."""
    numbers = [v for v in percentages if is_number(v)]
    return (
        bool(numbers)
        and len(numbers) == len(percentages)
        and all(0 <= v <= 1 for v in numbers)
        and any(v > 0 for v in numbers)
    )
