"""Lines and line breaks as the YAML parser counts them (CRLF, CR, LF, NEL, LS, PS): its marks'
line numbers index these lines. Kept apart from the parser (cardkit.io.yamlio) so that what
only cuts a card into lines never imports PyYAML."""

from __future__ import annotations

from cardkit.io.lazyre import lazy

_LINE = lazy(r"[^\r\n\x85\u2028\u2029]*(?:\r\n|[\r\n\x85\u2028\u2029]|\Z)")
BREAK = lazy(r"\r\n|[\r\n\x85\u2028\u2029]")


def count_lines(text: str) -> int:
    """Line breaks in ``text``, as the YAML parser counts them."""
    return len(BREAK.findall(text))


def lines_with_ends(text: str) -> list[str]:
    """The lines of ``text`` as the YAML parser counts them, each with its line break."""
    return [m.group(0) for m in _LINE.finditer(text) if m.group(0)]
