"""An ``hf://`` source is weighed before it is downloaded: the sizes the Hub lists with the
files decide, so a repository with a huge card or thousands of result files costs one
request, not the download. Against the local Hub stand-in, over real HTTP."""

from __future__ import annotations

import pytest

from tests.cli.test_hub_source import EVAL_YAML, EXTERNAL, REPO_ID, TOKEN, _one_error, hub
from tests.cli.test_push import hub_env
from tests.conftest import run_cli

pytestmark = pytest.mark.shared

__all__ = ["hub"]  # the fixture, shared with the source tests


def _downloads(server) -> list[str]:
    return [r.path for r in server.requests if "/resolve/" in r.path]


def test_a_card_over_the_limit_is_refused_before_its_download(hub, tmp_path):
    env = hub_env(hub, tmp_path, TOKEN)
    big = b"---\nlicense: mit\n---\n" + b"x" * (11 * 1024 * 1024)
    hub.create_repo("cardkit-test/big-card", {"README.md": big})
    hub.requests.clear()
    line = _one_error(
        run_cli("-q", "diff", "hf://cardkit-test/big-card", EXTERNAL, env=env),
        "hf://cardkit-test/big-card: README.md is 11.0 MB on the Hub, over the 10 MB limit",
        "nothing downloaded",
    )
    assert line.startswith("error: ")
    assert _downloads(hub) == []


def test_thousands_of_eval_results_files_are_refused_before_any_download(hub, tmp_path):
    env = hub_env(hub, tmp_path, TOKEN)
    files = {f".eval_results/Task{n}.yaml": EVAL_YAML for n in range(3000)}
    hub.create_repo("cardkit-test/many-files", files)
    hub.requests.clear()
    _one_error(
        run_cli("-q", "diff", "hf://cardkit-test/many-files", EXTERNAL, env=env),
        "the repository lists 3,000 files to read",
        "over the limit of 2,000: nothing downloaded",
    )
    assert _downloads(hub) == []
    assert len(hub.requests) == 1  # the one listing, with the sizes


def test_files_over_the_total_are_refused_before_any_download(hub, tmp_path):
    env = hub_env(hub, tmp_path, TOKEN)
    nine_mb = b"#" * (9 * 1024 * 1024) + b"\n"
    files = {f".eval_results/Task{n}.yaml": nine_mb for n in range(8)}
    hub.create_repo("cardkit-test/heavy", files)
    hub.requests.clear()
    _one_error(
        run_cli("-q", "diff", "hf://cardkit-test/heavy", EXTERNAL, env=env),
        "the files to read total 72.0 MB on the Hub, over the 64 MB limit",
    )
    assert _downloads(hub) == []


def test_a_repository_within_the_limits_is_still_read(hub, tmp_path):
    env = hub_env(hub, tmp_path, TOKEN)
    result = run_cli("-q", "diff", f"hf://{REPO_ID}@v1.0", EXTERNAL, env=env)
    assert result.returncode in (0, 1) and "error" not in result.stderr, result.stderr
    commit = hub.repos[REPO_ID].refs["v1.0"]
    assert set(_downloads(hub)) == {f"/{REPO_ID}/resolve/{commit}/README.md"}
