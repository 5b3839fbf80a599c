"""The integrity rules: what a result file can get wrong that the results repository's CI
lets through. Each works on one file's parsed JSON, without mteb."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator
from typing import Any

from cardkit.audit.findings import AuditFinding
from cardkit.readers.mteb_json import finite_float, flatten_metrics

# Metrics bounded to 0..1 (0..100 in percent): the rank metrics at a cut-off, and the
# classification and pair-classification scores, under the prefixes mteb writes them with.
_UNSIGNED = re.compile(
    r"^(?:max_over_subqueries_)?(?:ndcg|map|mrr|recall|precision|hit_rate|cv_recall)_at_\d+$"
    r"|^(?:(?:cos_sim|cosine|euclidean|manhattan|dot|max|similarity)_)?"
    r"(?:accuracy|f1|precision|recall|ap)$"
    r"|^(?:f1_weighted|ap_weighted|lrap|v_measure|map|mrr|ndcg)$"
)
# Correlations: -1..1 (-100..100 in percent).
_SIGNED = re.compile(
    r"^(?:(?:cos_sim|cosine|euclidean|manhattan|dot|similarity)_)?(?:pearson|spearman)$"
)
# Keys of a score block that are bookkeeping, not metrics.
# The similarity functions whose best score mteb's pair classification writes as max_<metric>.
_SIMILARITIES = ("cosine", "cos_sim", "euclidean", "manhattan", "dot", "similarity")
_MAX_OF = ("accuracy", "f1", "precision", "recall", "ap")
# mteb#5136 (in 2.18.19) breaks MRR's ties as pytrec_eval breaks them (mteb#5092): from then
# on MRR@1 and precision@1 rank the same first document and are equal by definition.
MRR_TIES_FIXED = (2, 18, 19)
# mteb#5228: TwitterHjerneRetrieval results of mteb 1.18.0 and earlier came from a bug.
KNOWN_BUGS: tuple[tuple[str, tuple[int, ...], str], ...] = (
    ("TwitterHjerneRetrieval", (1, 18, 0), "mteb#5228"),
)
# Two finite values are the same score when they differ by less than the rounding of files
# written with 5 decimals.
_TOLERANCE = 1e-4
# A copied block: this many distinct metric values at least (fewer may agree by chance).
COPY_MIN_METRICS = 5
COPY_MIN_MAIN = 0.05


def version_tuple(text: Any) -> tuple[int, ...] | None:
    """``'1.18.0'`` as (1, 18, 0); a range ``'2.10.0-2.18.7'`` as its lower end; None if none."""
    if not isinstance(text, str):
        return None
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", text.strip())
    if match is None:
        return None
    return tuple(int(p or 0) for p in match.groups())


def blocks(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """``(place, block, modern)`` for every split and subset of a result file of any era."""
    if isinstance(data.get("scores"), dict):
        for split, entries in data["scores"].items():
            if isinstance(entries, list):
                for index, entry in enumerate(entries):
                    if isinstance(entry, dict):
                        yield f"scores.{split}[{index}]", entry, True
        return
    for split, value in data.items():
        if not isinstance(value, dict) or split in ("mteb_version", "dataset_revision"):
            continue
        nested = [k for k, v in value.items() if isinstance(v, dict)]
        languages = [k for k in nested if k not in _SIMILARITIES and k not in ("max", "individual")]
        if languages and len(languages) == len([k for k in value if k != "evaluation_time"]):
            for lang in languages:
                yield f"{split}.{lang}", value[lang], False
        else:
            yield split, value, False


def _bounded(flat: dict[str, Any]) -> dict[str, float]:
    out = {}
    for name, value in flat.items():
        number = finite_float(value)
        if number is not None and (_UNSIGNED.match(name) or _SIGNED.match(name)):
            out[name] = number
    return out


def _scale(entry: dict[str, Any], flat: dict[str, Any]) -> float:
    """100 for a block in percent, else 1: as its main score says where it is one of the
    block's metrics, else as the metrics say (one bounded metric over 1)."""
    main = finite_float(entry.get("main_score"))
    if main and any(math.isclose(main, v, rel_tol=1e-9) for v in _bounded(flat).values()):
        return 100.0 if abs(main) > 1 + 1e-9 else 1.0
    return 100.0 if any(abs(v) > 1 + 1e-9 for v in _bounded(flat).values()) else 1.0


