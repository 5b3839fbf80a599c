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
from cardkit.errors import CardkitError
from cardkit.model import ModelResults
from cardkit.readers import read_results

log = logging.getLogger("cardkit")


def read_source(text: str, catalog: Catalog, revision: str | None = None) -> list[ModelResults]:
    """The models a source holds. ``revision`` (merge, latest or a folder's name) chooses among
    a local model's revision folders; a Hub source names its revision after ``@``."""
    from cardkit.hub_source import is_hub_source

    if is_hub_source(text):
        from cardkit.hub_source import read_hub_model

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


class _NaNMetrics(logging.Filter):
    """Counts the readers' per-file warnings about metrics left out for NaN (real files often
    hold NaN in ``ap`` or ``nauc_*``) instead of printing one line per file."""

    def __init__(self) -> None:
        super().__init__()
        self.files = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "left out metrics holding NaN" in record.msg:
            self.files += 1
            return False
        return True


@contextmanager
def grouped_nan_warnings() -> Iterator[None]:
    """While reading many files to compare them, one note for every file whose non-main
    metrics held NaN, infinity or null, instead of one warning per file."""
    counter = _NaNMetrics()
    log.addFilter(counter)
    try:
        yield
    finally:
        log.removeFilter(counter)
        if counter.files:
            log.info(
                "note: %d result files hold NaN, infinity or null in metrics other than the "
                "main score; those metrics are left out (cardkit build names them)",
                counter.files,
            )
