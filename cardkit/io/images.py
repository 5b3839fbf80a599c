"""Whether a file's bytes are the image its name says: a card's images are checked before a
push uploads them and before a preview shows them, the same way both times."""

from __future__ import annotations

import re

# The first bytes of each image format the Hub shows in a card.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
}
# An SVG file: an optional XML declaration, comments and doctype, then the <svg> element.
_SVG = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:(?:<!--.*?-->|<!DOCTYPE[^>]*>)\s*)*<svg[\s>]",
    re.S,
)


def is_image(name: str, data: bytes) -> bool:
    """Whether ``data`` starts the way a file of that name's image format does."""
    suffix = name[name.rfind(".") :].lower()
    if suffix == ".webp":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if suffix == ".svg":
        return bool(_SVG.match(data[:4096]))
    return any(data.startswith(sig) for sig in _SIGNATURES.get(suffix, ()))
