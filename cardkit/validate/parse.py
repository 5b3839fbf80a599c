"""Read a card or `.eval_results` file into YAML nodes (with positions) and data, diagnosing
every way the text around the YAML can be wrong: BOM, bad bytes, misplaced or unclosed front
matter, tabs, mixed line endings, text pasted from a rendered page, duplicate keys.

Positions are 1-based lines and columns of the original file: the front matter of a card
starts on line 2, and CRLF, CR and LF each end one line, as they do for the YAML parser.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from cardkit.validate.findings import Finding

Kind = Literal["card", "eval-results"]

MAX_BYTES = 10 * 1024 * 1024  # larger files are refused unread, with one finding

_SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# The line breaks YAML counts (so node marks index the same lines).
_LINE = re.compile(r"[^\r\n\x85\u2028\u2029]*(?:\r\n|[\r\n\x85\u2028\u2029]|\Z)")
_FENCE = re.compile(r"---[ \t]*")
_FENCE_LIKE = re.compile(r"[ \t]*\|?[ \t]*---[ \t|]*")
_KEY_LINE = re.compile(r"[A-Za-z_][\w.-]*[ \t]*:(?:[ \t]|$)")
# Characters YAML refuses anywhere in a stream (it allows tab, LF, CR, NEL and printable text).
_BAD_CHAR = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_PASTED = re.compile(r"^[ \t]*\||\|[ \t]*$")
# libyaml recurses in C on nesting and can crash the process: deep texts take pure Python.
_DEEP_INDICATORS = re.compile(r"(?:[-?:][ \t]+){40,}")
_DEEP_INDENT = re.compile(r"^[ ]{200,}", re.M)


@dataclass
class Line:
    number: int  # 1-based
    start: int  # offset of its first character in the text
    text: str  # without its line break
    end: str  # '\n', '\r\n', '\r', ... or '' for the last line


@dataclass
class Document:
    """One parsed file: the YAML node tree, its data, and what was found on the way."""

    file: str
    kind: Kind
    findings: list[Finding] = field(default_factory=list)
    root: yaml.Node | None = None
    data: Any = None
    line_offset: int = 0  # lines of the file above the YAML text
    parsed: bool = False  # the YAML was parsed (data and root are meaningful)

    def add(
        self, line: int | None, col: int | None, message: str, path: str = "", severity="error"
    ) -> None:
        self.findings.append(Finding(self.file, line, col, path, message, severity))

    def position(self, node: yaml.Node) -> tuple[int, int]:
        mark = node.start_mark
        return mark.line + 1 + self.line_offset, mark.column + 1


def split_lines(text: str) -> list[Line]:
    out: list[Line] = []
    for number, match in enumerate(_LINE.finditer(text), start=1):
        chunk = match.group(0)
        if not chunk:
            break
        body = chunk.rstrip("\r\n\x85\u2028\u2029")
        out.append(Line(number, match.start(), body, chunk[len(body) :]))
    return out


def decode(raw: bytes, doc: Document) -> str | None:
    """The text of the file, after reporting a BOM or bytes that are not UTF-8."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        doc.add(1, 1, "the file is UTF-16: save it as UTF-8")
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        doc.add(
            1,
            1,
            "the file starts with a byte order mark (BOM): the Hub then finds no front "
            "matter; save it as UTF-8 without BOM",
        )
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        doc.add(line, col, f"byte 0x{raw[exc.start]:02x} is not UTF-8: save the file as UTF-8")
        return raw.decode("utf-8", errors="replace")


def _check_line_endings(lines: list[Line], doc: Document) -> None:
    ends = [ln for ln in lines if ln.end]
    if not ends:
        return
    first = ends[0].end
    other = next((ln for ln in ends if ln.end != first), None)
    if other is not None:
        names = {"\n": "LF", "\r\n": "CRLF", "\r": "CR"}
        doc.add(
            other.number,
            len(other.text) + 1,
            f"mixed line endings: this line ends with {names.get(other.end, repr(other.end))}, "
            f"line {ends[0].number} with {names.get(first, repr(first))}",
            severity="warning",
        )


