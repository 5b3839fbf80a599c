"""Random, mutated and hostile card texts and result files: the validator only reports, it
never raises; a result file is read or refused in one line."""

from __future__ import annotations

import json
import math
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardkit.io.errors import CardkitError
from cardkit.readers.discover import load_task
from cardkit.validate import Finding, validate_bytes
from tests.conftest import CARDS, DMETA_CARD, TESTS, run_cli

SOURCES = [p for p in [*sorted(CARDS.glob("*.README.md")), DMETA_CARD] if p.is_file()]
# Without the shared data, the committed corpus still gives real card text to mutate.
SOURCES += [TESTS / "hostile" / "crlf-valid.md", TESTS / "hostile" / "zero-to-one-entry.md"]
TEXTS = [p.read_bytes()[:40_000] for p in SOURCES]
JUNK = st.sampled_from(
    [
        b"\t",
        b".nan",
        b"NaN",
        b"\x00",
        b"\xff\xfe",
        b"\r",
        b"\r\n",
        b"---\n",
        b" |",
        b"- ",
        b": ",
        b"[",
        b"{",
        b"&a ",
        b"*a",
        b"!!python/object:os.system ",
        b"\xef\xbb\xbf",
        b"'",
        b'"',
        b"?",
    ]
)


@st.composite
def mutated(draw) -> bytes:
    lines = draw(st.sampled_from(TEXTS)).splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "swap" and len(lines[i]) > 1:
            j = draw(st.integers(0, len(lines[i]) - 2))
            line = lines[i]
            lines[i] = line[:j] + line[j + 1 : j + 2] + line[j : j + 1] + line[j + 2 :]
        elif action == "insert":
            j = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:j] + draw(JUNK) + lines[i][j:]
        elif action == "truncate":
            lines = lines[:i]
    return b"".join(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=mutated(), kind=st.sampled_from(["card", "eval-results"]))
def test_mutated_cards_only_report(raw, kind):
    findings = validate_bytes(raw, "README.md", kind)
    assert all(f.line is None or f.line >= 1 for f in findings)


@settings(max_examples=150, deadline=None)
@given(raw=st.binary(max_size=400) | st.text(max_size=400).map(lambda t: ("---\n" + t).encode()))
def test_random_bytes_only_report(raw):
    """Whatever the bytes, each kind of file gets findings (never an exception) that name the
    file, point inside it and say what is wrong on one line; bytes that are not UTF-8 are an
    error, and a `.eval_results` file passes only if it is a YAML list."""
    lines = len(raw.decode("utf-8", "replace").splitlines()) + 1
    try:
        raw.decode("utf-8")
        utf8 = True
    except UnicodeDecodeError:
        utf8 = False
    for name, kind in (("README.md", "card"), ("x.yaml", "eval-results")):
        findings = validate_bytes(raw, name, kind)
        assert findings == validate_bytes(raw, name, kind)
        assert utf8 or any(f.is_error for f in findings), (kind, findings)
        if kind == "eval-results" and not findings:
            assert isinstance(yaml.safe_load(raw), list)
        for finding in findings:
            assert isinstance(finding, Finding)
            assert finding.file == name
            assert finding.line is None or 1 <= finding.line <= lines, finding
            assert finding.col is None or finding.col >= 1, finding
            assert finding.message and "\n" not in finding.message, finding
            assert finding.severity in ("error", "warning"), finding


@pytest.mark.parametrize("depth", [50_000])
def test_deep_nesting_is_reported_not_crashed(depth):
    for text in ("---\nx: " + "[" * depth + "]" * depth + "\n---\n", "---\nx: " + "- " * depth):
        findings = validate_bytes(text.encode(), "README.md")
        assert any(f.is_error for f in findings)


