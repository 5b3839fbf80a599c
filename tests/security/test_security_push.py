"""`cardkit push` uploads only regular files from inside the folder, only real images under a
size limit, never a card without metadata, and never prints the token, whatever the Hub says.

Run against the stand-in Hub (tests/hub_server.py) with huggingface_hub's real code; CI also
runs this file with the oldest huggingface_hub the dependency pin allows.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

from tests.cli.test_push import EVAL_YAML, PNG, REMOTE_CARD, REPO_ID, TOKEN, error_lines, hub_env
from tests.conftest import run_cli
from tests.hub_server import HubStandIn

# The smallest valid card: front matter with a model-index (what cardkit build writes).
CARD = b"""---
tags:
- mteb
model-index:
- name: org/model
  results:
  - task:
      type: STS
    dataset:
      type: C-MTEB/AFQMC
      name: MTEB AFQMC
      config: default
      split: validation
      revision: None
    metrics:
    - type: cos_sim_spearman
      value: 41.5
---
# org/model
"""
SVG = b'<?xml version="1.0" encoding="utf-8"?>\n<!-- chart -->\n<svg xmlns="http://www.w3.org/2000/svg"></svg>\n'
SECRET = b"root:$6$secret-hash:19000:0:99999:7:::\n"


@pytest.fixture
def hub():
    server = HubStandIn(token=TOKEN).start()
    server.create_repo(REPO_ID, {"README.md": REMOTE_CARD})
    yield server
    server.stop()


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    (folder / ".eval_results").mkdir(parents=True)
    (folder / "assets").mkdir()
    (folder / "README.md").write_bytes(CARD)
    (folder / ".eval_results" / "AFQMC.yaml").write_bytes(EVAL_YAML)
    (folder / "assets" / "chart.png").write_bytes(PNG)
    return folder


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere" / "shadow"
    path.parent.mkdir()
    path.write_bytes(SECRET)
    return path


def push(hub: HubStandIn, folder: Path, tmp_path: Path, *args: str, **env: str):
    return run_cli(
        "push", folder, "--repo-id", REPO_ID, *args, env=hub_env(hub, tmp_path, **env), timeout=120
    )


def refused(result, hub: HubStandIn, *needles: str) -> str:
    """The push failed in one error line, listing the problem, and nothing was sent."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert error_lines(result.stderr) == ["error: refusing to push: 1 problem (see above)"]
    [problem] = [line for line in result.stderr.splitlines() if not line.startswith("error:")]
    for needle in needles:
        assert needle in problem, problem
    assert hub.requests == []
    return problem


def test_a_push_of_regular_files_with_a_png_and_an_svg(hub, model_dir, tmp_path):
    (model_dir / "assets" / "chart.svg").write_bytes(SVG)
    result = push(hub, model_dir, tmp_path)
    assert result.returncode == 0, result.stderr
    [commit] = hub.commits
    assert sorted(commit.files) == [
        ".eval_results/AFQMC.yaml",
        "README.md",
        "assets/chart.png",
        "assets/chart.svg",
    ]


@pytest.mark.parametrize(
    "link",
    ["assets/chart.png", "assets/extra.png", ".eval_results/Other.yaml", "README.md"],
)
def test_a_link_to_a_file_outside_is_never_uploaded(hub, model_dir, tmp_path, secret_file, link):
    path = model_dir / link
    path.unlink(missing_ok=True)
    path.symlink_to(secret_file)
    problem = refused(push(hub, model_dir, tmp_path), hub, link, "is a symbolic link")
    assert str(secret_file) in problem  # says where it points, so the user can copy it
    assert SECRET not in hub.request_bodies()


