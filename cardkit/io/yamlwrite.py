"""Write card YAML fast, byte for byte as ``yaml.safe_dump(sort_keys=False, allow_unicode=True)``.

PyYAML builds a node and several events for every value; a 408-task model-index has 250,000
lines, and that machinery was most of a build. This writer follows the rules of PyYAML's
emitter (block style, two-space indents, sequences in mappings not indented, empty
collections as ``[]`` and ``{}``, plain scalars folded past column 80) directly on dicts, lists
and scalars, keeping the same state (column, indent, whitespace, indention) in the same way.

It writes itself only what it can show PyYAML writes the same way: numbers, booleans, null,
and strings in plain or single-quoted style where no folding can happen. PyYAML's own code
decides every string's style and writes any string that needs double quotes or may be
folded, at the same column and indent. A document with anything else (a date, a tuple, a
subclass of dict, a key that is not a short one-line string, one list in two places, which
PyYAML writes as an anchor and an alias) is dumped whole by PyYAML. PyYAML itself is imported
only then: which strings read back as strings is `yamlresolve`'s question, answered by PyYAML's
own patterns.

A caller's own type is written as the plain data its `Represented` gives (PyYAML's
representers, for one type), and a list of such objects may be written by the caller a place
at a time (`ScalarLines`, `key_text`, `spaced_key`, `line_start`: this writer's rules for a
scalar after its key): a new card's model-index entries, written from their fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from cardkit.io.yamlresolve import FLOAT_TAG, RESOLVED_FIRST_CHARACTERS, STR_TAG, plain_tag

if TYPE_CHECKING:
    from yaml.emitter import Emitter

__all__ = [
    "Represented",
    "ScalarLines",
    "dump",
    "fast_dump",
    "key_text",
    "line_start",
    "spaced_key",
]

_WIDTH = 80  # the emitter's best_width
_INDENT = 2  # the emitter's best_indent
# A key is written `key:` only while the key and its tag ('!!str') are under 128 characters.
_SIMPLE_KEY_MAX = 128 - len("!!str")
_BREAKS = ("\n", "\x85", "\u2028", "\u2029")
_CACHE_LIMIT = 50_000

_PLAIN, _SINGLE, _DOUBLE = "", "'", '"'
# Words of printable ASCII without any indicator, joined by single spaces: the emitter's
# analyze_scalar (a slow walk over each character) allows them plain and single-quoted.
_WORDS = r"[A-Za-z0-9_()/+][A-Za-z0-9_()/+.-]*(?: [A-Za-z0-9_()/+.-]+)*"
_UNREMARKABLE = re.compile(_WORDS + r"\Z")
# The lines of a text that are such words: many strings matched in one call.
_UNREMARKABLE_LINE = re.compile("^" + _WORDS + "$", re.MULTILINE)


class _Unsupported(Exception):
    """The document holds something only PyYAML itself is trusted to write."""


class _Stream(list):
    """A list the emitter writes to (its `stream` needs only `write`)."""

    write = list.append


@lru_cache(maxsize=1)
def _analyzer() -> Emitter:
    """PyYAML's emitter, for the strings whose style only its analysis decides (imported
    then: most cards hold none)."""
    from yaml.emitter import Emitter

    return Emitter(None, allow_unicode=True)


# string -> (text to write when it cannot fold, whether it holds a space), or (None, False)
# when PyYAML must write it; key -> its text followed by ':'.
_values: dict[str, tuple[str | None, bool]] = {}
_keys: dict[str, str] = {}
_spaced_keys: dict[str, str] = {}  # key -> its text, ':' and the space before a scalar


def _style(value: str) -> str:
    """The emitter's choose_scalar_style for a string in block context (not a complex key)."""
    plain_reads_back = plain_tag(value) == STR_TAG
    if _UNREMARKABLE.match(value):
        return _PLAIN if plain_reads_back else _SINGLE
    analysis = _analyzer().analyze_scalar(value)
    if plain_reads_back and analysis.allow_block_plain:
        return _PLAIN
    if analysis.allow_single_quoted:
        return _SINGLE
    return _DOUBLE


