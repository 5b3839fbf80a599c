"""Which metrics of a score entry go into a card, and under which name."""

from __future__ import annotations

from typing import Literal

MetricsChoice = Literal["default", "main", "all"]
METRICS_CHOICES: tuple[str, ...] = ("default", "main", "all")

# mteb 1.12 renamed cos_sim_* to cosine_*; files written since often carry both.
_LEGACY_PREFIXES = (("cosine_", "cos_sim_"),)


def legacy_name(name: str) -> str | None:
    """The older name of a renamed metric (``cosine_spearman`` -> ``cos_sim_spearman``)."""
    for new, old in _LEGACY_PREFIXES:
        if name.startswith(new):
            return old + name[len(new) :]
    return None


# mteb 1.x reranking scored MAP/MRR over all candidates; mteb 2.x calls the same "at 1000".
_SAME_METRIC = {
    "map_at_1000": "map",
    "mrr_at_1000": "mrr",
    "map": "map_at_1000",
    "mrr": "mrr_at_1000",
}


def alias_names(name: str) -> list[str]:
    """Every name a metric is known by, the given one first."""
    names = [name]
    if name in _SAME_METRIC:
        names.append(_SAME_METRIC[name])
    for new, old in _LEGACY_PREFIXES:
        if name.startswith(new):
            names.append(old + name[len(new) :])
        elif name.startswith(old):
            names.append(new + name[len(old) :])
    return names


def is_diagnostic(name: str) -> bool:
    """Thresholds, standard deviations and mteb's nAUC diagnostics are not scores."""
    return "threshold" in name or "std" in name or name.lower().startswith("nauc_")


def select_metrics(
    metrics: dict[str, float],
    choice: MetricsChoice,
    main_metric: str | None,
    main_value: float | None,
) -> dict[str, float]:
    """The metrics a card shows, in file order, legacy/current duplicates collapsed."""
    if choice == "main":
        if main_metric is None or main_value is None:
            return {}
        for name in alias_names(main_metric):
            if name in metrics:
                return {_preferred_name(name, metrics): metrics[name]}
        return {main_metric: main_value}
    kept: dict[str, float] = {}
    for name, value in metrics.items():
        if choice == "default" and is_diagnostic(name):
            continue
        old = legacy_name(name)
        if old is not None and old in metrics and _equal(metrics[old], value):
            continue  # the legacy name already carries this value
        kept[name] = value
    return kept


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
