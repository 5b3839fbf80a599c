"""Write the Hub's `.eval_results/<Task>.yaml` files: one file per task, one entry per score.

The format is the Hub's ``eval_results.yaml`` (huggingface_hub's ``EvalResultEntry``): a list
of ``{dataset: {id, task_id, revision}, value, date, source: {url, name}, notes}`` and no other
key. The entries are those mteb 2.x's own writer (``TaskResult._to_hf_benchmark_result``) makes
from the same result file, with mteb's current task and subset names so that ``task_id``
matches the benchmarks on the Hub: one per (split, subset) with ``task_id``
``<Task>_<subset>_<split>``, plus the whole-task entry (``task_id`` ``<Task>``, the mean over
the task's evaluation splits and subsets) when all of them are present. Values are main scores
in percent rounded as mteb rounds them. ``dataset.revision`` is the revision the result file
says was evaluated (mteb writes its registry's current one instead); it is left out when that
is not a commit hash.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cardkit.cardtext.frontmatter import dump_yaml
from cardkit.catalog import Catalog, TaskInfo
from cardkit.io.atomic import output_kind, write_text_atomic
from cardkit.io.errors import CardkitError
from cardkit.io.log import log
from cardkit.io.safenames import file_name as safe_file_name
from cardkit.io.safenames import inside, unique_names
from cardkit.io.userfile import read_bytes
from cardkit.model import ModelResults, TaskResult
from cardkit.modelindex import EVAL_RESULTS_FOLDER, card_value, mean_as_numpy, round_as_numpy
from cardkit.validate.checks import is_commit_hash
from cardkit.writers.model_index import main_value, task_info


class CardSource(Protocol):
    """What the `.eval_results/` files of a card are planned from: the card's path, and the
    results and catalog it was made from (a built card has them)."""

    @property
    def path(self) -> Path: ...
    @property
    def model(self) -> ModelResults: ...
    @property
    def catalog(self) -> Catalog: ...


SOURCE_URL = "https://github.com/embeddings-benchmark/mteb/"
SOURCE_NAME = "MTEB"


def task_id(task_name: str, subset: str, split: str) -> str:
    """mteb's id for one (split, subset) of a task: ``AmazonReviewsClassification_zh_test``."""
    return f"{task_name}_{subset}_{split}"


def file_name(task_name: str) -> str:
    """``<Task>.yaml`` as mteb names it, made a safe file name (cardkit.io.safenames)."""
    return safe_file_name(task_name, ".yaml", "task")


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


def hub_revision(revision: str | None) -> str | None:
    """The evaluated revision when it is a commit hash; None (leave it out) otherwise: result
    files also say ``None``, ``1.0`` or ``..._is_a_combined_dataset``."""
    return revision if is_commit_hash(revision) else None


def whole_task_scores(scored: list[tuple[str, str, float]], info: TaskInfo) -> list[float] | None:
    """The main scores mteb averages into the whole-task entry (evaluation splits and the
    task's subsets, in file order), or None unless every one of them is there."""
    if not info.eval_splits or not scored:
        return None
    subsets = set(info.subsets or ("default",))
    wanted = {(split, subset) for split in info.eval_splits for subset in subsets}
    values = [value for split, subset, value in scored if (split, subset) in wanted]
    present = {(split, subset) for split, subset, _ in scored}
    return values if wanted <= present else None


def task_entries(task: TaskResult, catalog: Catalog) -> list[dict[str, Any]]:
    """The entries of one task's file; a (split, subset) without a main score is left out,
    and so is a task with no dataset on the Hub (there is no benchmark to link it to)."""
    info = task_info(catalog, task)
    name = info.name
    dataset_id = catalog.hub_dataset(name)
    if dataset_id is None:
        return []
    revision = hub_revision(task.dataset_revision)
    entries: list[dict[str, Any]] = []
    scored: list[tuple[str, str, float]] = []
    for scores in task.scores:
        value = main_value(scores, info.main_score)
        if value is None:
            continue
        subset = catalog.current_subset(name, scores.subset)
        # mteb rounds each value to 5 decimals after scaling.
        shown = round(card_value(info.main_score or "main_score", value), 5)
        tid = task_id(name, subset, scores.split)
        entries.append(_entry(dataset_id, tid, revision, shown, task))
        scored.append((scores.split, subset, float(value)))
    whole = whole_task_scores(scored, info)
    if whole is not None:
        # mteb averages with numpy and rounds the numpy scalar: the same digits here.
        mean = card_value(info.main_score or "main_score", mean_as_numpy(whole))
        entries.append(_entry(dataset_id, name, revision, round_as_numpy(mean, 5), task))
    return entries


def _entry(
    dataset_id: str, tid: str, revision: str | None, value: float, task: TaskResult
) -> dict[str, Any]:
    dataset: dict[str, Any] = {"id": dataset_id, "task_id": tid}
    if revision is not None:
        dataset["revision"] = revision
    return {"dataset": dataset, "value": value, **_common(task)}


def eval_results_documents(
    model: ModelResults, catalog: Catalog
) -> dict[str, list[dict[str, Any]]]:
    """File name -> entries, tasks in ASCII order; tasks with no main score give no file.

    Files are named after mteb's current task name, as mteb names them.
    """
    documents: dict[str, list[dict[str, Any]]] = {}
    names = []
    without: list[str] = []
    for task in model.sorted_tasks():
        entries = task_entries(task, catalog)
        if entries:
            name = file_name(catalog.canonical_name(task.task_name))
            names.append((task.task_name, name))
            documents[name] = entries
        else:
            without.append(task.task_name)
    unique_names(names, "tasks")
    if without:
        log.info(
            "note: no .eval_results file for %d task(s) without a main score in the file or "
            "a dataset on the Hub: %s",
            len(without),
            ", ".join(without),
        )
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
    card_folder = folder.parent
    for name, text in texts.items():
        path = inside(folder / name, card_folder)
        planned.append(PlannedFile(path, text, _old_text(path)))
    return planned


def _old_text(path: Path) -> str | None:
    """The file there now, to compare with; bytes that are not UTF-8 never equal a new text."""
    if output_kind(path) != "file":
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


def plan_for_cards(cards: Iterable[CardSource]) -> list[PlannedFile]:
    """The `.eval_results/` files beside each planned card, from the results and catalog the
    card was made from. Planned before anything is written, so an error leaves every file
    untouched."""
    planned: list[PlannedFile] = []
    for card in cards:
        planned.extend(plan_files(card.model, card.catalog, card.path.parent / EVAL_RESULTS_FOLDER))
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
