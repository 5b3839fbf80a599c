"""Split a model card into its YAML front matter and body, and splice keys back in as text.

The one place a card is cut, with the Hub's own rule, so that validate, build, check, push
and the card reader see the metadata the Hub sees. Where the Hub would see none although the
author clearly wrote some (a space after the opening fence, no closing fence, CR-only lines,
a copy of the rendered page), :func:`front_matter_problem` says why and how to fix it.

Only the keys cardkit manages are rewritten; every other byte of the card (other keys with
their formatting and comments, the body, CRLF line endings) is kept as it was.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from cardkit.io import yamlwrite
from cardkit.io.errors import CardkitError
from cardkit.io.lazyre import lazy, lazy_made
from cardkit.io.yamllines import BREAK, count_lines, lines_with_ends

if TYPE_CHECKING:  # the parser is imported where a card is parsed: a new card needs none
    import yaml

    from cardkit.io.yamlwrite import Represented


def _hub_yaml_block() -> re.Pattern[str]:
    """huggingface_hub's ``repocard.REGEX_YAML_BLOCK`` ("exact same regex as in the Hub
    server"): where the Hub finds a card's metadata.

    Taken from the installed huggingface_hub, never re-typed: its source line is read and its
    string literal evaluated, because importing ``huggingface_hub.repocard`` loads the whole
    Hub client (0.2 s, as much as all of `cardkit validate`). Should that line ever change
    shape, the module is imported instead. Blank lines (any whitespace) may stand before the
    opening fence, nothing may follow it on its line; the block ends at the first line that is
    '---' (spaces and tabs after it allowed) followed by LF, CRLF or the end of the file.
    """
    import ast  # only where a card is cut: a new card's build never is

    # The package's folder, found without importing the package (nor anything of it).
    spec = importlib.util.find_spec("huggingface_hub")
    try:
        folder = Path(spec.submodule_search_locations[0])  # type: ignore[union-attr, index]
        source = (folder / "repocard.py").read_text(encoding="utf-8")
        start = source.find("\nREGEX_YAML_BLOCK = ") + 1
        literal = (
            _HUB_RULE_LINE.fullmatch(source, start, source.find("\n", start)) if start else None
        )
        if literal is not None:
            return re.compile(ast.literal_eval(literal.group(1)))
    except (OSError, ValueError, SyntaxError, AttributeError, TypeError):
        pass
    from huggingface_hub.repocard import REGEX_YAML_BLOCK as rule

    return rule


# The one line of huggingface_hub/repocard.py that defines the rule, without flags.
_HUB_RULE_LINE = lazy(r"""REGEX_YAML_BLOCK = re\.compile\((r?"(?:[^"\\\n]|\\.)*")\)[ \t]*""")
REGEX_YAML_BLOCK = lazy_made(_hub_yaml_block)
# A fence as it looks after a copy from a rendered page: '--- |', '| --- |', '|---'.
_PASTED_FENCE = lazy(r"[ \t]*(?:\|[ \t]*---[ \t|]*|---[ \t]*\|[ \t|]*)")
_FENCE_LIKE = lazy(r"[ \t]*\|?[ \t]*---[ \t|]*")
_KEY_LINE = lazy(r"[A-Za-z_][\w.-]*[ \t]*:(?:[ \t]|$)")
_LEADING_PIPE = lazy(r"^[ \t]*\|")
_TRAILING_PIPE = lazy(r"[ \t]*\|[ \t]*$")
# A line holding only the '|' of a table cell: a browser's copy puts one between the lines.
_LONE_PIPE = lazy(r"[ \t]*\|[ \t]*")


class CardText:
    """A card cut where the Hub cuts it: ``head + yaml_text + tail_fence + body`` is the card.

    A plain class (as the other records on the way of `cardkit validate`): importing
    `dataclasses` would cost that command more than all it does with them.
    """

    __slots__ = ("head", "yaml_text", "tail_fence", "body", "newline")

    def __init__(self, head: str, yaml_text: str, tail_fence: str, body: str, newline="\n"):
        self.head = head  # up to the end of the opening fence's line ('' without front matter)
        self.yaml_text = yaml_text  # the metadata block and the line break that ends it
        self.tail_fence = tail_fence  # '---' and its line break (or '')
        self.body = body
        self.newline = newline

    @property
    def has_front_matter(self) -> bool:
        return bool(self.head)

    @property
    def yaml_source(self) -> str:
        """The metadata block exactly as the Hub parses it (without the break that ends it).

        The Hub's block is the shortest, so the break that ends it is the longest one there.
        """
        for end in ("\r\n", "\n", "\r"):
            if self.yaml_text.endswith(end):
                return self.yaml_text[: -len(end)]
        return self.yaml_text

    @property
    def line_offset(self) -> int:
        """How many lines of the file stand above the metadata block."""
        return count_lines(self.head)

    @property
    def body_line_offset(self) -> int:
        """How many lines of the file stand above the body (LF-counted, as regions count)."""
        return (self.head + self.yaml_text + self.tail_fence).count("\n")

    def render(self) -> str:
        return self.head + self.yaml_text + self.tail_fence + self.body


