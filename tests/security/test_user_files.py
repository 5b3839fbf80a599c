"""Every file a user gives cardkit is read the same way: a regular file, bounded, and
whatever is wrong with it is one line naming the file and the place, never a traceback, a
hang or a secret on the screen."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from cardkit.io.errors import CardkitError
from cardkit.io.userfile import FileTooLarge, UnreadableFile, read_bytes
from cardkit.run.task_files import load_task_folder
from tests.conftest import TEST_DATA, TESTS, run_cli

CARD = TESTS / "hostile" / "crlf-valid.md"
SECRET = "hf_DoNotPrintThisToken0123456789abcdef"
RESULT = {
    "task_name": "AFQMC",
    "dataset_revision": "b44c3b011063adb25877c13823db83bb193913c4",
    "mteb_version": "1.12.0",
    "scores": {
        "validation": [
            {"hf_subset": "default", "languages": ["cmn-Hans"], "main_score": 0.3, "accuracy": 0.3}
        ]
    },
}


def one_error_line(done, *fragments: str) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("error: ")
    for fragment in fragments:
        assert fragment in line, line
    return line


def specials(tmp_path: Path) -> dict[str, Path]:
    """A real FIFO, a link to /dev/zero and a folder, each named like a user file."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    zero = tmp_path / "zero"
    zero.symlink_to("/dev/zero")
    folder = tmp_path / "folder"
    folder.mkdir()
    return {"a FIFO": fifo, "a character device": zero, "a folder": folder}


@pytest.mark.parametrize("kind", ["a FIFO", "a character device"])
def test_validate_refuses_devices_and_fifos_at_once(kind, tmp_path):
    target = specials(tmp_path)[kind]
    card = tmp_path / "README.md"
    card.symlink_to(target)
    done = run_cli("validate", card, timeout=60)
    assert done.returncode == 2
    assert f"{card}: cannot read: {kind}, not a regular file" in done.stdout


@pytest.mark.parametrize("kind", ["a FIFO", "a character device", "a folder"])
def test_every_reader_refuses_what_is_not_a_regular_file(kind, tmp_path):
    target = specials(tmp_path)[kind]
    out = tmp_path / "out.md"
    card = tmp_path / "card-to-read.md"
    shutil.copy(CARD, card)
    # a result file, a card to read, an .eval_results file
    for name in ("AFQMC.json", "card.md", ".eval_results"):
        link = tmp_path / name
        link.symlink_to(target)
        done = run_cli("build", link, "-o", out, "--no-config", timeout=60)
        if kind == "a folder" and name != ".eval_results":
            assert done.returncode == 1 and "no mteb result files" in done.stderr
        elif kind == "a folder":
            one_error_line(done, "no results found in the .eval_results files")
        else:
            one_error_line(done, str(link), f"{kind}, not a regular file")
        link.unlink()
    # the project config
    (tmp_path / "cardkit.yaml").symlink_to(target)
    done = run_cli("build", card, "-o", out, cwd=tmp_path, timeout=60)
    one_error_line(done, "cardkit.yaml", f"{kind}, not a regular file")
    # a template
    done = run_cli("build", card, "-o", out, "--no-config", "--template", target, timeout=60)
    line = one_error_line(done)
    assert f"{kind}, not a regular file" in line or "(a link to /dev/zero)" in line
    # a task.yaml and a data file of a local task
    task = tmp_path / "task"
    shutil.copytree(TEST_DATA / "tasks" / "sentence-similarity-sts", task)
    (task / "test.jsonl").unlink()
    (task / "test.jsonl").symlink_to(target)
    with pytest.raises(CardkitError, match=f"{kind}, not a regular file"):
        load_task_folder(task)
    (task / "task.yaml").unlink()
    (task / "task.yaml").symlink_to(target)
    with pytest.raises(CardkitError, match=f"{kind}, not a regular file"):
        load_task_folder(task)
    assert not out.exists()


def test_a_read_stops_one_byte_past_the_limit(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b"x" * 11)
    assert read_bytes(path, limit=11) == b"x" * 11
    with pytest.raises(FileTooLarge):
        read_bytes(path, limit=10)
    with pytest.raises(UnreadableFile, match="NUL"):
        read_bytes(Path("a\0b"))


