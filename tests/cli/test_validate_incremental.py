"""`cardkit validate` of a folder checks again only the files whose content changed since the
last check, and reports exactly what a full check reports."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import CARDS, run_cli

pytestmark = pytest.mark.shared

UNCHANGED = re.compile(r"(\d+) of (\d+) files unchanged since they were last checked")
NAMES = ("all-MiniLM-L6-v2", "bge-small-en-v1.5", "gte-large-en-v1.5")


def make_cards(into: Path) -> Path:
    """A folder of three model repositories, as a store build writes them."""
    folder = into / "cards"
    for name in NAMES:
        (folder / name).mkdir(parents=True)
        shutil.copyfile(CARDS / f"{name}.README.md", folder / name / "README.md")
    return folder


def validate(folder: Path, cache: Path, *options: str) -> tuple[int, str, int]:
    """Exit status, the JSON findings, and how many files were taken from the cache."""
    done = run_cli(
        "validate", folder, "--format", "json", *options, env={"CARDKIT_CACHE_DIR": str(cache)}
    )
    assert "Traceback" not in done.stderr
    found = UNCHANGED.search(done.stderr)
    return done.returncode, done.stdout, int(found.group(1)) if found else 0


def full_check(folder: Path) -> tuple[int, str]:
    """The same folder validated with no cache at all."""
    done = run_cli("validate", folder, "--format", "json", env={"CARDKIT_CACHE_DIR": ""})
    assert UNCHANGED.search(done.stderr) is None
    return done.returncode, done.stdout


def test_a_second_check_takes_every_unchanged_file_from_the_cache(tmp_path):
    folder, cache = make_cards(tmp_path), tmp_path / "cache"
    first = validate(folder, cache)
    assert first[2] == 0
    second = validate(folder, cache)
    assert second == (first[0], first[1], len(NAMES))
    assert second[:2] == full_check(folder)
    assert [p.parent.name for p in cache.rglob("*.json")] == ["validate"]


def test_an_edited_card_is_checked_again_and_its_new_finding_reported(tmp_path):
    folder, cache = make_cards(tmp_path), tmp_path / "cache"
    rc, _, _ = validate(folder, cache)
    card = folder / NAMES[1] / "README.md"
    text = card.read_text(encoding="utf-8")
    card.write_text(text.replace("---\n", "---\nlicense: [\n", 1), encoding="utf-8")
    again = validate(folder, cache)
    assert again[2] == len(NAMES) - 1
    assert again[:2] == full_check(folder)
    assert again[0] == 1 and NAMES[1] in again[1]


def test_the_same_size_and_time_with_other_bytes_is_checked_again(tmp_path):
    """The cache holds each file's SHA-256: restoring the size and modification time of an
    edited card does not hide the edit."""
    folder, cache = make_cards(tmp_path), tmp_path / "cache"
    validate(folder, cache)
    card = folder / NAMES[0] / "README.md"
    info = card.stat()
    data = card.read_bytes()
    card.write_bytes(data.replace(b"---\n", b"---\n\t\n", 1)[: len(data)])
    os.utime(card, ns=(info.st_atime_ns, info.st_mtime_ns))
    again = validate(folder, cache)
    assert again[2] == len(NAMES) - 1
    assert again[:2] == full_check(folder)


def test_an_added_and_a_removed_card(tmp_path):
    folder, cache = make_cards(tmp_path), tmp_path / "cache"
    validate(folder, cache)
    shutil.rmtree(folder / NAMES[2])
    (folder / "new").mkdir()
    shutil.copyfile(CARDS / "nomic-embed-text-v1.5-GGUF.README.md", folder / "new" / "README.md")
    again = validate(folder, cache)
    assert again[2] == len(NAMES) - 1
    assert again[:2] == full_check(folder)
    assert "nomic" in (folder / "new" / "README.md").read_text(encoding="utf-8")


def test_force_checks_every_file_again(tmp_path):
    folder, cache = make_cards(tmp_path), tmp_path / "cache"
    validate(folder, cache)
    assert validate(folder, cache, "--force")[2] == 0
    assert validate(folder, cache)[2] == len(NAMES)


def test_a_forged_cache_cannot_make_an_invalid_card_pass(tmp_path):
    """Records that are not what cardkit writes, or are of another validator, are ignored;
    and a record only ever applies to the content whose digest it holds."""
    folder, cache = make_cards(tmp_path), tmp_path / "cache"
    card = folder / NAMES[0] / "README.md"
    card.write_bytes(card.read_bytes().replace(b"---\n", b"---\nlicense: [\n", 1))
    rc, findings, _ = validate(folder, cache)
    assert rc == 1
    [saved] = cache.rglob("*.json")
    data = json.loads(saved.read_text(encoding="utf-8"))
    record = data["records"][str(card)]
    forgeries = [
        {**data, "records": {**data["records"], str(card): {**record, "findings": []}}},
        {**data, "code": "0" * 64, "records": {str(card): {"inputs": "x", "findings": []}}},
        {**data, "records": {str(card): {**record, "findings": [{"line": "1"}]}}},
    ]
    for forged in forgeries[1:]:
        saved.write_text(json.dumps(forged), encoding="utf-8")
        assert validate(folder, cache)[:2] == (1, findings)
    # A record of this very content is believed only from the user's own cache folder: one
    # that others may write is not used at all.
    saved.write_text(json.dumps(forgeries[0]), encoding="utf-8")
    cache.chmod(0o777)
    (cache / "validate").chmod(0o777)
    assert validate(folder, cache)[:2] == (1, findings)


def test_one_card_given_uses_no_cache(tmp_path):
    folder, cache = make_cards(tmp_path), tmp_path / "cache"
    rc, _, _ = validate(folder / NAMES[0] / "README.md", cache)
    assert rc in (0, 1)
    assert not cache.exists()
