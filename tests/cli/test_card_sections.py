"""Sections by coverage, on the real folders: a benchmark average only for a benchmark the
model was really run on, the others named in one line; a card body that stays small."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from cardkit.cardtext.frontmatter import split_card
from cardkit.catalog import load_catalog
from cardkit.readers import read_results
from cardkit.scores.summary import summarize
from tests.cli.test_render import PER_TASK_HEADER, markdown_tables
from tests.conftest import REPO, RESULTS, run_cli

pytestmark = pytest.mark.shared

QUICK_START = REPO / "examples" / "results" / "BAAI__bge-base-zh"
QWEN3 = RESULTS / "Qwen__Qwen3-Embedding-0.6B"
T5_LEGACY = RESULTS / "sentence-transformers__sentence-t5-base" / "no_revision_available"


def _build(results: Path, card: Path, *options: str) -> str:
    done = run_cli("build", results, "-o", card, *options)
    assert done.returncode == 0, done.stderr
    return split_card(card.read_text(encoding="utf-8")).body


def _sections(body: str) -> list[str]:
    evaluation = body.split("## Evaluation", 1)[1].split("### Per task", 1)[0]
    return re.findall(r"^### (.+)$", evaluation, flags=re.M)


def _also_line(body: str) -> str:
    [line] = [x for x in body.splitlines() if x.startswith("Also evaluated")]
    return line


def test_quick_start_card_shows_the_benchmarks_it_covers(tmp_path: Path):
    body = _build(QUICK_START, tmp_path / "README.md")
    assert _sections(body) == ["C-MTEB", "MTEB(cmn, v1)"]
    line = _also_line(body)
    for part in (
        "2 of 12 tasks of MTEB(Medical, v1)",
        "4 of 132 tasks of MTEB(Multilingual, v1)",
        "4 of 131 tasks of MTEB(Multilingual, v2)",
    ):
        assert part in line
    assert not re.search(r"\d\.\d", line)  # no average for a benchmark barely run
    # MTEB(cmn, v1) is shown with its one partial task named, and no mean (as mteb's
    # leaderboard, `cardkit compare` and `cardkit diff` show none).
    catalog = load_catalog()
    [model] = read_results([QUICK_START], catalog, None)
    cmn = summarize(model, catalog, "MTEB(cmn, v1)")
    assert [t.task for t in cmn.partial] == ["MultilingualSentiment"]
    assert "Partial, not averaged: MultilingualSentiment (lacks split test)." in body
    assert cmn.mean_task is None
    assert "| 30/31, incomplete | – | – |" in body


def test_a_named_benchmark_gets_a_section_whatever_its_coverage(tmp_path: Path):
    body = _build(QUICK_START, tmp_path / "README.md", "--benchmark", "MTEB(Medical, v1)")
    assert _sections(body) == ["MTEB(Medical, v1)"]
    assert "2 of 12 tasks complete" in body
    assert "35 of 35 tasks of C-MTEB" in _also_line(body)


def test_legacy_sentence_t5_folder_shows_only_what_it_covers(tmp_path: Path):
    body = _build(T5_LEGACY, tmp_path / "README.md")
    # BEIR: 15 of 15 tasks complete; MTEB(eng, v1): 53 of 56. Nothing else comes near. The
    # more prominent benchmark first.
    assert _sections(body) == ["MTEB(eng, v1)", "BEIR"]
    assert "1 of 20 tasks of MTEB(Indic, v1)" in _also_line(body)
    assert "MTEB(Indic" not in body.replace(_also_line(body), "")


def test_qwen3_card_body_stays_small_and_the_whole_card_validates(tmp_path: Path):
    card = tmp_path / "README.md"
    body = _build(QWEN3, card)
    assert len(body.encode("utf-8")) < 60 * 1024
    [per_task] = [t for t in markdown_tables(body) if t["header"] == PER_TASK_HEADER]
    tasks = [row[0] for row in per_task["rows"] if row[2]]  # the others name a task type
    assert len(set(tasks)) == len(tasks) == 408
    done = run_cli("validate", card)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_card_says_which_metrics_its_model_index_holds(tmp_path: Path):
    """A card over the size a default card is kept under carries main scores only, and says
    so."""
    folder = tmp_path / "results" / "Qwen__Qwen3-Embedding-0.6B" / "b22da495"
    folder.mkdir(parents=True)
    source = next(QWEN3.iterdir())
    for name in ("AFQMC.json", "STS22.json", "model_meta.json"):
        shutil.copy(source / name, folder / name)
    data = json.loads((folder / "AFQMC.json").read_text())
    data["scores"]["validation"][0].update({f"extra_{i}": 0.5 for i in range(400_000)})
    (folder / "AFQMC.json").write_text(json.dumps(data))
    body = _build(folder, tmp_path / "README.md")
    assert (
        "This card's metadata (`model-index`) holds each task's main score only: with every "
        "metric the card would be over 1 MB; the result files have them all."
    ) in body
    main = _build(QUICK_START, tmp_path / "main.md", "--metrics", "main")
    assert "holds each task's main score; the result files have every metric." in main
    default = _build(QUICK_START, tmp_path / "default.md")
    assert "holds every metric of every task, diagnostics (nAUC, thresholds) aside." in default


def test_qwen3_card_with_every_metric_still_validates(tmp_path: Path):
    card = tmp_path / "README.md"
    body = _build(QWEN3, card, "--metrics", "all")
    assert "holds every metric of every task." in body
    assert card.stat().st_size <= 10 * 1024 * 1024
    done = run_cli("validate", card)
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_english_models_card_opens_on_english_benchmarks(tmp_path: Path):
    # Qwen3-Embedding-0.6B's results (20 sections), as if its model_meta.json named English
    # only: the card opens on MTEB(eng, v2), and the mostly Chinese benchmarks come after the
    # English ones.
    folder = tmp_path / "org__english" / "rev"
    shutil.copytree(next(QWEN3.iterdir()), folder)
    meta = json.loads((folder / "model_meta.json").read_text(encoding="utf-8"))
    (folder / "model_meta.json").write_text(
        json.dumps({**meta, "languages": ["eng-Latn"]}), encoding="utf-8"
    )
    sections = _sections(_build(folder, tmp_path / "README.md"))
    assert sections[0] == "MTEB(eng, v2)"
    for chinese in ("C-MTEB", "MTEB(cmn, v1)"):
        for english in ("MTEB(eng, v1)", "BEIR", "BRIGHT-Pro"):
            assert sections.index(chinese) > sections.index(english)


def test_many_sections_fold_under_an_overview(tmp_path: Path):
    body = _build(QWEN3, tmp_path / "README.md")
    sections = _sections(body)
    assert len(sections) > 4
    [overview] = [t for t in markdown_tables(body) if t["header"][:1] == ["Benchmark"]]
    assert [row[0] for row in overview["rows"]] == sections
    for name in sections:  # each section's tables and notes fold under its heading
        assert f"### {name}\n\n<details>\n<summary>{name}: scores by task type" in body
    few = _build(QUICK_START, tmp_path / "few.md")
    assert "<summary>C-MTEB:" not in few
