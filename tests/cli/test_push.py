"""`cardkit push` against a local Hub stand-in: real huggingface_hub code, real HTTP.

The CLI runs in a subprocess because huggingface_hub reads HF_ENDPOINT when imported.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DMETA_CARD, run_cli
from tests.hub_server import CONFLICT_MESSAGE, HubStandIn

REPO_ID = "cardkit-test/Dmeta-embedding"
TOKEN = "hf_" + "x" * 34

# One task file as cardkit writes it (the AFQMC main score of the Dmeta card).
EVAL_YAML = b"""- dataset:
    id: C-MTEB/AFQMC
    task_id: AFQMC_default_validation
  value: 65.25256
  source:
    url: https://github.com/embeddings-benchmark/mteb/
    name: MTEB
"""
# A real PNG header followed by bytes that are not UTF-8: the upload must be byte-exact.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
REMOTE_CARD = b"---\nlicense: apache-2.0\ntags:\n- mteb\n---\n# Dmeta-embedding\n\nOld text.\n"


@pytest.fixture
def hub():
    server = HubStandIn(token=TOKEN).start()
    server.create_repo(REPO_ID, {"README.md": REMOTE_CARD, ".gitattributes": b"*.bin lfs\n"})
    yield server
    server.stop()


def dmeta_card_fixed() -> bytes:
    """The Dmeta card with its table's STS mean set to what its model-index gives: push refuses
    the card as published, whose table disagrees (see tests/cli/test_audit.py)."""
    data = DMETA_CARD.read_bytes()
    assert data.count(b"| 64.09 |") == 1
    return data.replace(b"| 64.09 |", b"| 64.89 |")


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    (folder / ".eval_results").mkdir(parents=True)
    (folder / "assets").mkdir()
    (folder / "README.md").write_bytes(dmeta_card_fixed())
    (folder / ".eval_results" / "AFQMC.yaml").write_bytes(EVAL_YAML)
    (folder / "assets" / "mteb-c-mteb.png").write_bytes(PNG)
    (folder / "notes.txt").write_text("not uploaded\n")
    return folder


def hub_env(hub: HubStandIn | None, tmp_path: Path, token: str = TOKEN, **extra: str) -> dict:
    env = {
        "HF_ENDPOINT": hub.url if hub else "http://127.0.0.1:9",
        "HF_TOKEN": token,
        "HF_HOME": str(tmp_path / "hf-home"),
        "HF_HUB_OFFLINE": "0",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    env.update(extra)
    return env


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.mark.shared
def test_push_commits_every_file_byte_for_byte_on_top_of_the_head(hub, model_dir, tmp_path):
    head = hub.head(REPO_ID)
    result = run_cli(
        "push",
        model_dir,
        "--repo-id",
        REPO_ID,
        "--commit-message",
        "Release v1.0 results",
        env=hub_env(hub, tmp_path),
    )
    assert result.returncode == 0, result.stderr
    [commit] = hub.commits
    assert commit.accepted and not commit.create_pr
    assert commit.summary == "Release v1.0 results"
    assert commit.parent_commit == head
    assert commit.revision == "main"
    assert commit.files == {
        "README.md": dmeta_card_fixed(),
        ".eval_results/AFQMC.yaml": EVAL_YAML,
        "assets/mteb-c-mteb.png": PNG,
    }
    remote = hub.files(REPO_ID)
    assert remote["README.md"] == dmeta_card_fixed()
    assert remote[".gitattributes"] == b"*.bin lfs\n"  # the rest of the repository is kept
    assert "notes.txt" not in remote
    assert hub.head(REPO_ID) == commit.oid
    assert f"{hub.url}/{REPO_ID}/commit/{commit.oid}" in result.stdout


@pytest.mark.shared
def test_push_with_create_pr_opens_a_pull_request_and_prints_its_url(hub, model_dir, tmp_path):
    head = hub.head(REPO_ID)
    result = run_cli(
        "push", model_dir, "--repo-id", REPO_ID, "--create-pr", env=hub_env(hub, tmp_path)
    )
    assert result.returncode == 0, result.stderr
    [commit] = hub.commits
    assert commit.create_pr and commit.accepted
    assert commit.parent_commit == head
    assert commit.summary == "Update model card and 2 result files"
    assert f"pull request: {hub.url}/{REPO_ID}/discussions/1" in result.stdout
    assert hub.head(REPO_ID) == head  # main is untouched until the PR is merged
    assert hub.files(REPO_ID, "refs/pr/1")["README.md"] == dmeta_card_fixed()


@pytest.mark.shared
def test_push_to_a_branch_commits_on_that_branch(hub, model_dir, tmp_path):
    hub.repos[REPO_ID].refs["release"] = hub.head(REPO_ID)
    result = run_cli(
        "push", model_dir, "--repo-id", REPO_ID, "--revision", "release", env=hub_env(hub, tmp_path)
    )
    assert result.returncode == 0, result.stderr
    [commit] = hub.commits
    assert commit.revision == "release"
    assert hub.files(REPO_ID, "release")["README.md"] == dmeta_card_fixed()
    assert hub.files(REPO_ID, "main")["README.md"] == REMOTE_CARD


@pytest.mark.shared
def test_dry_run_prints_the_diff_and_commits_nothing(hub, model_dir, tmp_path):
    before = snapshot(model_dir)
    result = run_cli(
        "push", model_dir, "--repo-id", REPO_ID, "--dry-run", env=hub_env(hub, tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("--- a/README.md\n+++ b/README.md\n")
    assert "-Old text.\n" in result.stdout
    assert "+- name: Dmeta-embedding\n" in result.stdout
    assert hub.commits == []
    assert not [r for r in hub.requests if r.method == "POST"]
    assert hub.files(REPO_ID)["README.md"] == REMOTE_CARD
    assert snapshot(model_dir) == before


@pytest.mark.shared
def test_dry_run_of_a_repository_without_a_card_diffs_against_nothing(hub, model_dir, tmp_path):
    hub.create_repo("cardkit-test/empty", {".gitattributes": b""})
    result = run_cli(
        "push",
        model_dir,
        "--repo-id",
        "cardkit-test/empty",
        "--dry-run",
        env=hub_env(hub, tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("--- /dev/null\n+++ b/README.md\n")
    assert hub.commits == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


FAILURES = {
    "token rejected (401)": (
        lambda hub: None,
        {"HF_TOKEN": "hf_wrong"},
        (),
        "the Hub rejected the token (401",
    ),
    "no write access (403)": (
        lambda hub: hub.fail.update(commit=403),
        {},
        (),
        "may not write to " + REPO_ID + " (403",
    ),
    "repository missing (404)": (
        lambda hub: None,
        {},
        ("--repo-id", "cardkit-test/missing"),
        "repository cardkit-test/missing not found",
    ),
    "head moved meanwhile (412)": (
        lambda hub: setattr(hub, "move_head_after_info", True),
        {},
        (),
        "changed on the Hub while pushing",
    ),
    "server error (500)": (
        lambda hub: hub.fail.update(commit=500),
        {},
        (),
        "the Hub failed with 500",
    ),
    "server error on the repo info (502)": (
        lambda hub: hub.fail.update(info=502),
        {},
        (),
        "the Hub failed with 502",
    ),
    "connection refused": (
        lambda hub: None,
        {"HF_ENDPOINT": f"http://127.0.0.1:{_closed_port()}"},
        (),
        "cannot connect to http://127.0.0.1:",
    ),
    "timeout": (
        lambda hub: hub.hang.add("info"),
        {},
        ("--timeout", "1"),
        "no answer from http://127.0.0.1:",
    ),
}


@pytest.mark.shared
@pytest.mark.parametrize("case", list(FAILURES))
def test_a_failed_push_says_why_in_one_line_and_changes_nothing(case, hub, model_dir, tmp_path):
    arrange, env, args, expected = FAILURES[case]
    arrange(hub)
    args = args if "--repo-id" in args else ("--repo-id", REPO_ID, *args)
    before_local, before_remote = snapshot(model_dir), hub.files(REPO_ID)
    result = run_cli("push", model_dir, *args, env=hub_env(hub, tmp_path, **env), timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = error_lines(result.stderr)
    assert expected in line, result.stderr
    assert TOKEN not in result.stdout + result.stderr
    assert snapshot(model_dir) == before_local
    if case == "head moved meanwhile (412)":
        # The commit reached the Hub and was refused, as the real Hub refuses it.
        assert [c.accepted for c in hub.commits] == [False]
        assert hub.files(REPO_ID)["NOTES.md"] == b"changed meanwhile\n"
        assert hub.files(REPO_ID)["README.md"] == REMOTE_CARD
    else:
        assert hub.files(REPO_ID) == before_remote
        assert not any(c.accepted for c in hub.commits)


def test_the_stand_in_refuses_a_stale_parent_like_the_hub(hub, tmp_path):
    """The conflict the push relies on: huggingface_hub raises the Hub's 412 for a stale parent."""
    stale = hub.head(REPO_ID)
    hub.push_outside(REPO_ID, {"x.txt": b"x"})
    script = (
        "from huggingface_hub import HfApi, CommitOperationAdd\n"
        "from huggingface_hub.errors import HfHubHTTPError\n"
        "try:\n"
        f"    HfApi(token={TOKEN!r}).create_commit({REPO_ID!r}, "
        f"[CommitOperationAdd('a.txt', b'a')], commit_message='m', parent_commit={stale!r})\n"
        "except HfHubHTTPError as exc:\n"
        "    print(exc.response.status_code, exc.server_message)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **hub_env(hub, tmp_path)},
    )
    assert out.stdout.strip() == f"412 {CONFLICT_MESSAGE}", out.stderr


