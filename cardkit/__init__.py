"""cardkit: MTEB results in, validated Hugging Face model cards out.

    >>> import cardkit
    >>> [model] = cardkit.read_results("examples/results/BAAI__bge-base-zh")
    >>> len(cardkit.model_index(model))
    38
    >>> text = cardkit.build_card(model)
    >>> cardkit.validate_card(text)
    []

Every name is loaded on first use (``__getattr__`` over ``__all__``), so ``import cardkit``
and ``cardkit --help`` import nothing more than this file.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Each public name and the module that holds it.
_WHERE = {
    "read_results": "cardkit.api",
    "model_index": "cardkit.api",
    "summarize": "cardkit.api",
    "build_card": "cardkit.api",
    "update_card": "cardkit.api",
    "validate_card": "cardkit.api",
    "compare": "cardkit.api",
    "diff": "cardkit.api",
    "CardkitError": "cardkit.io.errors",
    "Catalog": "cardkit.catalog",
    "load_catalog": "cardkit.catalog",
    "ModelResults": "cardkit.model",
    "TaskResult": "cardkit.model",
    "SubsetScores": "cardkit.model",
    "ModelIndexEntry": "cardkit.modelindex",
    "Metric": "cardkit.modelindex",
    "BenchmarkSummary": "cardkit.scores.summary",
    "BenchmarkComparison": "cardkit.scores.compare",
    "ResultsDiff": "cardkit.scores.diff",
    "Finding": "cardkit.validate.findings",
    "ProjectConfig": "cardkit.build.config",
    "load_config": "cardkit.build.config",
}

__all__ = [
    "__version__",
    "read_results",
    "model_index",
    "summarize",
    "build_card",
    "update_card",
    "validate_card",
    "compare",
    "diff",
    "CardkitError",
    "Catalog",
    "load_catalog",
    "ModelResults",
    "TaskResult",
    "SubsetScores",
    "ModelIndexEntry",
    "Metric",
    "BenchmarkSummary",
    "BenchmarkComparison",
    "ResultsDiff",
    "Finding",
    "ProjectConfig",
    "load_config",
]

if TYPE_CHECKING:  # what type checkers and editors see; nothing of it is imported at run time
    from cardkit.api import (
        build_card,
        compare,
        diff,
        model_index,
        read_results,
        summarize,
        update_card,
        validate_card,
    )
    from cardkit.build.config import ProjectConfig, load_config
    from cardkit.catalog import Catalog, load_catalog
    from cardkit.io.errors import CardkitError
    from cardkit.model import ModelResults, SubsetScores, TaskResult
    from cardkit.modelindex import Metric, ModelIndexEntry
    from cardkit.scores.compare import BenchmarkComparison
    from cardkit.scores.diff import ResultsDiff
    from cardkit.scores.summary import BenchmarkSummary
    from cardkit.validate.findings import Finding


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'cardkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup finds it without coming here
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