def _value_entry(value: str) -> tuple[str | None, bool]:
    entry = _values.get(value)
    if entry is None:
        style = _style(value)
        if style == _PLAIN:
            entry = (value, " " in value)
        elif style == _SINGLE and not any(br in value for br in _BREAKS):
            entry = ("'" + value.replace("'", "''") + "'", " " in value)
        else:
            entry = (None, False)
        if len(_values) < _CACHE_LIMIT:
            _values[value] = entry
    return entry


def _key_text(key: str) -> str:
    """``key:`` as the emitter writes a simple key after an indent (never folded)."""
    text = _keys.get(key)
    if text is None:
        if not key or len(key) >= _SIMPLE_KEY_MAX or any(br in key for br in _BREAKS):
            raise _Unsupported  # PyYAML writes a complex key: `? ...`
        written, _ = _value_entry(key)
        if written is None:
            stream = _Stream()
            _emit_string(_emitter(stream), key, 0, True, True, 0, True)
            written = "".join(stream)
        text = written + ":"
        if len(_keys) < _CACHE_LIMIT:
            _keys[key] = text
            _spaced_keys[key] = text + " "
    return text


def _emitter(stream: _Stream) -> Emitter:
    """PyYAML's emitter writing to ``stream``, for a string only its code may write."""
    from yaml.emitter import Emitter

    return Emitter(stream, allow_unicode=True)


def _emit_string(
    emitter: Emitter,
    value: str,
    column: int,
    whitespace: bool,
    indention: bool,
    indent: int,
    simple_key: bool,
) -> Emitter:
    """Write one string with PyYAML's emitter code, from the given position."""
    emitter.column = column
    emitter.whitespace = whitespace
    emitter.indention = indention
    emitter.indent = indent
    emitter.flow_level = 0
    emitter.root_context = False
    emitter.simple_key_context = simple_key
    style = _style(value)
    from yaml.events import ScalarEvent

    emitter.event = ScalarEvent(None, STR_TAG, (style == _PLAIN, True), value)
    emitter.analysis = None
    emitter.style = style
    emitter.process_scalar()
    emitter.event = None
    return emitter


def _float_text(value: float) -> str:
    """SafeRepresenter.represent_float, and a check that the text reads back as a float."""
    text = repr(value)
    if "e" not in text and "n" not in text:  # digits '.' digits: always an implicit float
        return text
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    text = text.lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    if plain_tag(text) != FLOAT_TAG:
        raise _Unsupported  # PyYAML would add a '!!float' tag
    return text


_new_lines: dict[int, str] = {}


def _new_line(indent: int) -> str:
    new_line = _new_lines.get(indent)
    if new_line is None:
        new_line = _new_lines[indent] = "\n" + " " * indent
    return new_line


def _scalar_text(item: Any, start: int) -> str | None:
    """The text of a float, int or string this writer writes itself, starting at column
    ``start`` (after its key or dash), or None where PyYAML's own code must write it: a float
    with an exponent, inf or nan, a string that needs double quotes or may fold there."""
    kind = type(item)
    if kind is float:
        text = repr(item)
        return None if "e" in text or "n" in text else text
    if kind is str:
        text, spaced = _values.get(item) or _value_entry(item)
        return None if text is None or (spaced and start + len(text) > _WIDTH) else text
    if kind is int:
        return str(item)
    return None


def _flat(value: dict, indent: int, new_line: str) -> tuple[str, int] | None:
    """A mapping of scalars each written on its key's line at ``indent`` (a model-index's
    ``task``, ``dataset`` and each metric: ``type: ndcg_at_10`` and ``value: 61.2``), as
    `mapping` writes it from its first key on (``new_line``: a line break and the indent), and
    the column it ends at. None for any other mapping: a key or value that is not a string,
    float or int, a key met for the first time or a string that may fold or that PyYAML must
    write, is left to `mapping`."""
    parts = []
    line = ""
    for key, item in value.items():
        line = _spaced_keys.get(key)  # type: ignore[assignment]
        if line is None or type(key) is not str:
            return None  # a key met for the first time: `mapping` checks it and keeps it
        text = _scalar_text(item, indent + len(line))
        if text is None:
            return None
        line += text
        parts.append(line)
    if not parts:
        return None
    return new_line.join(parts), indent + len(line)


