"""`cardkit diff` and `cardkit compare` with ``hf://`` sources against the local Hub stand-in:
real huggingface_hub downloads over HTTP, at a commit, a tag or the default branch.

The CLI runs in a subprocess because huggingface_hub reads HF_ENDPOINT when imported.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from tests.cli.test_push import hub_env
from tests.conftest import DMETA_CARD, RESULTS, run_cli
from tests.hub_server import HubStandIn

pytestmark = pytest.mark.shared

REPO_ID = "cardkit-test/Dmeta-embedding"
TOKEN = "hf_" + "k" * 34
EXTERNAL = RESULTS / "DMetaSoul__Dmeta-embedding-zh-small" / "external"
AFQMC_SPEARMAN = "      value: 71.12862586297193\n"  # AFQMC cos_sim_spearman, the main score
EVAL_YAML = b"""- dataset:
    id: C-MTEB/AFQMC
    task_id: AFQMC_default_validation
    config: default
    split: validation
  value: 71.12862586297193
  source:
    url: https://github.com/embeddings-benchmark/mteb/
    name: MTEB
- dataset:
    id: C-MTEB/AFQMC
    task_id: AFQMC
  value: 71.12862586297193
"""


@pytest.fixture
def hub():
    server = HubStandIn(token=TOKEN).start()
    card = DMETA_CARD.read_bytes()
    first = server.create_repo(REPO_ID, {"README.md": card, "config.json": b"{}"})
    server.repos[REPO_ID].refs["v1.0"] = first
    # The next release lowers AFQMC by exactly 2 points.
    lowered = card.decode().replace(AFQMC_SPEARMAN, "      value: 69.12862586297193\n", 1)
    assert lowered != card.decode()
    server.push_outside(REPO_ID, {"README.md": lowered.encode()})
    yield server
    server.stop()


def _one_error(result, *words: str) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert TOKEN not in result.stdout + result.stderr
    return lines[0]


def test_two_releases_on_the_hub_at_a_tag_and_the_default_branch(hub, tmp_path):
    env = hub_env(hub, tmp_path, TOKEN)
    result = run_cli(
        "-q", "diff", f"hf://{REPO_ID}@v1.0", f"hf://{REPO_ID}", "--format", "json", env=env
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["old"]["model"] == data["new"]["model"] == REPO_ID
    assert data["old"]["revisions"] == [hub.repos[REPO_ID].refs["v1.0"]]
    assert data["new"]["revisions"] == [hub.head(REPO_ID)]
    [changed] = [s for s in data["scores"] if s["status"] == "changed"]
    assert (changed["task"], changed["split"]) == ("AFQMC", "validation")
    assert changed["delta"] == pytest.approx(-2.0)
    entries = yaml.safe_load(DMETA_CARD.read_text().split("---\n")[1])["model-index"][0]["results"]
    assert data["compared"] == len(entries) == 35
    assert data["tasks_added"] == data["tasks_removed"] == []
    # Only the card was fetched: model_info, then the card's HEAD and GET.
    paths = {r.path for r in hub.requests}
    assert not any(p.endswith("config.json") for p in paths)


def test_the_published_card_gates_a_release_from_local_results(hub, tmp_path):
    """The CI recipe: fail when a task regresses by more than 0.5 against the Hub's card."""
    env = hub_env(hub, tmp_path, TOKEN)
    commit = hub.repos[REPO_ID].refs["v1.0"]
    gate = run_cli(
        "-q", "diff", f"hf://{REPO_ID}@{commit}", EXTERNAL, "--threshold", "0.5", env=env
    )
    assert gate.returncode == 1, gate.stderr
    assert re.search(r"FAIL: \d+ scores dropped by more than 0.5 points", gate.stdout)
    assert "AFQMC" in gate.stdout.split("Other scores")[0]
    same = run_cli("-q", "diff", f"hf://{REPO_ID}@{commit[:12]}", DMETA_CARD, env=env)
    assert same.returncode == 0, same.stderr
    assert "No differences." in same.stdout


def test_eval_results_files_are_read_with_the_card_or_alone(hub, tmp_path):
    env = hub_env(hub, tmp_path, TOKEN)
    hub.create_repo("cardkit-test/only-eval", {".eval_results/AFQMC.yaml": EVAL_YAML})
    result = run_cli(
        "diff",
        "hf://cardkit-test/only-eval",
        f"hf://{REPO_ID}@v1.0",
        "--format",
        "json",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    # The whole-task entry is skipped with one note that names no temporary folder.
    assert result.stderr == (
        "note: skipped 1 whole-task scores of .eval_results files (their per-split scores "
        "are read)\n"
    )
    data = json.loads(result.stdout)
    assert data["compared"] == 1 and not [s for s in data["scores"] if s["status"] == "changed"]
    assert len(data["tasks_added"]) == 34


def test_compare_reads_hub_models_next_to_local_folders(hub, tmp_path):
    env = hub_env(hub, tmp_path, TOKEN)
    result = run_cli(
        "-q",
        "compare",
        f"hf://{REPO_ID}@v1.0",
        RESULTS / "sensenova__piccolo-base-zh",
        "--benchmark",
        "C-MTEB",
        "--format",
        "json",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    [table] = json.loads(result.stdout)
    first = table["rows"][0]
    assert first["model"] == REPO_ID and first["rank"] == 1
    assert first["means"]["Mean (Task)"] == pytest.approx(67.51, abs=0.005)  # the card's table
    assert first["link"] == f"https://huggingface.co/{REPO_ID}"


def test_every_failure_is_one_line(hub, tmp_path):
    env = hub_env(hub, tmp_path, TOKEN)
    hub.create_repo("cardkit-test/no-index", {"README.md": b"---\nlicense: mit\n---\n# Hi\n"})
    hub.create_repo("cardkit-test/empty", {"config.json": b"{}"})
    cases = [
        ("hf://cardkit-test/missing", ["hf://cardkit-test/missing", "no model repository"]),
        (f"hf://{REPO_ID}@v9", [f"hf://{REPO_ID}@v9", "no revision 'v9'"]),
        ("hf://cardkit-test/no-index", ["no model-index", "no .eval_results"]),
        ("hf://cardkit-test/empty", ["no README.md and no .eval_results"]),
        ("hf://not a repo", ["not a Hub model id"]),
        ("hf://just-a-name", ["ORG/NAME"]),
        (f"hf://{REPO_ID}@", ["nothing after '@'"]),
    ]
    for source, words in cases:
        _one_error(run_cli("-q", "diff", source, EXTERNAL, env=env), *words)
    # The Hub refuses the token: the message never shows it.
    wrong = hub_env(hub, tmp_path, token="hf_" + "w" * 34)
    line = _one_error(run_cli("-q", "diff", f"hf://{REPO_ID}", EXTERNAL, env=wrong))
    assert "w" * 34 not in line
    # The Hub answers 500.
    hub.fail["info"] = 500
    _one_error(run_cli("-q", "diff", f"hf://{REPO_ID}", EXTERNAL, env=env), "answered 500")


def test_no_network_is_one_line(tmp_path):
    env = hub_env(None, tmp_path, TOKEN)  # nothing listens there
    _one_error(
        run_cli("-q", "diff", f"hf://{REPO_ID}", EXTERNAL, env=env),
        f"hf://{REPO_ID}",
        "cannot reach the Hub at http://127.0.0.1:9",
    )
    offline = {**env, "HF_HUB_OFFLINE": "1"}
    _one_error(run_cli("-q", "diff", f"hf://{REPO_ID}", EXTERNAL, env=offline), "offline")
