"""The real `pre-commit` tool runs the `cardkit-diff` hook of this checkout, configured as a
model repository would configure it: a drop past the threshold fails the commit."""

from __future__ import annotations

import shutil

import pytest

from tests.cli.test_precommit import (  # noqa: F401
    _git,
    _git_env,
    _hook_repo,
    _run_hook,
    _use_hook,
    pytestmark,
)
from tests.conftest import DMETA_CARD, RESULTS


def _run(model, hook_repo, threshold, env):
    args = ["reference/README.md", "results", "--threshold", threshold]
    _use_hook(hook_repo, model, "cardkit-diff", args)
    return _run_hook(model, env, "cardkit-diff")


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
