"""Split a model card into its YAML front matter and body, and splice keys back in as text.

Only the keys cardkit manages are rewritten; every other byte of the card (other keys with
their formatting and comments, the body, CRLF line endings) is kept as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cardkit import yamlio
from cardkit.errors import CardkitError

# The opening fence must be the very first line; the closing fence is the first line that
# is exactly '---' (trailing spaces allowed). Accepts LF and CRLF, like huggingface_hub.
_FENCE_OPEN = re.compile(r"\A---[ \t]*(\r?\n)")
_FENCE_CLOSE = re.compile(r"^---[ \t]*(?:\r?\n|\Z)", re.M)


@dataclass
class CardText:
    """A card cut at its fences: ``head + yaml_text + tail_fence + body`` is the original."""

    head: str  # '---\n' (or '' when the card has no front matter)
    yaml_text: str  # the YAML between the fences, with its final newline
    tail_fence: str  # '---\n' (or '')
    body: str
    newline: str = "\n"

    @property
    def has_front_matter(self) -> bool:
        return bool(self.head)

    def render(self) -> str:
        return self.head + self.yaml_text + self.tail_fence + self.body


def split_card(text: str, path: Path | str | None = None) -> CardText:
    """Cut the card at its front-matter fences without changing a byte."""
    opening = _FENCE_OPEN.match(text)
    if not opening:
        newline = "\r\n" if "\r\n" in text else "\n"
        return CardText("", "", "", text, newline)
    newline = opening.group(1)
    closing = _FENCE_CLOSE.search(text, opening.end())
    if not closing:
        raise CardkitError(
            "front matter opened with '---' on line 1 is never closed", path, "line 1"
        )
    return CardText(
        head=text[: opening.end()],
        yaml_text=text[opening.end() : closing.start()],
        tail_fence=closing.group(0),
        body=text[closing.end() :],
        newline=newline,
    )


def parse_front_matter(
    yaml_text: str, path: Path | str | None = None
) -> tuple[yaml.MappingNode | None, dict[str, Any]]:
    """The front matter's node tree (with line numbers) and its data, parsed once."""
    try:
        node, data = yamlio.compose_and_load(yaml_text)
    except yaml.YAMLError as exc:
        where = _yaml_where(exc)
        raise CardkitError(
            f"front matter is not valid YAML: {_yaml_problem(exc)}", path, where
        ) from None
    if node is None:
        return None, {}
    if not isinstance(node, yaml.MappingNode):
        raise CardkitError("front matter must be a mapping of keys to values", path, "line 2")
    return node, data


def compose_mapping(yaml_text: str, path: Path | str | None = None) -> yaml.MappingNode | None:
    return parse_front_matter(yaml_text, path)[0]


def load_front_matter(yaml_text: str, path: Path | str | None = None) -> dict[str, Any]:
    """Parse front matter to plain data, with a message naming the line on failure."""
    return parse_front_matter(yaml_text, path)[1]


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return str(problem)


def _yaml_where(exc: yaml.YAMLError) -> str | None:
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return None
    # +1: the fence line sits above the YAML text; +1 again for 1-based numbering.
    return f"line {mark.line + 2} column {mark.column + 1}"


def dump_yaml(data: dict[str, Any]) -> str:
    """The serializer of the reference cards: insertion order, unicode kept."""
    return yamlio.dump(data)


# The line breaks pyyaml counts (its marks' line numbers must index this list).
_LINE = re.compile(r"[^\r\n\x85\u2028\u2029]*(?:\r\n|[\r\n\x85\u2028\u2029]|\Z)")


def _lines_with_ends(text: str) -> list[str]:
    return [m.group(0) for m in _LINE.finditer(text) if m.group(0)]


def _key_span(key_node: yaml.Node, value_node: yaml.Node) -> tuple[int, int]:
    """The line range [start, end) a top-level key and its value occupy."""
    start = key_node.start_mark.line
    end_mark = value_node.end_mark
    end = end_mark.line if end_mark.column == 0 else end_mark.line + 1
    return start, max(end, start + 1)


def _with_newline(text: str, newline: str) -> str:
    return text.replace("\n", newline) if newline != "\n" else text


def _list_addition(
    lines: list[str], key_node: yaml.Node, value_node: yaml.Node, items: list[str], newline: str
) -> tuple[int, int, str] | None:
    """The edit that appends ``items`` to a top-level list, in the list's own style."""
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
        text = "".join(prefix + _with_newline(dump_yaml([item]), newline)[2:] for item in new)
        return insert_at, insert_at, text
    current = yamlio.load(yaml.serialize(value_node))
    old = current if isinstance(current, list) else ([] if current is None else [current])
    new = [item for item in dict.fromkeys(items) if item not in old]
    if not new:
        return None
    start, end = _key_span(key_node, value_node)
    return start, end, _with_newline(dump_yaml({key_node.value: [*old, *new]}), newline)


def update_keys(
    yaml_text: str,
    set_values: dict[str, Any] | None = None,
    add_items: dict[str, list[str]] | None = None,
    newline: str = "\n",
    path: Path | str | None = None,
) -> str:
    """Replace top-level keys and add items to top-level lists, touching no other line.

    The front matter is parsed once; edits are applied bottom-up so line numbers stay valid.
    Keys that are missing are appended at the end, in the order given; ``add_items`` adds each
    item a list lacks.
    """
    root = compose_mapping(yaml_text, path)
    lines = _lines_with_ends(yaml_text)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    nodes = {str(k.value): (k, v) for k, v in root.value} if root is not None else {}
    edits: list[tuple[int, int, str]] = []
    appended: list[str] = []
    for key, items in (add_items or {}).items():
        if key in nodes:
            edit = _list_addition(lines, *nodes[key], items, newline)
            if edit is not None:
                edits.append(edit)
        else:
            appended.append(_with_newline(dump_yaml({key: list(dict.fromkeys(items))}), newline))
    for key, value in (set_values or {}).items():
        rendered = _with_newline(dump_yaml({key: value}), newline)
        if key in nodes:
            edits.append((*_key_span(*nodes[key]), rendered))
        else:
            appended.append(rendered)
    for start, end, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        lines[start:end] = [text]
    return "".join(lines) + "".join(appended)


def set_key(yaml_text: str, key: str, value: Any, newline: str = "\n") -> str:
    """Replace (or append) one top-level key, leaving every other line untouched."""
    return update_keys(yaml_text, set_values={key: value}, newline=newline)


def add_to_list_key(yaml_text: str, key: str, item: str, newline: str = "\n") -> str:
    """Append an item to a top-level list (``tags: [..., mteb]``) in the list's own style."""
    return update_keys(yaml_text, add_items={key: [item]}, newline=newline)
