"""Hostile names and outputs: nothing is written outside the chosen output, no link, device
or pipe is replaced by a file, and an interrupted build leaves no temporary file behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli

EXAMPLE = REPO / "examples" / "results" / "BAAI__bge-base-zh" / "no_revision_available"
CATALOG = json.loads((REPO / "cardkit" / "data" / "catalog.json").read_text())["tasks"]


def card_text(*entries: tuple[str, str], model: str = "org/model") -> str:
    """A card whose model-index has one entry per (dataset.name, task type)."""
    return cards_text({model: entries})


def cards_text(models: dict[str, tuple[tuple[str, str], ...]]) -> str:
    """A card with a model-index entry per model, each with its (dataset.name, task type)."""
    lines = ["---", "model-index:"]
    for model, entries in models.items():
        lines += model_lines(model, entries)
    return "\n".join([*lines, "---", "# card", ""])


def model_lines(model: str, entries: tuple[tuple[str, str], ...]) -> list[str]:
    lines = [f"- name: {json.dumps(model)}", "  results:"]
    for name, task_type in entries:
        lines += [
            "  - task:",
            f"      type: {task_type}",
            "    dataset:",
            "      type: org/data",
            f"      name: {json.dumps(name)}",
            "      config: default",
            "      split: test",
            "    metrics:",
            "    - type: cos_sim_spearman",
            "      value: 41.5",
        ]
    return lines


def tree(root: Path) -> dict[str, bytes | str]:
    """Every path under ``root`` with its bytes (files) or its kind (anything else)."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        info = os.lstat(path)
        key = str(path.relative_to(root))
        if stat.S_ISREG(info.st_mode):
            found[key] = path.read_bytes()
        elif stat.S_ISLNK(info.st_mode):
            found[key] = f"link to {os.readlink(path)}"
        else:
            found[key] = stat.filemode(info.st_mode)[0]
    return found


def outside(before: dict, after: dict, folder: str) -> dict:
    """What changed in the tree, apart from paths inside ``folder``."""
    keys = set(before) | set(after)
    return {
        k: after.get(k)
        for k in keys
        if before.get(k) != after.get(k) and not (k == folder or k.startswith(folder + "/"))
    }


def one_error(result) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.mark.parametrize(
    "name",
    ["MTEB ../../escaped", "MTEB ..", "MTEB a/../../b", "MTEB .hidden", "MTEB C:\\x", "MTEB a\tb"],
)
def test_export_writes_every_file_inside_the_output_folder(tmp_path, name):
    work = tmp_path / "work"
    work.mkdir()
    (work / "card.md").write_text(card_text((name, "STS")))
    before = tree(tmp_path)
    result = run_cli("export", "card.md", "-o", "out/inner", cwd=work)
    assert result.returncode == 0, result.stderr
    assert outside(before, tree(tmp_path), "work/out") == {}
    written = sorted(p.name for p in (work / "out" / "inner").iterdir())
    assert len(written) == 2 and "model_meta.json" in written
    assert all(not n.startswith(".") for n in written)
    # The mapping is said, once, with one prefix.
    [warning] = [line for line in result.stderr.splitlines() if "not a safe file name" in line]
    assert warning.startswith("warning: task ") and "warning: warning" not in warning


