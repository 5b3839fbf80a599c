"""`cardkit audit` as a user runs it: on the real results of ../shared, on cards, against a
git checkout of a results repository, in each output format."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.audit_fixtures import SHA, block, result, write_revision
from tests.conftest import CARDS, DMETA_CARD, REPO, RESULTS, revision_folders, run_cli

HAS_MTEB = importlib.util.find_spec("mteb") is not None
AFQMC = "intfloat__multilingual-e5-small/e4ce9877abf3edfe10b0d82785e83bdcb973e22e/AFQMC.json"
# What the audit finds in ../shared (the rules that need no mteb): AFQMC's NaN main score
# (mteb 1.12 on an unlabelled split) and the Dmeta card's STS mean.
EXPECTED = {
    "intfloat__multilingual-e5-small": [("main-score-missing", AFQMC)],
}


def audit_json(*args: str | Path) -> tuple[int, dict]:
    done = run_cli("audit", *args, "--format", "json")
    assert done.stderr == ""
    return done.returncode, json.loads(done.stdout)


@pytest.mark.parametrize(
    "folder", revision_folders(), ids=lambda p: f"{p.parent.name}/{p.name[:8]}"
)
def test_every_shared_revision_folder(folder):
    code, report = audit_json(folder, "--no-mteb")
    expected = EXPECTED.get(folder.parent.name, [])
    found = [(f["rule"], str(Path(f["file"]).relative_to(RESULTS))) for f in report["findings"]]
    assert found == expected
    assert code == (1 if expected else 0)


def test_the_shared_store_as_a_whole():
    code, report = audit_json(RESULTS, "--no-mteb")
    assert code == 1
    assert report["counts"] == {"main-score-missing": 1}
    assert report["files"] == sum(1 for p in RESULTS.rglob("*") if p.is_file())
    (finding,) = report["findings"]
    assert finding["place"] == "scores.test[0].main_score"
    assert finding["family"] == "integrity" and finding["fix"]


def test_every_shared_card():
    code, report = audit_json(*sorted(CARDS.glob("*.md")), DMETA_CARD, "--no-mteb")
    assert code == 1
    (finding,) = report["findings"]
    assert (finding["rule"], Path(finding["file"]).name) == ("card-table", DMETA_CARD.name)
    assert "64.09" in finding["message"] and "64.89" in finding["message"]


def test_text_lines_name_the_file_the_place_the_rule_and_the_fix(tmp_path):
    write_revision(tmp_path, folder="model")
    done = run_cli("audit", tmp_path / "model", "--no-mteb")
    assert done.returncode == 1
    line = next(x for x in done.stdout.splitlines() if "[organisation-specified]" in x)
    assert line.startswith(str(tmp_path / "model" / SHA / "model_meta.json") + ": name: ")
    assert "; fix: name the model as on the Hub: org/model" in line
    assert done.stdout.splitlines()[-1] == "2 files audited: 1 finding (organisation-specified 1)"


def test_a_path_that_is_no_results_folder_is_one_line(tmp_path):
    done = run_cli("audit", tmp_path / "missing")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "missing" in done.stderr


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def results_repo(tmp_path: Path) -> Path:
    """A results repository: the model on main, a branch that moves a main score by 0.02."""
    repo = tmp_path / "results-repo"
    data = result("SciFact", test=[block(0.5, "en", ["eng-Latn", "deu-Latn"]), block(0.6, "de")])
    write_revision(repo / "results", files={"SciFact": data})
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "main")
    _git(repo, "checkout", "-q", "-b", "pr")
    return repo


def test_against_a_git_checkout_compares_with_main(results_repo):
    folder = results_repo / "results" / "org__model"
    code, report = audit_json(folder, "--against", results_repo, "--no-mteb")
    assert (code, report["findings"]) == (0, [])
    moved = result("SciFact", test=[block(0.5, "en", ["eng-Latn"]), block(0.62, "de")])
    (folder / SHA / "SciFact.json").write_text(json.dumps(moved))
    code, report = audit_json(folder, "--against", results_repo, "--no-mteb")
    assert code == 1
    assert report["counts"] == {"main-score-within-threshold": 1, "no-languages-removed": 1}


def test_against_main_a_copy_outside_the_checkout(results_repo, tmp_path):
    copy = tmp_path / "mine" / "org__model"
    shutil.copytree(results_repo / "results" / "org__model", copy)
    data = result("SciFact", test=[block(0.5, "en", ["eng-Latn", "deu-Latn"])])
    (copy / SHA / "SciFact.json").write_text(json.dumps(data))
    code, report = audit_json(copy, "--against", results_repo, "--no-mteb")
    # A subset removed takes its languages with it: both tests of the repository fail.
    assert (code, report["counts"]) == (1, {"no-languages-removed": 1, "no-splits-removed": 1})


def test_markdown_is_the_bot_comment_then_the_findings(results_repo, tmp_path):
    folder = write_revision(
        tmp_path / "new", folder="org__new", files={"SciFact": result("SciFact")}
    )
    done = run_cli(
        "audit", folder.parent, "--against", results_repo, "--format", "markdown", "--no-mteb"
    )
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0] == "# Model Results Comparison"
    assert "**New models evaluated:** `org/new`" in lines
    header = next(x for x in lines if x.startswith("| task_name |"))
    assert "| org/new | intfloat/multilingual-e5-large |" in header
    row = next(x for x in lines if x.startswith("| SciFact |"))
    # The best on main would be org/model's, but it has no ('test', 'default') cell to compare.
    assert row == "| SciFact | **.500** |  |  |  |  | - |"
    assert "## cardkit audit" in lines and "Every rule passes." in lines


@pytest.mark.skipif(not HAS_MTEB, reason="mteb is not installed")
def test_the_rules_that_need_mteb(tmp_path):
    write_revision(
        tmp_path, folder="cardkit-tests__not-a-model", files={"NoSuchTask": result("NoSuchTask")}
    )
    code, report = audit_json(tmp_path / "cardkit-tests__not-a-model")
    assert code == 1
    assert report["counts"] == {"loadable-by-mteb": 1, "model-in-mteb": 1}
    assert report["notes"] == [
        "no --against: rules no-splits-removed, no-languages-removed and "
        "main-score-within-threshold compare with main and were not run"
    ]


def test_without_mteb_the_two_rules_say_they_did_not_run(tmp_path):
    write_revision(tmp_path)
    code, report = audit_json(tmp_path / "org__model", "--no-mteb")
    assert code == 0
    assert report["notes"][0] == "--no-mteb: rules model-in-mteb and loadable-by-mteb were not run"


def test_push_runs_the_integrity_rules_first(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    shutil.copy2(DMETA_CARD, folder / "README.md")
    env = {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_TOKEN": "hf_" + "x" * 30}
    done = run_cli("push", folder, "--repo-id", "cardkit-test/Dmeta-embedding", env=env)
    assert done.returncode == 1
    assert "[card-table] the table says 64.09" in done.stdout + done.stderr


def test_the_pre_commit_hook():
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks["cardkit-audit"]
    assert hook["entry"] == "cardkit audit" and hook["pass_filenames"] is False
