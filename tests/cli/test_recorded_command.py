"""The Reproduce section's `cardkit build` line: paths as the card's folder reaches them (no
absolute path published), and not part of what `cardkit check` compares, so the same results
and card named through a relative path, a link or another working folder pass `check`."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

from cardkit.cardtext.frontmatter import split_card
from tests.conftest import RESULTS, run_cli

pytestmark = pytest.mark.shared

MODEL = "DMetaSoul__Dmeta-embedding-zh-small"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """results/<model>/ copied into a temporary project, and a card built with absolute paths
    in card/README.md from the project's folder."""
    shutil.copytree(RESULTS / MODEL, tmp_path / "results" / MODEL)
    (tmp_path / "card").mkdir()
    done = run_cli(
        "build", tmp_path / "results" / MODEL, "-o", tmp_path / "card" / "README.md", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    return tmp_path


def reproduce_block(card: Path) -> list[str]:
    body = split_card(card.read_text(encoding="utf-8")).body
    section = body.split("<!-- cardkit:begin reproduce -->", 1)[1]
    [block] = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    return block.splitlines()


def assert_no_absolute_path(card: Path, tmp_path: Path) -> None:
    text = card.read_text(encoding="utf-8")
    for folder in {str(tmp_path), str(tmp_path.resolve())}:
        assert folder not in text
    for line in reproduce_block(card):
        assert not any(word.startswith(("/", "~")) for word in shlex.split(line)), line


def test_the_recorded_command_names_paths_from_the_cards_folder(project: Path):
    card = project / "card" / "README.md"
    assert_no_absolute_path(card, project)
    [command] = [line for line in reproduce_block(card) if line.startswith("cardkit build")]
    assert command == f"cardkit build ../results/{MODEL}"
    # Run where the card says (its folder), the command makes the same card.
    before = card.read_bytes()
    card.unlink()
    done = run_cli(*shlex.split(command)[1:], cwd=card.parent)
    assert done.returncode == 0, done.stderr
    assert card.read_bytes() == before


@pytest.mark.parametrize("way", ["relative", "link", "other folder"])
def test_check_passes_for_the_same_results_and_card_reached_another_way(project: Path, way):
    card = project / "card" / "README.md"
    before = card.read_bytes()
    if way == "relative":
        args, cwd = (Path("results") / MODEL, "-o", Path("card") / "README.md"), project
    elif way == "link":
        (project / "link").symlink_to(project / "results", target_is_directory=True)
        (project / "card-link").symlink_to(project / "card", target_is_directory=True)
        args, cwd = (project / "link" / MODEL, "-o", project / "card-link" / "README.md"), None
    else:
        elsewhere = project / "elsewhere" / "deeper"
        elsewhere.mkdir(parents=True)
        args, cwd = (Path("../../results") / MODEL, "-o", Path("../../card/README.md")), elsewhere
    done = run_cli("check", *args, cwd=cwd)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is up to date with the results" in done.stdout and "@@" not in done.stdout
    again = run_cli("build", *args, cwd=cwd)
    assert again.returncode == 0 and again.stdout.startswith("unchanged"), again.stdout
    assert card.read_bytes() == before
    assert_no_absolute_path(card, project)


def test_check_still_fails_when_the_card_differs_elsewhere(project: Path):
    card = project / "card" / "README.md"
    text = card.read_text(encoding="utf-8")
    card.write_text(text.replace("## Reproduce", "## Reproduce it"), encoding="utf-8")
    done = run_cli("check", project / "results" / MODEL, "-o", card)
    assert done.returncode == 1
    assert "-## Reproduce it\n+## Reproduce\n" in done.stdout


def test_a_card_of_another_name_records_its_name(project: Path):
    card = project / "card" / "model.md"
    done = run_cli("build", Path("results") / MODEL, "-o", card, "--no-config", cwd=project)
    assert done.returncode == 0, done.stderr
    commands = [line for line in reproduce_block(card) if line.startswith("cardkit build")]
    assert commands == [f"cardkit build ../results/{MODEL} -o model.md --no-config"]


def test_an_absolute_path_in_a_recorded_run_command_is_shown_from_the_cards_folder(
    tmp_path: Path,
):
    folder = tmp_path / "results" / "BAAI__bge-small-en-v1.5" / "external"
    shutil.copytree(RESULTS / "BAAI__bge-small-en-v1.5" / "external", folder)
    tasks = sorted(p.stem for p in folder.glob("*.json") if p.name != "model_meta.json")
    model = tmp_path / "models" / "bge"
    command = f"cardkit run --model {model} --output={tmp_path / 'results'} --tasks STS12"
    record = {"runs": [{"command": command, "tasks": tasks}]}
    (folder / "cardkit-run.json").write_text(json.dumps(record), encoding="utf-8")
    card = tmp_path / "card" / "README.md"
    done = run_cli("build", folder.parent, "-o", card)
    assert done.returncode == 0, done.stderr
    runs = [line for line in reproduce_block(card) if line.startswith("cardkit run ")]
    assert runs == ["cardkit run --model ../models/bge --output=../results --tasks STS12"]
    assert_no_absolute_path(card, tmp_path)


def test_a_card_built_from_python_records_paths_from_its_folder(tmp_path: Path):
    from cardkit.build.card import BuildRequest, build

    shutil.copytree(RESULTS / MODEL, tmp_path / "results" / MODEL)
    card = tmp_path / "cards" / "dmeta.md"
    card.parent.mkdir()
    build(BuildRequest(results=[tmp_path / "results" / MODEL], output=card))
    commands = [line for line in reproduce_block(card) if line.startswith("cardkit build")]
    assert commands == [f"cardkit build ../results/{MODEL} -o dmeta.md"]
    assert_no_absolute_path(card, tmp_path)
