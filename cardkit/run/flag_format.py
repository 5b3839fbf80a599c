"""Retrieval tasks in FlagEmbedding's form: one JSON Lines file of queries and their passages.

Each line is ``{"query": ..., "pos": [...], "neg": [...]}`` (``positive`` / ``negative`` are
accepted too), the form of FlagEmbedding's evaluation tutorial and of its fine-tuning data. The
corpus is every passage of the file, each distinct text once (the tutorial matches passages by
text); a query's relevant documents are its positives. The task is then an ordinary mteb
retrieval task: mteb's evaluator computes Recall, MRR and nDCG at the task's ``cutoffs``, and
``r_cap_at_k`` (mteb's capped recall: relevant found / min(k, relevant)) is what the tutorial
and FlagEmbedding's MS MARCO script call Recall@k.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cardkit.io.errors import CardkitError
from cardkit.run.task_files import LocalTask, _jsonl
from cardkit.validate import Document

_POSITIVE = ("pos", "positive")
_NEGATIVE = ("neg", "negative")
# Keys of FlagEmbedding's training data that say nothing about relevance.
_IGNORED = ("pos_scores", "neg_scores", "type")
_AT_K = re.compile(r"[a-z_]+_at_(\d+)")


def check_retrieval_keys(doc: Document, task: LocalTask) -> tuple[str, list[int]]:
    """task.yaml's ``format`` and ``cutoffs`` (types checked by its schema): Retrieval only, and
    the main score must be one the cutoffs compute."""
    data = doc.data
    for key in ("format", "cutoffs"):
        if key in data and task.type != "Retrieval":
            raise doc.error_at([key], f"'{key}' applies to Retrieval tasks only")
    cutoffs = data.get("cutoffs")
    if cutoffs is None:
        return data.get("format", "beir"), []
    computed = sorted(set(cutoffs) | {1})  # mteb always needs @1: its accuracy is recall@1
    match = _AT_K.fullmatch(task.main_score)
    if match and int(match.group(1)) not in computed:
        raise doc.error_at(
            ["main_score"] if "main_score" in data else ["cutoffs"],
            f"main_score {task.main_score} is not computed with cutoffs {cutoffs}: add "
            f"{match.group(1)} to cutoffs or choose another main_score",
        )
    return data.get("format", "beir"), computed


def _passages(row: dict[str, Any], keys: tuple[str, str], path: Path, required: bool) -> list[str]:
    given = [key for key in keys if key in row]
    where = f"line {row['_line']}"
    if len(given) > 1:
        raise CardkitError(f"give '{keys[0]}' or '{keys[1]}', not both", path, where)
    if not given:
        if required:
            raise CardkitError(f"missing key '{keys[0]}' (or '{keys[1]}')", path, where)
        return []
    value = row[given[0]]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CardkitError(f"'{given[0]}' must be a list of non-empty strings", path, where)
    if required and not value:
        raise CardkitError(f"'{given[0]}' is empty: a query needs a relevant passage", path, where)
    return value


def load_flag_retrieval(task: LocalTask) -> None:
    """Corpus, queries and qrels of ``<eval_split>.jsonl`` in FlagEmbedding's form."""
    path = task.folder / f"{task.eval_split}.jsonl"
    rows = _jsonl(path, {"query": (str,)})
    known = {"query", "_line", *_POSITIVE, *_NEGATIVE, *_IGNORED}
    doc_ids: dict[str, str] = {}

    def doc_id(text: str) -> str:
        return doc_ids.setdefault(text, f"d{len(doc_ids) + 1}")

    for row in rows:
        where = f"line {row['_line']}"
        for key in row:
            if key == "prompt":
                raise CardkitError(
                    "per-line prompts are not supported: set the task's prompt with --prompt "
                    "or run.prompts in cardkit.yaml",
                    path,
                    where,
                )
            if key not in known:
                raise CardkitError(
                    f"unknown key '{key}' (known keys: query, pos, neg, positive, negative)",
                    path,
                    where,
                )
        if not row["query"].strip():
            raise CardkitError("'query' is empty", path, where)
        positives = _passages(row, _POSITIVE, path, required=True)
        negatives = _passages(row, _NEGATIVE, path, required=False)
        both = set(positives) & set(negatives)
        if both:
            raise CardkitError(
                f"a passage is both positive and negative: {sorted(both)[0][:60]!r}", path, where
            )
        query = f"q{len(task.queries) + 1}"
        task.queries.append({"id": query, "text": row["query"]})
        task.qrels[query] = {doc_id(text): 1 for text in positives}
        for text in negatives:
            doc_id(text)
    task.corpus = [{"id": ident, "text": text} for text, ident in doc_ids.items()]
