"""The hostile corpus: broken cards cut from real ones. Each gives the expected exit status,
a finding on the line the mutation touched, and never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cardkit.validate import validate_file
from tests.conftest import TESTS, run_cli

CORPUS = TESTS / "hostile"
EXPECTED: dict[str, dict] = yaml.safe_load((CORPUS / "expected.yaml").read_text("utf-8"))


def test_corpus_is_large_enough():
    assert len(EXPECTED) >= 30
    assert all((CORPUS / name).is_file() for name in EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file(name):
    expected = EXPECTED[name]
    path = CORPUS / name
    findings = validate_file(path)
    errors = [f for f in findings if f.is_error]
    assert (1 if errors else 0) == expected["exit"], findings
    if expected["line"] is None:
        assert findings == []
    else:
        assert expected["line"] in {f.line for f in findings}, findings


@pytest.mark.parametrize("name", ["metric-typo.md", "binary-garbage.md", "web-paste.md"])
def test_hostile_file_through_the_cli(name):
    result = run_cli("validate", CORPUS / name)
    assert result.returncode == EXPECTED[name]["exit"]
    assert f"{CORPUS / name}:{EXPECTED[name]['line']}:" in result.stdout
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_twenty_megabyte_card_is_refused_unread(tmp_path):
    big = tmp_path / "README.md"
    head = (CORPUS / "crlf-valid.md").read_bytes()
    with big.open("wb") as handle:
        handle.write(head)
        chunk = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n" * 1000
        while handle.tell() < 20 * 1024 * 1024:
            handle.write(chunk)
    result = run_cli("validate", big)
    assert result.returncode == 1
    assert f"{big}:1:1: the file is 20.0 MB, over the 10 MB limit: not read" in result.stdout


def test_twenty_megabyte_yaml_is_refused_unread(tmp_path):
    folder = tmp_path / ".eval_results"
    folder.mkdir()
    big = folder / "Big.yaml"
    entry = b"- dataset: {id: C-MTEB/AFQMC, task_id: AFQMC}\n  value: 71.1\n"
    big.write_bytes(entry * (20 * 1024 * 1024 // len(entry) + 1))
    (finding,) = validate_file(big)
    assert (finding.line, finding.is_error) == (1, True)
    assert "over the 10 MB limit" in finding.message


@pytest.mark.shared
def test_corpus_generator_reproduces_the_committed_files(tmp_path):
    """expected.yaml and the files come from make_corpus.py, not from hand edits."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cases = module.cases()
    assert set(cases) == set(EXPECTED)
    for name, make in cases.items():
        content, status, line = make()
        assert (CORPUS / name).read_bytes() == content, name
        assert EXPECTED[name] == {"exit": status, "line": line}, name


def test_every_file_is_listed():
    files = {
        str(p.relative_to(CORPUS))
        for p in CORPUS.rglob("*")
        if p.is_file() and p.suffix in (".md", ".yaml") and p.name != "expected.yaml"
    }
    assert files == set(EXPECTED), files ^ set(EXPECTED)


def test_corpus_paths_are_relative():
    assert all(not Path(name).is_absolute() for name in EXPECTED)
