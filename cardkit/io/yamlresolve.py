"""What PyYAML reads a plain scalar as (``yaml.resolver.Resolver``'s implicit resolvers), without
importing PyYAML.

Writing a string plain is safe only where it reads back as a string: ``yes``, ``1.0`` or
``2001-12-14`` would come back as a bool, a float or a date, so PyYAML quotes them. cardkit's
YAML writer asks this of every new string of a card, and a build that parses nothing should not
pay PyYAML's import (a tenth of a small build) for it. So the rules are PyYAML's own patterns,
by first character and in the order PyYAML registers them, held equal to
``Resolver().resolve(ScalarNode, value, (True, False))`` by tests/property/test_yamlresolve.py
on generated strings and every string of the real cards.
"""

from __future__ import annotations

import re

from cardkit.io.lazyre import lazy

STR_TAG = "tag:yaml.org,2002:str"
FLOAT_TAG = "tag:yaml.org,2002:float"

# PyYAML's implicit resolvers (yaml/resolver.py, unchanged since PyYAML 5.1): (tag, pattern,
# the first characters it applies to). re.match with '$': a trailing line break still matches.
_RESOLVERS: list[tuple[str, re.Pattern[str], str | list[str]]] = [
    (
        "tag:yaml.org,2002:bool",
        lazy(
            r"""^(?:yes|Yes|YES|no|No|NO
                    |true|True|TRUE|false|False|FALSE
                    |on|On|ON|off|Off|OFF)$""",
            re.X,
        ),
        "yYnNtTfFoO",
    ),
    (
        FLOAT_TAG,
        lazy(
            r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$""",
            re.X,
        ),
        "-+0123456789.",
    ),
    (
        "tag:yaml.org,2002:int",
        lazy(
            r"""^(?:[-+]?0b[0-1_]+
                    |[-+]?0[0-7_]+
                    |[-+]?(?:0|[1-9][0-9_]*)
                    |[-+]?0x[0-9a-fA-F_]+
                    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""",
            re.X,
        ),
        "-+0123456789",
    ),
    ("tag:yaml.org,2002:merge", lazy(r"^(?:<<)$"), "<"),
    (
        "tag:yaml.org,2002:null",
        lazy(
            r"""^(?: ~
                    |null|Null|NULL
                    | )$""",
            re.X,
        ),
        ["~", "n", "N", ""],
    ),
    (
        "tag:yaml.org,2002:timestamp",
        lazy(
            r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
                    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
                     (?:[Tt]|[ \t]+)[0-9][0-9]?
                     :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
                     (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
            re.X,
        ),
        "0123456789",
    ),
    ("tag:yaml.org,2002:value", lazy(r"^(?:=)$"), "="),
    ("tag:yaml.org,2002:yaml", lazy(r"^(?:!|&|\*)$"), "!&*"),
]

# First character ('' for the empty string) -> its resolvers, in registration order.
_BY_FIRST: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
for _tag, _pattern, _firsts in _RESOLVERS:
    for _first in _firsts:
        _BY_FIRST.setdefault(_first, []).append((_tag, _pattern))

# The characters some resolver may apply to a plain scalar starting with: one starting with
# any other character reads back as a string, whatever follows.
RESOLVED_FIRST_CHARACTERS = frozenset(first for first in _BY_FIRST if first)


def plain_tag(value: str) -> str:
    """The tag PyYAML gives ``value`` written as a plain scalar."""
    for tag, pattern in _BY_FIRST.get(value[:1], ()):
        if pattern.match(value):
            return tag
    return STR_TAG
