"""The real `pre-commit` tool runs the `cardkit-diff` hook of this checkout, configured as a
model repository would configure it: a drop past the threshold fails the commit."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from .conftest import DMETA_CARD, RESULTS
from .test_precommit import PRE_COMMIT, _git, _git_env, _hook_repo, pytestmark  # noqa: F401

CONFIG = """repos:
- repo: {repo}
  rev: {rev}
  hooks:
  - id: cardkit-diff
    args: [reference/README.md, results, --threshold, "{threshold}"]
"""


def _run(model, hook_repo, threshold, env):
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hook_repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    config = CONFIG.format(repo=hook_repo, rev=rev, threshold=threshold)
    (model / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    return subprocess.run(
        [PRE_COMMIT, "run", "cardkit-diff", "--all-files"],
        cwd=model,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.shared
def test_diff_hook_fails_a_commit_that_lowers_a_score_past_the_threshold(tmp_path, monkeypatch):
    env = _git_env(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    hook_repo = _hook_repo(tmp_path)
    model = tmp_path / "model"
    (model / "reference").mkdir(parents=True)
    shutil.copy2(DMETA_CARD, model / "reference" / "README.md")
    shutil.copytree(RESULTS / "DMetaSoul__Dmeta-embedding-zh-small" / "external", model / "results")
    _git("init", "-q", cwd=model)
    _git("add", "-A", cwd=model)

    failed = _run(model, hook_repo, "3", env)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "cardkit diff" in failed.stdout and "Failed" in failed.stdout
    assert "FAIL: 6 scores dropped by more than 3 points" in failed.stdout

    passed = _run(model, hook_repo, "12", env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