# Names and values an attacker would try: path separators, '..', NUL, lone surrogates, very
# long names, YAML and Markdown syntax, numbers Python cannot convert, dates that never were.
HOSTILE_NAMES = st.sampled_from(
    [
        "../../x",
        "/abs/path",
        "..",
        "a/b\\c",
        "\x00",
        "a\x00b",
        "\ud800",
        "x\udfffy",
        "n" * 5000,
        "model_meta",
        "\u2028",
        "\x85",
        "--- |",
        "- a",
        "&a *a",
        "!!python/object/apply:os.system",
    ]
) | st.text(max_size=30)
HOSTILE_NUMBERS = (
    st.sampled_from(
        [
            "9" * 5000,
            "-" + "9" * 400,
            "1.0e+999",
            ".nan",
            "-.inf",
            "0x" + "f" * 2000,
            "1:2:3:4:5:6:7:8:9",
            "2024-13-45",
            "99999-01-01",
            "0000-00-00",
            "2001-12-14t21:59:43.10-25:00",
            "1e400",
            "true",
        ]
    )
    | st.floats().map(repr)
    | st.integers().map(str)
)


def _yaml_string(name: str, quoted: bool) -> str:
    return json.dumps(name) if quoted else name


@st.composite
def hostile_card(draw) -> tuple[bytes, str]:
    quoted = draw(st.booleans())
    name = _yaml_string(draw(HOSTILE_NAMES), quoted)
    number = draw(HOSTILE_NUMBERS)
    depth = draw(st.sampled_from([0, 1, 300]))  # deeper: test_deep_nesting_is_reported_not_crashed
    nested = "[" * depth + "]" * depth or "x"
    if draw(st.booleans()):
        text = (
            f"---\nlicense: {name}\nmodel-index:\n- name: {name}\n  results:\n"
            f"  - task: {{type: {name}}}\n    dataset: {{type: {name}, name: MTEB {name}, "
            f"config: {name}, split: test, revision: {name}}}\n    metrics:\n"
            f"    - type: {name}\n      value: {number}\n    extra: {nested}\n---\n# {name}\n"
        )
        kind = "card"
    else:
        text = (
            f"- dataset: {{id: {name}, task_id: {name}, revision: {name}}}\n  value: {number}\n"
            f"  date: {number}\n  notes: {nested}\n"
        )
        kind = "eval-results"
    return text.encode("utf-8", "surrogatepass"), kind


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=hostile_card())
def test_hostile_names_and_values_are_only_reported(case):
    raw, kind = case
    name = "README.md" if kind == "card" else "x.yaml"
    findings = validate_bytes(raw, name, kind)
    # Each case breaks a rule: a card's result holds an unknown key, and an `.eval_results`
    # dataset revision is never a commit hash.
    assert any(f.is_error for f in findings), findings
    for finding in findings:
        assert finding.file == name
        assert finding.line is None or finding.line >= 1
        (finding.file + finding.path + finding.message).encode("utf-8")  # printable


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=hostile_card())
def test_hostile_names_and_values_through_the_cli(case, tmp_path_factory):
    raw, kind = case
    folder = tmp_path_factory.mktemp("hostile")
    path = folder / ("README.md" if kind == "card" else "AFQMC.yaml")
    path.write_bytes(raw)
    done = run_cli("validate", "--format", "json", path)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert done.stderr == ""
    json.loads(done.stdout)


@st.composite
def hostile_result(draw) -> str:
    name, value = draw(HOSTILE_NAMES), draw(HOSTILE_NUMBERS)
    depth = draw(st.sampled_from([0, 2, 5000]))
    nested = "[" * depth + "]" * depth or "null"
    value = value if re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", value) else json.dumps(value)
    return (
        f'{{"task_name": {json.dumps(name)}, "dataset_revision": {json.dumps(name)}, '
        f'"date": {value}, "evaluation_time": {value}, "extra": {nested}, '
        f'"scores": {{{json.dumps(name)}: [{{"hf_subset": {json.dumps(name)}, '
        f'"main_score": {value}, {json.dumps(name)}: {value}}}]}}}}'
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile_result())
def test_hostile_result_files_are_read_or_refused_in_one_line(text, tmp_path_factory):
    path = tmp_path_factory.mktemp("results") / "AFQMC.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        task = load_task(path)
    except CardkitError as exc:
        assert "\n" not in str(exc)
        str(exc).encode("utf-8")
        return
    for scores in task.scores:
        assert all(math.isfinite(float(v)) for v in scores.metrics.values())
        assert scores.main_score is None or math.isfinite(scores.main_score)
