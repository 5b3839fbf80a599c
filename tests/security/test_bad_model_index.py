"""A model-index of the wrong shape, or a source that cannot be listed, is one line naming the
file and the place, never an internal error: in every command that reads results."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import RESULTS, run_cli

pytestmark = pytest.mark.shared

BGE = RESULTS / "BAAI__bge-base-zh" / "no_revision_available"
GOOD_ENTRY = {
    "task": {"type": "STS"},
    "dataset": {
        "type": "C-MTEB/AFQMC",
        "name": "MTEB AFQMC",
        "config": "default",
        "split": "validation",
        "revision": "None",
    },
    "metrics": [{"type": "cos_sim_pearson", "value": 65.6}],
}

# (key of the entry, its bad value, the place and the words of the one line)
BAD_SHAPES = {
    "task is a number": ("task", 5, "results[1].task: 'task' must be a mapping"),
    "task is a list": ("task", ["a"], "results[1].task: 'task' must be a mapping"),
    "metrics is a number": ("metrics", 5, "results[1].metrics: 'metrics' must be a list"),
    "metrics is a mapping": ("metrics", {"a": 1}, "results[1].metrics: 'metrics' must be a list"),
    "a metric is a number": ("metrics", [5], "results[1].metrics[0]: each metric needs 'type'"),
    "a metric type is a list": (
        "metrics",
        [{"type": ["a"], "value": 1}],
        "results[1].metrics[0].type: must be a string",
    ),
    "a config is a list": (
        "dataset",
        {**GOOD_ENTRY["dataset"], "config": ["a"]},
        "results[1].dataset.config: must be a string",
    ),
}
COMMANDS = ("build", "export", "diff", "compare")


def _card(folder: Path, key: str, value: object) -> Path:
    bad = {**GOOD_ENTRY, key: value}
    data = {"model-index": [{"name": "m", "results": [GOOD_ENTRY, bad]}]}
    card = folder / "card.md"
    card.write_text("---\n" + yaml.safe_dump(data, sort_keys=False) + "---\n# m\n")
    return card


def _run(command: str, source: Path, tmp_path: Path):
    args = {
        "build": ("build", source, "-o", tmp_path / "README.md"),
        "export": ("export", source, "-o", tmp_path / "exported"),
        "diff": ("diff", BGE, source),
        "compare": ("compare", BGE, source),
    }[command]
    return run_cli(*args)


def _one_error(result) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", list(BAD_SHAPES))
def test_a_model_index_of_the_wrong_shape_is_one_line(tmp_path, case, command):
    key, value, expected = BAD_SHAPES[case]
    card = _card(tmp_path, key, value)
    line = _one_error(_run(command, card, tmp_path))
    assert line.startswith(f"error: {card}: model-index[0].{expected}"), line
    assert not (tmp_path / "README.md").exists() and not (tmp_path / "exported").exists()


def test_a_dataset_that_is_a_list_is_left_out_with_a_note(tmp_path):
    """Not an MTEB entry (it names no MTEB dataset): left out, and said so."""
    card = _card(tmp_path, "dataset", ["a"])
    result = run_cli("export", card, "-o", tmp_path / "exported")
    assert result.returncode == 0, result.stderr
    assert "left out 1 model-index entries that are not MTEB results: ? " in result.stderr
    assert "(model-index[0].results[1])" in result.stderr


@pytest.mark.parametrize("command", COMMANDS[:1] + COMMANDS[2:])
def test_a_folder_that_cannot_be_listed_is_one_line(tmp_path, command):
    """/proc holds folders nobody but their owner may list (and no results at all)."""
    line = _one_error(_run(command, Path("/proc"), tmp_path))
    assert line.startswith("error: /proc: "), line


def test_a_compare_entry_of_the_config_that_cannot_be_listed_is_one_line(tmp_path):
    config = {"results": str(BGE), "compare": ["/proc"], "output": "README.md"}
    (tmp_path / "cardkit.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    line = _one_error(run_cli("build", cwd=tmp_path))
    assert line.startswith("error: /proc: "), line
    assert not (tmp_path / "README.md").exists()
