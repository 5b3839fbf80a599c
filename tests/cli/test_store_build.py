"""`cardkit build STORE -o CARDS` and `cardkit validate CARDS`: every model of a results store,
on several processes, each model's refusal its own, and a report of what was done."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cardkit.build.manifest import MANIFEST_NAME
from tests.conftest import RESULTS, TESTS, run_cli
from tests.terminal import run_on_terminal

pytestmark = pytest.mark.shared

MODELS = ("BAAI__bge-base-zh", "DMetaSoul__Dmeta-embedding-zh-small", "sensenova__piccolo-base-zh")
# Renders until the sandbox's time budget stops it: a minute, longer than any wait below.
SLOW_TEMPLATE = (
    '{% set s = "x" * 1000000 %}{% for i in range(1000) %}{% for j in range(1000) %}'
    "{% set t = s|upper %}{% endfor %}{% endfor %}\n"
)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """Three real model folders, one whose files name a task nobody knows, one empty."""
    root = tmp_path / "results"
    for name in MODELS:
        shutil.copytree(RESULTS / name, root / name)
    unknown = root / "org__unknown-task" / "rev1"
    unknown.mkdir(parents=True)
    task = json.loads((RESULTS / MODELS[0] / "no_revision_available" / "AFQMC.json").read_text())
    task["mteb_dataset_name"] = "NoSuchTask"
    (unknown / "NoSuchTask.json").write_text(json.dumps(task))
    (root / "org__empty" / "rev1").mkdir(parents=True)
    return root


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _assert_same_as_one_build(folder: Path, card: Path, *options: str) -> None:
    """The card a store build wrote is the one `cardkit build FOLDER -o CARD` writes alone, and
    records that command (so it is the way to rebuild it)."""
    from_store = card.read_bytes()
    relative = os.path.relpath(folder.resolve(), card.parent.resolve())  # run in the card's folder
    assert shlex.join(["cardkit", "build", relative, *options]).encode() in from_store
    assert str(folder.parent).encode() not in from_store  # no absolute path of the store
    card.unlink()
    assert run_cli("build", folder, "-o", card, *options).returncode == 0
    assert card.read_bytes() == from_store


def test_every_model_of_a_store_gets_the_card_its_own_build_gives(store, tmp_path):
    cards = tmp_path / "cards"
    result = run_cli("build", store, "-o", cards, "--jobs", "2")
    assert result.returncode == 1, result.stderr  # two folders were refused
    assert "Traceback" not in result.stderr
    refused = sorted(line for line in result.stderr.splitlines() if line.startswith("refused "))
    assert len(refused) == 2, result.stderr
    assert refused[0].startswith("refused org__empty: ")
    assert "no mteb result files found" in refused[0]
    assert refused[1].startswith("refused org__unknown-task: ")
    assert "unknown task 'NoSuchTask'" in refused[1]
    expected = [f"{name}/README.md" for name in MODELS] + ["report.json", MANIFEST_NAME]
    assert _files(cards) == sorted(expected)
    for name in MODELS:  # byte for byte what a build of the one folder writes
        _assert_same_as_one_build(store / name, cards / name / "README.md")
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith(
        "5 model folders: 3 cards built (3 written, 0 unchanged), 0 with warnings, 2 refused "
        "(1 no mteb result files found in this folder; 1 unknown task '…')"
    )
    assert summary.endswith(f"on 2 processes; report: {cards / 'report.json'}")


def test_the_report_says_what_became_of_every_model_folder(store, tmp_path):
    cards = tmp_path / "cards"
    run_cli("build", store, "-o", cards, "--jobs", "2")
    again = run_cli("build", store, "-o", cards, "--jobs", "1")
    assert "3 cards built (0 written, 3 unchanged)" in again.stdout
    report = json.loads((cards / "report.json").read_text())
    assert report["counts"] == {
        "models": 5,
        "built": 3,
        "written": 0,
        "unchanged": 3,
        "warned": 0,
        "refused": 2,
        "not_built": 0,
    }
    assert report["refused_reasons"] == {
        "no mteb result files found in this folder": 1,
        "unknown task '…'": 1,
    }
    assert report["revision"] == "merge" and report["jobs"] == 1
    assert report["interrupted"] is False
    by_folder = {m["folder"]: m for m in report["models"]}
    assert list(by_folder) == sorted(by_folder)
    dmeta = by_folder["DMetaSoul__Dmeta-embedding-zh-small"]
    assert dmeta["status"] == "unchanged"
    assert dmeta["card"] == "DMetaSoul__Dmeta-embedding-zh-small/README.md"
    assert (dmeta["model"], dmeta["tasks"], dmeta["entries"]) == (
        "DMetaSoul/Dmeta-embedding-zh-small",
        44,
        51,
    )
    assert dmeta["revisions"] == ["external", "2050d3439a2f68999dd648c1697471acaac37a29"]
    assert dmeta["notes"][0].startswith("DMetaSoul/Dmeta-embedding-zh-small: 2 revision folders")
    unknown = by_folder["org__unknown-task"]
    assert unknown["status"] == "refused" and unknown["reason"] == "unknown task '…'"
    assert "NoSuchTask.json: unknown task 'NoSuchTask'" in unknown["error"]


@pytest.mark.parametrize("policy", ["latest", "external"])
def test_the_revision_policy_applies_to_every_model(store, tmp_path, policy):
    cards = tmp_path / "cards"
    result = run_cli("build", store, "-o", cards, "--revision", policy, "--jobs", "2")
    assert "Traceback" not in result.stderr
    for name in MODELS[1:]:  # Dmeta and piccolo have an external and a real revision folder
        _assert_same_as_one_build(store / name, cards / name / "README.md", "--revision", policy)
    report = json.loads((cards / "report.json").read_text())
    bge = next(m for m in report["models"] if m["folder"] == "BAAI__bge-base-zh")
    if policy == "external":  # bge-base-zh has no folder of that name: refused, the rest built
        assert bge["status"] == "refused"
        assert "has no revision 'external' (found: no_revision_available)" in bge["error"]
    else:
        assert bge["status"] == "written"


def test_options_that_name_one_card_are_refused_for_a_store(store, tmp_path):
    for extra in (["--model-name", "org/x"], ["--diff"]):
        result = run_cli("build", store, "-o", tmp_path / "cards", *extra)
        assert result.returncode == 1
        assert result.stderr.startswith(f"error: {store}: "), result.stderr
    assert not (tmp_path / "cards").exists()


def test_a_single_model_folder_is_still_one_card(tmp_path):
    # A model folder (its revision folders hold the results) is not a store.
    result = run_cli("build", RESULTS / MODELS[0], "-o", tmp_path / "cards")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cards").is_file()


def _group(group: int) -> list[tuple[int, str, float]]:
    """(pid, state, CPU seconds used) of every process in a process group, from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == group:
            ticks = int(fields[11]) + int(fields[12])
            members.append((int(stat.parent.name), fields[0], ticks / os.sysconf("SC_CLK_TCK")))
    return members


