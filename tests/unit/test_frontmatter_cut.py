"""The front matter the Hub reads: cardkit cuts a card where huggingface_hub (and the Hub
server, whose regular expression it keeps) cuts it, on every edge case, and validate errs
where the Hub sees no metadata although the author clearly wrote some. (What build does with
those cards: tests/cli/test_frontmatter_rule.py.)"""

from __future__ import annotations

import re

import pytest
import yaml
from huggingface_hub import repocard

from cardkit.cardtext import frontmatter
from cardkit.cardtext.frontmatter import cut_card, load_front_matter
from cardkit.io.errors import CardkitError
from cardkit.io.userfile import read_text
from cardkit.validate import validate_bytes
from tests.conftest import TESTS

DMETA = (TESTS / "hostile" / "crlf-valid.md").read_bytes().decode("utf-8").replace("\r\n", "\n")


NONE, ERROR = "no metadata", "metadata that is not valid YAML"


# name -> (card text, whether its author clearly meant metadata)
CASES: dict[str, tuple[str, bool]] = {
    "plain": ("---\nlicense: mit\n---\n# Card\n", True),
    "real card": (DMETA, True),
    "opening fence with a trailing space": ("--- \nlicense: mit\n---\n# Card\n", True),
    "real card, opening fence with a trailing tab": ("---\t" + DMETA[3:], True),
    "closing fence with trailing spaces": ("---\nlicense: mit\n---   \n# Card\n", True),
    "blank lines before": ("\n\n---\nlicense: mit\n---\n# Card\n", True),
    "real card after a blank line": ("\n" + DMETA, True),
    "spaces before the fence": ("   ---\nlicense: mit\n---\n# Card\n", True),
    "byte order mark": ("\ufeff---\nlicense: mit\n---\n# Card\n", True),
    "CRLF": ("---\r\nlicense: mit\r\n---\r\n# Card\r\n", True),
    "CR only": ("---\rlicense: mit\r---\r# Card\r", True),
    "CR only, fence at the end": ("---\rlicense: mit\r---", True),
    "--- inside a block scalar": (
        "---\ndescription: |\n  a\n  ---\n  b\nlicense: mit\n---\n# Card\n",
        True,
    ),
    "block scalar at the end (clip)": ("---\ndescription: |\n  a\n---\n", True),
    "block scalar at the end (keep)": ("---\ndescription: |+\n  a\n\n---\n", True),
    "--- at column 0 inside a quoted string": (
        '---\ndescription: "a\n---\nb"\nlicense: mit\n---\n',
        True,
    ),
    "no closing fence": ("---\nlicense: mit\n# Card\n", True),
    "closing fence pasted": ("---\nlicense: mit\n--- |\n# Card\n", True),
    "closing fence at the end without a line break": ("---\nlicense: mit\n---", True),
    "empty block": ("---\n\n---\n# Card\n", True),
    "fences touching": ("---\n---\n# Card\n", True),
    "heading before": ("# Card\n\n---\nlicense: mit\n---\n", True),
    "web paste": ("--- |\nlicense: mit |\ntags: |\n- mteb |\n--- |\n# Card\n", True),
    "no front matter": ("# Card\n\nSome text.\n", False),
    "horizontal rule at the top": ("----\n# Card\n", False),
}


def hub_view(text: str) -> object:
    """What the Hub server sees: its regular expression (kept by huggingface_hub) on the raw
    text, then YAML, as `RepoCard` does on a card it loads with ``newline=''``."""
    match = repocard.REGEX_YAML_BLOCK.search(text)
    if match is None:
        return NONE
    try:
        return yaml.safe_load(match.group(2)) or {}
    except yaml.YAMLError:
        return ERROR


def cardkit_view(text: str) -> object:
    card = cut_card(text)
    if not card.has_front_matter:
        return NONE
    try:
        return load_front_matter(card)
    except CardkitError:
        return ERROR


def test_the_rule_is_huggingface_hubs_character_for_character():
    assert frontmatter.REGEX_YAML_BLOCK.pattern == repocard.REGEX_YAML_BLOCK.pattern
    assert frontmatter.REGEX_YAML_BLOCK.flags == repocard.REGEX_YAML_BLOCK.flags


@pytest.mark.parametrize("name", sorted(CASES))
def test_cardkit_sees_the_metadata_the_hub_sees(name, tmp_path):
    text, _ = CASES[name]
    path = tmp_path / "README.md"
    path.write_bytes(text.encode("utf-8"))
    raw = read_text(path)  # as every command reads a card (BOM dropped, as the Hub does)
    assert cardkit_view(raw) == hub_view(raw)
    # huggingface_hub's metadata_load reads in text mode, turning CR into LF first: on every
    # card whose line breaks survive that, it agrees too.
    if not re.search(r"\r(?!\n)", text):
        try:
            loaded = repocard.metadata_load(path)
        except (ValueError, yaml.YAMLError):
            loaded = ERROR
        hub = hub_view(raw)
        assert loaded == (None if hub in (NONE, {}) else hub)  # None: no (or empty) metadata


@pytest.mark.parametrize("name", sorted(CASES))
def test_validate_errs_where_the_hub_would_miss_meant_metadata(name):
    text, meant = CASES[name]
    findings = validate_bytes(text.encode("utf-8"), "README.md")
    errors = [f for f in findings if f.is_error]
    hub = hub_view(text.removeprefix("\ufeff"))
    if hub == NONE and meant:
        assert errors, findings
        assert errors[0].line is not None and errors[0].line <= 5
    elif hub == NONE:
        assert [f.severity for f in findings] == ["warning"]  # no front matter at all
    elif hub == ERROR:
        assert errors
    else:
        assert errors == [], findings