def _flat_run(items: list, indent: int, new_line: str) -> tuple[list[str], int] | None:
    """`_flat` of every item of a list of two-key mappings with the same keys in the same
    order (a model-index entry's metrics: ``type`` and ``value``), the keys looked up once
    for the whole list: each item's text from its first key on, and the column the last
    ends at. None when any item is not such a mapping or holds a value `_flat` would not
    write (the items are then written one by one)."""
    first = items[0]
    if type(first) is not dict or len(first) != 2:
        return None
    key, other = first
    head, other_head = _spaced_keys.get(key), _spaced_keys.get(other)
    if head is None or other_head is None or type(key) is not str or type(other) is not str:
        return None
    line = new_line + other_head
    names: dict[str, str] = {}  # a name's text in this list (the same column throughout)
    texts = []
    append = texts.append
    for item in items:
        if type(item) is not dict or len(item) != 2:
            return None
        (own_key, name), (own_other, value) = item.items()
        if own_key != key or own_other != other or type(own_key) is not str:
            return None
        if type(own_other) is not str:
            return None
        # Inlined for the common kinds (a metric's name, its float value): the same rule.
        name_text = names.get(name) if type(name) is str else None
        if name_text is None:
            name_text = _scalar_text(name, indent + len(head))
            if name_text is None:
                return None
            if type(name) is str:
                names[name] = name_text
        if type(value) is float:
            text = repr(value)
            if "e" in text or "n" in text:
                return None
        else:
            text = _scalar_text(value, indent + len(other_head))  # type: ignore[assignment]
            if text is None:
                return None
        append(head + name_text + line + text)
    return texts, indent + len(other_head) + len(text)


def _block(value: dict, indent: int, seen: set[int]) -> tuple[str, int] | None:
    """A mapping whose values are scalars, flat mappings and lists of flat mappings (a
    model-index entry: ``task``, ``dataset`` and ``metrics``) at ``indent``, as `mapping`
    writes it from its first key on, and the column it ends at; the ids of the collections
    in it are added to ``seen``. None, with nothing added, for any other mapping (or a
    collection already met, which PyYAML writes as an alias): `mapping` writes it."""
    parts = []
    ids = []
    column = indent
    new_line = _new_line(indent)
    inner_line = _new_line(indent + _INDENT)
    for key, item in value.items():
        head = _keys.get(key) if type(key) is str else None
        if head is None:
            return None
        kind = type(item)
        if kind is dict:
            flat = _flat(item, indent + _INDENT, inner_line) if item else None
            if flat is None:
                return None
            ids.append(id(item))
            parts.append(head + inner_line + flat[0])
            column = flat[1]
        elif kind is list:  # in a mapping: not indented, '- ' at the mapping's indent
            if not item or type(item[0]) is not dict:
                return None
            run = _flat_run(item, indent + _INDENT, inner_line)
            if run is None:
                return None
            texts, column = run
            ids.append(id(item))
            ids.extend(map(id, item))
            dash = new_line + "- "
            parts.append(head + dash + dash.join(texts))
        else:
            text = _scalar_text(item, indent + len(head) + 1)
            if text is None:
                return None
            parts.append(head + " " + text)
            column = indent + len(parts[-1])
    if not parts:
        return None
    unique = set(ids)
    if len(unique) != len(ids) or not unique.isdisjoint(seen):
        return None
    seen |= unique
    return new_line.join(parts), column


