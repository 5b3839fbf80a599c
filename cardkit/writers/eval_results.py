"""Write the Hub's `.eval_results/<Task>.yaml` files: one file per task, one entry per score.

The format is the Hub's `eval_results.yaml` (huggingface_hub's ``EvalResultEntry``): a list
of ``{dataset: {id, task_id, ...}, value, date, source: {url, name}, notes}``. Like mteb 2.x
(``ModelResult.push_eval_results``), cardkit writes one file per task named after it, one
entry per (split, subset) with ``task_id`` ``<Task>_<subset>_<split>`` and the main score
in percent, plus mteb's whole-task entry (``task_id`` ``<Task>``) when nothing is missing.
``config`` and ``split`` are written as well so that readers need not parse the id. Values
are not rounded (mteb rounds to 5 decimals), so a card and its files agree exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cardkit.atomic import write_text_atomic
from cardkit.catalog import Catalog, TaskInfo
from cardkit.errors import CardkitError
from cardkit.frontmatter import dump_yaml
from cardkit.model import ModelResults, TaskResult
from cardkit.userfile import read_bytes
from cardkit.writers.model_index import main_value

if TYPE_CHECKING:
    from cardkit.build import BuiltCard

FOLDER = ".eval_results"
SOURCE_URL = "https://github.com/embeddings-benchmark/mteb/"
SOURCE_NAME = "MTEB"


def task_id(task_name: str, subset: str, split: str) -> str:
    """mteb's id for one (split, subset) of a task: ``AmazonReviewsClassification_zh_test``."""
    return f"{task_name}_{subset}_{split}"


def file_name(task_name: str) -> str:
    """``<Task>.yaml`` as mteb names it, with characters unsafe in a path replaced."""
    return re.sub(r"[\\/:*?\"<>|\x00-\x1f]", "_", task_name) + ".yaml"


def _common(task: TaskResult) -> dict[str, Any]:
    """Date, source and notes of every entry of a task, as mteb writes them.

    A fresh mapping each call: a shared one would be dumped as a YAML anchor and alias.
    """
    notes = f"Obtained using MTEB v{task.mteb_version}" if task.mteb_version else None
    common: dict[str, Any] = {}
    if task.date:
        common["date"] = str(task.date)
    common["source"] = {"url": SOURCE_URL, "name": notes or SOURCE_NAME}
    if notes:
        common["notes"] = notes
    return common


def _is_complete(task: TaskResult, info: TaskInfo, scored: list[tuple[str, str]]) -> bool:
    """Every evaluation split and subset is there (mteb then adds a whole-task score)."""
    if not info.eval_splits or not scored:
        return False
    splits = {split for split, _ in scored}
    subsets = {subset for _, subset in scored}
    return set(info.eval_splits) <= splits and set(info.subsets or ("default",)) <= subsets


def task_entries(task: TaskResult, catalog: Catalog) -> list[dict[str, Any]]:
    """The entries of one task's file; a (split, subset) without a main score is left out.

    When every split and subset is present, a last entry with ``task_id`` ``<Task>`` holds
    the mean of the main scores, as mteb writes it.
    """
    info = catalog.task(task.task_name, task.source)
    # The Hub links these files to benchmark datasets by their current id, as mteb writes them.
    dataset_id = info.dataset
    entries: list[dict[str, Any]] = []
    scored: list[tuple[str, str]] = []
    values: list[float] = []
    for scores in task.scores:
        value = main_value(scores, info.main_score)
        if value is None:
            continue
        dataset: dict[str, Any] = {
            "id": dataset_id,
            "task_id": task_id(task.task_name, scores.subset, scores.split),
            "config": scores.subset,
            "split": scores.split,
        }
        if task.dataset_revision is not None:
            dataset["revision"] = task.dataset_revision
        entries.append({"dataset": dataset, "value": float(value) * 100, **_common(task)})
        scored.append((scores.split, scores.subset))
        values.append(float(value))
    if _is_complete(task, info, scored):
        dataset = {"id": dataset_id, "task_id": task.task_name}
        if task.dataset_revision is not None:
            dataset["revision"] = task.dataset_revision
        mean = sum(values) / len(values) * 100
        entries.append({"dataset": dataset, "value": mean, **_common(task)})
    return entries


def eval_results_documents(
    model: ModelResults, catalog: Catalog
) -> dict[str, list[dict[str, Any]]]:
    """File name -> entries, tasks in ASCII order; tasks with no main score give no file."""
    documents: dict[str, list[dict[str, Any]]] = {}
    for task in model.sorted_tasks():
        entries = task_entries(task, catalog)
        if entries:
            documents[file_name(task.task_name)] = entries
    return documents


def render_documents(documents: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """YAML text per file, with the serializer the cards use (insertion order, unicode kept)."""
    return {name: dump_yaml(entries) for name, entries in documents.items()}  # type: ignore[arg-type]


@dataclass
class PlannedFile:
    """One `.eval_results` file to write, with what is there now."""

    path: Path
    text: str
    old_text: str | None

    @property
    def changed(self) -> bool:
        return self.text != self.old_text


def plan_files(model: ModelResults, catalog: Catalog, folder: Path) -> list[PlannedFile]:
    """The files for ``model`` under ``folder``, nothing written yet."""
    texts = render_documents(eval_results_documents(model, catalog))
    if not texts:
        raise CardkitError(
            "no task has a main score to write as .eval_results", model.source or folder
        )
    planned = []
    for name, text in texts.items():
        path = folder / name
        planned.append(PlannedFile(path, text, _old_text(path)))
    return planned


def _old_text(path: Path) -> str | None:
    """The file there now, to compare with; bytes that are not UTF-8 never equal a new text."""
    if not path.is_file():
        return None
    return read_bytes(path, ".eval_results file").decode("utf-8", errors="replace")


def write_files(planned: list[PlannedFile]) -> list[PlannedFile]:
    """Write every changed file atomically; the ones written are returned."""
    written = []
    for item in planned:
        if item.changed:
            write_text_atomic(item.path, item.text)
            written.append(item)
    return written


def plan_for_cards(cards: Iterable[BuiltCard]) -> list[PlannedFile]:
    """The `.eval_results/` files beside each planned card, from the results and catalog the
    card was made from. Planned before anything is written, so an error leaves every file
    untouched."""
    planned: list[PlannedFile] = []
    for card in cards:
        planned.extend(plan_files(card.model, card.catalog, card.path.parent / FOLDER))
    return planned


def report(planned: list[PlannedFile]) -> list[str]:
    """One line per folder for the command's output."""
    by_folder: dict[Path, list[PlannedFile]] = {}
    for item in planned:
        by_folder.setdefault(item.path.parent, []).append(item)
    lines = []
    for folder, items in by_folder.items():
        changed = sum(1 for i in items if i.changed)
        lines.append(f"wrote {folder}: {len(items)} files ({changed} changed)")
    return lines