def test_export_of_an_absolute_task_name_writes_nothing_there(tmp_path):
    target = tmp_path / "victim"
    target.mkdir()
    (target / "data.json").write_text("{}\n")
    (tmp_path / "card.md").write_text(card_text((f"MTEB {target}/data", "STS")))
    result = run_cli("export", tmp_path / "card.md", "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert (target / "data.json").read_text() == "{}\n"
    assert sorted(os.listdir(target)) == ["data.json"]
    assert (tmp_path / "out" / f"{str(target).replace('/', '_')}_data.json").is_file()


def test_export_of_a_task_named_model_meta_is_refused(tmp_path):
    (tmp_path / "card.md").write_text(card_text(("MTEB model_meta", "STS")))
    line = one_error(run_cli("export", tmp_path / "card.md", "-o", tmp_path / "out"))
    assert "a task named 'model_meta' would overwrite model_meta.json" in line
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_export_of_two_tasks_that_share_a_file_name_is_refused(tmp_path):
    (tmp_path / "card.md").write_text(card_text(("MTEB a/b", "STS"), ("MTEB a_b", "STS")))
    line = one_error(run_cli("export", tmp_path / "card.md", "-o", tmp_path / "out"))
    assert "'a/b' and 'a_b' would both be written as a_b.json" in line
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_export_of_a_nul_or_a_very_long_task_name(tmp_path):
    (tmp_path / "nul.md").write_text(card_text(("MTEB a\x00b", "STS")))
    done = run_cli("export", tmp_path / "nul.md", "-o", tmp_path / "nul")
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(tmp_path / "nul")) == ["a_b.json", "model_meta.json"]
    (tmp_path / "long.md").write_text(card_text(("MTEB " + "A" * 300, "STS")))
    line = one_error(run_cli("export", tmp_path / "long.md", "-o", tmp_path / "long"))
    assert "is too long for a file name (305 bytes, at most 255)" in line
    assert "A" * 100 not in line  # the name is cut in the message


def test_export_to_a_file_or_to_stdout_is_one_line(tmp_path):
    (tmp_path / "card.md").write_text(card_text(("MTEB AFQMC", "STS")))
    (tmp_path / "taken").write_text("mine\n")
    line = one_error(run_cli("export", tmp_path / "card.md", "-o", tmp_path / "taken"))
    assert "is not a folder" in line
    assert (tmp_path / "taken").read_text() == "mine\n"
    assert "give -o a folder" in one_error(run_cli("export", tmp_path / "card.md", "-o", "-"))


def test_export_of_several_models_keeps_their_folders_inside(tmp_path):
    text = cards_text({"..": (("MTEB AFQMC", "STS"),), "org/model": (("MTEB ATEC", "STS"),)})
    (tmp_path / "card.md").write_text(text)
    out = tmp_path / "a" / "out"
    out.parent.mkdir()
    before = tree(tmp_path)
    result = run_cli("export", tmp_path / "card.md", "-o", out)
    assert result.returncode == 0, result.stderr
    assert outside(before, tree(tmp_path), "a/out") == {}
    assert sorted(os.listdir(out)) == ["__", "org__model"]
    assert "model '..' is not a safe file name: written as __" in result.stderr


def _model_folder(root: Path, folder: str, name: str) -> None:
    target = root / folder / "rev1"
    target.mkdir(parents=True)
    shutil.copy(EXAMPLE / "AFQMC.json", target / "AFQMC.json")
    (target / "model_meta.json").write_text(json.dumps({"name": name, "revision": "rev1"}))


def test_build_of_several_models_keeps_each_card_inside_the_output_folder(tmp_path):
    results = tmp_path / "work" / "results"
    _model_folder(results, "a__a", "..")
    _model_folder(results, "b__b", "../../../escaped")
    out = tmp_path / "work" / "cards"
    out.mkdir()
    before = tree(tmp_path)
    # Two model folders given: each card's folder is named from its model's name.
    result = run_cli("build", results / "a__a", results / "b__b", "-o", out)
    assert result.returncode == 0, result.stderr
    assert outside(before, tree(tmp_path), "work/cards") == {}
    assert sorted(str(p.relative_to(out)) for p in out.rglob("README.md")) == [
        "__/README.md",
        "____..__..__escaped/README.md",
    ]


