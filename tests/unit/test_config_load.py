"""cardkit.yaml loaded: every documented key, paths relative to the file, errors naming file,
line and key (the run: section's too), and the command line winning over the file. (Found as
./cardkit.yaml by the commands: tests/cli/test_config.py.)"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from cardkit.build.config import load_config
from cardkit.cli.build_command import add_build_options, request_from_args
from cardkit.io.errors import CardkitError
from tests.conftest import RESULTS

BGE_ZH = RESULTS / "BAAI__bge-base-zh"


FULL = """\
model_id: org/my-model
name: My Model
description: A model.
license: mit
language: [zh, en]
tags: [chinese]
base_model: org/base
prompts:
  query: "query: "
  passage: "passage: "
results: results/
output: card/README.md
metrics: main
benchmarks: [C-MTEB]
front_matter:
  datasets: [org/data]
template: my.md.j2
chart: false
body: true
replace_sections:
  evaluation: Evaluation Results
tasks:
  MyTask: {type: Retrieval, dataset: org/my-task, main_score: ndcg_at_10}
"""


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_build_options(parser)
    return parser.parse_args(list(argv))


def test_every_documented_key_loads_with_paths_relative_to_the_config(tmp_path: Path):
    path = tmp_path / "cardkit.yaml"
    path.write_text(FULL, encoding="utf-8")
    config = load_config(path)
    assert config.model_id == "org/my-model" and config.name == "My Model"
    assert config.results == [tmp_path / "results"]
    assert config.output == tmp_path / "card" / "README.md"
    assert config.template == tmp_path / "my.md.j2"
    assert config.prompts == {"query": "query: ", "passage": "passage: "}
    assert config.replace_sections == {"evaluation": "Evaluation Results"}
    assert list(config.card_front_matter()) == ["license", "language", "base_model", "datasets"]


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("model_id: org/m\nlicence: mit\n", "line 2 column 1, licence", "did you mean 'license'?"),
        ("model_id: org/m\nchart: yes please\n", "line 2 column 8, chart", "not of type boolean"),
        ("model_id: org/m\nmetrics: every\n", "line 2 column 10, metrics", "'every' is not one of"),
        ("tags:\n  - ok\n  - 3\n", "line 3 column 5, tags[1]", "3 is not of type string"),
        ("prompts:\n  query: q\n  document: d\n", "line 3 column 3, prompts.document", "unknown"),
        ("model_id: [org/m\n", "line 2 column 1", "not valid YAML"),
        ("- just\n- a list\n", "line 1 column 1", "must be a mapping"),
        # The run: section is checked by the same schema, at the same place in the file.
        ("run:\n  model: m\n  batch_sise: 8\n", "line 3 column 3, run.batch_sise", "unknown key"),
        ("run:\n  batch_size: 0\n", "line 2 column 15, run.batch_size", "not a positive integer"),
        ("run:\n  device: tpu\n", "line 2 column 11, run.device", "'tpu' is not one of auto"),
        ("run:\n  prompts: {A: 3}\n", "line 2 column 16, run.prompts.A", "3 is not a prompt"),
        ("run: [a]\n", "line 1 column 6, run", "is not of type object"),
    ],
)
def test_bad_config_errors_name_file_line_and_key(text, where, message, tmp_path: Path):
    path = tmp_path / "cardkit.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CardkitError) as caught:
        load_config(path)
    assert caught.value.path == str(path)
    assert caught.value.where == where
    assert message in caught.value.message


def test_cli_options_win_over_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "cardkit.yaml").write_text(
        f"name: From Config\nresults: {BGE_ZH}\nmetrics: main\nchart: true\noutput: out.md\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    from_config = request_from_args(parse())
    assert from_config.model_name == "From Config" and from_config.metrics == "main"
    assert from_config.results == [BGE_ZH] and from_config.chart is True
    assert from_config.output == Path("cardkit.yaml").parent / "out.md"
    given = request_from_args(
        parse("other", "--model-name", "CLI", "--metrics", "all", "--no-chart", "-o", "cli.md")
    )
    assert given.model_name == "CLI" and given.metrics == "all" and given.chart is False
    assert given.results == [Path("other")] and given.output == Path("cli.md")
    ignored = request_from_args(parse("other", "--no-config"))
    assert ignored.model_name is None and ignored.config is None
