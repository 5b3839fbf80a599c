"""One libyaml load without positions gives exactly the data of the parse with positions on
every text that parse finds nothing in, and is in doubt wherever it would find something or
change the data; so validating the quick way first changes no finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from cardkit.cardtext.frontmatter import cut_card
from cardkit.io.yamlio import IN_DOUBT, parse_yaml, quick_load
from cardkit.validate import validate_bytes
from tests.conftest import CARDS, SHARED, TESTS

REPO = TESTS.parent
REAL_CARDS = sorted(CARDS.glob("*.README.md")) + sorted((SHARED / "seeds").glob("*.README.md"))
HOSTILE = TESTS / "hostile"
HOSTILE_FILES = sorted(HOSTILE.glob("*.md")) + sorted((HOSTILE / ".eval_results").glob("*.yaml"))
BUILT_CARD = REPO / "examples" / "card" / "README.md"


def _yaml_text(path: Path) -> str | None:
    """The YAML of a file as the validator parses it (None: not UTF-8, or no front matter)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None
    if path.suffix == ".yaml":
        return text
    card = cut_card(text)
    return card.yaml_source if card.has_front_matter else None


def _agree(text: str) -> bool:
    """Whether the quick load was in doubt; when it was not, the parse with positions found
    nothing and made the same data (the same types, values and key order)."""
    quick = quick_load(text)
    if quick is IN_DOUBT:
        return True
    full = parse_yaml(text)
    assert full.parsed and full.problems == []
    assert repr(quick) == repr(full.data)
    return False


@pytest.mark.shared
@pytest.mark.parametrize("path", REAL_CARDS, ids=lambda p: p.name)
def test_the_quick_load_of_every_real_card_is_the_parse_with_positions(path):
    text = _yaml_text(path)
    assert text is not None
    _agree(text)


@pytest.mark.parametrize("path", HOSTILE_FILES, ids=lambda p: p.name)
def test_the_quick_load_of_every_hostile_file_is_the_parse_with_positions(path):
    text = _yaml_text(path)
    if text is None:  # nothing to load: the validator says why
        assert validate_bytes(path.read_bytes(), path.name)
    else:
        _agree(text)


def test_a_built_card_takes_the_quick_way():
    text = _yaml_text(BUILT_CARD)
    assert text is not None and quick_load(text) is not IN_DOUBT


# Texts the parse with positions reports, or reads into other data than one load gives.
REPORTED = {
    "duplicate key": "a: 1\nb: 2\na: 3\n",
    "duplicate nested key": "m:\n  x: 1\n  y: 2\n  x: 1\n",
    "the same key quoted": "a: 1\n'a': 2\n",
    "NaN": "v: .nan\n",
    "infinity": "v: -.inf\n",
    "a float beyond range": "v: 1.0e+400\n",
    "an integer beyond a float": "v: " + "9" * 400 + "\n",
    "a top-level integer beyond a float": "9" * 400 + "\n",
    "a date": "d: 2024-01-31\n",
    "a datetime": "d: 2024-01-31 10:00:00\n",
    "the 13th month": "d: 2024-13-01\n",
    "an integer key": "1: a\n",
    "a boolean key": "true: a\n",
    "a null key": "~: a\n",
    "two spellings of one boolean key": "true: a\nTrue: b\n",
    "an integer key beside its string": "1: a\n'1': b\n",
    "an alias": "a: &x [1, 2]\nb: *x\n",
    "a merge overriding a key": "<<: {a: 1}\na: 2\n",
    "a tab in the indentation": "a:\n\t- b\n",
    "a control character": "a: b\x07\n",
    "a syntax error": "a: [1, 2\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "a list as a key": "? [a]\n: 1\n",
    "deep nesting": "a: " + "[" * 250 + "]" * 250 + "\n",
    "deep block nesting": "- " * 60 + "x\n",
}


@pytest.mark.parametrize("text", REPORTED.values(), ids=REPORTED.keys())
def test_the_quick_load_is_in_doubt_where_the_parse_with_positions_reports_or_changes(text):
    assert _agree(text)


# Texts one load reads exactly as the parse with positions does.
PLAIN = {
    "empty": "",
    "a comment only": "# nothing\n",
    "a scalar": "hello\n",
    "numbers": "- 1\n- 2.5\n- -0.0\n- 0x1f\n- 1_000\n- 0o17\n- 6.8523015e+5\n",
    "other scalars": "- true\n- null\n- ~\n- 'quoted'\n- \"a\\tb\"\n- yes\n",
    "a largest integer": f"v: {int(1.7976931348623157e308)}\n",
    "an inline merge": "<<: {a: 1}\nb: 2\n",
    "binary": "b: !!binary aGVsbG8=\n",
    "a set": "s: !!set {x, y}\n",
    "an ordered map": "o: !!omap [a: 1, b: 2]\n",
    "a block scalar": "d: |\n  one\n  two\n",
    "flow and block": "m: {a: [1, {b: c}]}\nl:\n- x: 1\n  y: [2]\n",
}


@pytest.mark.parametrize("text", PLAIN.values(), ids=PLAIN.keys())
def test_the_quick_load_reads_plain_yaml_as_the_parse_with_positions(text):
    assert not _agree(text)


def _card(front_matter: str) -> bytes:
    return f"---\n{front_matter}---\n\n# Model\n".encode()


CARD_ENTRY = """model-index:
- name: m
  results:
  - task:
      type: Classification
    dataset:
      name: MTEB X
      type: mteb/x
    metrics:
    - type: accuracy
      value: {value}
"""


@pytest.mark.parametrize(
    "front_matter",
    [
        CARD_ENTRY.format(value="65.5"),
        CARD_ENTRY.format(value="'65.5'"),  # a schema error, placed after a quick load
        CARD_ENTRY.format(value="650.5"),  # out of range
        CARD_ENTRY.format(value="0.5"),  # a 0 to 1 score
        CARD_ENTRY.format(value=".nan"),
        CARD_ENTRY.format(value="65.5") + "license: mit\nlicense: apache-2.0\n",
        CARD_ENTRY.format(value="65.5") + "tags: [a, b]\nlanguage: 2024-01-01\n",
    ],
)
def test_a_card_validated_the_quick_way_has_the_findings_of_the_parse_with_positions(
    front_matter,
):
    raw = _card(front_matter)
    assert validate_bytes(raw, "README.md") == validate_bytes(raw, "README.md", "card", False)
