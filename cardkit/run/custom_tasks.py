"""Local tasks as real mteb 2.x task objects, evaluated by mteb's own evaluators.

Each task subclasses mteb's ``AbsTask*`` class with a ``TaskMetadata`` and overrides only
``load_data``, so that the rows checked by :mod:`cardkit.run.task_files` land in the layout
each task class expects (mteb 2.x: retrieval uses ``RetrievalSplitData``, the other types a
``DatasetDict`` keyed by split). This module imports mteb: only ``cardkit run`` loads it.
"""

from __future__ import annotations

from typing import Any

from datasets import Dataset, DatasetDict
from mteb._evaluators.retrieval_metrics import recall_cap
from mteb.abstasks.classification import AbsTaskClassification
from mteb.abstasks.pair_classification import AbsTaskPairClassification
from mteb.abstasks.retrieval import AbsTaskRetrieval
from mteb.abstasks.retrieval_dataset_loaders import RetrievalSplitData
from mteb.abstasks.sts import AbsTaskSTS
from mteb.abstasks.task_metadata import TaskMetadata

from cardkit.run.task_files import LocalTask


def _metadata(task: LocalTask) -> TaskMetadata:
    return TaskMetadata(
        name=task.name,
        description=task.description,
        dataset={"path": task.dataset, "revision": task.revision},
        type=task.type,
        category="t2t",
        modalities=["text"],
        eval_splits=[task.eval_split],
        eval_langs=list(task.languages),
        main_score=task.main_score,
        reference=None,
        date=None,
        domains=None,
        task_subtypes=None,
        license=None,
        annotations_creators=None,
        dialect=None,
        sample_creation=None,
        bibtex_citation="",
    )


def _retrieval_load(self: Any, num_proc: int | None = None, **kwargs: Any) -> None:
    if self.data_loaded:
        return
    task: LocalTask = self.local_task
    corpus = Dataset.from_list(
        [{"id": d["id"], "title": d.get("title", ""), "text": d["text"]} for d in task.corpus]
    )
    queries = Dataset.from_list(
        [{"id": q["id"], "text": q["text"]} for q in task.queries if q["id"] in task.qrels]
    )
    split = RetrievalSplitData(
        corpus=corpus, queries=queries, relevant_docs=task.qrels, top_ranked=None
    )
    self.dataset = {"default": {task.eval_split: split}}
    self.data_loaded = True


def _label_ids(task: LocalTask) -> dict[Any, int]:
    return {
        label: i for i, label in enumerate(sorted({r["label"] for r in task.train_rows}, key=str))
    }


def _classification_load(self: Any, num_proc: int | None = None, **kwargs: Any) -> None:
    if self.data_loaded:
        return
    task: LocalTask = self.local_task
    ids = _label_ids(task)

    def rows(items: list[dict[str, Any]]) -> Dataset:
        return Dataset.from_dict(
            {"text": [r["text"] for r in items], "label": [ids[r["label"]] for r in items]}
        )

    self.dataset = DatasetDict({"train": rows(task.train_rows), task.eval_split: rows(task.rows)})
    self.data_loaded = True


def _sts_load(self: Any, num_proc: int | None = None, **kwargs: Any) -> None:
    if self.data_loaded:
        return
    task: LocalTask = self.local_task
    data = {
        "sentence1": [r["sentence1"] for r in task.rows],
        "sentence2": [r["sentence2"] for r in task.rows],
        "score": [float(r["score"]) for r in task.rows],
    }
    self.dataset = DatasetDict({task.eval_split: Dataset.from_dict(data)})
    self.data_loaded = True


def _pair_load(self: Any, num_proc: int | None = None, **kwargs: Any) -> None:
    if self.data_loaded:
        return
    task: LocalTask = self.local_task
    data = {
        "sentence1": [r["sentence1"] for r in task.rows],
        "sentence2": [r["sentence2"] for r in task.rows],
        "labels": [int(r["label"]) for r in task.rows],
    }
    self.dataset = DatasetDict({task.eval_split: Dataset.from_dict(data)})
    self.data_loaded = True


def _capped_recall(
    self: Any, scores: Any, qrels: Any, results: Any, hf_split: str, hf_subset: str
) -> dict[str, float]:
    """mteb's capped recall (relevant found / min(k, relevant)): FlagEmbedding's Recall@k."""
    capped = recall_cap(qrels, results, self.k_values)
    out = {}
    for key, values in capped.items():
        kept = [v for v in values if v is not None]
        out[key.lower()] = sum(kept) / len(kept) if kept else 0.0
    return out


_BASES: dict[str, tuple[type, Any]] = {
    "Retrieval": (AbsTaskRetrieval, _retrieval_load),
    "STS": (AbsTaskSTS, _sts_load),
    "Classification": (AbsTaskClassification, _classification_load),
    "PairClassification": (AbsTaskPairClassification, _pair_load),
}


def make_mteb_task(task: LocalTask) -> Any:
    """An instance of a new ``AbsTask*`` subclass for the local task."""
    base, loader = _BASES[task.type]
    attributes: dict[str, Any] = {
        "metadata": _metadata(task),
        "local_task": task,
        "load_data": loader,
        "__module__": __name__,
        "__doc__": task.description,
    }
    if task.cutoffs:
        attributes["k_values"] = tuple(task.cutoffs)
    if task.format == "flagembedding":
        attributes["task_specific_scores"] = _capped_recall
    if task.type == "STS":
        attributes["min_score"] = task.min_score
        attributes["max_score"] = task.max_score
    cls = type(f"{task.name.replace('-', '_').replace('.', '_')}Task", (base,), attributes)
    return cls()
