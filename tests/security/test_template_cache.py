"""The compiled bundled templates kept between runs: the same card with or without them, never
read from a place others can write, and never a reason for a build to fail."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import run_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "results" / "BAAI__bge-base-zh"


def _build(tmp_path: Path, cache: str, name: str) -> bytes:
    card = tmp_path / name / "README.md"
    done = run_cli("build", EXAMPLE, "-o", card, env={"CARDKIT_CACHE_DIR": cache})
    assert done.returncode == 0, done.stderr
    return card.read_bytes().replace(str(card).encode(), b"CARD")


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.cache"))


def test_the_card_is_the_same_compiled_or_from_the_cache(tmp_path: Path):
    cache = tmp_path / "cache"
    uncached = _build(tmp_path, "", "off")  # an empty value turns the cache off
    assert not cache.exists()
    first = _build(tmp_path, str(cache), "first")
    entries = _entries(cache)
    assert entries, "the bundled templates were not kept"
    (folder,) = {p.parent for p in entries}
    assert folder.stat().st_mode & 0o077 == 0  # the user's own
    second = _build(tmp_path, str(cache), "second")
    assert uncached == first == second


def test_a_damaged_cache_is_compiled_again(tmp_path: Path):
    cache = tmp_path / "cache"
    expected = _build(tmp_path, str(cache), "first")
    for entry in _entries(cache):
        entry.write_bytes(b"j2" + os.urandom(64))  # the right magic, then garbage
    assert _build(tmp_path, str(cache), "damaged") == expected
    for entry in _entries(cache):
        entry.write_bytes(b"")
    assert _build(tmp_path, str(cache), "empty") == expected


def _version_folder(cache: Path) -> Path:
    from cardkit.render.template_cache import CACHE_ENV, cache_folder

    saved = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(cache)
    try:
        folder = cache_folder()
    finally:
        if saved is None:
            del os.environ[CACHE_ENV]
        else:
            os.environ[CACHE_ENV] = saved
    assert folder is not None and folder.parent == cache
    return folder


@pytest.mark.parametrize("how", ["writable by others", "a link", "not a folder"])
def test_a_cache_folder_others_could_write_or_that_leads_elsewhere_is_not_used(
    tmp_path: Path, how: str
):
    expected = _build(tmp_path, "", "off")
    cache = tmp_path / "cache"
    folder = _version_folder(cache)
    cache.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    if how == "writable by others":
        folder.mkdir()
        folder.chmod(0o777)
    elif how == "a link":
        folder.symlink_to(elsewhere, target_is_directory=True)
    else:
        folder.write_text("not a folder")
    assert _build(tmp_path, str(cache), "built") == expected
    assert _build(tmp_path, str(cache), "again") == expected
    assert _entries(cache) == [] and _entries(elsewhere) == []
