"""A published card as the input of `cardkit build` reproduces its author's own table."""

from __future__ import annotations

from pathlib import Path

from cardkit.cardtext.frontmatter import split_card
from tests.cli.test_render import markdown_tables, section_tables
from tests.conftest import CARDS, run_cli

GTE_CARD = CARDS / "gte-large-en-v1.5.README.md"


def _section(body: str, heading: str) -> str:
    """The text under ``### heading`` up to the next heading of any level."""
    start = body.index(f"### {heading}\n")
    rest = body[start + len(heading) + 5 :]
    ends = [i for i in (rest.find("\n## "), rest.find("\n### ")) if i >= 0]
    return rest[: min(ends)] if ends else rest


def test_gte_card_gives_the_authors_mteb_eng_v1_table(tmp_path: Path):
    # The author's table in the card: Average (56) 65.39, Reranking (4) 58.50. Its
    # MindSmallReranking holds `map` (mteb 1.x's main score), not mteb 2.x's
    # max_over_subqueries_map_at_1000, and counts as the other three reranking tasks do.
    card = tmp_path / "README.md"
    done = run_cli("build", GTE_CARD, "-o", card, "--no-config", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    body = split_card(card.read_text(encoding="utf-8")).body
    section = _section(body, "MTEB(eng, v1)")
    [table] = section_tables(markdown_tables(section))
    [row] = table["rows"]
    cells = dict(zip(table["header"], row))
    assert cells["Tasks"] == "56"
    assert cells["Mean (Task)"] == "65.39"
    assert cells["Reranking (4)"] == "58.50"
    assert "lacks" not in section and "Partial" not in section
    [rule] = [line for line in section.splitlines() if "MindSmallReranking" in line]
    assert "MAP" in rule and "no main score" in rule
