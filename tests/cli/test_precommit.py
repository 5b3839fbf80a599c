"""The real `pre-commit` tool runs the `cardkit-validate` hook of this checkout on a model
repository: a good card passes, a bad one fails with cardkit's message."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DMETA_CARD

REPO = Path(__file__).resolve().parents[2]
PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
# What a pip install of cardkit needs from the checkout.
PACKAGE_FILES = ("cardkit", "schemas", "templates", "pyproject.toml", "README.md")

pytestmark = pytest.mark.skipif(
    not Path(PRE_COMMIT).is_file(), reason="pre-commit is not installed"
)


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _git_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "cardkit tests",
        "GIT_AUTHOR_EMAIL": "tests@example.invalid",
        "GIT_COMMITTER_NAME": "cardkit tests",
        "GIT_COMMITTER_EMAIL": "tests@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
        # The hook's environment sees the packages installed here, so installing cardkit
        # into it fetches none of its dependencies again.
        "VIRTUALENV_SYSTEM_SITE_PACKAGES": "1",
    }


def _hook_repo(tmp_path: Path) -> Path:
    """The checkout's working tree as it is now, committed (try-repo installs from a commit)."""
    snapshot = tmp_path / "cardkit-repo"
    snapshot.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in (*PACKAGE_FILES, ".pre-commit-hooks.yaml"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, snapshot / name, ignore=ignore)
        else:
            shutil.copy2(source, snapshot / name)
    _git("init", "-q", cwd=snapshot)
    _git("add", "-A", cwd=snapshot)
    _git("commit", "-q", "-m", "snapshot", cwd=snapshot)
    return snapshot


def _use_hook(
    hook_repo: Path,
    model_repo: Path,
    hook_id: str = "cardkit-validate",
    args: list[str] | None = None,
) -> None:
    """The model repository's .pre-commit-config.yaml, as a user writes it: the hook
    repository at a commit. pre-commit installs it once into PRE_COMMIT_HOME and reuses it."""
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hook_repo, check=True, capture_output=True, text=True
    ).stdout.strip()
    hook: dict[str, object] = {"id": hook_id}
    if args is not None:
        hook["args"] = args
    config = {"repos": [{"repo": str(hook_repo), "rev": rev, "hooks": [hook]}]}
    (model_repo / ".pre-commit-config.yaml").write_text(json.dumps(config), encoding="utf-8")
    _git("add", ".pre-commit-config.yaml", cwd=model_repo)


def _run_hook(model_repo: Path, env: dict[str, str], hook_id: str = "cardkit-validate"):
    return subprocess.run(
        [PRE_COMMIT, "run", hook_id, "--all-files"],
        cwd=model_repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.shared
def test_validate_hook_passes_a_good_card_and_fails_a_bad_one(tmp_path, monkeypatch):
    for name, value in _git_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    env = dict(os.environ)
    hook_repo = _hook_repo(tmp_path)
    model = tmp_path / "model"
    model.mkdir()
    _git("init", "-q", cwd=model)
    card = model / "README.md"
    card.write_bytes(DMETA_CARD.read_bytes())
    _git("add", "README.md", cwd=model)
    _use_hook(hook_repo, model)

    good = _run_hook(model, env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "cardkit validate" in good.stdout and "Passed" in good.stdout

    text = card.read_text(encoding="utf-8").replace("    metrics:\n", "    metric:\n", 1)
    card.write_text(text, encoding="utf-8")
    _git("add", "README.md", cwd=model)
    bad = _run_hook(model, env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "README.md:19:5: model-index[0].results[0].metric: unknown key 'metric'" in bad.stdout, (
        bad.stdout
    )