def _find_opening(lines: list[Line], doc: Document) -> int | None:
    """The index of the line that opens the front matter (normally 0), reporting misplacement."""
    if lines and _FENCE.fullmatch(lines[0].text):
        return 0
    if lines and _FENCE_LIKE.fullmatch(lines[0].text):
        doc.add(1, 1, "the front matter must open with a line that is exactly '---'")
        return 0
    for index, line in enumerate(lines[:200]):
        if not _FENCE_LIKE.fullmatch(line.text):
            continue
        before_blank = all(not ln.text.strip() for ln in lines[:index])
        nxt = lines[index + 1].text if index + 1 < len(lines) else ""
        if before_blank or _KEY_LINE.match(nxt):
            doc.add(
                line.number,
                1,
                f"the front matter must start on line 1, not line {line.number}: the Hub "
                "reads metadata only at the very top of the card",
            )
            return index
        break
    doc.add(1, 1, "the card has no front matter: it carries no metadata", severity="warning")
    return None


def _find_closing(lines: list[Line], opening: int, doc: Document) -> int | None:
    for index in range(opening + 1, len(lines)):
        text = lines[index].text
        if _FENCE.fullmatch(text):
            return index
        if _FENCE_LIKE.fullmatch(text):
            doc.add(lines[index].number, 1, "the front matter must close with exactly '---'")
            return index
    doc.add(
        lines[opening].number,
        1,
        f"the front matter opened on line {lines[opening].number} is never closed: "
        "add a line '---' after the metadata",
    )
    return None


def _check_lines(lines: list[Line], doc: Document) -> set[int]:
    """Tabs in indentation and lines pasted from a rendered table; the lines with tabs."""
    tab_lines: set[int] = set()
    for line in lines:
        indent = len(line.text) - len(line.text.lstrip(" \t"))
        tab = line.text.find("\t", 0, indent)
        if tab >= 0:
            doc.add(line.number, tab + 1, "tab in indentation: YAML indents with spaces only")
            tab_lines.add(line.number)
    filled = [ln for ln in lines if ln.text.strip()]
    pasted = [ln for ln in filled if _PASTED.search(ln.text)]
    if len(pasted) >= 3 and 2 * len(pasted) >= len(filled):
        doc.add(
            pasted[0].number,
            1,
            f"{len(pasted)} of {len(filled)} lines start or end with '|': this looks copied "
            "from a rendered web page; copy the raw file instead",
        )
    return tab_lines


def _too_deep(text: str) -> bool:
    if _DEEP_INDICATORS.search(text) or _DEEP_INDENT.search(text):
        return True
    if text.count("[") + text.count("{") < 200:
        return False
    depth = deepest = 0
    for match in re.finditer(r"[\[\]{}]", text):
        depth = depth + 1 if match.group(0) in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest >= 200


def _yaml_error(exc: Exception, doc: Document, skip_lines: set[int]) -> None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"not valid YAML: {problem}" + (f" ({context})" if context else "")
    if mark is None:
        doc.add(doc.line_offset + 1, 1, message)
        return
    line = mark.line + 1 + doc.line_offset
    if line not in skip_lines:
        doc.add(line, mark.column + 1, message)


def _compose(yaml_text: str, doc: Document, tab_lines: set[int]) -> None:
    loader_type = yaml.SafeLoader if _too_deep(yaml_text) else _SafeLoader
    loader = loader_type(yaml_text)
    try:
        root = loader.get_single_node()
        if root is not None:
            _walk(root, doc)
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        _yaml_error(exc, doc, tab_lines)
        return
    except _Refused:
        return
    except RecursionError:
        doc.add(doc.line_offset + 1, 1, "the YAML is nested too deeply to check")
        return
    finally:
        loader.dispose()
    doc.root, doc.data, doc.parsed = root, _plain(data), True


_MAX_NODES = 2_000_000


class _Refused(Exception):
    """The YAML parsed, but holding its data would cost too much (reported already)."""


