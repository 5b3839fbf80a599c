"""A store build into a folder of cards it built before builds only the models whose inputs
changed, and leaves the same bytes a full build leaves."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from cardkit.build.manifest import MANIFEST_NAME
from tests.conftest import RESULTS, run_cli

pytestmark = pytest.mark.shared

MODELS = ("BAAI__bge-base-zh", "DMetaSoul__Dmeta-embedding-zh-small", "sensenova__piccolo-base-zh")
NOT_BUILT = re.compile(r"(\d+) of them not built again")


def make_store(into: Path) -> Path:
    store = into / "store"
    for name in MODELS:
        shutil.copytree(RESULTS / name, store / name)
    return store


def build(store: Path, cards: Path, *options: str) -> tuple[int, str]:
    """Build the store into ``cards``; the number of models not built again, and stderr."""
    done = run_cli("build", store, "-o", cards, "--eval-results", *options)
    assert done.returncode == 0, done.stderr
    found = NOT_BUILT.search(done.stdout)
    return (int(found.group(1)) if found else 0), done.stderr


def output_files(cards: Path) -> dict[str, bytes]:
    """Every file a build leaves for the user (the report and the manifest are the build's
    own records), with the cards folder's own path written out of them."""
    files = {}
    for path in sorted(cards.rglob("*")):
        relative = str(path.relative_to(cards))
        if path.is_file() and relative not in ("report.json", MANIFEST_NAME):
            files[relative] = path.read_bytes().replace(str(cards).encode(), b"CARDS")
    assert files, f"nothing built in {cards}"
    return files


def full_build(store: Path, cards: Path) -> dict[str, bytes]:
    skipped, _ = build(store, cards)
    assert skipped == 0
    return output_files(cards)


def test_a_rebuild_with_nothing_changed_builds_nothing_and_changes_no_byte(tmp_path):
    store = make_store(tmp_path)
    cards = tmp_path / "cards"
    first = full_build(store, cards)
    skipped, _ = build(store, cards)
    assert skipped == len(MODELS)
    assert output_files(cards) == first
    report = json.loads((cards / "report.json").read_text())
    assert [m["status"] for m in report["models"]] == ["unchanged"] * len(MODELS)


@pytest.mark.parametrize("change", ["added", "edited", "removed"])
def test_a_changed_file_rebuilds_its_model_alone_as_a_full_build_would(tmp_path, change):
    store = make_store(tmp_path)
    cards = tmp_path / "cards"
    folder = store / "BAAI__bge-base-zh" / "no_revision_available"
    if change == "added":  # a task file that arrives after the first build
        (folder / "ATEC.json").unlink()
    full_build(store, cards)
    forced = tmp_path / "forced"
    shutil.copytree(cards, forced, symlinks=True)
    if change == "added":
        shutil.copy(RESULTS / "BAAI__bge-base-zh" / "no_revision_available" / "ATEC.json", folder)
    elif change == "edited":
        path = folder / "AFQMC.json"
        path.write_text(path.read_text().replace("0.", "0.9", 1))
    else:
        (folder / "AFQMC.json").unlink()
    skipped, _ = build(store, cards)
    assert skipped == len(MODELS) - 1
    skipped, _ = build(store, forced, "--force")
    assert skipped == 0
    assert output_files(cards) == output_files(forced)


def test_an_edited_or_deleted_output_is_built_again(tmp_path):
    store = make_store(tmp_path)
    cards = tmp_path / "cards"
    first = full_build(store, cards)
    eval_file = next((cards / MODELS[1] / ".eval_results").iterdir())
    eval_file.unlink()
    skipped, _ = build(store, cards)
    assert skipped == len(MODELS) - 1
    assert output_files(cards) == first


@pytest.mark.parametrize("setting", ["cardkit", "catalog", "templates"])
def test_another_cardkit_catalog_or_template_set_rebuilds_everything(tmp_path, setting):
    store = make_store(tmp_path)
    cards = tmp_path / "cards"
    first = full_build(store, cards)
    manifest = cards / MANIFEST_NAME
    data = json.loads(manifest.read_text())
    data["settings"][setting] = "built by another"
    manifest.write_text(json.dumps(data))
    skipped, errors = build(store, cards)
    assert skipped == 0
    assert f"{setting} changed since the last build" in errors
    assert output_files(cards) == first


