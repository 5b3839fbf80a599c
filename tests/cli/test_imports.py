"""Each command imports only what its path needs: no torch, mteb, transformers or Hub client on
the conversion path, no command's library for `--help`, no Jinja2 when no body is rendered,
and short commands run with the cycle collector paused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import RESULTS

HEAVY = ("torch", "mteb", "sentence_transformers", "transformers", "huggingface_hub")
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "results" / "BAAI__bge-base-zh"
T5_REVISION = "50c53e206f8b01c9621484a3c0aafce4e55efebf"

# What each command's library brings in; `--help` needs none of it.
LIBRARIES = (
    "cardkit.build.card",
    "cardkit.render.body",
    "cardkit.catalog",
    "cardkit.readers",
    "cardkit.build.config",
    "cardkit.validate",
    "cardkit.writers.model_index",
    "cardkit.writers.eval_results",
    "cardkit.writers.mteb_json",
    "cardkit.publish",
    "cardkit.run.runner",
    "cardkit.run.settings",
    "cardkit.run.rerank",
    "yaml",
    "jinja2",
    "jsonschema",
    "difflib",
    *HEAVY,
)


def after_main(*argv: str | Path) -> tuple[int, set[str], list[str]]:
    """Exit status, the modules imported, and the collector's phases (`gc.callbacks`) seen
    while `cardkit.cli.main.main(argv)` ran, in a fresh interpreter."""
    script = (
        "import gc, json, sys\n"
        "phases, inside = [], [False]\n"
        "gc.callbacks.append(lambda phase, info: inside[0] and phases.append(phase))\n"
        "from cardkit.cli.main import main\n"
        f"argv = {[str(a) for a in argv]!r}\n"
        "inside[0] = True\n"
        "try:\n"
        "    rc = main(argv)\n"
        "except SystemExit as exc:\n"
        "    rc = exc.code\n"
        "inside[0] = False\n"
        "print(json.dumps([rc, sorted(sys.modules), phases, gc.isenabled()]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    rc, modules, phases, enabled = json.loads(done.stdout.splitlines()[-1])
    assert enabled, "the collector is not running again after the command"
    return rc, set(modules), phases


def test_help_imports_no_command_library():
    rc, modules, _ = after_main("--help")
    assert rc == 0
    assert sorted(m for m in LIBRARIES if m in modules) == []


@pytest.mark.parametrize(
    "command", ["build", "check", "export", "validate", "push", "run", "diff", "compare"]
)
def test_a_command_help_imports_no_library(command):
    rc, modules, _ = after_main(command, "--help")
    assert rc == 0
    assert sorted(m for m in LIBRARIES if m in modules) == []


@pytest.mark.shared
def test_build_imports_no_heavy_package(tmp_path):
    rc, modules, _ = after_main("build", RESULTS / "BAAI__bge-base-zh", "-o", tmp_path / "R.md")
    assert rc == 0
    assert sorted(m for m in HEAVY if m in modules) == []


@pytest.mark.shared
@pytest.mark.parametrize(
    "args",
    [
        [
            "diff",
            str(RESULTS / "DMetaSoul__Dmeta-embedding-zh-small"),
            "--old-revision",
            "external",
            "--new-revision",
            "latest",
        ],
        [
            "compare",
            str(RESULTS / "BAAI__bge-base-zh"),
            str(RESULTS / "sensenova__piccolo-base-zh"),
            "--format",
            "csv",
        ],
    ],
    ids=["diff", "compare"],
)
def test_diff_and_compare_of_local_results_import_no_heavy_package(args):
    rc, modules, _ = after_main("-q", *args)
    assert rc == 0
    assert sorted(m for m in HEAVY if m in modules) == []


def test_a_new_card_needs_no_diff_no_eval_results_writer_no_schema(tmp_path):
    rc, modules, _ = after_main("build", EXAMPLE, "-o", tmp_path / "README.md")
    assert rc == 0
    assert "jinja2" in modules  # the body of a new card is rendered
    unneeded = ("difflib", "cardkit.writers.eval_results", "jsonschema", *HEAVY)
    assert sorted(m for m in unneeded if m in modules) == []


@pytest.mark.shared
@pytest.mark.parametrize(
    "results",
    [EXAMPLE, *sorted((RESULTS / "Qwen__Qwen3-Embedding-0.6B").iterdir())],
    ids=["35 tasks", "408 tasks, main scores only"],
)
def test_a_new_card_parses_nothing_so_imports_no_yaml_parser(results, tmp_path):
    """Its YAML is written by cardkit's writer, which asks PyYAML's rules without PyYAML;
    updating a card parses it, and imports PyYAML then."""
    card = tmp_path / "README.md"
    rc, modules, _ = after_main("-q", "build", results, "-o", card, "--no-config")
    assert rc == 0
    assert sorted(m for m in modules if m == "yaml" or m.startswith("yaml.")) == []
    rc, modules, _ = after_main("-q", "build", results, "-o", card, "--no-config")
    assert rc == 0 and "yaml" in modules


def test_updating_only_the_front_matter_renders_nothing(tmp_path):
    card = tmp_path / "README.md"
    assert after_main("build", EXAMPLE, "-o", card)[0] == 0
    rc, modules, _ = after_main("build", EXAMPLE, "-o", card, "--no-body")
    assert rc == 0
    assert sorted(m for m in ("jinja2", "cardkit.render.body", "difflib") if m in modules) == []


def test_validate_imports_no_build_library(tmp_path):
    card = tmp_path / "README.md"
    assert after_main("build", EXAMPLE, "-o", card)[0] == 0
    rc, modules, _ = after_main("validate", card)
    assert rc == 0
    # One card is checked afresh: neither the findings cache of folders nor hashlib.
    unneeded = ("cardkit.build.card", "cardkit.render.body", "jinja2", "difflib", *HEAVY)
    unneeded += ("cardkit.validate.cache", "cardkit.io.fingerprint", "hashlib", "cardkit.catalog")
    assert sorted(m for m in unneeded if m in modules) == []


def test_validate_never_imports_logging_nor_dataclasses(tmp_path):
    """Neither is needed to check a card, even one with findings; and without `logging`
    imported, nothing of cardkit can have logged a line the CLI did not set up to print."""
    good, bad = tmp_path / "good.md", tmp_path / "bad.md"
    assert after_main("build", EXAMPLE, "-o", good)[0] == 0
    text = good.read_text(encoding="utf-8")
    bad.write_text(text.replace("model-index:", "model-index:\n\tbad: [", 1), encoding="utf-8")
    for card, status in ((good, 0), (bad, 1)):
        rc, modules, _ = after_main("validate", card)
        assert rc == status
        assert sorted(m for m in ("logging", "dataclasses") if m in modules) == []


def test_a_build_that_logs_nothing_imports_no_logging(tmp_path):
    rc, modules, _ = after_main("build", EXAMPLE, "-o", tmp_path / "README.md")
    assert rc == 0
    assert "logging" not in modules
    assert "traceback" not in modules  # only a template that fails needs it


def test_short_commands_run_without_the_cycle_collector(tmp_path):
    card = tmp_path / "README.md"
    for argv in (("build", EXAMPLE, "-o", card), ("check", EXAMPLE, "-o", card)):
        rc, _, phases = after_main(*argv)
        assert rc == 0
        assert phases == [], f"the collector ran during `cardkit {argv[0]}`"


@pytest.mark.shared
def test_a_quiet_build_imports_no_logging_for_notes_it_does_not_print(tmp_path):
    """sentence-t5-base's multiclass files hold mteb's null ``ap``: a note, which ``-q`` does
    not print, so it costs no import of `logging`; without ``-q`` it is printed."""
    folder = RESULTS / "sentence-transformers__sentence-t5-base" / T5_REVISION
    rc, modules, _ = after_main("-q", "build", folder, "-o", tmp_path / "quiet.md")
    assert rc == 0
    assert "logging" not in modules
    loud = subprocess.run(
        [sys.executable, "-m", "cardkit", "build", str(folder), "-o", str(tmp_path / "loud.md")],
        capture_output=True,
        text=True,
    )
    assert loud.returncode == 0
    assert "note: left out ap and ap_weighted where null or NaN" in loud.stderr
