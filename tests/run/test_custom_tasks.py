"""Local task folders: the shipped examples load; each kind of broken input is one clear error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cardkit.io.errors import CardkitError
from cardkit.run.task_files import load_task_folder

TASKS = Path(__file__).resolve().parents[1] / "data" / "tasks"
RETRIEVAL = TASKS / "animal-facts-retrieval"
STS = TASKS / "sentence-similarity-sts"
CLASSIFICATION = TASKS / "topic-classification"
PAIRS = TASKS / "paraphrase-pairs"


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / src.name
    shutil.copytree(src, dst)
    return dst


def _lines(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def test_shipped_retrieval_task_loads_every_row():
    task = load_task_folder(RETRIEVAL)
    assert (task.name, task.type, task.main_score, task.eval_split) == (
        "AnimalFactsRetrieval",
        "Retrieval",
        "ndcg_at_10",
        "test",
    )
    assert len(task.corpus) == _lines(RETRIEVAL / "corpus.jsonl")
    assert len(task.queries) == _lines(RETRIEVAL / "queries.jsonl")
    assert sum(len(d) for d in task.qrels.values()) == _lines(RETRIEVAL / "qrels" / "test.tsv") - 1
    assert task.qrels["q1"] == {"d1": 1}
    assert task.languages == ["eng-Latn"]


@pytest.mark.parametrize(
    "folder,kind", [(STS, "STS"), (CLASSIFICATION, "Classification"), (PAIRS, "PairClassification")]
)
def test_shipped_tasks_load(folder, kind):
    task = load_task_folder(folder)
    assert task.type == kind
    assert len(task.rows) == _lines(folder / "test.jsonl")
    if kind == "Classification":
        assert len(task.train_rows) == _lines(folder / "train.jsonl")


def test_revision_is_a_hash_of_the_data_and_follows_changes(tmp_path):
    folder = _copy(STS, tmp_path)
    before = load_task_folder(folder).revision
    assert before == load_task_folder(STS).revision
    with (folder / "test.jsonl").open("a") as handle:
        handle.write(json.dumps({"sentence1": "a", "sentence2": "b", "score": 1}) + "\n")
    assert load_task_folder(folder).revision != before


def test_catalog_entry_has_what_the_card_needs():
    entry = load_task_folder(RETRIEVAL).catalog_entry()
    assert entry["type"] == "Retrieval"
    assert entry["dataset"] == "local/AnimalFactsRetrieval"
    assert entry["main_score"] == "ndcg_at_10"
    assert entry["eval_splits"] == ["test"]
    assert entry["languages"] == ["eng-Latn"]


def _error(folder: Path) -> CardkitError:
    with pytest.raises(CardkitError) as info:
        load_task_folder(folder)
    return info.value


def test_qrels_pointing_at_a_missing_document(tmp_path):
    folder = _copy(RETRIEVAL, tmp_path)
    with (folder / "qrels" / "test.tsv").open("a") as handle:
        handle.write("q1\tnot-a-doc\t1\n")
    error = _error(folder)
    assert "corpus-id 'not-a-doc' is not in corpus.jsonl" in error.message
    assert error.path.endswith("test.tsv")
    assert error.where == f"line {_lines(folder / 'qrels' / 'test.tsv')}"


def test_empty_corpus(tmp_path):
    folder = _copy(RETRIEVAL, tmp_path)
    (folder / "corpus.jsonl").write_text("")
    error = _error(folder)
    assert "the corpus is empty" in error.message
    assert error.path.endswith("corpus.jsonl")


def test_malformed_yaml_names_the_line(tmp_path):
    folder = _copy(STS, tmp_path)
    (folder / "task.yaml").write_text("name: X\ntype: [STS\n")
    error = _error(folder)
    assert error.message.startswith("not valid YAML")
    assert error.where.startswith("line ")


@pytest.mark.parametrize(
    "text,where,fragment",
    [
        ("type: STS\n", "line 1 column 1", "'name' is required: the task name"),
        ("name: X\ntype: Clustering\n", "line 2 column 7, type", "'Clustering' is not one of"),
        ("name: X\ntype: STS\nlanguages: [en]\n", "line 3 column 12, languages", "mteb language"),
        ("name: X\ntype: STS\nmain_scor: x\n", "line 3 column 1, main_scor", "unknown key"),
        ("name: X\ntype: STS\nmax_score: high\n", "line 3 column 12, max_score", "not a number"),
        ("name: 'a b'\ntype: STS\n", "line 1 column 7, name", "is not a task name"),
        ("name: " + "A" * 101 + "\ntype: STS\n", "line 1 column 7, name", "is not a task name"),
        ("name: X\ntype: STS\nmin_score: 5\n", "line 3 column 12, min_score", "must be below"),
        ("- name\n", "line 1 column 1", "must be a mapping"),
    ],
)
def test_bad_task_yaml_names_the_line_column_and_key(tmp_path, text, where, fragment):
    folder = _copy(STS, tmp_path)
    (folder / "task.yaml").write_text(text)
    error = _error(folder)
    assert fragment in error.message
    assert error.where == where
    assert error.path.endswith("task.yaml")


def test_missing_task_yaml_and_missing_folder(tmp_path):
    assert "no task.yaml" in _error(tmp_path).message
    assert "no such task folder" in _error(tmp_path / "nope").message


def test_bad_rows_name_file_and_line(tmp_path):
    folder = _copy(PAIRS, tmp_path)
    path = folder / "test.jsonl"
    lines = path.read_text().splitlines()
    lines[2] = json.dumps({"sentence1": "a", "sentence2": "b", "label": 2})
    path.write_text("\n".join(lines) + "\n")
    error = _error(folder)
    assert (error.message, error.where) == ("label must be 0 or 1, got 2", "line 3")
    lines[2] = "{not json"
    path.write_text("\n".join(lines) + "\n")
    assert _error(folder).message.startswith("invalid JSON")


def test_sts_score_outside_the_declared_range(tmp_path):
    folder = _copy(STS, tmp_path)
    with (folder / "test.jsonl").open("a") as handle:
        handle.write(json.dumps({"sentence1": "a", "sentence2": "b", "score": 7}) + "\n")
    assert "outside min_score..max_score" in _error(folder).message


def test_classification_label_unseen_in_training(tmp_path):
    folder = _copy(CLASSIFICATION, tmp_path)
    with (folder / "test.jsonl").open("a") as handle:
        handle.write(json.dumps({"text": "A poem about rain.", "label": "poetry"}) + "\n")
    assert "never occurs in train.jsonl" in _error(folder).message


def test_duplicate_document_id(tmp_path):
    folder = _copy(RETRIEVAL, tmp_path)
    with (folder / "corpus.jsonl").open("a") as handle:
        handle.write(json.dumps({"_id": "d1", "title": "", "text": "again"}) + "\n")
    assert _error(folder).message == "duplicate _id 'd1'"


def test_mteb_task_objects_hold_the_rows():
    pytest.importorskip("mteb", reason="mteb is not installed (pip install 'cardkit[run]')")
    from mteb.abstasks.classification import AbsTaskClassification
    from mteb.abstasks.pair_classification import AbsTaskPairClassification
    from mteb.abstasks.retrieval import AbsTaskRetrieval
    from mteb.abstasks.sts import AbsTaskSTS

    from cardkit.run.custom_tasks import make_mteb_task

    expected = {
        RETRIEVAL: AbsTaskRetrieval,
        STS: AbsTaskSTS,
        CLASSIFICATION: AbsTaskClassification,
        PAIRS: AbsTaskPairClassification,
    }
    for folder, base in expected.items():
        local = load_task_folder(folder)
        task = make_mteb_task(local)
        assert isinstance(task, base)
        assert task.metadata.name == local.name
        assert task.metadata.main_score == local.main_score
        assert task.metadata.dataset == {"path": local.dataset, "revision": local.revision}
        task.load_data()
        if base is AbsTaskRetrieval:
            split = task.dataset["default"]["test"]
            assert len(split["corpus"]) == len(local.corpus)
            assert set(split["queries"]["id"]) == set(local.qrels)
        elif base is AbsTaskClassification:
            assert len(task.dataset["train"]) == len(local.train_rows)
            assert len(task.dataset["test"]) == len(local.rows)
        else:
            assert len(task.dataset["test"]) == len(local.rows)
