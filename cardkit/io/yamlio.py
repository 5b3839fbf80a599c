"""YAML in: libyaml when it is there (real model-indexes run to 250,000 lines), and the one
parse of a user's YAML that keeps positions and refuses what would hurt. (YAML out is
cardkit.io.yamlwrite, which imports none of this.)

:func:`parse_yaml` never raises on bad input. It reports, with line and column: characters
YAML forbids, tabs in indentation, syntax errors, values pyyaml cannot construct (an integer of
5,000 digits, the 13th month), duplicate keys (YAML silently keeps the last), NaN and infinity,
aliases that expand to millions of values, nesting too deep to follow.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import sys
from typing import Any

import yaml

from cardkit.io.lazyre import lazy
from cardkit.io.userfile import Problem
from cardkit.io.yamllines import BREAK, lines_with_ends

SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_INT = "tag:yaml.org,2002:int"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_FLOAT = "tag:yaml.org,2002:float"
_MERGE = "tag:yaml.org,2002:merge"
_STR = "tag:yaml.org,2002:str"
_MAX_VALUES = 2_000_000
_LARGEST = int(sys.float_info.max)
# Characters YAML refuses anywhere in a stream (it allows tab, LF, CR, NEL and printable text).
_BAD_CHAR = lazy("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# libyaml recurses in C on nesting and can crash the process: deep texts take pure Python.
# (Two indicators spelled out first: the same texts match, and a search that need not try a
# repetition at every ':' of a big card is four times faster.)
_DEEP_INDICATORS = lazy(r"[-?:][ \t]+[-?:][ \t]+(?:[-?:][ \t]+){38,}")
_DEEP_INDENT = " " * 200  # at the start of a line: found as text, not by a regex


def _guard(constructor: Any, what: str) -> Any:
    """A constructor that turns the ValueError or OverflowError of a hostile value (int() of
    5,000 digits, datetime() of month 13) into a YAML error at the value."""

    def construct(loader: Any, node: yaml.ScalarNode) -> Any:
        try:
            return constructor(loader, node)
        except (ValueError, OverflowError) as exc:
            reason = str(exc).split(":")[0]
            problem = f"{node.value[:40]!r} is not a valid {what} ({reason})"
            raise _BadValue(None, None, problem, node.start_mark) from None

    return construct


class _BadValue(yaml.constructor.ConstructorError):
    """Well-formed YAML holding a value Python cannot represent."""


class _Loader(SafeLoader):  # type: ignore[misc, valid-type]
    """pyyaml's safe loader, with integers and timestamps that fail as YAML errors."""


class _PureLoader(yaml.SafeLoader):
    """The same in pure Python, for text nested too deeply for libyaml's recursion."""


for _cls in (_Loader, _PureLoader):
    _cls.add_constructor(
        _INT, _guard(yaml.constructor.SafeConstructor.construct_yaml_int, "integer")
    )
    _cls.add_constructor(
        _TIMESTAMP, _guard(yaml.constructor.SafeConstructor.construct_yaml_timestamp, "date")
    )


def load(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)


class ParsedYaml:
    """The node tree (positions), the data as JSON would hold it, and every problem found.

    ``parsed`` is False when the text could not be turned into data at all.
    """

    __slots__ = ("line_offset", "root", "data", "parsed", "problems")

    def __init__(self, line_offset: int = 0):
        self.line_offset = line_offset  # lines of the file above the YAML text
        self.root: yaml.Node | None = None
        self.data: Any = None
        self.parsed = False
        self.problems: list[Problem] = []

    def add(self, line: int, col: int, message: str) -> None:
        """A problem at a line of the YAML text (1-based), recorded at its line in the file."""
        self.problems.append(Problem(line + self.line_offset, col, message))

    def line_of(self, node: yaml.Node) -> int:
        return node.start_mark.line + 1 + self.line_offset

    def add_at(self, node: yaml.Node, message: str) -> None:
        self.add(node.start_mark.line + 1, node.start_mark.column + 1, message)


class _Refused(Exception):
    """The YAML parsed, but holding its data would cost too much (reported already)."""


class _Doubt(Exception):
    """Something only the positioned parse may judge."""


