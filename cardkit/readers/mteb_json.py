"""Read one mteb result file of any format version into a `TaskResult`.

Two on-disk shapes exist: the legacy one (mteb before 1.11: ``split -> metrics`` or
``split -> language -> metrics``, metrics possibly nested) and the current one
(1.11+ and 2.x: ``scores -> split -> [ {hf_subset, languages, main_score, ...} ]``).
Both meet in `TaskResult`, so nothing downstream branches on the version.
"""

from __future__ import annotations

import json
import math
import time
from itertools import compress
from math import isfinite
from operator import not_
from pathlib import Path
from typing import Any

from cardkit.io.errors import CardkitError
from cardkit.io.log import log
from cardkit.io.userfile import RESULT_LIMIT, parse_json, read_text
from cardkit.model import SubsetScores, TaskResult

# Keys of a legacy split dict that are grouped metric families, not language subsets.
METRIC_FAMILIES = frozenset(
    {"cos_sim", "cosine", "euclidean", "manhattan", "dot", "max", "similarity", "individual"}
)
# Bookkeeping keys of a score entry that are never metrics.
NON_METRIC_KEYS = frozenset(
    {"hf_subset", "languages", "main_score", "evaluation_time", "mteb_version"}
)
LEGACY_TOP_KEYS = frozenset(
    {"mteb_dataset_name", "dataset_revision", "mteb_version", "evaluation_time"}
)


class NotAResultFile(CardkitError):
    """Valid JSON that is not an mteb result (predictions, model_meta.json, anything else)."""


