"""`cardkit build --compare` (and `compare:` in cardkit.yaml): other models as rows of every
summary table, with the numbers `cardkit.scores.summary` gives each of them alone."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from cardkit.cardtext.frontmatter import split_card
from cardkit.catalog import load_catalog
from cardkit.readers import read_results
from cardkit.render.sections import choose_sections
from cardkit.reports.tables import type_label
from cardkit.scores.summary import summarize
from tests.cli.test_render import markdown_tables, section_tables
from tests.conftest import REPO, RESULTS, run_cli

pytestmark = pytest.mark.shared

BGE_ZH = RESULTS / "BAAI__bge-base-zh"
DMETA = RESULTS / "DMetaSoul__Dmeta-embedding-zh-small"
PICCOLO = RESULTS / "sensenova__piccolo-base-zh"
MINILM = RESULTS / "sentence-transformers__all-MiniLM-L12-v2"
MEANS = {"Mean (Task)": "mean_task", "Mean (TaskType)": "mean_task_type"}


def _shown(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _meta(folder: Path) -> dict:
    """The model_meta.json of a model's real run (the folder that is not `external`)."""
    [path] = [p for p in folder.glob("*/model_meta.json") if p.parent.name != "external"]
    return json.loads(path.read_text(encoding="utf-8"))


def _summary_tables(card: Path) -> list[dict]:
    body = split_card(card.read_text(encoding="utf-8")).body
    return section_tables(markdown_tables(body))


@pytest.fixture(scope="module")
def compared_card(tmp_path_factory) -> Path:
    card = tmp_path_factory.mktemp("compare") / "README.md"
    done = run_cli("build", BGE_ZH, "-o", card, "--compare", DMETA, "--compare", PICCOLO)
    assert done.returncode == 0, done.stderr
    return card


def test_compared_models_get_the_averages_the_summary_gives_them_alone(compared_card: Path):
    catalog = load_catalog()
    [own] = read_results([BGE_ZH], catalog, None)
    sections = choose_sections(own, catalog).shown
    tables = _summary_tables(compared_card)
    assert [s.benchmark.name for s in sections] == ["C-MTEB", "MTEB(cmn, v1)"]
    assert len(tables) == len(sections)
    for folder in (DMETA, PICCOLO):
        [model] = read_results([folder], catalog, None)
        meta = _meta(folder)
        for section, table in zip(sections, tables):
            alone = summarize(model, catalog, section.benchmark.name)
            [row] = [r for r in table["rows"] if f"[{model.model_name}]" in r[1]]
            cells = dict(zip(table["header"], row))
            assert f"(https://huggingface.co/{model.model_name}" in cells["Model"]
            assert cells["Embedding Dimensions"] == str(meta["embed_dim"])
            assert cells["Max Tokens"] == str(int(meta["max_tokens"]))
            assert cells["Tasks"] == (
                str(alone.expected) if alone.complete else f"{alone.present}/{alone.expected}"
            )
            for header, aggregation in MEANS.items():
                assert cells[header] == _shown(alone.leaderboard_mean(aggregation))
            for task_type in alone.by_type.values():
                header = f"{type_label(task_type.type)} ({task_type.expected})"
                assert cells[header] == _shown(task_type.leaderboard_mean)


def test_the_cards_model_is_in_bold_and_ties_share_a_rank(compared_card: Path):
    catalog = load_catalog()
    tables = _summary_tables(compared_card)
    [own] = [r for r in tables[0]["rows"] if "BAAI/bge-base-zh" in r[1]]
    assert own[1] == "**[BAAI/bge-base-zh](https://huggingface.co/BAAI/bge-base-zh)**"
    # C-MTEB ranks by its Average: only bge-base-zh has every task, the others none.
    [model] = read_results([BGE_ZH], catalog, None)
    assert own[0] == "1" and own[5] == _shown(summarize(model, catalog, "C-MTEB").mean_task)
    # MTEB(cmn, v1): bge-base-zh and piccolo-base-zh have the same Borda count.
    ranks = {r[1].split("](")[0].strip("*["): r[0] for r in tables[1]["rows"]}
    assert ranks["BAAI/bge-base-zh"] == ranks["sensenova/piccolo-base-zh"] == "2"
    body = compared_card.read_text(encoding="utf-8")
    assert "ties share a rank" in body
    # What each lacks is said under the table, once for the models that lack the same.
    assert (
        "DMetaSoul/Dmeta-embedding-zh-small, BAAI/bge-base-zh and sensenova/piccolo-base-zh: "
        "30 of 31 tasks complete; partial, not averaged: MultilingualSentiment (lacks split test)."
    ) in body


def test_a_model_without_results_on_a_benchmark_is_named_not_ranked(tmp_path: Path):
    card = tmp_path / "README.md"
    done = run_cli("build", BGE_ZH, "-o", card, "--compare", MINILM)
    assert done.returncode == 0, done.stderr
    tables = _summary_tables(card)
    assert all(len(t["rows"]) == 1 for t in tables)
    body = card.read_text(encoding="utf-8")
    assert body.count("No result on this benchmark: sentence-transformers/all-MiniLM-L12-v2.") == 2


def test_compare_in_the_config_gives_the_same_card(compared_card: Path, tmp_path: Path):
    config = {
        "results": str(BGE_ZH),
        "compare": [os.path.relpath(DMETA, tmp_path), str(PICCOLO)],  # relative to the config
        "output": "README.md",
    }
    (tmp_path / "cardkit.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    done = run_cli("build", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _summary_tables(tmp_path / "README.md") == _summary_tables(compared_card)


def test_a_compare_source_that_cannot_be_read_is_one_error(tmp_path: Path):
    card = tmp_path / "README.md"
    done = run_cli("build", BGE_ZH, "-o", card, "--compare", tmp_path / "nothing-here")
    assert done.returncode == 1
    assert done.stderr.strip().endswith("nothing-here: no such file or folder")
    assert "Traceback" not in done.stderr and not card.exists()


def test_the_example_card_is_what_its_config_builds(tmp_path: Path):
    """examples/card/README.md, shown in the README's quick start, is up to date."""
    pytest.importorskip("matplotlib")
    examples = REPO / "examples"
    work = tmp_path / "examples"
    shutil.copytree(examples / "results", work / "results")
    shutil.copy(examples / "cardkit.yaml", work / "cardkit.yaml")
    done = run_cli("build", cwd=work)
    assert done.returncode == 0, done.stderr
    built = (work / "card" / "README.md").read_text(encoding="utf-8")
    assert built == (examples / "card" / "README.md").read_text(encoding="utf-8")
    assert sorted(p.name for p in (work / "card" / "assets").iterdir()) == sorted(
        p.name for p in (examples / "card" / "assets").iterdir()
    )
