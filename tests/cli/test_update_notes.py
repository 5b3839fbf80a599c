"""An update of a real published card says in one line what it does to the model-index
(entries and size before and after, a changed name) and, for a card without cardkit's
sections, that --body would add them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from cardkit.cardtext.frontmatter import split_card
from tests.conftest import CARDS, RESULTS, TEST_DATA, run_cli

pytestmark = pytest.mark.shared


def entries(card: Path) -> tuple[int, str]:
    """The results and the name of the card's one model-index item."""
    data = yaml.safe_load(split_card(card.read_text(encoding="utf-8")).yaml_text)
    [item] = data["model-index"]
    return len(item["results"]), item["name"]


def size(path: Path) -> str:
    count = path.stat().st_size
    return f"{count / 1e6:.2f} MB" if count >= 1e6 else f"{count / 1e3:.0f} KB"


def test_an_update_that_grows_the_card_and_renames_it_says_so(tmp_path: Path):
    card = tmp_path / "README.md"
    shutil.copy(CARDS / "gte-large-en-v1.5.README.md", card)
    before, old_name = entries(card)
    old_size = size(card)
    done = run_cli("build", RESULTS / "sentence-transformers__sentence-t5-base", "-o", card)
    assert done.returncode == 0, done.stderr
    after, new_name = entries(card)
    assert after > before and new_name != old_name
    line = (
        f"note: {card}: model-index {before:,} -> {after:,} entries, {old_size} -> {size(card)}, "
        f"name '{old_name}' -> '{new_name}' (--model-name {old_name} keeps it)"
    )
    assert line in done.stderr.splitlines()
    assert (
        f"note: {card} has no cardkit sections, so its body stays as it is: --body adds the "
        "generated evaluation, usage and reproduce sections"
    ) in done.stderr
    assert str(tmp_path) not in card.read_text(encoding="utf-8")


def test_a_rebuild_that_changes_nothing_says_nothing_of_it(tmp_path: Path):
    card = tmp_path / "README.md"
    folder = RESULTS / "BAAI__bge-small-en-v1.5"
    assert run_cli("build", folder, "-o", card).returncode == 0
    again = run_cli("build", folder, "-o", card)
    assert again.returncode == 0 and again.stdout.startswith("unchanged")
    assert "model-index" not in again.stderr and "no cardkit sections" not in again.stderr


def test_an_update_of_the_same_entries_under_the_same_name_adds_no_line(tmp_path: Path):
    card = tmp_path / "README.md"
    shutil.copy(CARDS / "bge-small-en-v1.5.README.md", card)
    before, name = entries(card)
    done = run_cli("build", RESULTS / "BAAI__bge-small-en-v1.5", "-o", card, "--model-name", name)
    assert done.returncode == 0, done.stderr
    assert entries(card) == (before, name)  # the 34 files' entries replaced the card's own
    assert not [line for line in done.stderr.splitlines() if "model-index" in line]


def test_the_published_stella_card_says_what_an_update_does_to_it(tmp_path: Path):
    card = tmp_path / "README.md"
    shutil.copy(TEST_DATA / "cards" / "stella_en_400M_v5.README.md", card)
    before, old_name = entries(card)
    assert (before, old_name) == (56, "stella_en_400M_v5")
    old_size = size(card)
    done = run_cli("build", RESULTS / "BAAI__bge-small-en-v1.5", "-o", card)
    assert done.returncode == 0, done.stderr
    after, new_name = entries(card)
    assert (
        f"note: {card}: model-index 56 -> {after:,} entries, {old_size} -> {size(card)}, "
        f"name 'stella_en_400M_v5' -> '{new_name}' (--model-name stella_en_400M_v5 keeps it)"
    ) in done.stderr.splitlines()
