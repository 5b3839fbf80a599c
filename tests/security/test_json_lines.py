"""JSON Lines of a local task are split on line feeds only, as the format says: a raw U+2028,
U+2029 or U+0085 inside a string is valid text, not the end of a row. An error line shows a
bad value cut, never the megabytes a row may hold."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cardkit.io.errors import CardkitError
from cardkit.run.task_files import load_task_folder

TASKS = Path(__file__).resolve().parents[1] / "data" / "tasks"
RETRIEVAL = TASKS / "animal-facts-retrieval"
FLAG = TASKS / "kitchen-questions-flag"


def _copy(src: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(src, tmp_path / src.name))


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_a_unicode_line_separator_inside_a_string_is_text(tmp_path, separator):
    folder = _copy(RETRIEVAL, tmp_path)
    corpus = folder / "corpus.jsonl"
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").split("\n") if line]
    rows[0]["text"] = f"first part{separator}second part"
    corpus.write_text(
        "\r\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\r\n",
        encoding="utf-8",
    )
    assert separator in corpus.read_text(encoding="utf-8")  # raw, not escaped
    task = load_task_folder(folder)
    assert len(task.corpus) == len(rows)
    assert task.corpus[0]["text"] == f"first part{separator}second part"


def test_a_unicode_line_separator_in_a_flagembedding_file_is_text(tmp_path):
    folder = _copy(FLAG, tmp_path)
    data = folder / "test.jsonl"
    lines = data.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[0])
    row["query"] = "boil\u2028an egg"
    data.write_text(
        "\n".join([json.dumps(row, ensure_ascii=False), *lines[1:]]) + "\n", encoding="utf-8"
    )
    task = load_task_folder(folder)
    assert "boil\u2028an egg" in [q["text"] for q in task.queries]


def test_an_error_line_cuts_the_offending_value(tmp_path):
    folder = _copy(RETRIEVAL, tmp_path)
    corpus = folder / "corpus.jsonl"
    lines = corpus.read_text(encoding="utf-8").split("\n")
    lines[1] = json.dumps({"_id": "d2", "title": "", "text": ["x" * 5_000_000]})
    corpus.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CardkitError) as caught:
        load_task_folder(folder)
    message = str(caught.value)
    assert message.startswith(f"{corpus}: line 2: 'text' must be str, got ['xxx"), message
    assert message.endswith("... (5,000,004 characters)"), message[-80:]
    assert len(message) < 300 + len(str(corpus))


def test_a_duplicate_long_id_is_cut(tmp_path):
    folder = _copy(RETRIEVAL, tmp_path)
    corpus = folder / "corpus.jsonl"
    row = json.dumps({"_id": "i" * 1_000_000, "title": "", "text": "t"})
    corpus.write_text(corpus.read_text(encoding="utf-8") + row + "\n" + row + "\n")
    with pytest.raises(CardkitError) as caught:
        load_task_folder(folder)
    assert "duplicate _id 'iiii" in str(caught.value)
    assert len(str(caught.value)) < 300 + len(str(corpus))