class ScalarLines(dict):
    """The lines of one place in items a caller writes itself (see `Represented`): a string ->
    the text before it (line break, indent and key) followed by the string's, or None where
    this writer does not write the string there (PyYAML must, or it may fold). A task's type,
    a split, a language recur: each is styled and checked for folding once per place. A
    number looked up gets its line too, made anew each time."""

    __slots__ = ("head", "column")

    def __init__(self, head: str, column: int) -> None:
        super().__init__()
        self.head = head  # the line break, indent and key before the value
        self.column = column  # where the value starts

    def __missing__(self, value: Any) -> str | None:
        if type(value) is not str:  # not kept: 1, 1.0 and True are one key of a dict
            return self.number(self.head, value)
        text = _scalar_text(value, self.column)
        line = None if text is None else self.head + text
        if len(self) < _CACHE_LIMIT:
            self[value] = line
        return line

    @classmethod
    def at(cls, head: str, column: int) -> ScalarLines:
        """The lines of a place, kept for the process: the cards of a results store's models
        hold the same dataset names, subsets and revisions again and again."""
        key = head, column
        lines = _places.get(key)
        if lines is None:
            lines = _places[key] = cls(head, column)
        return lines

    def fill(self, values: Iterable[Any]) -> None:
        """Add the lines of many values at once: those of the plain strings that fit on the
        line whatever they hold (a model-index's dataset names and subsets, thousands of them
        new in a large model's card), most without a call per string. The others are left to
        ``__missing__``, which gives each the same line: a property test holds them equal."""
        try:
            unique = dict.fromkeys(values)
        except TypeError:  # a value no scalar (an item a caller made of its own): left
            return
        fresh = [value for value in unique if type(value) is str and value not in self]
        if len(self) + len(fresh) > _CACHE_LIMIT:
            return
        room = _WIDTH - self.column  # a string that may fold is longer than this
        # The unremarkable ones, matched as the lines of one text (none holds a line break
        # then: a string with one is no line of it); those that a resolver may apply to by
        # their first character are each asked, as `_style` asks.
        words = set(_UNREMARKABLE_LINE.findall("\n".join(fresh)))
        plain = [
            value
            for value in fresh
            if value in words
            and len(value) <= room
            and (value[0] not in RESOLVED_FIRST_CHARACTERS or plain_tag(value) == STR_TAG)
        ]
        self.update(zip(plain, map(self.head.__add__, plain)))

    def line(self, value: Any) -> str | None:
        """The line of any scalar here."""
        return self[value] if type(value) is str else self.number(self.head, value)

    @staticmethod
    def number(head: str, value: Any) -> str | None:
        """A float's or int's line after ``head`` (`_scalar_text`'s rule); None for a float
        with an exponent, inf or nan, or anything else (written from the item's value then)."""
        text = None if type(value) is str else _scalar_text(value, 0)
        return None if text is None else head + text


_places: dict[tuple[str, int], ScalarLines] = {}


def key_text(key: str) -> str:
    """``key:`` as this writer writes a key of a block mapping."""
    return _keys.get(key) or _key_text(key)


def spaced_key(key: str) -> str:
    """``key: ``, for a key whose value follows on its line."""
    return _spaced_keys.get(key) or _key_text(key) + " "


def line_start(indent: int) -> str:
    """A line break and ``indent`` spaces."""
    return _new_line(indent)


class Represented(NamedTuple):
    """How objects of one type of the caller's are written (a representer, in PyYAML's terms):
    as the plain data ``value`` gives for each, which is what PyYAML is given where it writes
    the document; and, for a list of them, optionally each item's text at once (``texts``:
    the items and the indent of their mappings -> each item's text after its '- ' and the
    column it ends at, or None for an item written from its value). ``texts`` must write
    what writing ``value(item)`` writes: a property test holds each to it."""

    value: Callable[[Any], Any]
    texts: Callable[[list, int], list[tuple[str, int] | None]] | None = None


def _plain(
    data: Any, represented: Mapping[type, Represented], made: dict[int, tuple[Any, Any]]
) -> Any:
    """``data`` with every represented object replaced by its value, at each place it holds
    one (as written: no anchors for it); a collection held in two places stays one (``made``:
    id -> the collection, kept alive so that no id is reused, and its copy), which PyYAML
    writes with an anchor, as the writer would refuse to."""
    kind = type(data)
    found = represented.get(kind)
    if found is not None:
        return _plain(found.value(data), represented, made)
    if kind is not dict and kind is not list:
        return data
    known = made.get(id(data))
    if known is not None:
        return known[1]
    copy: Any = {} if kind is dict else []
    made[id(data)] = (data, copy)
    if kind is dict:
        copy.update((key, _plain(item, represented, made)) for key, item in data.items())
    else:
        copy.extend(_plain(item, represented, made) for item in data)
    return copy