@pytest.mark.parametrize("folder", ["assets", ".eval_results"])
def test_a_linked_folder_is_never_followed(hub, model_dir, tmp_path, secret_file, folder):
    outside = secret_file.parent
    (outside / "leak.png").write_bytes(PNG + SECRET)
    (outside / "leak.yaml").write_bytes(EVAL_YAML)
    for child in (model_dir / folder).iterdir():
        child.unlink()
    (model_dir / folder).rmdir()
    (model_dir / folder).symlink_to(outside, target_is_directory=True)
    refused(push(hub, model_dir, tmp_path), hub, folder, "is a symbolic link")


def test_a_link_inside_the_folder_is_refused_too(hub, model_dir, tmp_path):
    (model_dir / "assets" / "copy.png").symlink_to(model_dir / "assets" / "chart.png")
    refused(push(hub, model_dir, tmp_path), hub, "copy.png", "is a symbolic link")


def test_an_oversized_asset_is_refused_unread(hub, model_dir, tmp_path):
    big = model_dir / "assets" / "huge.png"
    with big.open("wb") as handle:  # sparse: 200 MB on paper, nothing on disk
        handle.write(PNG)
        handle.truncate(200 * 1024 * 1024)
    refused(push(hub, model_dir, tmp_path), hub, "huge.png", "200.0 MB, over the 10 MB limit")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("notes.png", b"just text, not an image\n"),
        ("photo.jpg", PNG),  # a PNG named .jpg
        ("chart.svg", b"<html><script>alert(1)</script></html>"),
        ("anim.gif", b"GIF00a"),
        ("pic.webp", b"RIFF\x00\x00\x00\x00WAVE"),
    ],
    ids=["text", "png-as-jpg", "html-as-svg", "bad-gif", "wave-as-webp"],
)
def test_an_asset_that_is_not_the_image_its_name_says_is_refused(
    hub, model_dir, tmp_path, name, data
):
    (model_dir / "assets" / name).write_bytes(data)
    refused(push(hub, model_dir, tmp_path), hub, name, "is not the image its name says")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_among_the_assets_is_refused_without_blocking(hub, model_dir, tmp_path):
    os.mkfifo(model_dir / "assets" / "pipe.png")
    refused(push(hub, model_dir, tmp_path), hub, "pipe.png", "is not a regular file")


@pytest.mark.parametrize(
    ("card", "missing"),
    [
        (b"# A model\n\nNo metadata at all.\n", "front matter"),
        (b"---\nlicense: mit\ntags:\n- mteb\n---\n# A model\n", "model-index"),
    ],
)
def test_a_card_without_metadata_never_replaces_the_remote_one(
    hub, model_dir, tmp_path, card, missing
):
    (model_dir / "README.md").write_bytes(card)
    problem = refused(push(hub, model_dir, tmp_path), hub, "README.md:1:1:")
    assert f"the card has no {missing}" in problem
    assert hub.files(REPO_ID)["README.md"] == REMOTE_CARD


def test_a_hub_error_that_echoes_the_request_prints_no_token(hub, model_dir, tmp_path):
    token = "hf_" + secrets.token_hex(17)
    other = "hf_" + secrets.token_hex(17)  # someone else's token in the same message
    hub.token = token
    hub.fail["commit"] = 500
    hub.error_detail = lambda r: f"request had {r.headers.get('authorization')} and {other}"
    result = push(hub, model_dir, tmp_path, token=token)
    assert result.returncode == 1
    [line] = error_lines(result.stderr)
    assert "the Hub failed with 500" in line and "request had Bearer ***" in line
    for secret in (token, token[3:], other, other[3:]):
        assert secret not in result.stdout + result.stderr


def test_a_rejected_token_echoed_back_is_not_printed(hub, model_dir, tmp_path):
    wrong = "hf_" + secrets.token_hex(17)
    hub.error_detail = lambda r: f"got {r.headers.get('authorization')}"
    result = push(hub, model_dir, tmp_path, token=wrong)
    [line] = error_lines(result.stderr)
    assert "the Hub rejected the token (401" in line
    assert wrong not in result.stderr and wrong[3:] not in result.stderr