@pytest.mark.shared
def test_an_invalid_card_is_never_pushed(hub, model_dir, tmp_path):
    card = model_dir / "README.md"
    text = card.read_text(encoding="utf-8")
    # mteb's old generator bug: a metric value that is not a number.
    card.write_text(
        text.replace("value: 65.60825224706932", "value: '65.6 %'", 1), encoding="utf-8"
    )
    result = run_cli("push", model_dir, "--repo-id", REPO_ID, env=hub_env(hub, tmp_path))
    assert result.returncode == 1
    assert "refusing to push" in result.stderr
    assert "Traceback" not in result.stderr
    assert hub.requests == []  # checked before anything is sent


@pytest.mark.shared
def test_the_metric_typo_is_caught_before_the_push(hub, model_dir, tmp_path):
    card = model_dir / "README.md"
    text = card.read_text(encoding="utf-8")
    # The typo mteb's generator once shipped: `metric:` for `metrics:`.
    card.write_text(text.replace("    metrics:\n", "    metric:\n", 1), encoding="utf-8")
    line = text[: text.index("    metrics:\n")].count("\n") + 1
    result = run_cli("push", model_dir, "--repo-id", REPO_ID, env=hub_env(hub, tmp_path))
    assert result.returncode == 1
    assert f"README.md:{line}:" in result.stderr and "metric" in result.stderr
    assert hub.requests == []


