"""Read the model-index of an existing card back into results (percentages divided by 100).

Only MTEB results are results here: the author's other entries (a GLUE score) are left out,
with one line naming them. A card copied from the rendered Hub page (every front-matter line
wrapped in '|', fences '--- |') is read too, once unwrapped, so that whoever has only such a
copy gets the results back; `cardkit validate` refuses it all the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cardkit.cardtext.frontmatter import load_front_matter, split_card, web_paste
from cardkit.io.errors import CardkitError
from cardkit.io.log import log
from cardkit.io.userfile import read_text
from cardkit.model import ModelResults, SubsetScores, TaskResult
from cardkit.modelindex import entry_subset, is_mteb_result, is_percentage, parse_dataset_name
from cardkit.readers.mteb_json import finite_float


def card_results(data: dict[str, Any], path: Path) -> list[ModelResults]:
    """One `ModelResults` per model-index entry of the card's metadata."""
    model_index = data.get("model-index")
    if not isinstance(model_index, list) or not model_index:
        raise CardkitError("the card has no model-index to read results from", path, "model-index")
    models = []
    others: list[str] = []
    for m_index, entry in enumerate(model_index):
        where = f"model-index[{m_index}]"
        if not isinstance(entry, dict):
            raise CardkitError("must be a mapping", path, where)
        model = ModelResults(model_name=entry.get("name"), revision=None, source=path)
        results = entry.get("results") or []
        if not isinstance(results, list):
            raise CardkitError("'results' must be a list", path, f"{where}.results")
        for r_index, result in enumerate(results):
            r_where = f"{where}.results[{r_index}]"
            if isinstance(result, dict) and not is_mteb_result(result):
                dataset = result.get("dataset")
                label = dataset.get("name") if isinstance(dataset, dict) else None
                others.append(f"{label or '?'} ({r_where})")
                continue
            _add_result(model, result, path, r_where)
        models.append(model)
    if others:
        log.info(
            "note: %s: left out %d model-index entries that are not MTEB results: %s",
            path,
            len(others),
            "; ".join(others),
        )
    return models


def _add_result(model: ModelResults, result: Any, path: Path, where: str) -> None:
    if not isinstance(result, dict):
        raise CardkitError("must be a mapping", path, where)
    dataset = result.get("dataset") or {}
    if not isinstance(dataset, dict):
        raise CardkitError("'dataset' must be a mapping", path, f"{where}.dataset")
    if not isinstance(result.get("task") or {}, dict):
        raise CardkitError("'task' must be a mapping", path, f"{where}.task")
    if not isinstance(result.get("metrics") or [], list):
        raise CardkitError("'metrics' must be a list", path, f"{where}.metrics")
    for key in ("name", "type", "config", "split", "revision"):
        if isinstance(dataset.get(key), (dict, list)):
            raise CardkitError(
                "must be a string, not a list or mapping", path, f"{where}.dataset.{key}"
            )
    name = str(dataset.get("name") or dataset.get("type") or "")
    parsed = parse_dataset_name(name)
    if parsed is None:
        raise CardkitError("dataset.name is missing", path, f"{where}.dataset.name")
    task_name, named_subset = parsed
    subset = entry_subset(dataset.get("config"), named_subset)
    split = str(dataset.get("split") or "test")
    revision = dataset.get("revision")
    metrics: dict[str, float] = {}
    for m_index, metric in enumerate(result.get("metrics") or []):
        m_where = f"{where}.metrics[{m_index}]"
        if not isinstance(metric, dict) or "type" not in metric:
            raise CardkitError("each metric needs 'type' and 'value'", path, m_where)
        if isinstance(metric["type"], (dict, list)):
            raise CardkitError("must be a string, not a list or mapping", path, f"{m_where}.type")
        value = finite_float(metric.get("value"))
        if value is None:
            shown = repr(metric.get("value"))[:80]
            raise CardkitError(
                f"metric value must be a finite number, got {shown}", path, f"{m_where}.value"
            )
        name = str(metric["type"])
        metrics[name] = value / 100 if is_percentage(name) else float(value)
    task = model.tasks.get(task_name)
    if task is None:
        task = model.tasks[task_name] = TaskResult(
            task_name=task_name,
            scores=[],
            dataset_revision=None if revision is None else str(revision),
            source=path,
        )
    task.scores.append(SubsetScores(split=split, subset=subset, metrics=metrics))


def read_card(path: Path) -> list[ModelResults]:
    text = read_text(path, "card")
    pasted = web_paste(text)
    if pasted is not None:
        line, text = pasted
        log.warning(
            "%s: line %d: this card was copied from a rendered web page (its metadata lines are "
            "wrapped in '|'): reading its model-index from the unwrapped lines",
            path,
            line,
        )
    card = split_card(text, path)
    if not card.has_front_matter:
        raise CardkitError("the card has no YAML front matter (no '---' on line 1)", path)
    return card_results(load_front_matter(card, path), path)