class _QuickLoader(_Loader):  # type: ignore[misc, valid-type]
    """The loader of :func:`quick_load`: in doubt wherever :func:`parse_yaml` would report a
    problem or change the data (a duplicate key, a key that is no string, NaN or infinity,
    an integer beyond a float, a date)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        """Keys that are strings, and as many as there are pairs (fewer: a key repeated, or
        equal to another once constructed). A string key is its node's text, with no
        constructor to call (a card has a quarter of a million of them); a mapping with any
        other key (a merge, ``<<``, included) takes PyYAML's way."""
        if isinstance(node, yaml.MappingNode):
            construct = self.construct_object
            mapping = {}
            for key_node, value_node in node.value:
                if key_node.tag != _STR or type(key_node) is not yaml.ScalarNode:
                    break
                mapping[key_node.value] = construct(value_node, deep)
            else:
                if len(mapping) != len(node.value):
                    raise _Doubt
                return mapping
        mapping = super().construct_mapping(node, deep)
        if len(mapping) != len(node.value) or not all(type(k) is str for k in mapping):
            raise _Doubt
        return mapping

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        value = _construct_float(self, node)
        if not math.isfinite(value):
            raise _Doubt
        return value

    def construct_int(self, node: yaml.ScalarNode) -> int:
        value = _Loader.yaml_constructors[_INT](self, node)
        if not -_LARGEST <= value <= _LARGEST:
            raise _Doubt
        return value

    def construct_timestamp(self, node: yaml.ScalarNode) -> Any:
        raise _Doubt


_QuickLoader.add_constructor(_INT, _QuickLoader.construct_int)
_QuickLoader.add_constructor(_FLOAT, _QuickLoader.construct_yaml_float)
_QuickLoader.add_constructor(_TIMESTAMP, _QuickLoader.construct_timestamp)

_construct_float = yaml.constructor.SafeConstructor.construct_yaml_float
IN_DOUBT = object()  # what quick_load returns when the positioned parse must look


def quick_load(text: str) -> Any:
    """The data :func:`parse_yaml` gives for a text it finds no problem in, by one load with
    libyaml (no node walk, no positions), or IN_DOUBT whenever it might find one: a tab, a
    character YAML refuses, deep nesting, an anchor (aliases can explode), and every value
    _QuickLoader refuses. The two agree on every text that is not IN_DOUBT (tested)."""
    if "\t" in text or "&" in text or _BAD_CHAR.search(text) or _too_deep(text):
        return IN_DOUBT
    try:
        data = yaml.load(text, Loader=_QuickLoader)
    except (yaml.YAMLError, _Doubt, RecursionError):
        return IN_DOUBT
    return data


def parse_yaml(text: str, line_offset: int = 0) -> ParsedYaml:
    """Parse a user's YAML (``line_offset`` lines below the top of its file) with positions;
    every problem is reported, none raised."""
    out = ParsedYaml(line_offset)
    lines = lines_with_ends(text)
    tab_lines = _check_tabs(lines, out)
    bad = _BAD_CHAR.search(text)
    if bad is not None:
        before = text[: bad.start()]
        breaks = list(BREAK.finditer(before))
        column = len(before) - (breaks[-1].end() if breaks else 0) + 1
        message = f"control character U+{ord(bad.group(0)):04X} is not allowed in YAML"
        out.add(len(breaks) + 1, column, message)
        return out
    instance = (_PureLoader if _too_deep(text) else _Loader)(text)
    try:
        root = instance.get_single_node()
        if root is not None:
            _walk(root, out)
        data = instance.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        _syntax_error(exc, out, tab_lines)
        return out
    except _Refused:
        return out
    except RecursionError:
        out.add(1, 1, "the YAML is nested too deeply to read")
        return out
    finally:
        instance.dispose()
    out.root, out.data, out.parsed = root, _plain(data), True
    return out


def _check_tabs(lines: list[str], out: ParsedYaml) -> set[int]:
    """Tabs in indentation (YAML indents with spaces only); the lines that have them."""
    found: set[int] = set()
    for number, line in enumerate(lines, start=1):
        indent = len(line) - len(line.lstrip(" \t"))
        tab = line.find("\t", 0, indent)
        if tab >= 0:
            out.add(number, tab + 1, "tab in indentation: YAML indents with spaces only")
            found.add(number)
    return found


