"""The author's own sections on real published cards: --replace-section keeps the author's
sub-sections or names each one it removes, refuses to drop the author's tables unless forced,
and --body never adds a second section of a title the author already has."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import CARDS, RESULTS, TEST_DATA, run_cli

pytestmark = pytest.mark.shared

NEW_RESULTS = RESULTS / "BAAI__bge-small-en-v1.5"
GTE = CARDS / "gte-large-en-v1.5.README.md"  # ## Evaluation holds ### MTEB and ### LoCo
BGE = CARDS / "bge-small-en-v1.5.README.md"  # ## Evaluation holds three tables, no sub-heading


def card_copy(source: Path, tmp_path: Path) -> Path:
    card = tmp_path / "README.md"
    shutil.copy(source, card)
    return card


def section_text(text: str, heading: str) -> str:
    """The author's sub-section from its heading up to the next heading of level 2 or 3."""
    start = text.index(heading + "\n")
    end = re.compile(r"^#{2,3} ", re.M).search(text, start + len(heading))
    assert end is not None
    return text[start : end.start()]


def test_replace_section_keeps_the_authors_sub_sections_and_names_them(tmp_path: Path):
    card = card_copy(GTE, tmp_path)
    original = GTE.read_text(encoding="utf-8")
    mteb, loco = section_text(original, "### MTEB"), section_text(original, "### LoCo")
    done = run_cli("build", NEW_RESULTS, "-o", card, "--replace-section", "evaluation=Evaluation")
    assert done.returncode == 0, done.stderr
    # The card's own lines: the section's heading and what stands before its sub-sections.
    assert "removed the author's '## Evaluation' (lines 2740-2742: 3 lines)" in done.stderr
    assert (
        "kept the author's sub-sections '### MTEB' (lines 2743-2758: 16 lines, 1 table), "
        "'### LoCo' (lines 2759-2768: 10 lines, 1 table) after the generated section"
    ) in done.stderr
    text = card.read_text(encoding="utf-8")
    end = text.index("<!-- cardkit:end evaluation -->")
    assert text.index(mteb) > end and text.index(loco) > text.index(mteb)
    assert text.count("## Evaluation\n") == 1
    assert str(tmp_path) not in text
    again = run_cli("build", NEW_RESULTS, "-o", card)  # now a region: nothing more is replaced
    assert again.returncode == 0 and "removed" not in again.stderr
    assert card.read_text(encoding="utf-8") == text


def test_replace_section_with_force_names_every_sub_section_it_removes(tmp_path: Path):
    card = card_copy(GTE, tmp_path)
    args = ("--replace-section", "evaluation=Evaluation", "--force")
    done = run_cli("build", NEW_RESULTS, "-o", card, *args)
    assert done.returncode == 0, done.stderr
    assert (
        "removed the author's '## Evaluation' (lines 2740-2742: 3 lines), '### MTEB' (lines "
        "2743-2758: 16 lines, 1 table), '### LoCo' (lines 2759-2768: 10 lines, 1 table)"
    ) in done.stderr
    text = card.read_text(encoding="utf-8")
    assert "### LoCo" not in text and "QsmsumRetrieval" not in text
    assert "## Citation" in text  # the next section of the author's stays


def test_replace_section_refuses_to_drop_the_authors_tables(tmp_path: Path):
    card = card_copy(BGE, tmp_path)
    before = card.read_bytes()
    done = run_cli("build", NEW_RESULTS, "-o", card, "--replace-section", "evaluation=Evaluation")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert (
        f"{card}: line 2897: --replace-section evaluation: '## Evaluation' (lines 2897-2967: "
        in done.stderr
    )
    assert "71 lines, 3 tables) holds the author's own tables" in done.stderr
    assert "--force" in done.stderr
    assert card.read_bytes() == before


@pytest.mark.parametrize("source", [BGE, GTE], ids=lambda p: p.name)
def test_body_never_adds_a_second_section_of_the_authors_titles(source: Path, tmp_path: Path):
    card = card_copy(source, tmp_path)
    done = run_cli("build", NEW_RESULTS, "-o", card, "--body")
    assert done.returncode == 0, done.stderr
    text = card.read_text(encoding="utf-8")
    assert "<!-- cardkit:begin reproduce -->" in text
    assert len(re.findall(r"(?m)^## Evaluation[ \t]*$", text)) == 1
    assert "kept the author's '## Evaluation' (line " in done.stderr
    assert "--replace-section evaluation=Evaluation puts it in that section's place" in done.stderr
    if source == BGE:
        assert len(re.findall(r"(?m)^## Usage[ \t]*$", text)) == 1
        assert "kept the author's '## Usage' (line 2736)" in done.stderr
        assert "<!-- cardkit:begin usage -->" not in text


STELLA = TEST_DATA / "cards" / "stella_en_400M_v5.README.md"  # its own "# Usage", no markers


def test_body_keeps_a_first_level_usage_of_the_authors(tmp_path: Path):
    card = card_copy(STELLA, tmp_path)
    done = run_cli("build", NEW_RESULTS, "-o", card, "--body", "--model-name", "stella_en_400M_v5")
    assert done.returncode == 0, done.stderr
    text = card.read_text(encoding="utf-8")
    assert "kept the author's '# Usage' (line " in done.stderr
    assert "<!-- cardkit:begin usage -->" not in text
    assert "<!-- cardkit:begin evaluation -->" in text  # the card has no evaluation of its own
    assert len(re.findall(r"(?m)^#{1,2} Usage[ \t]*$", text)) == 1
    body = STELLA.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    assert body in text  # the author's body, byte for byte, before what is appended


def test_replace_section_of_a_first_level_usage_keeps_its_sub_sections(tmp_path: Path):
    card = card_copy(STELLA, tmp_path)
    done = run_cli("build", NEW_RESULTS, "-o", card, "--replace-section", "usage=Usage")
    assert done.returncode == 0, done.stderr
    assert "removed the author's '# Usage' (lines " in done.stderr
    assert "kept the author's sub-sections '## Sentence Transformers' (lines " in done.stderr
    assert "'## Transformers' (lines " in done.stderr
    text = card.read_text(encoding="utf-8")
    end = text.index("<!-- cardkit:end usage -->")
    assert text.index("## Sentence Transformers") > end
    assert "You can use `SentenceTransformers` or `transformers` library" not in text
