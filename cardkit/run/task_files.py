"""Read and check a local task folder (``task.yaml`` + data files) without importing mteb.

Everything is validated before a model is loaded, so a typo in line 500 of a qrels file costs
a second, not a model load and half an evaluation. Each problem is one CardkitError naming the
file, the line and the key.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cardkit.io.errors import CardkitError
from cardkit.io.userfile import DATA_LIMIT, parse_json, read_bytes, read_text
from cardkit.validate import Document, read_yaml_file

TASK_FILE = "task.yaml"
DEFAULT_MAIN_SCORE = {
    "Retrieval": "ndcg_at_10",
    "STS": "cosine_spearman",
    "Classification": "accuracy",
    "PairClassification": "max_ap",
}


@dataclass
class LocalTask:
    """A checked local task: its description and its rows, ready to become an mteb task."""

    folder: Path
    name: str
    type: str
    description: str
    main_score: str
    languages: list[str]
    eval_split: str
    dataset: str
    revision: str
    min_score: float = 0.0
    max_score: float = 5.0
    # Retrieval: the data layout and the cutoffs of the metrics (empty: mteb's own)
    format: str = "beir"
    cutoffs: list[int] = field(default_factory=list)
    corpus: list[dict[str, str]] = field(default_factory=list)
    queries: list[dict[str, str]] = field(default_factory=list)
    qrels: dict[str, dict[str, int]] = field(default_factory=dict)
    # STS, Classification (eval rows and train rows), PairClassification
    rows: list[dict[str, Any]] = field(default_factory=list)
    train_rows: list[dict[str, Any]] = field(default_factory=list)

    def catalog_entry(self) -> dict[str, Any]:
        """What the card catalog needs to know about this task (``BuildRequest.extra_tasks``)."""
        return {
            "type": self.type,
            "dataset": self.dataset,
            "revision": self.revision,
            "main_score": self.main_score,
            "eval_splits": [self.eval_split],
            "languages": list(self.languages),
            "description": self.description,
        }


def _error(message: str, path: Path, where: str | None = None) -> CardkitError:
    return CardkitError(message, path, where)


def _read_spec(folder: Path) -> Document:
    """task.yaml, checked against ``schemas/task.schema.json`` (a new key is one property)."""
    path = folder / TASK_FILE
    if not folder.is_dir():
        raise _error("no such task folder", folder)
    if not path.exists():
        raise _error(f"no {TASK_FILE} in this task folder", folder)
    return read_yaml_file(path, "task", "task file")


def _jsonl(path: Path, required: dict[str, tuple[type, ...]]) -> list[dict[str, Any]]:
    """The rows of a JSON Lines file, each checked for the required keys and their types."""
    if not path.exists():
        raise _error("missing data file", path)
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(_data_lines(path), start=1):
        if not line.strip():
            continue
        row = parse_json(line, path, number)
        if not isinstance(row, dict):
            raise _error("each line must be a JSON object", path, f"line {number}")
        for key, types in required.items():
            if key not in row:
                raise _error(f"missing key '{key}'", path, f"line {number}")
            value = row[key]
            if isinstance(value, bool) or not isinstance(value, types):
                wanted = " or ".join(t.__name__ for t in types)
                raise _error(
                    f"'{key}' must be {wanted}, got {_shown(value)}", path, f"line {number}"
                )
            if isinstance(value, float) and not math.isfinite(value):
                raise _error(f"'{key}' must be a finite number", path, f"line {number}")
        row["_line"] = number
        rows.append(row)
    if not rows:
        raise _error("the file holds no rows", path)
    return rows


def _data_lines(path: Path) -> list[str]:
    """The file's lines, split on line feeds only as JSON Lines are: U+2028, U+2029 and U+0085
    are valid inside a JSON string, where ``str.splitlines`` would cut the row."""
    return [
        line.removesuffix("\r") for line in read_text(path, "data file", DATA_LIMIT).split("\n")
    ]


def _shown(value: object, limit: int = 80) -> str:
    """A value read from a data file, for a message: its repr, cut when it is long (a row may
    hold megabytes)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def _ids(rows: list[dict[str, Any]], path: Path) -> list[dict[str, str]]:
    seen: set[str] = set()
    out = []
    for row in rows:
        key = str(row["_id"])
        if key in seen:
            raise _error(f"duplicate _id {_shown(key)}", path, f"line {row['_line']}")
        seen.add(key)
        item = {"id": key, "text": row["text"]}
        if "title" in row:
            item["title"] = str(row["title"] or "")
        out.append(item)
    return out


def _read_qrels(path: Path, queries: set[str], corpus: set[str]) -> dict[str, dict[str, int]]:
    if not path.exists():
        raise _error("missing qrels file (tab-separated query-id, corpus-id, score)", path)
    lines = _data_lines(path)
    if not lines or lines[0].strip().split("\t") != ["query-id", "corpus-id", "score"]:
        raise _error(
            "the first line must be the header 'query-id<TAB>corpus-id<TAB>score'", path, "line 1"
        )
    qrels: dict[str, dict[str, int]] = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        parts = line.rstrip("\r\n").split("\t")
        if len(parts) != 3:
            raise _error(
                f"expected 3 tab-separated fields, found {len(parts)}", path, f"line {number}"
            )
        query, doc, score = (p.strip() for p in parts)
        try:
            value = int(score)
        except ValueError:
            raise _error(
                f"score {_shown(score)} is not an integer", path, f"line {number}"
            ) from None
        if query not in queries:
            raise _error(
                f"query-id {_shown(query)} is not in queries.jsonl", path, f"line {number}"
            )
        if doc not in corpus:
            raise _error(f"corpus-id {_shown(doc)} is not in corpus.jsonl", path, f"line {number}")
        qrels.setdefault(query, {})[doc] = value
    if not any(score > 0 for docs in qrels.values() for score in docs.values()):
        raise _error("no relevant documents (no row with a score above 0)", path)
    return qrels


