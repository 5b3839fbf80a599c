"""`cardkit audit` of a store audits again only the model folders whose content changed since
the last audit, and reports exactly what a full audit reports."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.audit_fixtures import block, result, write_revision
from tests.conftest import RESULTS, run_cli

pytestmark = pytest.mark.shared

UNCHANGED = re.compile(r"(\d+) of (\d+) model folders unchanged since they were last audited")
# Three model folders of ../shared: one with a finding (AFQMC's NaN main score), two without.
MODELS = ("intfloat__multilingual-e5-small", "BAAI__bge-base-zh", "sensenova__piccolo-base-zh")


def make_store(into: Path) -> Path:
    store = into / "results"
    for name in MODELS:
        shutil.copytree(RESULTS / name, store / name)
    return store


def audit(store: Path, cache: Path, *options: str | Path) -> tuple[int, str, int]:
    """Exit status, the JSON report, and how many model folders came from the cache."""
    done = run_cli(
        "audit",
        store,
        "--no-mteb",
        "--format",
        "json",
        *options,
        env={"CARDKIT_CACHE_DIR": str(cache)},
    )
    assert "Traceback" not in done.stderr
    found = UNCHANGED.search(done.stderr)
    return done.returncode, done.stdout, int(found.group(1)) if found else 0


def full_audit(store: Path, *options: str | Path) -> tuple[int, str]:
    """The same store audited with no cache at all."""
    done = run_cli(
        "audit", store, "--no-mteb", "--format", "json", *options, env={"CARDKIT_CACHE_DIR": ""}
    )
    assert done.stderr == ""
    return done.returncode, done.stdout


def test_the_shared_models_exist():
    assert all((RESULTS / name).is_dir() for name in MODELS)


def test_a_second_audit_takes_every_unchanged_folder_from_the_cache(tmp_path):
    store, cache = make_store(tmp_path), tmp_path / "cache"
    first = audit(store, cache)
    assert first[2] == 0
    assert first[0] == 1 and "main-score-missing" in first[1]
    second = audit(store, cache)
    assert second == (first[0], first[1], len(MODELS))
    assert second[:2] == full_audit(store)
    assert [p.parent.name for p in cache.rglob("*.json")] == ["audit"]


def test_force_audits_every_folder_again(tmp_path):
    store, cache = make_store(tmp_path), tmp_path / "cache"
    audit(store, cache)
    assert audit(store, cache, "--force")[2] == 0
    assert audit(store, cache)[2] == len(MODELS)


def _edit(path: Path, keep_size_and_time: bool = False) -> None:
    """Another main score in a result file (the same length and time, if asked)."""
    info = path.stat()
    data = json.loads(path.read_text(encoding="utf-8"))
    entry = next(iter(data["scores"].values()))[0]
    entry["main_score"] = 0.0001 if keep_size_and_time else 7.5
    text = json.dumps(data)
    if keep_size_and_time:
        text = text[: info.st_size].ljust(info.st_size)
    path.write_text(text, encoding="utf-8")
    if keep_size_and_time:
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def _a_result_file(store: Path, model: str) -> Path:
    return sorted(p for p in (store / model).rglob("*.json") if p.name != "model_meta.json")[0]


@pytest.mark.parametrize("change", ["edited", "same size and time", "added", "removed"])
def test_a_changed_folder_is_audited_again_and_reported_as_a_full_audit_reports_it(
    tmp_path, change
):
    store, cache = make_store(tmp_path), tmp_path / "cache"
    audit(store, cache)
    model = MODELS[0]
    victim = _a_result_file(store, model)
    if change == "edited":
        _edit(victim)
    elif change == "same size and time":
        _edit(victim, keep_size_and_time=True)
    elif change == "added":
        shutil.copyfile(victim, victim.with_name("SciFact.json"))
        data = json.loads(victim.read_text(encoding="utf-8"))
        data["task_name"] = "SciFact"
        victim.with_name("SciFact.json").write_text(json.dumps(data), encoding="utf-8")
    else:
        victim.unlink()
    again = audit(store, cache)
    assert again[2] == len(MODELS) - 1
    assert again[:2] == full_audit(store)
    if change != "removed":
        assert str(victim.parent) in again[1]  # the change is found, not taken from the cache


def test_a_change_on_main_audits_that_model_again(tmp_path):
    """With --against a folder, the same model folder there is part of what is recorded."""
    store, cache = make_store(tmp_path), tmp_path / "cache"
    main = tmp_path / "main" / "results"
    write_revision(main, folder="org__model", files={"SciFact": result("SciFact")})
    mine = tmp_path / "mine" / "results"
    write_revision(mine, folder="org__model", files={"SciFact": result("SciFact")})
    shutil.copytree(store / MODELS[1], mine / MODELS[1])
    first = audit(mine, cache, "--against", main.parent)
    assert audit(mine, cache, "--against", main.parent)[2] == 2
    # main now has a split the pull request's file lacks: the folder is audited again.
    (main / "org__model").joinpath(*_revision_and_file(main)).write_text(
        json.dumps(result("SciFact", test=[block()], dev=[block()])), encoding="utf-8"
    )
    again = audit(mine, cache, "--against", main.parent)
    assert again[2] == 1
    assert again[:2] == full_audit(mine, "--against", main.parent)
    assert "no-splits-removed" in again[1] and "no-splits-removed" not in first[1]


def _revision_and_file(main: Path) -> tuple[str, str]:
    (path,) = (main / "org__model").glob("*/SciFact.json")
    return path.parent.name, path.name


def test_forged_records_are_not_believed(tmp_path):
    """Records of another auditor, or not of the shape cardkit writes, are ignored."""
    store, cache = make_store(tmp_path), tmp_path / "cache"
    expected = audit(store, cache)[:2]
    [saved] = cache.rglob("*.json")
    data = json.loads(saved.read_text(encoding="utf-8"))
    clean = {
        key: {**record, "audit": {**record["audit"], "findings": []}}
        for key, record in data["records"].items()
    }
    broken = {
        key: {**record, "audit": {**record["audit"], "files": "3"}}
        for key, record in data["records"].items()
    }
    for forged in (
        {**data, "code": "0" * 64, "records": clean},
        {**data, "records": broken},
        {
            **data,
            "records": {
                k: {**r, "audit": {**r["audit"], "findings": [["x"] * 4]}}
                for k, r in data["records"].items()
            },
        },
        [1, 2],
    ):
        saved.write_text(json.dumps(forged), encoding="utf-8")
        again = audit(store, cache)
        assert again == (*expected, 0)
    # Only the user's own cache folder is believed: one others may write is not used.
    saved.write_text(json.dumps({**data, "records": clean}), encoding="utf-8")
    (cache / "audit").chmod(0o777)
    assert audit(store, cache) == (*expected, 0)


def test_no_cache_folder_means_a_full_audit_every_time(tmp_path):
    store = make_store(tmp_path)
    assert full_audit(store) == full_audit(store)
