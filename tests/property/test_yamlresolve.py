"""cardkit's copy of PyYAML's implicit resolvers gives every plain scalar the tag PyYAML's own
``Resolver`` gives it: the same table, and the same answer on generated strings, on strings
built from the patterns' own pieces, and on every string of the real cards."""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from cardkit.io.yamlresolve import _RESOLVERS, plain_tag
from tests.conftest import CARDS, DMETA_CARD

RESOLVER = Resolver()


def pyyaml(value: str) -> str:
    return RESOLVER.resolve(ScalarNode, value, (True, False))


def test_the_table_is_pyyamls():
    """The same patterns (text and flags), tags and first characters, in the same order."""
    ours: dict[str, list[tuple[str, str, int]]] = {}
    for tag, pattern, firsts in _RESOLVERS:
        for first in firsts:
            ours.setdefault(first, []).append((tag, pattern.pattern, pattern.flags))
    theirs = {
        first: [(tag, regexp.pattern, regexp.flags) for tag, regexp in resolvers]
        for first, resolvers in Resolver.yaml_implicit_resolvers.items()
    }
    assert ours == theirs


# Characters the patterns are made of, so that generated strings often match one.
PIECES = st.text(
    st.sampled_from("0123456789+-._:eEtTZxXbBoO ~<=!&*yesnoYESNOnullNulltrueFalse\n\t")
)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(PIECES, st.text(max_size=12)))
def test_generated_strings_get_pyyamls_tag(value):
    assert plain_tag(value) == pyyaml(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        " ",
        "~",
        "null",
        "Null",
        "NULL",
        "nulL",
        "yes",
        "No",
        "on",
        "OFF",
        "y",
        "n",
        "true\n",
        "1",
        "-1",
        "+1",
        "0",
        "012",
        "0o17",
        "0x1F",
        "0b101",
        "1_000",
        "12:30",
        "190:20:30",
        "1.0",
        "1.",
        ".5",
        "1e3",
        "1.0e+3",
        "1.0E-3",
        ".inf",
        "-.Inf",
        "+.INF",
        ".nan",
        ".NaN",
        "190:20:30.15",
        "2001-12-14",
        "2001-1-1",
        "2001-12-14t21:59:43.10-05:00",
        "2001-12-14 21:59:43.10 Z",
        "=",
        "==",
        "<<",
        "<",
        "!",
        "&",
        "*",
        "**",
    ],
)
def test_every_kind_of_scalar_gets_pyyamls_tag(value):
    assert plain_tag(value) == pyyaml(value)


@pytest.mark.shared
def test_every_string_of_the_real_cards_gets_pyyamls_tag():
    strings: set[str] = set()

    def collect(value: object) -> None:
        if isinstance(value, str):
            strings.add(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                collect(key)
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    for card in [*sorted(CARDS.glob("*.md")), DMETA_CARD]:
        text = card.read_text(encoding="utf-8")
        front = re.match(r"---\n(.*?\n)---\n", text, re.S)
        if front:
            collect(yaml.safe_load(front.group(1)))
    assert len(strings) > 300  # names, types, configs, splits, revisions, tags
    assert [s for s in strings if plain_tag(s) != pyyaml(s)] == []
