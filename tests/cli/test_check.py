"""`cardkit check`: the pre-release gate passes right after `build` and fails with a diff once
a result changes; it writes nothing."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import RESULTS, run_cli

SOURCE = RESULTS / "BAAI__bge-base-zh" / "no_revision_available"


@pytest.fixture
def project(tmp_path):
    if not SOURCE.is_dir():
        pytest.skip("shared data not found")
    results = tmp_path / "results" / "BAAI__bge-base-zh" / "no_revision_available"
    shutil.copytree(SOURCE, results)
    return tmp_path, results


@pytest.mark.shared
def test_check_passes_after_build_and_fails_after_a_result_changes(project):
    root, results = project
    card = root / "README.md"
    built = run_cli("build", results, "-o", card, "--no-config", cwd=root)
    assert built.returncode == 0, built.stderr
    before = card.read_bytes()

    ok = run_cli("check", results, "-o", card, "--no-config", cwd=root)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout == f"{card} is up to date with the results (35 tasks)\n"

    task = results / "AFQMC.json"
    data = json.loads(task.read_text(encoding="utf-8"))
    data["validation"]["cos_sim"]["pearson"] = 0.5
    task.write_text(json.dumps(data, indent=2), encoding="utf-8")

    stale = run_cli("check", results, "-o", card, "--no-config", cwd=root)
    assert stale.returncode == 1
    assert stale.stdout.startswith(f"--- a/{card}\n+++ b/{card}\n@@ ")
    assert "-      value: 40.963777973868964\n" in stale.stdout
    assert "+      value: 50.0\n" in stale.stdout
    assert card.read_bytes() == before  # check writes nothing


@pytest.mark.shared
def test_check_reads_cardkit_yaml(project):
    root, _ = project
    (root / "cardkit.yaml").write_text("results: results\noutput: README.md\n", encoding="utf-8")
    assert run_cli("build", cwd=root).returncode == 0
    result = run_cli("check", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is up to date" in result.stdout
    (root / "README.md").write_text(
        (root / "README.md").read_text(encoding="utf-8").replace("mteb", "MTEB", 1),
        encoding="utf-8",
    )
    assert run_cli("check", "--config", root / "cardkit.yaml", cwd=root).returncode == 1


@pytest.mark.shared
def test_check_without_a_card_shows_the_whole_new_card(project):
    root, results = project
    result = run_cli("check", results, "-o", root / "README.md", "--no-config", cwd=root)
    assert result.returncode == 1
    assert result.stdout.startswith(f"--- /dev/null\n+++ b/{root / 'README.md'}\n")
    assert not (root / "README.md").exists()


def test_check_reports_bad_input_in_one_line(tmp_path):
    result = run_cli("check", tmp_path / "nothing-here", "--no-config", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