class FrontMatterProblem(NamedTuple):
    """Why the Hub sees no metadata in a card whose author clearly meant some."""

    line: int
    message: str


def cut_card(text: str) -> CardText:
    """The card cut at the fences the Hub finds; no front matter when the Hub finds none."""
    return CardText(*_cut(text))


@lru_cache(maxsize=1)  # an update cuts the card it reads three times; a 2 MB card takes 8 ms
def _cut(text: str) -> tuple[str, str, str, str, str]:
    """`CardText`'s fields of ``text``, each an immutable string: every cut is a new card."""
    match = REGEX_YAML_BLOCK.search(text)
    if match is None:
        newline = "\r\n" if "\r\n" in text else "\n"
        return "", "", "", text, newline
    closing = match.group(3)
    ending = len(closing) - len(closing.lstrip("\r\n"))
    newline = BREAK.search(match.group(1)[-2:]).group(0)  # type: ignore[union-attr]
    head, yaml_text = match.group(1), match.group(2) + closing[:ending]
    return head, yaml_text, closing[ending:], text[match.end() :], newline


def split_card(text: str, path: Path | str | None = None) -> CardText:
    """Cut the card where the Hub cuts it; a card whose metadata the Hub would miss although
    its author clearly wrote some (a stray space after the fence, no closing fence, CR-only
    lines, a copy of a web page) is an error, so that nothing is built on top of it."""
    card = cut_card(text)
    if not card.has_front_matter:
        problem = front_matter_problem(text)
        if problem is not None:
            raise CardkitError(problem.message, path, f"line {problem.line}")
    return card


def _first_filled(lines: list[str]) -> int | None:
    return next((i for i, line in enumerate(lines) if line.strip()), None)


def front_matter_problem(text: str) -> FrontMatterProblem | None:
    """Why a card in which the Hub finds no metadata looks as if it meant to have some, or None.

    Only for text ``cut_card`` found no front matter in.
    """
    lines = [line.rstrip("\r\n\x85\u2028\u2029") for line in lines_with_ends(text)]
    pasted = web_paste(text)
    if pasted is not None:
        return FrontMatterProblem(
            pasted[0],
            "this card was copied from a rendered web page: its metadata lines are wrapped in "
            "'|' and its fences read '--- |', so the Hub sees no metadata. Copy the raw "
            "README.md instead; `cardkit build THIS_CARD -o README.md` recovers its model-index",
        )
    first = _first_filled(lines)
    if first is None:
        return None
    number = first + 1
    line = lines[first].lstrip(" \t")
    if line == "---":
        return _unclosed(text, lines, first)
    if _FENCE_LIKE.fullmatch(line):
        return FrontMatterProblem(
            number,
            f"the opening fence {line!r} is not exactly '---': the Hub then sees no metadata; "
            "remove what follows the dashes",
        )
    for index in range(first + 1, min(len(lines), 200)):
        if _FENCE_LIKE.fullmatch(lines[index]) and index + 1 < len(lines):
            if _KEY_LINE.match(lines[index + 1]):
                return FrontMatterProblem(
                    index + 1,
                    f"the front matter must start at the top of the card, not on line "
                    f"{index + 1}: the Hub reads metadata only there",
                )
            break
    return None


def _unclosed(text: str, lines: list[str], first: int) -> FrontMatterProblem:
    number = first + 1
    if "\r" in text and "\n" not in text:
        return FrontMatterProblem(
            number,
            "the card's lines end with CR only (old Mac line endings): the Hub then sees no "
            "metadata; save it with LF (or CRLF) line endings",
        )
    if first + 1 < len(lines) and lines[first + 1].strip() == "---":
        return FrontMatterProblem(
            number + 1,
            "the front matter is empty and its two fences touch: the Hub sees no metadata "
            "block; put the metadata between them, or remove both lines",
        )
    for index in range(first + 1, len(lines)):
        if _FENCE_LIKE.fullmatch(lines[index]) and lines[index].rstrip(" \t") != "---":
            return FrontMatterProblem(
                index + 1,
                f"{lines[index].strip()!r} does not close the front matter opened on line "
                f"{number}: the closing fence must be exactly '---' at the start of the line",
            )
    return FrontMatterProblem(
        number,
        f"the front matter opened on line {number} is never closed: add a line '---' after "
        "the metadata",
    )