def _too_deep(text: str) -> bool:
    if _DEEP_INDICATORS.search(text) or text.startswith(_DEEP_INDENT):
        return True
    if "\n" + _DEEP_INDENT in text:
        return True
    if text.count("[") + text.count("{") < 200:
        return False
    depth = deepest = 0
    for match in re.finditer(r"[\[\]{}]", text):
        depth = depth + 1 if match.group(0) in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest >= 200


def _syntax_error(exc: yaml.YAMLError, out: ParsedYaml, tab_lines: set[int]) -> None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"not valid YAML: {problem}" + (f" ({context})" if context else "")
    if isinstance(exc, _BadValue):
        message = str(problem)
    if mark is None:
        out.add(1, 1, message)
    elif mark.line + 1 not in tab_lines:  # the tab was reported, in plainer words
        out.add(mark.line + 1, mark.column + 1, message)


_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _walk(root: yaml.Node, out: ParsedYaml) -> None:
    """Duplicate keys, NaN/infinity and alias bombs, found on the node tree."""
    seen: set[int] = set()
    stack: list[yaml.Node] = [root]
    shared: list[yaml.Node] = []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            shared.append(node)  # an alias: its node is reached twice
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], yaml.Node] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != _MERGE:
                    previous = first.get((key.tag, key.value))
                    if previous is not None:
                        out.add_at(
                            key,
                            f"duplicate key '{_show(key.value)}' (first on line "
                            f"{out.line_of(previous)}): YAML keeps only the last one",
                        )
                    else:
                        first[(key.tag, key.value)] = key
                stack.append(key)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif node.tag == _FLOAT:
            _check_float(node, out)
        elif node.tag == _INT and len(node.value) > 300 and _too_large(node):
            out.add_at(
                node,
                "this integer is too large for a number: it reads as infinity; give a finite "
                "number or leave it out",
            )
    if shared and _expanded_size(root) > _MAX_VALUES:
        anchor = min(shared, key=lambda n: (n.start_mark.line, n.start_mark.column))
        out.add_at(
            anchor,
            "its aliases expand to more than 2 million values, or the data contains itself: "
            "not read further",
        )
        raise _Refused


def _show(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _expanded_size(root: yaml.Node) -> int:
    """How many values the data holds once every alias is expanded (memoised, iterative)."""
    size: dict[int, int] = {}
    pending: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in size:
            continue
        children = _children(node)
        if done:
            size[id(node)] = min(1 + sum(size.get(id(c), 0) for c in children), 1 << 40)
            pending.discard(id(node))
        elif id(node) in pending:
            return 1 << 40  # an alias inside its own anchor: the data contains itself
        else:
            pending.add(id(node))
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in size)
    return size[id(root)]


def _too_large(node: yaml.ScalarNode) -> bool:
    try:
        return abs(_CONSTRUCTOR.construct_yaml_int(node)) > _LARGEST
    except (ValueError, yaml.YAMLError):
        return False  # reported when the data is built


def _check_float(node: yaml.ScalarNode, out: ParsedYaml) -> None:
    try:
        value = _CONSTRUCTOR.construct_yaml_float(node)
    except (ValueError, yaml.YAMLError):
        return
    if not math.isfinite(value):
        what = "NaN" if math.isnan(value) else "infinity"
        out.add_at(node, f"{what} is not a valid value: give a finite number or leave it out")


def _plain(data: Any) -> Any:
    """Data as JSON (and the Hub) would hold it: string keys, dates as ISO strings, integers
    too large for a number as infinity."""
    if not isinstance(data, (dict, list)):
        return _plain_value(data)
    stack = [data]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            for key in list(item):
                value = item[key] = _plain_value(item[key])
                if not isinstance(key, str):
                    del item[key]
                    item[str(key)] = value
                stack.append(value)
        elif isinstance(item, list):
            for index, value in enumerate(item):
                item[index] = _plain_value(value)
                stack.append(item[index])
    return data


def _plain_value(value: Any) -> Any:
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if type(value) is int and not -_LARGEST <= value <= _LARGEST:
        return math.inf if value > 0 else -math.inf
    return value