_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _walk(root: yaml.Node, doc: Document) -> None:
    """Duplicate keys, NaN/infinity and alias bombs, found on the node tree (with positions)."""
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
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    previous = first.get((key.tag, key.value))
                    if previous is not None:
                        line, col = doc.position(key)
                        prev_line = doc.position(previous)[0]
                        doc.add(
                            line,
                            col,
                            f"duplicate key '{key.value}' (first on line {prev_line}): "
                            "YAML keeps only the last one",
                        )
                    else:
                        first[(key.tag, key.value)] = key
                stack.append(key)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif node.tag == "tag:yaml.org,2002:float":
            _check_float(node, doc)
    if shared and _expanded_size(root) > _MAX_NODES:
        anchor = min(shared, key=lambda n: (n.start_mark.line, n.start_mark.column))
        line, col = doc.position(anchor)
        doc.add(
            line,
            col,
            "its aliases expand to more than 2 million values, or the data contains itself: "
            "not checked further",
        )
        raise _Refused


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


def _check_float(node: yaml.ScalarNode, doc: Document) -> None:
    try:
        value = _CONSTRUCTOR.construct_yaml_float(node)
    except (ValueError, yaml.YAMLError):
        return
    if not math.isfinite(value):
        line, col = doc.position(node)
        what = "NaN" if math.isnan(value) else "infinity"
        doc.add(line, col, f"{what} is not a valid value: give a finite number or leave it out")


def _plain(data: Any) -> Any:
    """Data as JSON would hold it: string keys, dates as ISO strings (as the Hub reads them)."""
    stack = [data]
    root = data
    if isinstance(data, (_dt.date, _dt.datetime)):
        return data.isoformat()
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            for key in list(item):
                value = item[key]
                if isinstance(value, (_dt.date, _dt.datetime)):
                    value = item[key] = value.isoformat()
                if not isinstance(key, str):
                    del item[key]
                    item[str(key)] = value
                stack.append(value)
        elif isinstance(item, list):
            for index, value in enumerate(item):
                if isinstance(value, (_dt.date, _dt.datetime)):
                    item[index] = value.isoformat()
                else:
                    stack.append(value)
    return root


def _check_characters(text: str, lines: list[Line], doc: Document) -> bool:
    bad = _BAD_CHAR.search(text)
    if bad is None:
        return True
    offset = bad.start()
    line = next(ln for ln in reversed(lines) if ln.start <= offset)
    doc.add(
        line.number + doc.line_offset,
        offset - line.start + 1,
        f"control character U+{ord(bad.group(0)):04X} is not allowed in YAML",
    )
    return False


def parse_document(raw: bytes, file: str, kind: Kind) -> Document:
    """Everything about one file that can be known without a schema."""
    doc = Document(file, kind)
    if len(raw) > MAX_BYTES:
        doc.add(1, 1, too_large_message(len(raw)))
        return doc
    text = decode(raw, doc)
    if text is None:
        return doc
    lines = split_lines(text)
    if kind == "eval-results":
        _check_line_endings(lines, doc)
        yaml_lines, yaml_text = lines, text
    else:
        opening = _find_opening(lines, doc)
        if opening is None:
            return doc
        closing = _find_closing(lines, opening, doc)
        if closing is None:
            return doc
        yaml_lines = lines[opening + 1 : closing]
        _check_line_endings(lines[opening : closing + 1], doc)
        start = lines[opening + 1].start if yaml_lines else lines[closing].start
        yaml_text = text[start : lines[closing].start]
        doc.line_offset = opening + 1
    tab_lines = _check_lines(yaml_lines, doc)
    if not _check_characters(yaml_text, split_lines(yaml_text), doc):
        return doc
    _compose(yaml_text, doc, tab_lines)
    return doc


def too_large_message(size: int) -> str:
    return (
        f"the file is {size / 1024 / 1024:.1f} MB, over the {MAX_BYTES // 1024 // 1024} MB "
        "limit: not parsed"
    )