def web_paste(text: str) -> tuple[int, str] | None:
    """For a card copied from a rendered web page: the line of its opening fence and the
    card with its front-matter lines restored.

    Every form a copy of table cells takes is read: each line wrapped in '|', or with a '|'
    before or after it (spaces around), fences '--- |' or '| --- |', and lines holding only
    '|' between the lines (``|``, ``--- |``, ``|``, ``tags: |``, ...), which are dropped.
    """
    lines = lines_with_ends(text)
    first = next(
        (i for i, line in enumerate(lines) if line.strip() and not _is_lone_pipe(line)), None
    )
    if first is None or not _PASTED_FENCE.fullmatch(lines[first].rstrip("\r\n")):
        return None
    closing = next(
        (i for i in range(first + 1, len(lines)) if _FENCE_LIKE.fullmatch(lines[i].rstrip("\r\n"))),
        None,
    )
    if closing is None:
        return None
    inner = [line.rstrip("\r\n") for line in lines[first + 1 : closing] if not _is_lone_pipe(line)]
    filled = [line for line in inner if line.strip()]
    wrapped = [line for line in filled if _LEADING_PIPE.match(line) or _TRAILING_PIPE.search(line)]
    if not filled or 2 * len(wrapped) < len(filled):
        return None
    newline = lines[first][len(lines[first].rstrip("\r\n")) :] or "\n"
    unwrapped = _unwrap(inner)
    body = closing + 1
    if body < len(lines) and _is_lone_pipe(lines[body]):
        body += 1  # the cell's '|' after the closing fence
    restored = (
        "".join(line for line in lines[:first] if not _is_lone_pipe(line))
        + "---"
        + newline
        + "".join(line + newline for line in unwrapped)
        + "---"
        + newline
        + "".join(lines[body:])
    )
    return first + 1, restored


def _is_lone_pipe(line: str) -> bool:
    return bool(_LONE_PIPE.fullmatch(line.rstrip("\r\n")))


def _unwrap(lines: list[str]) -> list[str]:
    """The lines without the '|' a rendered table put around each of them.

    A trailing '|' goes with the spaces before it. A leading '|' goes with the padding after
    it: the fewest spaces after any leading '|' (top-level keys have no indentation of their
    own), so that the indentation YAML depends on is kept.
    """
    stripped = [_TRAILING_PIPE.sub("", line) for line in lines]
    led = [_LEADING_PIPE.match(line) for line in stripped]
    padding = min(
        (
            len(rest) - len(rest.lstrip(" "))
            for line, m in zip(stripped, led, strict=True)
            if m and (rest := line[m.end() :]).strip()
        ),
        default=0,
    )
    return [line[m.end() + padding :] if m else line for line, m in zip(stripped, led, strict=True)]


def parse_front_matter(
    card: CardText | str, path: Path | str | None = None
) -> tuple[yaml.MappingNode | None, dict[str, Any]]:
    """The front matter's node tree (with positions) and its data, parsed once.

    YAML that cannot be read is an error naming the line and column in the card (a bare YAML
    text is taken to start on line 2, under its fence).
    """
    import yaml

    from cardkit.io import yamlio

    text, offset = (card.yaml_source, card.line_offset) if isinstance(card, CardText) else (card, 1)
    parsed = yamlio.parse_yaml(text, offset)
    if not parsed.parsed:
        first = min(parsed.problems, key=lambda p: (p.line, p.col))
        where = f"line {first.line} column {first.col}"
        raise CardkitError(f"front matter: {first.message}", path, where)
    if parsed.root is None:
        return None, {}
    if not isinstance(parsed.root, yaml.MappingNode):
        raise CardkitError(
            "front matter must be a mapping of keys to values", path, f"line {offset + 1}"
        )
    return parsed.root, parsed.data


def load_front_matter(card: CardText | str, path: Path | str | None = None) -> dict[str, Any]:
    """Parse front matter to plain data, with a message naming the line on failure.

    The data alone comes from one libyaml load (`yamlio.quick_load`: a 2 MB model-index in a
    tenth of the time); whatever that load is in doubt about, and front matter that is no
    mapping, is parsed with positions to say what is wrong where."""
    from cardkit.io import yamlio

    text = card.yaml_source if isinstance(card, CardText) else card
    data = yamlio.quick_load(text)
    if data is None:
        return {}
    if type(data) is dict:
        return data
    return parse_front_matter(card, path)[1]


