"""cardkit.yaml through the commands: a bad one is one error line, and `build` and `check` find
it as ./cardkit.yaml. (Loading, errors and merging with the command line:
tests/unit/test_config_load.py.)"""

from __future__ import annotations

from pathlib import Path

import yaml

from cardkit.cardtext.frontmatter import split_card
from tests.conftest import run_cli
from tests.unit.test_config_load import BGE_ZH


def test_bad_config_through_the_cli_is_one_line(tmp_path: Path):
    (tmp_path / "cardkit.yaml").write_text("model_id: org/m\nchart: 3\n", encoding="utf-8")
    done = run_cli("build", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == "error: cardkit.yaml: line 2 column 8, chart: 3 is not of type boolean\n"


def test_build_without_arguments_uses_the_cardkit_yaml_here(tmp_path: Path):
    (tmp_path / "cardkit.yaml").write_text(
        f"model_id: org/zh\nname: zh-model\nlicense: apache-2.0\nlanguage: zh\nresults: {BGE_ZH}\n"
        "front_matter:\n  datasets: [org/train]\n",
        encoding="utf-8",
    )
    done = run_cli("build", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    card = split_card((tmp_path / "README.md").read_text(encoding="utf-8"))
    data = yaml.safe_load(card.yaml_text)
    assert list(data) == [
        "tags",
        "model-index",
        "library_name",
        "pipeline_tag",
        "license",
        "language",
        "datasets",
    ]
    assert data["model-index"][0]["name"] == "zh-model"
    assert data["license"] == "apache-2.0" and data["datasets"] == ["org/train"]
    assert "# zh-model" in card.body and 'SentenceTransformer("org/zh")' in card.body


def test_config_with_explicit_path_and_no_results_is_a_clear_error(tmp_path: Path):
    (tmp_path / "project.yaml").write_text("model_id: org/m\n", encoding="utf-8")
    done = run_cli("build", "--config", tmp_path / "project.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert "give the result files or folders to build from" in done.stderr
    done = run_cli("build", "--config", tmp_path / "missing.yaml", cwd=tmp_path)
    assert done.returncode == 1 and "missing.yaml: no such config file" in done.stderr
