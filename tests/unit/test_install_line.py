"""The Reproduce section's install line: a repository's commit or an archive when cardkit was
installed from one (PEP 610: a ``direct_url.json`` beside the installation), else the release."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cardkit import __version__
from cardkit.render.reproduce import cardkit_install_line


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site-packages folder of its own, searched first, holding this cardkit's dist-info."""
    record = tmp_path / f"cardkit-{__version__}.dist-info"
    record.mkdir()
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    return record


def test_from_a_package_index_the_version_is_pinned(site: Path):
    assert cardkit_install_line() == f'pip install "cardkit[run]=={__version__}"'


def test_from_a_repository_the_commit_is_pinned(site: Path):
    origin = {
        "url": "https://github.com/example/cardkit",
        "vcs_info": {"vcs": "git", "commit_id": "0123456789abcdef0123456789abcdef01234567"},
    }
    (site / "direct_url.json").write_text(json.dumps(origin), encoding="utf-8")
    assert cardkit_install_line() == (
        'pip install "cardkit[run] @ git+https://github.com/example/cardkit'
        '@0123456789abcdef0123456789abcdef01234567"'
    )


def test_from_a_local_folder_the_release_with_no_note_for_the_author(site: Path):
    origin = {"url": "file:///home/me/cardkit", "dir_info": {"editable": True}}
    (site / "direct_url.json").write_text(json.dumps(origin), encoding="utf-8")
    line = cardkit_install_line()
    # A local path means nothing to the card's reader, and a comment is written for the author.
    assert line == f'pip install "cardkit[run]=={__version__}"'
    assert "/home/me" not in line and "#" not in line


def test_a_token_in_a_repository_address_is_masked(site: Path):
    origin = {
        "url": "https://hf_abcdefghijklmnopqrstuvwxyz0123456789@github.com/example/cardkit",
        "vcs_info": {"vcs": "git", "commit_id": "0123456789abcdef0123456789abcdef01234567"},
    }
    (site / "direct_url.json").write_text(json.dumps(origin), encoding="utf-8")
    assert "hf_abc" not in cardkit_install_line()