def project(tmp_path: Path, config: str) -> Path:
    """A model repository with a card, its results and a cardkit.yaml."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "results").mkdir()
    (repo / "results" / "AFQMC.json").write_text(json.dumps(RESULT), encoding="utf-8")
    (repo / "cardkit.yaml").write_text(
        f"name: m\nresults: results\noutput: README.md\n{config}", encoding="utf-8"
    )
    return repo


def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "token.md"
    path.parent.mkdir()
    path.write_text(f"HF_TOKEN={SECRET}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("key", ["template", "output"])
@pytest.mark.parametrize("how", ["absolute", "relative", "link inside the project"])
def test_check_on_a_pull_request_never_prints_a_file_outside_the_project(key, how, tmp_path):
    """`cardkit check` renders the config's template and prints a diff of the config's
    output: neither may name (or link to) a file outside the repository."""
    secret = secret_file(tmp_path)
    if how == "absolute":
        value = str(secret)
    elif how == "relative":
        value = "../outside/token.md"
    else:
        value = "inside.md"
    repo = project(tmp_path, f"{key}: {value}\n" if key == "template" else "")
    if key == "output":
        config = (repo / "cardkit.yaml").read_text().replace("README.md", value)
        (repo / "cardkit.yaml").write_text(config)
    if how == "link inside the project":
        (repo / "inside.md").symlink_to(secret)
    env = {"HF_TOKEN": SECRET}
    done = run_cli("check", cwd=repo, env=env)
    line = one_error_line(done, "cardkit.yaml: line ", f"{key}:", "outside the project")
    assert SECRET not in done.stdout + done.stderr, line
    assert not (repo / "README.md").exists()


def test_a_template_named_proc_self_environ_is_refused(tmp_path):
    repo = project(tmp_path, "template: /proc/self/environ\n")
    done = run_cli("check", cwd=repo, env={"HF_TOKEN": SECRET})
    one_error_line(done, "template:", "outside the project")
    assert SECRET not in done.stdout + done.stderr


def test_a_template_include_cannot_follow_a_link_out_of_its_folder(tmp_path):
    secret = secret_file(tmp_path)
    repo = project(tmp_path, "template: card.md.j2\n")
    (repo / "card.md.j2").write_text("# {{ name }}\n{% include 'part.md.j2' %}\n")
    (repo / "part.md.j2").symlink_to(secret)
    done = run_cli("check", cwd=repo, env={"HF_TOKEN": SECRET})
    one_error_line(done, "part.md.j2", "leads outside its folder")
    assert SECRET not in done.stdout + done.stderr
    (repo / "part.md.j2").unlink()
    (repo / "part.md.j2").write_text("Results of {{ model.name }}.\n")
    assert run_cli("build", cwd=repo).returncode == 0
    assert "Results of m." in (repo / "README.md").read_text(encoding="utf-8")
    assert run_cli("check", cwd=repo).returncode == 0


def write_result(folder: Path, **changes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "AFQMC.json"
    path.write_text(json.dumps({**RESULT, **changes}), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"task_name": "AFQMC", "scores": ' + "[" * 5000 + "]" * 5000 + "}", "nested too deep"),
        ('{"task_name": "AFQMC", "evaluation_time": ' + "9" * 5000 + "}", "more than 4300"),
        ('{"task_name": "AF\\udc00QMC", "scores": {}}', "line 1 column 18"),
    ],
    ids=["nested 5000 deep", "5000-digit integer", "lone surrogate"],
)
def test_hostile_json_is_one_line(text, fragment, tmp_path):
    path = tmp_path / "results" / "AFQMC.json"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    done = run_cli("build", path, "-o", tmp_path / "README.md", "--no-config")
    one_error_line(done, str(path), "invalid JSON", fragment)


@pytest.mark.parametrize("date", ["NaN", "1e300", "-1e300", '"9999999-99-99"', "true"])
def test_a_date_that_is_no_date_is_left_out_with_a_warning(date, tmp_path):
    path = write_result(tmp_path / "results")
    path.write_text(path.read_text().replace('"scores"', f'"date": {date}, "scores"'))
    done = run_cli("build", path, "-o", tmp_path / "README.md", "--no-config", "--eval-results")
    assert done.returncode == 0, done.stderr
    assert "date:" in done.stderr and "is not a date: left out" in done.stderr
    assert "date:" not in (tmp_path / ".eval_results" / "AFQMC.yaml").read_text()


def test_huge_and_infinite_scores_are_refused_or_left_out(tmp_path):
    main = write_result(tmp_path / "a", scores={"validation": [{"main_score": 10**400}]})
    one_error_line(run_cli("build", main, "-o", tmp_path / "a.md", "--no-config"), "main_score")
    other = write_result(
        tmp_path / "b",
        scores={"validation": [{"main_score": 0.5, "accuracy": 0.5, "f1": 10**400}]},
    )
    done = run_cli("build", other, "-o", tmp_path / "b.md", "--no-config")
    assert done.returncode == 0, done.stderr
    assert "left out metrics holding NaN, infinity or null: f1" in done.stderr


def test_a_card_with_a_5000_digit_value_is_a_finding(tmp_path):
    card = tmp_path / "README.md"
    text = CARD.read_text(encoding="utf-8").replace("65.60825224706932", "9" * 5000, 1)
    card.write_text(text, encoding="utf-8", newline="")
    done = run_cli("validate", card)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{card}:21:14: '99999" in done.stdout and "is not a valid integer" in done.stdout
    exported = run_cli("export", card, "-o", tmp_path / "out")
    one_error_line(exported, f"{card}: line 21 column 14", "is not a valid integer")


def test_a_yaml_date_that_does_not_exist_is_a_finding(tmp_path):
    folder = tmp_path / ".eval_results"
    folder.mkdir()
    path = folder / "AFQMC.yaml"
    path.write_text(
        "- dataset: {id: C-MTEB/AFQMC, task_id: AFQMC}\n  value: 1\n  date: 2024-13-45\n"
    )
    done = run_cli("validate", path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{path}:3:9: '2024-13-45' is not a valid date (month must be in 1..12)" in done.stdout
    built = run_cli("build", folder, "-o", tmp_path / "README.md", "--no-config")
    one_error_line(built, f"{path}: line 3 column 9", "is not a valid date")


def test_a_file_that_is_not_utf8_in_eval_results_is_replaced(tmp_path):
    results = write_result(tmp_path / "results")
    stale = tmp_path / ".eval_results" / "AFQMC.yaml"
    stale.parent.mkdir()
    stale.write_bytes(b"- dataset: {id: \xff\xfe}\n")
    done = run_cli("build", results, "-o", tmp_path / "README.md", "--no-config", "--eval-results")
    assert done.returncode == 0, done.stderr
    assert "1 files (1 changed)" in done.stdout
    assert run_cli("validate", tmp_path).returncode == 0


def test_a_file_name_that_is_not_utf8_is_printed_escaped(tmp_path):
    folder = tmp_path / ".eval_results"
    folder.mkdir()
    (folder / os.fsdecode(b"bad\xff.yaml")).write_bytes(b"- value: x\n")
    done = run_cli("validate", tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "bad\\udcff.yaml:1:3: [0]: 'dataset' is required" in done.stdout


def test_misspelt_keys_in_run_and_task_yaml_fail_like_any_config_key(tmp_path):
    (tmp_path / "cardkit.yaml").write_text("name: m\nrun:\n  model: x\n  batchsize: 8\n")
    done = run_cli("run", "--tasks", "STS12", "-o", tmp_path / "r", cwd=tmp_path)
    one_error_line(
        done,
        "cardkit.yaml: line 4 column 3, run.batchsize: unknown key 'batchsize'",
        "did you mean 'batch_size'?",
    )
    done = run_cli("build", CARD, "-o", tmp_path / "out.md", cwd=tmp_path)
    one_error_line(done, "cardkit.yaml: line 4 column 3, run.batchsize: unknown key")
    task = tmp_path / "task"
    shutil.copytree(TEST_DATA / "tasks" / "sentence-similarity-sts", task)
    text = (task / "task.yaml").read_text().replace("eval_split:", "evalsplit:")
    (task / "task.yaml").write_text(text)
    with pytest.raises(CardkitError) as caught:
        load_task_folder(task)
    line = text[: text.index("evalsplit")].count("\n") + 1
    assert str(caught.value) == (
        f"{task / 'task.yaml'}: line {line} column 1, evalsplit: unknown key 'evalsplit' "
        "(allowed here: cutoffs, dataset, description, eval_split, format, languages, "
        "main_score, max_score, min_score, name, revision, type); did you mean 'eval_split'?"
    )