def _close(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= _TOLERANCE * scale


def check_file(
    data: Any, shown: str, task: str, version: tuple[int, ...] | None
) -> list[AuditFinding]:
    """The integrity findings of one result file's JSON (``shown``: its path as printed)."""
    if not isinstance(data, dict):
        return []
    found: list[AuditFinding] = []

    def add(rule: str, place: str, message: str) -> None:
        found.append(AuditFinding(rule, shown, place, message))

    percent_blocks, fraction_blocks = [], []
    for place, entry, modern in blocks(data):
        flat = flatten_metrics(entry)
        scale = _scale(entry, flat)
        bounded = _bounded(flat)
        if bounded:
            top = max(abs(v) for v in bounded.values())
            (percent_blocks if scale == 100 else fraction_blocks if top > 0.05 else []).append(
                place
            )
        for name, value in bounded.items():
            low = -scale if _SIGNED.match(name) else 0.0
            if not low - 1e-9 <= value <= scale + 1e-9:
                add("value-range", f"{place}.{name}", f"{value!r} is outside {low:g}..{scale:g}")
        if modern:
            _check_main(entry, flat, place, scale, add)
        _check_agreement(flat, place, scale, task, version, add)
    if percent_blocks and fraction_blocks:
        add(
            "mixed-scale",
            fraction_blocks[0],
            f"{len(fraction_blocks)} split(s) in 0..1 (first {fraction_blocks[0]}) and "
            f"{len(percent_blocks)} in 0..100 (first {percent_blocks[0]})",
        )
    return found


def _check_main(
    entry: dict[str, Any], flat: dict[str, Any], place: str, scale: float, add: Any
) -> None:
    if "main_score" not in entry:
        add("main-score-missing", place, "no main_score")
        return
    main = finite_float(entry["main_score"])
    if main is None:
        add(
            "main-score-missing",
            f"{place}.main_score",
            f"main_score is {json.dumps(entry['main_score'])}",
        )
        return
    values = [finite_float(v) for v in flat.values()]
    if not any(
        v is not None and math.isclose(v, main, rel_tol=1e-9, abs_tol=1e-12) for v in values
    ):
        if any(v is not None and math.isclose(v * 100, main, rel_tol=1e-6) for v in values):
            add(
                "mixed-scale",
                f"{place}.main_score",
                f"main_score {main!r} is in 0..100, its metrics in 0..1",
            )
        elif any(v is not None and math.isclose(v, main * 100, rel_tol=1e-6) for v in values):
            add(
                "mixed-scale",
                f"{place}.main_score",
                f"main_score {main!r} is in 0..1, its metrics in 0..100",
            )
        else:
            add(
                "main-score-unmatched",
                f"{place}.main_score",
                f"main_score {main!r} equals none of the {len(flat)} metrics beside it",
            )


def _check_agreement(
    flat: dict[str, Any],
    place: str,
    scale: float,
    task: str,
    version: tuple[int, ...] | None,
    add: Any,
) -> None:
    for name in flat:
        if not name.endswith("mrr_at_1"):
            continue
        prefix = name[: -len("mrr_at_1")]
        mrr, p1 = finite_float(flat[name]), finite_float(flat.get(prefix + "precision_at_1"))
        if mrr is None or p1 is None or _close(mrr, p1, scale):
            continue
        for bug_task, last, evidence in KNOWN_BUGS:
            if task == bug_task and version is not None and version <= last:
                add(
                    "known-evaluator-bug",
                    f"{place}.{name}",
                    f"{task} from mteb {'.'.join(map(str, version))} (a bug of mteb <= "
                    f"{'.'.join(map(str, last))}, {evidence}): MRR@1 {mrr!r} != precision@1 {p1!r}",
                )
        if version is not None and version >= MRR_TIES_FIXED:
            add(
                "metric-agreement",
                f"{place}.{name}",
                f"MRR@1 {mrr!r} != precision@1 {p1!r}, equal by definition from mteb 2.18.19 "
                f"(this file: {'.'.join(map(str, version))})",
            )
    hit, p1 = finite_float(flat.get("hit_rate_at_1")), finite_float(flat.get("precision_at_1"))
    if hit is not None and p1 is not None and not _close(hit, p1, scale):
        add(
            "metric-agreement",
            f"{place}.hit_rate_at_1",
            f"hit_rate@1 {hit!r} != precision@1 {p1!r} (both pytrec_eval: equal by definition)",
        )
    for metric in _MAX_OF:
        best = finite_float(flat.get(f"max_{metric}"))
        parts = [
            finite_float(flat.get(f"{s}_{metric}"))
            for s in _SIMILARITIES
            if f"{s}_{metric}" in flat
        ]
        # Only where the file holds every function mteb takes the best of: a file missing one
        # (cosine, in files converted from elsewhere) cannot show which one was best.
        four = all(f"{s}_{metric}" in flat for s in ("euclidean", "manhattan", "dot")) and any(
            f"{s}_{metric}" in flat for s in ("cosine", "cos_sim")
        )
        if best is None or not four or any(p is None for p in parts):
            continue
        largest = max(p for p in parts if p is not None)
        if not _close(best, largest, scale):
            add(
                "metric-agreement",
                f"{place}.max_{metric}",
                f"max_{metric} {best!r} is not the largest of the similarity functions' "
                f"({largest!r})",
            )


def fingerprints(data: Any) -> list[str]:
    """Hashes of a file's score blocks of COPY_MIN_METRICS metrics or more, to find copies."""
    if not isinstance(data, dict):
        return []
    prints = []
    for place, entry, _ in blocks(data):
        values = {k: v for k, v in flatten_metrics(entry).items() if finite_float(v) is not None}
        # A block of few distinct numbers (all 0, all 1) or at chance level (a main score
        # under 5%) is a task's degenerate answer, which models reach on their own.
        main = finite_float(entry.get("main_score"))
        scale = _scale(entry, flatten_metrics(entry))
        if main is not None and abs(main) < COPY_MIN_MAIN * scale:
            continue
        if len(set(values.values())) >= COPY_MIN_METRICS:
            text = json.dumps([place, sorted(values.items())])
            prints.append(hashlib.sha1(text.encode()).hexdigest()[:20])
    return prints
