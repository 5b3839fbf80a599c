"""Where `cardkit diff` and `cardkit compare` read models from.

A source is anything cardkit's readers read (result folders of any layout, a model folder
with its revision folders, a results store root holding many models, a card, an
``.eval_results`` folder) or a model repository on the Hub, ``hf://ORG/NAME[@REVISION]``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cardkit.catalog import Catalog
from cardkit.io.errors import CardkitError
from cardkit.io.log import log, logger
from cardkit.model import ModelResults
from cardkit.readers import read_results


def read_source(text: str, catalog: Catalog, revision: str | None = None) -> list[ModelResults]:
    """The models a source holds. ``revision`` (merge, latest or a folder's name) chooses among
    a local model's revision folders; a Hub source names its revision after ``@``."""
    from cardkit.readers.hub import is_hub_source

    if is_hub_source(text):
        from cardkit.readers.hub import read_hub_model

        return [read_hub_model(text, catalog)]
    return read_results([Path(text)], catalog, revision)


def read_one_model(text: str, catalog: Catalog, revision: str | None = None) -> ModelResults:
    """The one model a source holds; a source holding several is an error naming them."""
    models = read_source(text, catalog, revision)
    if len(models) != 1:
        names = ", ".join(str(m.model_name) for m in models[:5])
        more = f" and {len(models) - 5} more" if len(models) > 5 else ""
        raise CardkitError(
            f"holds {len(models)} models ({names}{more}): name the folder of one model", text
        )
    return models[0]


# Per-file messages of the readers that say the same thing for many files: counted, then
# said once (format string of the reader's message -> the one line said instead).
_GROUPED = {
    "left out metrics holding NaN": (
        "note: %d result files hold NaN, infinity or null in metrics other than the main "
        "score; those metrics are left out (cardkit build names them)"
    ),
    "is an aggregate score": (
        "note: skipped %d whole-task scores of .eval_results files (their per-split scores "
        "are read)"
    ),
}


class _Grouped(logging.Filter):
    """Counts the readers' per-file messages of ``_GROUPED`` instead of letting them through."""

    def __init__(self) -> None:
        super().__init__()
        self.counts = dict.fromkeys(_GROUPED, 0)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            for key in _GROUPED:
                if key in record.msg:
                    self.counts[key] += 1
                    return False
        return True


@contextmanager
def grouped_notes() -> Iterator[None]:
    """While reading many files to compare them, one line for each kind of per-file note
    (NaN in non-main metrics, aggregate .eval_results entries) instead of one per file."""
    counter = _Grouped()
    logger().addFilter(counter)
    try:
        yield
    finally:
        logger().removeFilter(counter)
        for key, count in counter.counts.items():
            if count:
                log.info(_GROUPED[key], count)
