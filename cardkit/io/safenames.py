"""Untrusted names (tasks and models named by result files and cards) as file names.

Every writer that makes a file or folder name from data it read goes through ``file_name``
and checks the place with ``inside``, so no name can lead a write out of the output folder.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from cardkit.io.errors import CardkitError
from cardkit.io.lazyre import lazy
from cardkit.io.log import log

# Longest file name (in bytes) that common file systems (ext4, APFS, NTFS) accept.
MAX_NAME_BYTES = 255
# Separators, characters Windows forbids, control characters (NUL included), lone surrogates.
_UNSAFE = lazy(r'[\\/:*?"<>|\x00-\x1f\x7f\ud800-\udfff]')
_LEADING_DOTS = lazy(r"^\.+")


def file_name(name: str, suffix: str = "", what: str = "name", shown: str | None = None) -> str:
    """``name + suffix`` as one path component, safe in any folder.

    Mapped (with a warning): characters unsafe in a path become ``_``, and so do leading dots,
    so the result is never ``.``, ``..`` or a hidden file. Refused (CardkitError): an empty
    name, and one longer than a file system allows. ``shown`` is the name as messages give it
    (default: ``name``).
    """
    text = str(name)
    shown = _short(text if shown is None else shown)
    if not text.strip():
        raise CardkitError(f"{what} {shown} is empty: it cannot be a file name")
    safe = _LEADING_DOTS.sub(lambda m: "_" * len(m.group()), _UNSAFE.sub("_", text))
    result = safe + suffix
    size = len(result.encode("utf-8"))
    if size > MAX_NAME_BYTES:
        raise CardkitError(
            f"{what} {shown} is too long for a file name ({size} bytes, at most {MAX_NAME_BYTES})"
        )
    if safe != text:
        log.warning("%s %s is not a safe file name: written as %s", what, shown, result)
    return result


def model_folder(model_name: str | None) -> str:
    """The folder of one model's files, as mteb names it (``org/name`` -> ``org__name``)."""
    name = str(model_name or "model")
    return file_name(name.replace("/", "__"), "", "model", shown=name)


def name_clashes(names: Iterable[tuple[str, str]], what: str = "names") -> dict[str, str]:
    """For each name that maps to the same file as another name, the message refusing it.

    ``names`` are (original, mapped) pairs. Two mapped names are one file when they differ
    only in case or in Unicode normalisation (``A`` and ``a`` on macOS and Windows, ``é``
    composed or not on macOS), and of course when they are equal (``a/b`` and ``a_b``).
    """
    first: dict[str, tuple[str, str]] = {}
    clashes: dict[str, str] = {}
    for original, mapped in names:
        key = unicodedata.normalize("NFC", mapped).casefold()
        other, other_mapped = first.setdefault(key, (original, mapped))
        if other == original:
            continue
        where = (
            mapped
            if mapped == other_mapped
            else f"{other_mapped} and {mapped}, one file where case is not told apart"
        )
        message = (
            f"{what} {_short(other)} and {_short(original)} would both be written as {where}: "
            "rename one of them"
        )
        clashes.setdefault(other, message)
        clashes[original] = message
    return clashes


def unique_names(names: Iterable[tuple[str, str]], what: str = "names") -> None:
    """Refuse two different names that map to one file (``a/b`` and ``a_b`` give ``a_b``)."""
    clashes = name_clashes(names, what)
    if clashes:
        raise CardkitError(next(iter(clashes.values())))


def inside(path: Path, folder: Path) -> Path:
    """``path`` itself, after checking that it resolves (links followed) inside ``folder``."""
    try:
        real = Path(os.path.realpath(path))
        root = Path(os.path.realpath(folder))
    except (OSError, ValueError) as exc:
        raise CardkitError(f"not a usable path: {exc}", _short(str(path))) from None
    if real != root and root not in real.parents:
        raise CardkitError(f"would be written outside {folder} (it resolves to {real})", path)
    return path


def _short(text: str, limit: int = 80) -> str:
    """A name for a message: quoted, escaped, and cut when it is long."""
    shown = repr(text[:limit])
    return shown if len(text) <= limit else f"{shown}... ({len(text)} characters)"
