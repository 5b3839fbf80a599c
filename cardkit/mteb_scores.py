"""What an MTEB entry of a model-index is, and whether its scores look like 0 to 1 ones: rules
the build and the validator share, apart from the validator so that a build need not import it.
"""

from __future__ import annotations

import math
from typing import Any

from cardkit.metrics import is_percentage


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
    return (isinstance(name, str) and name.startswith("MTEB ")) or (
        isinstance(kind, str) and kind.startswith(("mteb/", "C-MTEB/"))
    )


def metric_items(result: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(index, metric) of each metric mapping of an entry; anything else there is skipped."""
    metrics = result.get("metrics")
    if not isinstance(metrics, list):
        return []
    return [(i, m) for i, m in enumerate(metrics) if isinstance(m, dict)]


def looks_scaled_down(result: dict[str, Any]) -> bool:
    """Whether every percentage of an MTEB entry lies between 0 and 1 (one above 0): a 0 to 1
    score not multiplied by 100, if the whole model-index is like that."""
    percentages = [
        metric.get("value")
        for _, metric in metric_items(result)
        if is_percentage(str(metric.get("type")))
    ]
    numbers = [v for v in percentages if is_number(v)]
    return (
        bool(numbers)
        and len(numbers) == len(percentages)
        and all(0 <= v <= 1 for v in numbers)
        and any(v > 0 for v in numbers)
    )
