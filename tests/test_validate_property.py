"""Random and mutated card texts: the validator only reports, it never raises."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardkit.validate import validate_bytes

from .conftest import CARDS, DMETA_CARD, TESTS

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
    validate_bytes(raw, "README.md", "card")
    validate_bytes(raw, "x.yaml", "eval-results")


@pytest.mark.parametrize("depth", [50_000])
def test_deep_nesting_is_reported_not_crashed(depth):
    for text in ("---\nx: " + "[" * depth + "]" * depth + "\n---\n", "---\nx: " + "- " * depth):
        findings = validate_bytes(text.encode(), "README.md")
        assert any(f.is_error for f in findings)