def load_json(path: Path) -> Any:
    """A result file's JSON (regular file, bounded); a failure names the line and column."""
    return parse_json(read_text(path, "result file", RESULT_LIMIT), path)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def finite_float(value: Any) -> float | None:
    """A number read from a file as a finite float; None for NaN, infinity, an integer too
    large for a float, a bool or anything that is not a number."""
    if not is_number(value):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def flatten_metrics(entry: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested metric dicts with ``_`` (``cos_sim: {pearson}`` -> ``cos_sim_pearson``).

    Non-numeric leaves (lists, strings) are dropped; ``None`` is kept so the caller can
    report it next to NaN.
    """
    flat: dict[str, Any] = {}
    for key, value in entry.items():
        if not prefix and key in NON_METRIC_KEYS:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_metrics(value, f"{name}_"))
        elif is_number(value) or value is None:
            flat[name] = value
    return flat


def clean_metrics(flat: dict[str, Any], dropped: list[str]) -> dict[str, float]:
    """Drop NaN, infinite, too large and null metrics, remembering their names for one warning
    per file; integers stay integers."""
    kept: dict[str, float] = {}
    for name, value in flat.items():
        if _missing(value):
            if name not in dropped:
                dropped.append(name)
            continue
        kept[name] = value
    return kept


def read_metrics(entry: dict[str, Any]) -> tuple[dict[str, float], list[str], bool]:
    """``clean_metrics(flatten_metrics(entry))`` in one walk, each value looked at once: the
    metrics kept, the names of those dropped, and whether the entry held any metric at all.

    A results store holds ten million values; this is most of reading it. The rare entry in
    which two paths flatten to one name (``a_b`` and ``a: {b}``) is read the two-step way,
    which keeps the first place and the last value."""
    return _take_metrics(entry.copy())


def _take_metrics(entry: dict[str, Any]) -> tuple[dict[str, float], list[str], bool]:
    """`read_metrics` of an entry the caller hands over (a copy, or a file's just parsed),
    which may be changed and kept as the metrics: it loses its bookkeeping keys first, which
    a walk skips anyway."""
    flat = _flat_floats(entry)
    if flat is not None:
        return *flat, True
    kept: dict[str, float] = {}
    dropped: list[str] = []
    seen = _walk_metrics(entry, "", kept, dropped)
    # Two paths flattened to one name: among those kept, those dropped, or one of each.
    collided = dropped and (
        len(set(dropped)) != len(dropped) or not kept.keys().isdisjoint(dropped)
    )
    if len(kept) + len(dropped) != seen or collided:
        dropped = []
        flat = flatten_metrics(entry)
        return clean_metrics(flat, dropped), dropped, bool(flat)
    return kept, dropped, seen > 0


def _flat_floats(kept: dict[str, Any]) -> tuple[dict[str, float], list[str]] | None:
    """The metrics kept and the names dropped of an entry that holds nothing but floats (and
    lists, which hold no metric) besides its bookkeeping keys, as nearly every entry mteb
    writes does (34 of the store's 35 million values), made of ``kept`` itself (which loses
    the bookkeeping keys in any case); None for any other entry, which is walked. Each step
    runs in C: the set of the values' types, and one sum, which is finite only if every value
    is (a NaN or an infinity makes it NaN or infinite); only an entry whose sum is not finite
    is looked at value by value."""
    for key in NON_METRIC_KEYS:
        kept.pop(key, None)
    kinds = set(map(type, kept.values()))
    if kinds == _FLOATS_AND_LISTS:  # a classification's scores per experiment: no metric
        kept = {key: value for key, value in kept.items() if type(value) is float}
    elif kinds != _FLOATS:
        return None
    if isfinite(sum(kept.values())):
        return kept, []
    # mteb's NaN average precision of a multiclass classification, most often: the names of
    # the values that are not finite, in their order, picked in C.
    dropped = list(compress(kept, map(not_, map(isfinite, kept.values()))))
    for key in dropped:
        del kept[key]
    return kept, dropped


_FLOATS = {float}
_FLOATS_AND_LISTS = {float, list}


def _walk_metrics(entry: dict[str, Any], prefix: str, kept: dict, dropped: list[str]) -> int:
    """Sort the metrics below ``entry`` into kept and dropped; how many there were."""
    seen = 0
    for key, value in entry.items():
        if not prefix and key in NON_METRIC_KEYS:
            continue
        kind = type(value)
        if kind is float:  # nearly every value: the general check below, inlined
            # At the top, the key itself: a string the JSON parser made and hashed once.
            if isfinite(value):
                kept[prefix + key if prefix else key] = value
            else:
                dropped.append(f"{prefix}{key}")
        elif kind is dict:
            seen += _walk_metrics(value, f"{prefix}{key}_", kept, dropped)
            continue
        elif value is None or is_number(value):
            if finite_float(value) is None:
                dropped.append(f"{prefix}{key}")
            else:
                kept[f"{prefix}{key}"] = value
        else:
            continue
        seen += 1
    return seen


def _kept(entry: dict[str, Any], dropped: list[str]) -> dict[str, float]:
    """The metrics of an entry; the names of those dropped are added to ``dropped``."""
    kept, here, _ = read_metrics(entry)
    for name in here:
        if name not in dropped:
            dropped.append(name)
    return kept


def _missing(value: Any) -> bool:
    return finite_float(value) is None


def check_main_score(value: Any, path: Path, where: str) -> float:
    """The main score is what leaderboards rank by: a bad one is an error, not a warning."""
    if isinstance(value, bool) or not is_number(value):
        shown = json.dumps(value)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        raise CardkitError(f"main_score must be a number, got {shown}", path, where)
    number = finite_float(value)
    if number is None:
        raise CardkitError(f"main_score is {str(value)[:40]}, not a finite number", path, where)
    return number


def parse_modern(data: dict[str, Any], path: Path) -> TaskResult:
    scores = data.get("scores")
    if not isinstance(scores, dict):
        raise CardkitError("'scores' must be an object of split -> list of scores", path, "scores")
    result = TaskResult(
        task_name=str(data["task_name"]),
        scores=[],
        dataset_revision=_revision(data.get("dataset_revision")),
        mteb_version=data.get("mteb_version")
        if isinstance(data.get("mteb_version"), str)
        else None,
        evaluation_time=finite_float(data.get("evaluation_time")),
        date=_date(data.get("date"), path),
        source=path,
    )
    for split, entries in scores.items():
        if not isinstance(entries, list):
            raise CardkitError("must be a list of score objects", path, f"scores.{split}")
        split_name = str(split)
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise CardkitError("must be an object", path, f"scores.{split}[{index}]")
            main = entry.get("main_score")
            has_main = "main_score" in entry
            subset = entry.get("hf_subset", "default")
            languages = entry.get("languages")
            # The entry was parsed for this result alone: it becomes the metrics.
            metrics, dropped, any_metric = _take_metrics(entry)
            if not metrics and any_metric and _missing(main):
                # mteb writes such entries for splits it could not score (no labels).
                where = f"scores.{split}[{index}]"
                log.warning("%s: %s: every score is NaN: entry left out", path, where)
                continue
            # A finite float is what the check returns; anything else present is checked.
            checked = type(main) is float and isfinite(main)
            if not checked and has_main:
                main = check_main_score(main, path, f"scores.{split}[{index}].main_score")
            for name in dropped:
                if name not in result.dropped_metrics:
                    result.dropped_metrics.append(name)
            result.scores.append(
                SubsetScores(
                    split_name,
                    subset if type(subset) is str else str(subset),
                    metrics,
                    main,
                    list(map(str, languages)) if isinstance(languages, list) else [],
                )
            )
    if not result.scores:
        raise CardkitError("'scores' is empty: the file holds no results", path, "scores")
    return result


def _is_metric_dict(split_dict: dict[str, Any]) -> bool:
    """A legacy split holds metrics directly unless every entry is a language-keyed dict."""
    for key, value in split_dict.items():
        if key in ("evaluation_time", "main_score"):
            continue
        if not isinstance(value, dict) or key in METRIC_FAMILIES:
            return True
    return False


def parse_legacy(data: dict[str, Any], path: Path) -> TaskResult:
    result = TaskResult(
        task_name=str(data["mteb_dataset_name"]),
        scores=[],
        dataset_revision=_revision(data.get("dataset_revision")),
        mteb_version=data.get("mteb_version")
        if isinstance(data.get("mteb_version"), str)
        else None,
        source=path,
    )
    total_time = 0.0
    for split, split_dict in data.items():
        if split in LEGACY_TOP_KEYS:
            continue
        if not isinstance(split_dict, dict):
            continue
        total_time += finite_float(split_dict.get("evaluation_time")) or 0.0
        subsets = (
            {"default": split_dict}
            if _is_metric_dict(split_dict)
            else {k: v for k, v in split_dict.items() if isinstance(v, dict)}
        )
        for subset, metrics_dict in subsets.items():
            main = metrics_dict.get("main_score")
            if "main_score" in metrics_dict:
                main = check_main_score(main, path, f"{split}.{subset}.main_score")
            result.scores.append(
                SubsetScores(
                    split=str(split),
                    subset=str(subset),
                    metrics=_kept(metrics_dict, result.dropped_metrics),
                    main_score=main,
                )
            )
    if not result.scores:
        raise CardkitError("the file holds no split with scores", path)
    result.evaluation_time = total_time or None
    return result


def parse_result(data: Any, path: Path) -> TaskResult:
    """Dispatch on the shape of the data, not on the mteb_version string (often missing)."""
    if not isinstance(data, dict):
        raise NotAResultFile("not an mteb result file (top level is not an object)", path)
    if "task_name" in data and "scores" in data:
        return parse_modern(data, path)
    if "mteb_dataset_name" in data:
        return parse_legacy(data, path)
    raise NotAResultFile(
        "not an mteb result file (no 'task_name' and 'scores', nor legacy 'mteb_dataset_name')",
        path,
    )


def read_result_file(path: Path) -> TaskResult:
    return parse_result(load_json(path), path)


def _revision(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def _date(value: Any, path: Path) -> str | None:
    """The evaluation date (mteb writes a Unix time; an ISO date is taken as it is). One that
    is no date is left out, saying so."""
    if value is None:
        return None
    try:
        if isinstance(value, str):
            from datetime import date

            date.fromisoformat(value[:10])
            if len(value) <= 40:
                return value
        else:
            seconds = finite_float(value)
            if seconds is not None:
                return utc_date(seconds)
    except (ValueError, OverflowError, OSError):
        pass
    log.warning("%s: date: %s is not a date: left out", path, str(value)[:40])
    return None


def utc_date(seconds: float) -> str:
    """``datetime.fromtimestamp(seconds, tz=timezone.utc).date().isoformat()``, without
    importing datetime for it (a tenth of a small build's reading): the seconds rounded to
    microseconds half to even as datetime rounds them, then the UTC day of the whole second.
    Raises ValueError, OverflowError or OSError where datetime does; a property test holds
    the two equal.
    """
    fraction, whole = math.modf(seconds)
    microseconds = round(fraction * 1e6)
    if microseconds >= 1_000_000:
        whole += 1.0
    elif microseconds < 0:
        whole -= 1.0
    day = time.gmtime(whole)
    if not 1 <= day.tm_year <= 9999:
        raise ValueError(f"year {day.tm_year} is out of range")
    return f"{day.tm_year:04d}-{day.tm_mon:02d}-{day.tm_mday:02d}"
