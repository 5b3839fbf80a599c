"""`cardkit push --dry-run` needs a token only to read a private repository, and the two
meanings of --revision (a results folder in build, a Hub branch in push) are told apart in
each command's --help."""

from __future__ import annotations

import pytest

from tests.cli.test_push import REPO_ID, error_lines, hub_env
from tests.cli.test_push import hub as hub  # noqa: F401  (the fixture)
from tests.cli.test_push import model_dir as model_dir  # noqa: F401  (the fixture)
from tests.conftest import REPO, run_cli

pytestmark = pytest.mark.shared


def test_a_dry_run_of_a_public_repository_needs_no_token(hub, model_dir, tmp_path):  # noqa: F811
    hub.token = None  # the stand-in answers anyone: a public repository
    result = run_cli(
        "push", model_dir, "--repo-id", REPO_ID, "--dry-run", env=hub_env(hub, tmp_path, token="")
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("--- ") and "+model-index:\n" in result.stdout
    assert f"dry run: README.md differs from {REPO_ID}@" in result.stderr
    assert hub.requests and all("Authorization" not in r.headers for r in hub.requests)
    assert hub.commits == []


def test_a_dry_run_of_a_private_repository_without_a_token_says_one_is_needed(
    hub,  # noqa: F811
    model_dir,  # noqa: F811
    tmp_path,
):
    result = run_cli(
        "push", model_dir, "--repo-id", REPO_ID, "--dry-run", env=hub_env(hub, tmp_path, token="")
    )
    assert result.returncode == 1
    [line] = error_lines(result.stderr)
    assert line.endswith(
        "(no Hugging Face token was given: a private repository needs HF_TOKEN or `hf auth login`)"
    )
    assert "Traceback" not in result.stderr


def test_each_revision_option_says_which_revision_it_means():
    build = run_cli("build", "--help").stdout
    push = run_cli("push", "--help").stdout
    assert "not the Hub branch that `cardkit push --revision` commits to" in " ".join(build.split())
    assert "not the results folder that `cardkit build --revision` picks" in " ".join(push.split())
    assert (REPO / ".gitignore").read_text(encoding="utf-8").splitlines().count("/my-card/") == 1
