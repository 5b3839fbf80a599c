"""The default card of a model run on hundreds of tasks stays readable and says when it is
large; `--metrics all` never writes less than the default."""

from __future__ import annotations

import shutil
from pathlib import Path

from cardkit.cardtext.frontmatter import split_card
from tests.conftest import RESULTS, run_cli

QWEN3 = RESULTS / "Qwen__Qwen3-Embedding-0.6B"  # 408 tasks, 6,175 model-index entries
E5_SMALL = RESULTS / "intfloat__multilingual-e5-small"
CARD_BUDGET = 1024 * 1024
BODY_LIMIT = 60 * 1024


def test_a_408_task_card_has_a_short_body_and_says_why_it_is_large(tmp_path: Path):
    card = tmp_path / "README.md"
    done = run_cli("build", QWEN3, "-o", card, "--no-config")
    assert done.returncode == 0, done.stderr
    text = card.read_text(encoding="utf-8")
    body = split_card(text).body
    assert len(body.encode("utf-8")) < BODY_LIMIT
    size = len(text.encode("utf-8"))
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    if size > CARD_BUDGET:  # said in one line, with how to make it smaller
        [line] = [w for w in warnings if "kept under" in w]
        assert f"the card is {size / 1024 / 1024:.1f} MB with each task's main score only" in line
        assert "every metric" not in line  # beside the point: the main scores alone are over
        assert "build it from the result files of fewer tasks" in line
    every = tmp_path / "all.md"
    done = run_cli("build", QWEN3, "-o", every, "--no-config", "--metrics", "all")
    assert done.returncode == 0, done.stderr
    assert every.stat().st_size > card.stat().st_size


def test_a_per_task_table_too_long_to_read_is_left_to_the_model_index(tmp_path: Path):
    # The result files of two real models in one folder: 680 tasks, a per-task table of
    # over 30 KB.
    folder = tmp_path / "org__big" / "rev"
    folder.mkdir(parents=True)
    for source in (QWEN3, E5_SMALL):
        for path in source.glob("*/*.json"):
            if path.name != "model_meta.json" and not (folder / path.name).exists():
                shutil.copy(path, folder / path.name)
    assert len(list(folder.iterdir())) == 680
    card = tmp_path / "README.md"
    done = run_cli("build", folder, "-o", card, "--no-config")
    assert done.returncode == 0, done.stderr
    body = split_card(card.read_text(encoding="utf-8")).body
    assert len(body.encode("utf-8")) < BODY_LIMIT
    assert "| Task | Data | Score | In |" not in body
    assert "The scores of the 680 tasks are in this card's metadata (`model-index`)" in body