def _busy_workers(group: int) -> int:
    """How many processes of the command's process group, besides the command itself, have
    used a second of CPU: more than reading a model's results takes, so they are rendering."""
    return sum(pid != group and cpu >= 1 for pid, _, cpu in _group(group))


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads CPU times from /proc")
def test_ctrl_c_stops_every_worker_and_leaves_no_temporary_file(store, tmp_path):
    """Each model renders a template that runs for seconds: Ctrl-C lands while workers are
    busy. The command stops at once, removes what it was writing and says what it built."""
    template = tmp_path / "slow.md.j2"
    template.write_text(SLOW_TEMPLATE)
    cards = tmp_path / "cards"
    command = [sys.executable, "-m", "cardkit", "build", store, "-o", cards, "--jobs", "2"]
    process = subprocess.Popen(
        [*map(str, command), "--template", str(template)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while _busy_workers(process.pid) < 2:
            assert time.monotonic() < deadline, "the two workers never started rendering"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C
        # Each render would run for a minute: the command stopped its workers, not waited.
        stdout, stderr = process.communicate(timeout=30)
        assert [p for p in _group(process.pid) if p[1] not in "ZX"] == []  # none outlived it
    finally:  # a failed check leaves no process rendering behind
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1] == "error: interrupted"
    assert not [p for p in cards.rglob("*") if p.name.endswith(".tmp")]
    report = json.loads((cards / "report.json").read_text())
    assert report["interrupted"] is True
    assert report["counts"]["not_built"] >= 2
    # every model was still rendering: the manifest records no model
    assert _files(cards) == [MANIFEST_NAME, "report.json"]
    assert json.loads((cards / MANIFEST_NAME).read_text())["models"] == {}


def test_validate_finds_every_card_below_a_folder_on_several_processes(store, tmp_path):
    cards = tmp_path / "cards"
    run_cli("build", store, "-o", cards, "--eval-results")
    broken = cards / "zz__broken" / "README.md"
    broken.parent.mkdir()
    shutil.copy(TESTS / "hostile" / "metric-typo.md", broken)
    (cards / "notes").mkdir()  # no card here: nothing to check, not an error
    alone = run_cli("validate", broken)
    results = [run_cli("validate", cards, "--jobs", jobs) for jobs in ("1", "3")]
    for result in results:
        assert result.returncode == 1
        assert result.stdout == results[0].stdout
    lines = results[0].stdout.splitlines()
    assert lines[:-1] == alone.stdout.splitlines()[:-1]  # only the broken card has findings
    eval_files = len(list(cards.glob("*/.eval_results/*.yaml")))
    assert eval_files > 3
    assert lines[-1] == f"{4 + eval_files} files checked: 2 errors, 0 warnings"


def test_validate_of_a_folder_reads_no_link_out_of_it(tmp_path):
    secret = tmp_path / "secret"
    (secret / ".eval_results").mkdir(parents=True)
    (secret / "README.md").write_text("---\nlicense: [\n---\nhf_secret_text_of_another_place\n")
    (secret / ".eval_results" / "T.yaml").write_text("- {dataset: [\n")
    cards = tmp_path / "cards"
    (cards / "a").mkdir(parents=True)
    shutil.copy(TESTS / "hostile" / "metric-typo.md", cards / "a" / "README.md")
    (cards / "b").mkdir()
    (cards / "b" / "README.md").symlink_to(secret / "README.md")
    (cards / "c").mkdir()
    (cards / "c" / ".eval_results").symlink_to(secret / ".eval_results")
    (cards / "d").symlink_to(secret)
    result = run_cli("validate", cards)
    assert result.returncode == 1  # the one real card is broken, and only it was read
    assert "secret" not in result.stdout and "license" not in result.stdout
    assert result.stdout.splitlines()[-1].startswith("1 file checked: ")


def test_validate_of_a_folder_without_cards_says_so(tmp_path):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    result = run_cli("validate", tmp_path / "empty")
    assert result.returncode == 2
    assert "no README.md or .eval_results/*.yaml to validate here" in result.stdout


def _square_or_fail(n: int) -> int:
    if n == 3:
        os.kill(os.getpid(), signal.SIGKILL)  # the process dies, as when killed for memory
    if n == 5:
        raise ValueError("five")
    return n * n


def test_a_worker_that_dies_costs_only_the_item_it_held():
    from cardkit.io.workers import WorkerDied, WorkerFailed, run_each

    results = dict(run_each(_square_or_fail, range(10), jobs=3))
    assert sorted(results) == list(range(10))
    assert results.pop(3) == WorkerDied(-signal.SIGKILL)
    assert results.pop(5) == WorkerFailed("ValueError: five")
    assert results == {n: n * n for n in range(10) if n not in (3, 5)}
    assert "killed by SIGKILL (out of memory?)" in WorkerDied(-signal.SIGKILL).reason


@pytest.mark.parametrize("command", ["build", "validate"])
@pytest.mark.parametrize("jobs", ["0", "-2", "two"])
def test_jobs_is_a_number_of_processes(tmp_path, command, jobs):
    result = run_cli(command, tmp_path, "--jobs", jobs)
    assert result.returncode == 2
    assert f"argument -j/--jobs: '{jobs}' is not a number of processes (1 or more)" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


def test_a_terminal_gets_a_progress_bar_and_each_refusal_on_a_line_of_its_own(store, tmp_path):
    status, shown = run_on_terminal(
        "build", store, "-o", tmp_path / "cards", "--jobs", "2", stream="stderr"
    )
    assert status == 1
    assert "| 0/5 [" in shown and "model/s]" in shown  # the bar, over the 5 model folders
    # What stays on each line of the terminal: the text after its last carriage return.
    lines = [line.rstrip("\r").rsplit("\r", 1)[-1] for line in shown.split("\n")]
    refused = sorted(line for line in lines if line.startswith("refused "))
    assert [line.split(":")[0] for line in refused] == [
        "refused org__empty",
        "refused org__unknown-task",
    ]
    plain = run_cli("build", store, "-o", tmp_path / "plain", "--jobs", "2")
    assert "model/s" not in plain.stderr and "0/5" not in plain.stderr  # no bar unwatched
