"""A user's file as a :class:`Document`: YAML nodes (positions), data and findings.

Every YAML file cardkit reads comes through here: cards and `.eval_results` files (every
finding, for `cardkit validate`), cardkit.yaml and task.yaml (the first error, raised). A card
is cut where the Hub cuts it (`cardkit.cardtext.frontmatter`), and the text around its YAML is
checked too: a byte order mark, bytes that are not UTF-8, metadata the Hub would not see
although the author clearly wrote some, mixed line endings, lines pasted from a rendered table.

Positions are 1-based lines and columns of the original file; CRLF, CR and LF each end one
line, as they do for the YAML parser.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import yaml

from cardkit.cardtext.frontmatter import cut_card, front_matter_problem
from cardkit.io.errors import CardkitError
from cardkit.io.userfile import TEXT_LIMIT, decode, too_large_message
from cardkit.io.yamlio import IN_DOUBT, parse_yaml, quick_load
from cardkit.io.yamllines import lines_with_ends
from cardkit.validate.findings import Finding, data_path

Kind = Literal["card", "eval-results"]

MAX_BYTES = TEXT_LIMIT  # larger files are refused unread, with one finding

_PASTED = re.compile(r"^[ \t]*\||\|[ \t]*$")
_NAMES = {"\n": "LF", "\r\n": "CRLF", "\r": "CR"}
_OTHER_BREAK = re.compile("[\r\x85\u2028\u2029]")
# Fewer pipes than this cannot make the lines of a pasted table.
_PASTED_LEAST = 3


class Document:
    """One user file: its YAML node tree, its data, and what was found on the way.

    ``kind`` names the file's schema: 'card', 'eval-results', 'cardkit-config' or 'task'.
    """

    __slots__ = (
        "file",
        "kind",
        "findings",
        "root",
        "data",
        "line_offset",
        "parsed",
        "positions",
        "_keys",
    )

    def __init__(self, file: str, kind: str):
        self.file = file
        self.kind = kind
        self.findings: list[Finding] = []
        self.root: yaml.Node | None = None
        self.data: Any = None
        self.line_offset = 0  # lines of the file above the YAML text
        self.parsed = False  # the YAML was parsed (data and root are meaningful)
        # False when the data was loaded without its node tree (``quick``): nothing was
        # found in the YAML, and a finding placed now would have no position.
        self.positions = True
        # Each mapping's keys, indexed the first time a data path goes through it, so that
        # placing n findings costs n lookups, not n scans of the mapping.
        self._keys: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = {}

    def add(
        self, line: int | None, col: int | None, message: str, path: str = "", severity="error"
    ) -> None:
        self.findings.append(Finding(self.file, line, col, path, message, severity))

    def position(self, node: yaml.Node) -> tuple[int, int]:
        mark = node.start_mark
        return mark.line + 1 + self.line_offset, mark.column + 1

    def node_at(self, keys: list[Any]) -> tuple[yaml.Node | None, yaml.Node | None]:
        """(value node, key node) at a data path, or at the deepest part of it that exists;
        the key node is None for list items."""
        node, key_node = self.root, None
        for key in keys:
            if isinstance(node, yaml.MappingNode):
                match = self._mapping(node).get(str(key))
                if match is None:
                    break
                key_node, node = match
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
                if not 0 <= key < len(node.value):
                    break
                node, key_node = node.value[key], None
            else:
                break
        return node, key_node

    def _mapping(self, node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        index = self._keys.get(id(node))
        if index is None:
            # The last one wins, as when loading.
            index = {str(k.value): (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}
            self._keys[id(node)] = index
        return index

    def where(self, keys: list[Any]) -> tuple[int, int]:
        """The line and column for a data path: a block mapping or list is shown at its key."""
        node, key_node = self.node_at(keys)
        if node is None:
            return self.line_offset + 1, 1
        block = isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style
        return self.position(key_node if block and key_node is not None else node)

    def add_at(self, keys: list[Any], message: str, severity: str = "error") -> None:
        line, col = self.where(keys)
        self.add(line, col, message, data_path(keys), severity)

    def raise_first_error(self) -> None:
        """The first error in file order, as the one-line CardkitError of a command."""
        errors = [f for f in self.findings if f.is_error]
        if errors:
            raise finding_error(min(errors, key=lambda f: (f.line or 0, f.col or 0)))

    def error_at(self, keys: list[Any], message: str) -> CardkitError:
        """An error about the value at a data path, naming its line and column."""
        line, col = self.where(keys)
        return finding_error(Finding(self.file, line, col, data_path(keys), message))


def finding_error(finding: Finding) -> CardkitError:
    """``FILE: line L column C, PATH: message``, the way every command reports a bad file."""
    where = f"line {finding.line} column {finding.col or 1}" if finding.line else ""
    if finding.path:
        where = f"{where}, {finding.path}" if where else finding.path
    return CardkitError(finding.message, finding.file, where or None)


def add_yaml(text: str, doc: Document, quick: bool = False) -> None:
    """Parse ``text`` (the file's YAML, ``doc.line_offset`` lines below its top) into ``doc``;
    ``quick``: load only its data when that finds nothing (`cardkit.io.yamlio.quick_load`)."""
    if quick:
        data = quick_load(text)
        if data is not IN_DOUBT:
            doc.data, doc.parsed, doc.positions = data, True, False
            return
    parsed = parse_yaml(text, doc.line_offset)
    for problem in parsed.problems:
        doc.add(problem.line, problem.col, problem.message)
    doc.root, doc.data, doc.parsed = parsed.root, parsed.data, parsed.parsed


def yaml_document(text: str, file: str, kind: str) -> Document:
    """A whole-file YAML text (cardkit.yaml, task.yaml) as a Document."""
    doc = Document(file, kind)
    add_yaml(text, doc)
    return doc


def _check_line_endings(text: str, doc: Document) -> None:
    if not _OTHER_BREAK.search(text):
        return  # every line ends with LF (or is the last one): nothing is mixed
    ends = [(n, line) for n, line in enumerate(lines_with_ends(text), start=1)]
    first = next(((n, _end(line)) for n, line in ends if _end(line)), None)
    if first is None:
        return
    other = next(((n, line) for n, line in ends if _end(line) not in ("", first[1])), None)
    if other is not None:
        number, line = other
        end = _end(line)
        doc.add(
            number,
            len(line) - len(end) + 1,
            f"mixed line endings: this line ends with {_NAMES.get(end, repr(end))}, "
            f"line {first[0]} with {_NAMES.get(first[1], repr(first[1]))}",
            severity="warning",
        )


def _end(line: str) -> str:
    return line[len(line.rstrip("\r\n\x85\u2028\u2029")) :]


def _check_pasted(text: str, doc: Document) -> None:
    """YAML lines that start or end with '|': a table copied from a rendered page."""
    if text.count("|") < _PASTED_LEAST:
        return
    numbered = enumerate(lines_with_ends(text), start=1 + doc.line_offset)
    filled = [(n, line.rstrip("\r\n\x85\u2028\u2029")) for n, line in numbered if line.strip()]
    pasted = [n for n, line in filled if _PASTED.search(line)]
    if len(pasted) >= _PASTED_LEAST and 2 * len(pasted) >= len(filled):
        doc.add(
            pasted[0],
            1,
            f"{len(pasted)} of {len(filled)} lines start or end with '|': this looks copied "
            "from a rendered web page; copy the raw file instead",
        )


def parse_document(raw: bytes, file: str, kind: Kind, quick: bool = False) -> Document:
    """Everything about one card or `.eval_results` file that can be known without a schema;
    ``quick``: its YAML loaded without positions when that finds nothing (see add_yaml)."""
    doc = Document(file, kind)
    if len(raw) > MAX_BYTES:
        doc.add(1, 1, too_large_message(MAX_BYTES, len(raw)))
        return doc
    text, problems = decode(raw)
    for problem in problems:
        doc.add(problem.line, problem.col, problem.message, "", problem.severity)
    if text is None:
        return doc
    if kind == "eval-results":
        _check_line_endings(text, doc)
        yaml_text = text
    else:
        card = cut_card(text)
        if not card.has_front_matter:
            problem = front_matter_problem(text)
            if problem is not None:
                doc.add(problem.line, 1, problem.message)
            else:
                doc.add(1, 1, "the card has no front matter: it carries no metadata", "", "warning")
            return doc
        _check_line_endings(card.head + card.yaml_text + card.tail_fence, doc)
        doc.line_offset = card.line_offset
        yaml_text = card.yaml_source
    _check_pasted(yaml_text, doc)
    add_yaml(yaml_text, doc, quick and not doc.findings)
    return doc