_TEXT = (str,)
_ID = (str, int)
_SCORE = (int, float)
_LABEL = (str, int)


def _load_retrieval(task: LocalTask) -> None:
    folder = task.folder
    corpus_path, queries_path = folder / "corpus.jsonl", folder / "queries.jsonl"
    if corpus_path.exists() and not any(line.strip() for line in _data_lines(corpus_path)):
        raise _error(
            "the corpus is empty: add one JSON object per line with _id, title, text", corpus_path
        )
    task.corpus = _ids(_jsonl(corpus_path, {"_id": _ID, "text": _TEXT}), corpus_path)
    task.queries = _ids(_jsonl(queries_path, {"_id": _ID, "text": _TEXT}), queries_path)
    task.qrels = _read_qrels(
        folder / "qrels" / f"{task.eval_split}.tsv",
        {q["id"] for q in task.queries},
        {d["id"] for d in task.corpus},
    )


def _load_sts(task: LocalTask) -> None:
    path = task.folder / f"{task.eval_split}.jsonl"
    rows = _jsonl(path, {"sentence1": _TEXT, "sentence2": _TEXT, "score": _SCORE})
    for row in rows:
        if not task.min_score <= row["score"] <= task.max_score:
            raise _error(
                f"score {row['score']} is outside min_score..max_score "
                f"({task.min_score:g}..{task.max_score:g}; set them in task.yaml)",
                path,
                f"line {row['_line']}",
            )
    if len({row["score"] for row in rows}) < 2:
        raise _error("every pair has the same score: correlation is undefined", path)
    task.rows = rows


def _load_classification(task: LocalTask) -> None:
    train_path = task.folder / "train.jsonl"
    eval_path = task.folder / f"{task.eval_split}.jsonl"
    task.train_rows = _jsonl(train_path, {"text": _TEXT, "label": _LABEL})
    task.rows = _jsonl(eval_path, {"text": _TEXT, "label": _LABEL})
    labels = {row["label"] for row in task.train_rows}
    if len(labels) < 2:
        raise _error("the training rows need at least two different labels", train_path)
    for row in task.rows:
        if row["label"] not in labels:
            raise _error(
                f"label {_shown(row['label'])} never occurs in train.jsonl",
                eval_path,
                f"line {row['_line']}",
            )


def _load_pair_classification(task: LocalTask) -> None:
    path = task.folder / f"{task.eval_split}.jsonl"
    rows = _jsonl(path, {"sentence1": _TEXT, "sentence2": _TEXT, "label": (int,)})
    for row in rows:
        if row["label"] not in (0, 1):
            raise _error(
                f"label must be 0 or 1, got {_shown(row['label'])}", path, f"line {row['_line']}"
            )
    if len({row["label"] for row in rows}) < 2:
        raise _error("the pairs need both labels, 0 and 1", path)
    task.rows = rows


_LOADERS = {
    "Retrieval": _load_retrieval,
    "STS": _load_sts,
    "Classification": _load_classification,
    "PairClassification": _load_pair_classification,
}


# ----------------------------------------------------- retrieval in FlagEmbedding's form

# Retrieval tasks in FlagEmbedding's form: one JSON Lines file of queries and their passages.
#
# Each line is ``{"query": ..., "pos": [...], "neg": [...]}`` (``positive`` / ``negative`` are
# accepted too), the form of FlagEmbedding's evaluation tutorial and of its fine-tuning data. The
# corpus is every passage of the file, each distinct text once (the tutorial matches passages by
# text); a query's relevant documents are its positives. The task is then an ordinary mteb
# retrieval task: mteb's evaluator computes Recall, MRR and nDCG at the task's ``cutoffs``, and
# ``r_cap_at_k`` (mteb's capped recall: relevant found / min(k, relevant)) is what the tutorial
# and FlagEmbedding's MS MARCO script call Recall@k.

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


def _content_hash(folder: Path) -> str:
    """A stable revision for local data: changes whenever a data file changes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(b"\0")
        digest.update(read_bytes(path, "data file", DATA_LIMIT))
    return digest.hexdigest()[:12]


def load_task_folder(folder: Path | str) -> LocalTask:
    """Read ``task.yaml`` and the data files of one local task; every problem is a CardkitError."""
    folder = Path(folder)
    doc = _read_spec(folder)
    data = doc.data

    def text(key: str, default: str) -> str:
        value = data.get(key)
        return default if value is None else value.strip()

    name, task_type = data["name"], data["type"]
    languages = data.get("languages", ["eng-Latn"])
    revision = data.get("revision")
    task = LocalTask(
        folder=folder,
        name=name,
        type=task_type,
        description=text("description", f"Local task {name}."),
        main_score=text("main_score", DEFAULT_MAIN_SCORE[task_type]),
        languages=[languages] if isinstance(languages, str) else list(languages),
        eval_split=text("eval_split", "test"),
        dataset=text("dataset", f"local/{name}"),
        revision=str(revision) if revision is not None else _content_hash(folder),
        min_score=float(data.get("min_score", 0.0)),
        max_score=float(data.get("max_score", 5.0)),
    )
    if task.eval_split == "train" and task_type == "Classification":
        raise doc.error_at(
            ["eval_split"],
            "eval_split cannot be 'train' for Classification (train.jsonl trains the classifier)",
        )
    if task.min_score >= task.max_score:
        raise doc.error_at(["min_score"], "min_score must be below max_score")
    task.format, task.cutoffs = check_retrieval_keys(doc, task)
    if task.format == "flagembedding":
        load_flag_retrieval(task)
    else:
        _LOADERS[task_type](task)
    return task