def test_build_of_a_results_store_names_each_card_after_its_model_folder(tmp_path):
    results = tmp_path / "work" / "results"
    _model_folder(results, "a__a", "..")
    _model_folder(results, "b__b", "../../../escaped")
    out = tmp_path / "work" / "cards"
    before = tree(tmp_path)
    result = run_cli("build", results, "-o", out)
    assert result.returncode == 0, result.stderr
    assert outside(before, tree(tmp_path), "work/cards") == {}
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == [
        ".cardkit-build.json",  # the build manifest: what each card was built from
        "a__a/README.md",
        "b__b/README.md",
        "report.json",
    ]


def test_build_of_two_models_with_one_folder_name_is_refused(tmp_path):
    results = tmp_path / "results"
    _model_folder(results, "a__a", "org/x")
    _model_folder(results, "b__b", "org__x")
    (tmp_path / "cards").mkdir()
    line = one_error(run_cli("build", results / "a__a", results / "b__b", "-o", tmp_path / "cards"))
    assert "would both be written as org__x" in line
    assert list((tmp_path / "cards").iterdir()) == []


def test_build_to_an_existing_folder_is_one_line(tmp_path):
    (tmp_path / "card").mkdir()
    line = one_error(run_cli("build", EXAMPLE, "-o", tmp_path / "card"))
    assert "is a folder: give the card's file name" in line
    assert list((tmp_path / "card").iterdir()) == []


def test_a_symlinked_card_is_refused_and_its_target_untouched(tmp_path):
    secret = tmp_path / "elsewhere" / "notes.txt"
    secret.parent.mkdir()
    secret.write_text("private notes\n")
    link = tmp_path / "model" / "README.md"
    link.parent.mkdir()
    link.symlink_to(secret)
    for command in ("build", "check"):
        line = one_error(run_cli(command, EXAMPLE, "-o", link))
        assert f"{link}: is a symbolic link (to {secret})" in line
    diff = run_cli("build", EXAMPLE, "-o", link, "--diff")
    assert "private notes" not in diff.stdout + diff.stderr
    assert os.readlink(link) == str(secret)
    assert secret.read_text() == "private notes\n"


def test_a_link_to_a_device_is_written_to_not_replaced(tmp_path):
    link = tmp_path / "devnull.md"
    link.symlink_to(os.devnull)
    result = run_cli("build", EXAMPLE, "-o", link)
    assert result.returncode == 0, result.stderr
    assert os.readlink(link) == os.devnull
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    assert "wrote" in result.stderr and result.stdout == ""  # out of the way of the card


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_is_written_to_directly(tmp_path):
    fifo = tmp_path / "card.pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run_cli("build", EXAMPLE, "-o", fifo, timeout=120)
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received and received[0].startswith(b"---\ntags:\n- mteb\n")
    assert sorted(os.listdir(tmp_path)) == ["card.pipe"]


