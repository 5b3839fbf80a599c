"""Checks `cardkit run` makes before any model loads: FlagEmbedding-form task files, the new
run: keys and option combinations. None of these imports mteb or torch, so each is instant."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from cardkit.io.errors import CardkitError
from cardkit.run.task_files import load_task_folder
from tests.conftest import run_cli
from tests.run_helpers import FLAG, STS


def _flag_task(tmp_path, rows: list[dict], **spec) -> object:
    folder = tmp_path / "task"
    folder.mkdir()
    base = {"name": "T", "type": "Retrieval", "format": "flagembedding", **spec}
    (folder / "task.yaml").write_text(yaml.safe_dump(base))
    (folder / "test.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return folder


def test_the_shipped_flag_task_becomes_corpus_queries_and_qrels():
    task = load_task_folder(FLAG)
    rows = [json.loads(line) for line in (FLAG / "test.jsonl").read_text().splitlines()]
    passages = {p for row in rows for p in row["pos"] + row["neg"]}
    assert len(task.corpus) == len(passages) < sum(len(r["pos"]) + len(r["neg"]) for r in rows)
    assert [q["text"] for q in task.queries] == [row["query"] for row in rows]
    texts = {d["id"]: d["text"] for d in task.corpus}
    for query, row in zip(task.queries, rows):
        assert {texts[d] for d in task.qrels[query["id"]]} == set(row["pos"])
    assert task.cutoffs == [1, 3, 5, 10, 100]


def test_positive_and_negative_are_accepted_too(tmp_path):
    rows = [{"query": "q", "positive": ["a", "b"], "negative": ["c"], "pos_scores": [1, 1]}]
    task = load_task_folder(_flag_task(tmp_path, rows))
    assert [d["text"] for d in task.corpus] == ["a", "b", "c"]
    assert task.qrels == {"q1": {"d1": 1, "d2": 1}}


@pytest.mark.parametrize(
    "row, message",
    [
        ({"query": "q", "neg": ["a"]}, "line 1: missing key 'pos' (or 'positive')"),
        ({"query": "q", "pos": ["a"], "positive": ["a"]}, "give 'pos' or 'positive', not both"),
        ({"query": "q", "pos": []}, "'pos' is empty: a query needs a relevant passage"),
        ({"query": "q", "pos": ["a", 3]}, "'pos' must be a list of non-empty strings"),
        ({"query": "q", "pos": ["a"], "neg": ["a"]}, "a passage is both positive and negative"),
        ({"query": "q", "pos": ["a"], "postive": ["b"]}, "unknown key 'postive'"),
        ({"query": "q", "pos": ["a"], "prompt": "p: "}, "per-line prompts are not supported"),
        ({"pos": ["a"]}, "line 1: missing key 'query'"),
    ],
)
def test_a_bad_line_is_one_error_naming_the_file_and_line(tmp_path, row, message):
    folder = _flag_task(tmp_path, [row])
    with pytest.raises(CardkitError) as caught:
        load_task_folder(folder)
    assert str(folder / "test.jsonl") in str(caught.value)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"format": "msmarco"}, "format: 'msmarco' is not one of beir, flagembedding"),
        ({"cutoffs": [10, 10]}, "cutoffs: [10, 10] is not a list of distinct positive integers"),
        ({"cutoffs": [1, 5]}, "main_score ndcg_at_10 is not computed with cutoffs [1, 5]"),
        ({"type": "STS"}, "format: 'format' applies to Retrieval tasks only"),
    ],
)
def test_task_yaml_format_and_cutoffs_are_checked(tmp_path, spec, message):
    folder = _flag_task(tmp_path, [{"query": "q", "pos": ["a"]}], **spec)
    with pytest.raises(CardkitError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_task_folder(folder)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "a", "--model", "b", "--model-name", "x"], "2 models but 1 --model-name"),
        (["--model", "a", "--model", "a"], "a model is given twice"),
        (["--model", "a", "--top-k", "0"], "--top-k must be a positive integer"),
        (["--model", "a", "--ray-address", "auto"], "--ray-address needs --executor ray"),
        (
            ["--model", "a", "--model", "b", "--build"],
            "with several models, --build writes one card per model: give --card a folder",
        ),
    ],
)
def test_option_combinations_that_cannot_work(tmp_path, args, message):
    result = run_cli("run", *args, "--custom-task", STS, "-o", tmp_path / "r", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.count("error:") == 1 and message in result.stderr, result.stderr


@pytest.mark.parametrize(
    "run, message",
    [
        ({"reranker": {"model": "r", "kind": "x"}}, "run.reranker.kind: unknown key 'kind'"),
        (
            {"reranker": {"model": "r", "type": "colbert"}},
            "run.reranker.type: 'colbert' is not one of cross-encoder, bi-encoder",
        ),
        ({"reranker": {"type": "bi-encoder"}}, "run.reranker: 'model' is required"),
        ({"executor": "spark"}, "run.executor: 'spark' is not one of local, ray"),
        ({"models": ["a", 3]}, "run.models[1]: 3 is not of type string"),
    ],
)
def test_new_run_keys_are_checked_with_their_line(tmp_path, run, message):
    (tmp_path / "cardkit.yaml").write_text(yaml.safe_dump({"run": {"output": "r", **run}}))
    shutil.copytree(STS, tmp_path / "sts")
    result = run_cli("run", "--custom-task", "sts", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: cardkit.yaml: line ")
    assert message in result.stderr, result.stderr
