"""An update with a few new results: the card's tables describe its whole model-index (what
the author published plus the new results), and the printed line says what was kept."""

from __future__ import annotations

import shutil
from pathlib import Path

from cardkit.cardtext.frontmatter import load_front_matter, split_card
from cardkit.catalog import load_catalog
from cardkit.readers import read_results
from cardkit.scores.summary import summarize
from tests.cli.test_render import markdown_tables, section_tables
from tests.conftest import CARDS, RESULTS, run_cli

CARD = CARDS / "bge-small-en-v1.5.README.md"
NEW = RESULTS / "BAAI__bge-small-en-v1.5" / "external"


def test_an_update_summarises_the_published_entries_and_the_new_ones(tmp_path: Path):
    card = tmp_path / "README.md"
    shutil.copy(CARD, card)
    assert len([p for p in NEW.glob("*.json") if p.name != "model_meta.json"]) == 34
    # The author's own "## Evaluation" (a table of theirs) gives way to the generated one.
    replace = ["--replace-section", "evaluation=Evaluation", "--force"]
    done = run_cli("build", NEW, "-o", card, *replace, "--no-config", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "removed the author's '## Evaluation'" in done.stderr
    assert "68 tasks, 68 entries (34 updated, 34 kept from the card)" in done.stdout
    text = card.read_text(encoding="utf-8")
    [item] = load_front_matter(split_card(text))["model-index"]
    assert len(item["results"]) == 68
    # The tables agree with the model-index the card now holds, read on its own.
    catalog = load_catalog()
    [model] = read_results([card], catalog, None)
    whole = summarize(model, catalog, "MTEB(eng, v1)")
    assert whole.complete and whole.expected == 56
    body = split_card(text).body
    section = body.split("### MTEB(eng, v1)\n", 1)[1].split("\n### ", 1)[0]
    [table] = section_tables(markdown_tables(section))
    cells = dict(zip(table["header"], table["rows"][0]))
    assert cells["Tasks"] == "56"
    assert cells["Mean (Task)"] == f"{whole.mean_task:.2f}"