def test_dash_writes_the_card_to_stdout_and_nothing_else(tmp_path):
    result = run_cli("build", EXAMPLE, "-o", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert os.listdir(tmp_path) == []
    assert result.stdout.startswith("---\ntags:\n- mteb\n")
    assert "- name: BAAI/bge-base-zh" in result.stdout
    assert "wrote the card to standard output" in result.stderr
    refused = run_cli("build", EXAMPLE, "-o", "-", "--eval-results", cwd=tmp_path)
    assert "--chart and --eval-results need a card file" in one_error(refused)


def test_a_config_cannot_send_the_card_outside_its_folder(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "cardkit.yaml").write_text(f"results: {EXAMPLE}\noutput: ../../stolen.md\n")
    line = one_error(run_cli("build", cwd=project))
    assert "output: '../../stolen.md' lies outside the project" in line
    assert not (tmp_path.parent / "stolen.md").exists()
    for output, reason in ((".git/config.md", "lies inside .git"), ("setup.py", "not a Markdown")):
        (project / "cardkit.yaml").write_text(f"results: {EXAMPLE}\noutput: {output}\n")
        assert reason in one_error(run_cli("build", cwd=project))
        assert not (project / output).exists()


def test_quiet_prints_no_wrote_lines_before_or_after_the_command(tmp_path):
    for args in (("-q", "build"), ("build", "-q")):
        result = run_cli(*args, EXAMPLE, "-o", tmp_path / "README.md")
        assert result.returncode == 0, result.stderr
        assert result.stdout == "" and "wrote" not in result.stderr
    (tmp_path / "card.md").write_text(card_text(("MTEB a/b", "STS")))
    result = run_cli("export", "-q", tmp_path / "card.md", "-o", tmp_path / "out")
    assert result.stdout == ""
    assert result.stderr.startswith("warning: task 'a/b' is not a safe file name")


def test_a_region_warning_has_one_prefix(tmp_path):
    template = tmp_path / "only-evaluation.md.j2"
    template.write_text(
        "<!-- cardkit:begin evaluation -->\nscores\n<!-- cardkit:end evaluation -->\n"
    )
    card = tmp_path / "README.md"
    card.write_text(
        "---\nlicense: mit\n---\n<!-- cardkit:begin evaluation -->\n"
        "<!-- cardkit:end evaluation -->\n<!-- cardkit:begin usage -->\nmine\n"
        "<!-- cardkit:end usage -->\n"
    )
    result = run_cli("build", EXAMPLE, "-o", card, "--template", template)
    assert result.returncode == 0, result.stderr
    [warning] = [line for line in result.stderr.splitlines() if "usage" in line]
    assert warning.startswith("warning: ") and not warning.startswith("warning: warning:")


def _big_card(path: Path, tasks: int = 300, metrics: int = 100) -> None:
    """A card with tasks x metrics values: its rebuilt card is a few MB, slow enough to
    be caught while it is being written."""
    lines = ["---", "model-index:", "- name: org/big", "  results:"]
    for name in sorted(CATALOG)[:tasks]:
        lines += ["  - task:", f"      type: {CATALOG[name].get('type') or 'STS'}"]
        lines += ["    dataset:", "      type: org/data", f"      name: MTEB {name}"]
        lines += ["      config: default", "      split: test", "    metrics:"]
        for i in range(metrics):
            lines += [f"    - type: metric_{i}", f"      value: {1.5 + i / 100}"]
    path.write_text("\n".join([*lines, "---", ""]))


@pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="needs POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_build_stopped_mid_write_leaves_no_temporary_file(tmp_path, signum):
    _big_card(tmp_path / "big.md")
    out = tmp_path / "out"
    out.mkdir()
    old = "---\nlicense: mit\n---\n# old card\n"
    card = out / "README.md"
    # The card an uninterrupted build writes over the old one, at the same place.
    card.write_text(old)
    build = [sys.executable, "-m", "cardkit", "build", tmp_path / "big.md", "-o", card]
    assert subprocess.run(build, capture_output=True).returncode == 0
    new = card.read_text()
    assert new != old
    caught = kept = 0
    for _attempt in range(25):  # the write is a few milliseconds of the run: try again
        card.write_text(old)
        proc = subprocess.Popen(build, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        mid_write = False
        while proc.poll() is None:
            if any(n.endswith(".tmp") for n in os.listdir(out)):
                # Freeze it, check it is still mid-write, then send the signal.
                proc.send_signal(signal.SIGSTOP)
                mid_write = any(n.endswith(".tmp") for n in os.listdir(out))
                proc.send_signal(signum)
                proc.send_signal(signal.SIGCONT)
                break
        _, stderr = proc.communicate(timeout=120)
        if not mid_write:
            continue
        caught += 1
        assert proc.returncode == (143 if signum == signal.SIGTERM else 130), stderr
        assert "Traceback" not in stderr
        assert os.listdir(out) == ["README.md"]
        # Whole, never a part: the old card, or the new one where the signal came as the
        # finished file was being put in its place (a rename does not stop halfway).
        assert card.read_text() in (old, new)
        if card.read_text() == old:
            kept += 1
            break
    assert caught, "the build was never caught while writing"
    assert kept, "a build stopped while writing its card never kept the old card"
