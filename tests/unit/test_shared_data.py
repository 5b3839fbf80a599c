"""The real data the parametrized tests run over is all there: a test looping over an empty
list of folders or cards would pass without checking anything."""

from __future__ import annotations

import pytest

from tests.conftest import CARDS, DMETA_CARD, revision_folders

pytestmark = pytest.mark.shared


def test_every_revision_folder_of_the_real_results_is_found():
    folders = revision_folders()
    assert len(folders) == 11
    assert len({folder.parent.name for folder in folders}) == 8
    assert all(any(folder.glob("*.json")) for folder in folders)


def test_every_real_card_is_found():
    assert sorted(p.name for p in CARDS.glob("*.README.md")) == [
        "all-MiniLM-L6-v2.README.md",
        "bge-small-en-v1.5.README.md",
        "gte-large-en-v1.5.README.md",
        "nomic-embed-text-v1.5-GGUF.README.md",
    ]
    assert DMETA_CARD.is_file()