@pytest.mark.shared
def test_an_invalid_eval_results_file_is_never_pushed(hub, model_dir, tmp_path):
    (model_dir / ".eval_results" / "AFQMC.yaml").write_bytes(
        EVAL_YAML.replace(b"value: 65.25256", b"value: .nan")
    )
    result = run_cli("push", model_dir, "--repo-id", REPO_ID, env=hub_env(hub, tmp_path))
    assert result.returncode == 1
    assert "AFQMC.yaml" in result.stderr and "value" in result.stderr
    assert hub.requests == []


@pytest.mark.shared
def test_no_token_is_a_clear_error(hub, model_dir, tmp_path):
    result = run_cli("push", model_dir, "--repo-id", REPO_ID, env=hub_env(hub, tmp_path, token=""))
    assert result.returncode == 1
    assert error_lines(result.stderr) == [
        "error: no Hugging Face token: set HF_TOKEN or log in with `hf auth login`"
    ]
    assert hub.commits == []


@pytest.mark.shared
def test_the_token_is_never_printed_logged_or_written(hub, model_dir, tmp_path):
    token = "hf_" + secrets.token_hex(17)
    hub.token = token
    # Everything huggingface_hub can log, at its most verbose.
    env = hub_env(hub, tmp_path, token=token, HF_DEBUG="1", HF_HUB_VERBOSITY="debug")
    runs = [
        run_cli("push", model_dir, "--repo-id", REPO_ID, "--dry-run", env=env),
        run_cli("push", model_dir, "--repo-id", REPO_ID, "--create-pr", env=env),
        run_cli("push", model_dir, "--repo-id", REPO_ID, env=env),
    ]
    hub.fail["preupload"] = 403
    runs.append(run_cli("push", model_dir, "--repo-id", REPO_ID, env=env))
    assert [r.returncode for r in runs] == [0, 0, 0, 1]
    for result in runs:
        assert token not in result.stdout and token not in result.stderr
        assert token[3:] not in result.stdout + result.stderr
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path
    # Sent only as the Authorization header, never in a body or a URL.
    assert all(r.headers.get("authorization") == f"Bearer {token}" for r in hub.requests)
    assert token.encode() not in hub.request_bodies()
    assert not any(token in r.path or token in str(r.query) for r in hub.requests)
    assert [c.accepted for c in hub.commits] == [True, True]