def test_another_option_rebuilds_everything(tmp_path):
    store = make_store(tmp_path)
    cards = tmp_path / "cards"
    full_build(store, cards)
    skipped, errors = build(store, cards, "--metrics", "main")
    assert skipped == 0
    assert "options changed since the last build" in errors
    assert output_files(cards) == output_files_of_fresh(store, tmp_path, "--metrics", "main")


def test_a_moved_store_builds_every_model_again_as_a_full_build_would(tmp_path):
    """A card's Reproduce section names the store by its path: a store at another path is
    built again, model by model, exactly as a build that skips nothing builds it."""
    store = make_store(tmp_path)
    cards = tmp_path / "cards"
    full_build(store, cards)
    forced = tmp_path / "forced"
    shutil.copytree(cards, forced, symlinks=True)
    moved = store.rename(tmp_path / "moved")
    skipped, errors = build(moved, cards)
    assert skipped == 0
    assert "options changed since the last build" in errors
    skipped, _ = build(moved, forced, "--force")
    assert skipped == 0
    assert output_files(cards) == output_files(forced)


def output_files_of_fresh(store: Path, tmp_path: Path, *options: str) -> dict[str, bytes]:
    fresh = tmp_path / "fresh"
    skipped, _ = build(store, fresh, *options)
    assert skipped == 0
    return output_files(fresh)


def test_a_build_after_a_forced_one_builds_nothing_again(tmp_path):
    """--force says how to treat the last build, not how to make a card: the build after a
    forced one, with nothing changed, builds nothing."""
    store = make_store(tmp_path)
    cards = tmp_path / "cards"
    build(store, cards)
    skipped, _ = build(store, cards, "--force")
    assert skipped == 0
    first = output_files(cards)
    skipped, _ = build(store, cards)
    assert skipped == len(MODELS)
    assert output_files(cards) == first


def test_force_builds_every_model(tmp_path):
    store = make_store(tmp_path)
    cards = tmp_path / "cards"
    first = full_build(store, cards)
    skipped, _ = build(store, cards, "--force")
    assert skipped == 0
    assert output_files(cards) == first


@pytest.mark.parametrize(
    "manifest_text",
    ["{not json", "[]", '{"format": 1, "settings": 5, "models": "x"}', "\0" * 100],
)
def test_a_damaged_manifest_means_a_full_build(tmp_path, manifest_text):
    store = make_store(tmp_path)
    cards = tmp_path / "cards"
    first = full_build(store, cards)
    (cards / MANIFEST_NAME).write_text(manifest_text)
    skipped, errors = build(store, cards)
    assert skipped == 0
    assert "every model is built" in errors
    assert output_files(cards) == first


def test_a_forged_manifest_cannot_skip_a_changed_model(tmp_path):
    """Claiming a model is as it was, with the fingerprints of another model, skips nothing:
    a model is skipped only when its own folders still give the recorded fingerprints."""
    store = make_store(tmp_path)
    cards = tmp_path / "cards"
    full_build(store, cards)
    manifest = cards / MANIFEST_NAME
    data = json.loads(manifest.read_text())
    models = data["models"]
    models[MODELS[0]]["inputs"] = models[MODELS[1]]["inputs"]
    models[MODELS[2]]["outputs"] = models[MODELS[1]]["outputs"]
    manifest.write_text(json.dumps(data))
    skipped, _ = build(store, cards)
    assert skipped == 1


def test_a_manifest_that_is_a_link_is_refused_before_any_work(tmp_path):
    store = make_store(tmp_path)
    cards = tmp_path / "cards"
    full_build(store, cards)
    outside = tmp_path / "outside.json"
    outside.write_bytes((cards / MANIFEST_NAME).read_bytes())
    before = outside.read_bytes()
    (cards / MANIFEST_NAME).unlink()
    os.symlink(outside, cards / MANIFEST_NAME)
    report = (cards / "report.json").read_bytes()
    done = run_cli("build", store, "-o", cards, "--eval-results")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert MANIFEST_NAME in done.stderr and "link" in done.stderr
    assert outside.read_bytes() == before
    assert (cards / "report.json").read_bytes() == report


def test_a_store_builds_into_a_new_folder_asked_for_with_a_slash(tmp_path):
    """`-o cards/` asks for a folder of cards even before it exists: every model gets its
    card (each model's own build is one card, not a folder of them)."""
    store = make_store(tmp_path)
    done = run_cli("build", store, "-o", f"{tmp_path / 'new'}/")
    assert done.returncode == 0, done.stderr
    assert sorted(p.parent.name for p in (tmp_path / "new").glob("*/README.md")) == sorted(MODELS)