class _Writer:
    """The emitter's state and its block-context rules, without nodes or events."""

    def __init__(self, represented: Mapping[type, Represented]) -> None:
        self.represented = represented
        self.values: list[Any] = []  # represented objects' values: alive, so no id is reused
        self.out = _Stream()
        self.column = 0
        self.whitespace = True
        self.indention = True
        self.indent: int | None = None
        self.seen: set[int] = set()
        self.emitter: Emitter | None = None

    def write_indent(self, indent: int) -> None:
        """The emitter's write_indent: a new line unless already at the indent."""
        if (
            not self.indention
            or self.column > indent
            or (self.column == indent and not self.whitespace)
        ):
            self.out.append("\n" + " " * indent)
            self.indention = True
        elif self.column < indent:
            self.out.append(" " * (indent - self.column))
        self.column = indent
        self.whitespace = True

    def node(self, value: Any, mapping_context: bool = False) -> None:
        kind = type(value)
        if kind in self.represented:
            value = self.value(value)
            kind = type(value)
        if kind is dict or kind is list:
            if id(value) in self.seen:  # PyYAML writes an anchor and an alias
                raise _Unsupported
            self.seen.add(id(value))
            if not value:  # flow style: `[]`, `{}`
                self.out.append("[]" if kind is list else "{}")
                if not self.whitespace:
                    self.out[-1] = " " + self.out[-1]
                self.column += len(self.out[-1])
                self.whitespace = False
                self.indention = False
            elif kind is dict:
                self.mapping(value)
            else:
                self.sequence(value, indentless=mapping_context and not self.indention)
        elif kind is str:
            self.string(value)
        else:
            self.plain(self.scalar_text(value))

    def mapping(self, value: dict) -> None:
        saved = self.indent
        indent = self.indent = 0 if saved is None else saved + _INDENT
        out = self.out
        new_line = "\n" + " " * indent
        for key, item in value.items():
            if type(key) is not str:
                raise _Unsupported
            head = _keys.get(key) or _key_text(key)
            # write_indent, then the key: written after an indent, it needs no space.
            if (
                not self.indention
                or self.column > indent
                or (self.column == indent and not self.whitespace)
            ):
                out.append(new_line + head)
            elif self.column < indent:
                out.append(" " * (indent - self.column) + head)
            else:
                out.append(head)
            column = indent + len(head)
            self.whitespace = self.indention = False
            # The values of a model-index, inlined: a string that cannot fold, a float.
            kind = type(item)
            if kind is str:
                text, spaced = _values.get(item) or _value_entry(item)
                if text is not None and (not spaced or column + 1 + len(text) <= _WIDTH):
                    out.append(" " + text)
                    self.column = column + 1 + len(text)
                    continue
            elif kind is float:
                text = repr(item)
                if "e" in text or "n" in text:
                    text = _float_text(item)
                out.append(" " + text)
                self.column = column + 1 + len(text)
                continue
            elif kind is dict and id(item) not in self.seen:
                inner = _new_line(indent + _INDENT)
                written = _flat(item, indent + _INDENT, inner)
                if written is not None:  # the whole mapping, from a line of its own
                    self.seen.add(id(item))
                    out.append(inner + written[0])
                    self.column = written[1]
                    continue
            self.column = column
            self.node(item, mapping_context=True)
        self.indent = saved

    def dash(self, indent: int, new_line: str) -> str:
        """write_indent, then '-' (no space before it: write_indent leaves whitespace);
        ``new_line``: a line break, the indent and the '-'."""
        if (
            not self.indention
            or self.column > indent
            or (self.column == indent and not self.whitespace)
        ):
            return new_line
        if self.column < indent:
            return " " * (indent - self.column) + "-"
        return "-"

    def sequence(self, value: list, indentless: bool) -> None:
        saved = self.indent
        if saved is None:
            self.indent = 0
        elif not indentless:
            self.indent = saved + _INDENT
        indent = self.indent
        out = self.out
        new_line = "\n" + " " * indent + "-"
        item_line = _new_line(indent + _INDENT)
        seen = self.seen
        written: list[tuple[str, int] | None] | None = None
        first = type(value[0])
        if len(value) > 1 and first is dict:
            ids = set(map(id, value))
            if len(ids) == len(value) and ids.isdisjoint(seen):
                run = _flat_run(value, indent + _INDENT, item_line)
                if run is not None:  # the whole list at once: one '- ' before each item
                    seen |= ids
                    texts, end = run
                    # Apart: a large list's text is the card's largest string, copied once.
                    out.append(self.dash(indent, new_line) + " ")
                    out.append((new_line + " ").join(texts))
                    self.column = end
                    self.whitespace = self.indention = False
                    self.indent = saved
                    return
        elif first in self.represented and self.represented[first].texts is not None:
            written = self.represented[first].texts(value, indent + _INDENT)
            if None not in written:  # every item's text: after the first, each dash is a
                # new line's (the line before ends past the indent), as `_flat_run`'s are
                texts = [text for text, _ in written]  # type: ignore[misc]
                out.append(self.dash(indent, new_line) + " ")
                out.append((new_line + " ").join(texts))
                self.column = written[-1][1]  # type: ignore[index]
                self.whitespace = self.indention = False
                self.indent = saved
                return
        for number, item in enumerate(value):
            dash = self.dash(indent, new_line)
            if written is not None and written[number] is not None:
                text, self.column = written[number]  # type: ignore[misc]
                out.append(dash + " " + text)
                self.whitespace = self.indention = False
                continue
            if type(item) in self.represented:
                item = self.value(item)
            if type(item) is dict:
                key = id(item)
                block = None if key in seen else _block(item, indent + _INDENT, seen)
                if block is not None:  # the whole mapping, after the '- '
                    seen.add(key)
                    out.append(dash + " " + block[0])
                    self.column = block[1]
                    self.whitespace = self.indention = False
                    continue
            out.append(dash)
            self.column = indent + 1
            self.whitespace = False
            self.indention = True
            self.node(item)
        self.indent = saved

    def value(self, item: Any) -> Any:
        """A represented object's value, kept alive while the document is written."""
        value = self.represented[type(item)].value(item)
        self.values.append(value)
        return value

    @staticmethod
    def scalar_text(value: Any) -> str:
        """The representer's text for a non-string scalar written plain."""
        kind = type(value)
        if kind is float:
            return _float_text(value)
        if kind is int:
            return str(value)
        if kind is bool:
            return "true" if value else "false"
        if value is None:
            return "null"
        raise _Unsupported

    def plain(self, text: str) -> None:
        """Text with nothing to fold, after a space unless one was just written."""
        if not self.whitespace:
            text = " " + text
        self.out.append(text)
        self.column += len(text)
        self.whitespace = False
        self.indention = False

    def string(self, value: str) -> None:
        text, spaced = _value_entry(value)
        # Folding happens only at a space past column 80.
        if text is not None and (not spaced or self.column + 1 + len(text) <= _WIDTH):
            self.plain(text)
            return
        if self.emitter is None:
            self.emitter = _emitter(self.out)
        # expect_scalar indents a scalar's continuation lines one step past its container.
        indent = _INDENT if self.indent is None else self.indent + _INDENT
        emitter = _emit_string(
            self.emitter, value, self.column, self.whitespace, self.indention, indent, False
        )
        self.column = emitter.column
        self.whitespace = emitter.whitespace
        self.indention = emitter.indention


def fast_dump(data: Any, represented: Mapping[type, Represented] | None = None) -> str | None:
    """The YAML text of a dict or list, or None when only PyYAML may write this data."""
    if type(data) is not dict and type(data) is not list:
        return None
    writer = _Writer(represented or {})
    try:
        writer.node(data)
    except _Unsupported:
        return None
    writer.write_indent(0)  # the document ends with a line break
    return "".join(writer.out)


def dump(data: Any, represented: Mapping[type, Represented] | None = None) -> str:
    """``yaml.safe_dump(data, sort_keys=False, allow_unicode=True)``, several times faster;
    objects of the types in ``represented`` are written as their value."""
    text = fast_dump(data, represented)
    if text is None:
        import yaml

        if represented:
            data = _plain(data, represented, {})
        text = yaml.dump(data, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True)
    return text