def dump_yaml(data: dict[str, Any], represented: Mapping[type, Represented] | None = None) -> str:
    """The serializer of the reference cards (``yaml.safe_dump(data, sort_keys=False,
    allow_unicode=True)``, written by cardkit's own writer, byte for byte). Text that is not
    Unicode (a lone surrogate, which a ``\\ud800`` escape in JSON gives) cannot be written:
    that is one CardkitError, not a crash of the emitter."""
    try:
        return yamlwrite.dump(data, represented)
    except UnicodeEncodeError as exc:
        bad = exc.object[max(exc.start - 20, 0) : exc.end + 20]
        raise CardkitError(
            f"cannot write {bad!r}: it holds a lone surrogate, which is not Unicode text"
        ) from None


def _key_span(key_node: yaml.Node, value_node: yaml.Node) -> tuple[int, int]:
    """The line range [start, end) a top-level key and its value occupy."""
    start = key_node.start_mark.line
    end_mark = value_node.end_mark
    end = end_mark.line if end_mark.column == 0 else end_mark.line + 1
    return start, max(end, start + 1)


def with_newline(text: str, newline: str) -> str:
    return text.replace("\n", newline) if newline != "\n" else text


def _list_addition(
    lines: list[str], key_node: yaml.Node, value_node: yaml.Node, items: list[str], newline: str
) -> tuple[int, int, str] | None:
    """The edit that appends ``items`` to a top-level list, in the list's own style."""
    import yaml

    from cardkit.io import yamlio

    if (
        isinstance(value_node, yaml.SequenceNode)
        and not value_node.flow_style
        and value_node.value
        and all(isinstance(n, yaml.ScalarNode) for n in value_node.value)
    ):
        present = {n.value for n in value_node.value}
        new = [item for item in dict.fromkeys(items) if item not in present]
        if not new:
            return None
        first = value_node.value[0]
        prefix = lines[first.start_mark.line][: first.start_mark.column]
        insert_at = value_node.value[-1].end_mark.line + 1
        text = "".join(prefix + with_newline(dump_yaml([item]), newline)[2:] for item in new)
        return insert_at, insert_at, text
    current = yamlio.load(yaml.serialize(value_node))
    old = current if isinstance(current, list) else ([] if current is None else [current])
    new = [item for item in dict.fromkeys(items) if item not in old]
    if not new:
        return None
    start, end = _key_span(key_node, value_node)
    return start, end, with_newline(dump_yaml({key_node.value: [*old, *new]}), newline)


Edit = tuple[int, int, str]  # replace lines [start, end) of the front matter with this text


def front_matter_lines(yaml_text: str, newline: str) -> list[str]:
    """The lines the YAML parser's marks index, the last one ended like the others."""
    lines = lines_with_ends(yaml_text)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    return lines


def key_edits(
    lines: list[str],
    root: yaml.MappingNode | None,
    set_values: dict[str, Any] | None = None,
    add_items: dict[str, list[str]] | None = None,
    newline: str = "\n",
) -> tuple[list[Edit], list[str]]:
    """The edits that replace top-level keys and add items to top-level lists, and the text of
    the keys to append (missing ones, in the order given), on an already parsed front matter."""
    nodes = {str(k.value): (k, v) for k, v in root.value} if root is not None else {}
    edits: list[Edit] = []
    appended: list[str] = []
    for key, items in (add_items or {}).items():
        if key in nodes:
            edit = _list_addition(lines, *nodes[key], items, newline)
            if edit is not None:
                edits.append(edit)
        else:
            appended.append(with_newline(dump_yaml({key: list(dict.fromkeys(items))}), newline))
    for key, value in (set_values or {}).items():
        rendered = with_newline(dump_yaml({key: value}), newline)
        if key in nodes:
            edits.append((*_key_span(*nodes[key]), rendered))
        else:
            appended.append(rendered)
    return edits, appended


def key_span(root: yaml.MappingNode | None, key: str) -> tuple[int, int] | None:
    """The lines [start, end) of a top-level key and its value (the last one, as loading keeps)."""
    if root is None:
        return None
    spans = [_key_span(k, v) for k, v in root.value if str(k.value) == key]
    return spans[-1] if spans else None


def apply_edits(lines: list[str], edits: list[Edit], appended: Sequence[str] = ()) -> str:
    """The text with every edit made (bottom-up, so that line numbers hold) and keys appended."""
    out = list(lines)
    for start, end, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        out[start:end] = [text]
    return "".join(out) + "".join(appended)
