"""The one way cardkit opens a file a user gave it: a regular file, read up to a bound.

Everything cardkit reads is untrusted. A device (``/dev/zero`` has no end), a FIFO (a read
blocks until someone writes) or a folder is refused before a byte is read, and a read stops at
``limit + 1`` bytes: ``stat`` says 0 for devices and ``/proc`` files, and a file can grow while
it is read, so its size is never taken on trust.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any, NamedTuple

from cardkit.io.errors import CardkitError
from cardkit.io.lazyre import lazy

MIB = 1024 * 1024
# Cards, configs, templates, task.yaml and `.eval_results` files: no real one comes near it.
TEXT_LIMIT = 10 * MIB
# mteb result files: FloresBitextMining holds some 40,000 language pairs.
RESULT_LIMIT = 200 * MIB
# The rows of a local task (corpus.jsonl can be large).
DATA_LIMIT = 2048 * MIB

# How a user's file is opened: never waiting for a FIFO's writer.
OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
_NOT_REGULAR = {
    stat.S_IFLNK: "a symbolic link",  # seen only when links are not followed
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}
# A JSON escape of a UTF-16 surrogate: paired ones make one character, a lone one no text at all.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = lazy("[\ud800-\udfff]")


class UnreadableFile(CardkitError):
    """The file is missing, not a regular file, or cannot be opened."""

    def __init__(
        self,
        reason: str,
        path: Path,
        what: str = "file",
        missing: bool = False,
        not_regular: bool = False,
    ):
        self.reason = reason  # 'No such file or directory', 'a FIFO, not a regular file'
        self.missing = missing
        self.not_regular = not_regular  # a link (not followed), folder, FIFO, device...
        super().__init__(
            f"no such {what}" if missing else f"cannot read the {what}: {reason}", path
        )


class FileTooLarge(CardkitError):
    """The file holds more than the limit for its kind; it was not read to the end."""

    def __init__(self, path: Path | str, limit: int, size: int | None = None):
        self.size = size  # None: found while reading, so at least limit + 1 bytes
        super().__init__(too_large_message(limit, size), path)


def too_large_message(limit: int, size: int | None = None) -> str:
    known = f" {size / MIB:.1f} MB," if size is not None else ""
    return f"the file is{known} over the {limit // MIB} MB limit: not read"


def _check_regular(mode: int, path: Path, what: str) -> None:
    if not stat.S_ISREG(mode):
        kind = _NOT_REGULAR.get(stat.S_IFMT(mode), "something else")
        raise UnreadableFile(f"{kind}, not a regular file", path, what, not_regular=True)


def read_bytes(
    path: Path, what: str = "file", limit: int = TEXT_LIMIT, follow: bool = True
) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; anything else is refused.

    A link is followed (to a regular file only), unless ``follow`` is false: then the link
    itself is refused, even one swapped in after the check (a push uploads files inside its
    folder only). The file is checked before it is opened (so a device is never opened) and
    again on the open descriptor (so nothing swapped in between is read); opening does not
    wait for a FIFO's writer.
    """
    if not isinstance(path, Path):
        path = Path(path)
    try:
        status = os.stat(path) if follow else os.lstat(path)
        _check_regular(status.st_mode, path, what)
        if status.st_size > limit:
            raise FileTooLarge(path, limit, status.st_size)
        fd = os.open(path, OPEN_FLAGS if follow else OPEN_FLAGS | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        missing = isinstance(exc, FileNotFoundError)
        raise UnreadableFile(exc.strerror or type(exc).__name__, path, what, missing) from None
    except ValueError:  # a NUL byte in the name
        raise UnreadableFile("the name holds a NUL byte", path, what) from None
    try:
        opened = os.fstat(fd)
        _check_regular(opened.st_mode, path, what)
        data = _read_at_most(fd, limit + 1, opened.st_size)
    except OSError as exc:
        raise UnreadableFile(exc.strerror or type(exc).__name__, path, what) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise FileTooLarge(path, limit)
    return data


def _read_at_most(fd: int, most: int, size: int) -> bytes:
    """Up to ``most`` bytes of an open file whose size was ``size``: asked for in one read of
    that size and one byte more (a buffer of ``most`` bytes, hundreds of MB for a result file,
    would be allocated for every file), then in steps of 1 MB while the file still grows."""
    chunks = []
    left = most
    step = min(size + 1, most)
    while left > 0:
        chunk = os.read(fd, min(step, left))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
        step = max(step, MIB)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class Problem(NamedTuple):
    """Something wrong at a place of a file (1-based line and column)."""

    line: int
    col: int
    message: str
    severity: str = "error"


def decode(raw: bytes) -> tuple[str | None, list[Problem]]:
    """A file's bytes as UTF-8 text without its byte order mark, and what is wrong with them:
    UTF-16 (no text), a byte order mark (a warning: the Hub reads past it), bytes that are
    not UTF-8 (the first one is reported; the text keeps a replacement character there)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Problem(1, 1, "the file is UTF-16: save it as UTF-8")]
    problems = []
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.append(
            Problem(
                1,
                1,
                "the file starts with a byte order mark (BOM): the Hub reads past it, other "
                "tools may not; save it as UTF-8 without BOM",
                "warning",
            )
        )
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), problems
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"byte 0x{raw[exc.start]:02x} is not UTF-8: save the file as UTF-8"
        problems.append(Problem(line, col, message))
        return raw.decode("utf-8", errors="replace"), problems


def read_text(path: Path, what: str = "file", limit: int = TEXT_LIMIT) -> str:
    """A user's text file (regular, bounded, UTF-8 without its byte order mark); every
    failure is one CardkitError naming the place."""
    text, problems = decode(read_bytes(path, what, limit))
    for problem in problems:
        if problem.severity == "error":
            where = f"line {problem.line} column {problem.col}"
            raise CardkitError(problem.message, path, where)
    assert text is not None
    return text


def parse_json(text: str, path: Path | str | None = None, line: int | None = None) -> Any:
    """A user's JSON (a whole file, or the row on ``line`` of a JSON Lines file) as data.

    Every way hostile JSON breaks Python's parser is one CardkitError naming the place: bad
    syntax, nesting deeper than the interpreter's stack, an integer too long to convert
    (more than ``sys.get_int_max_str_digits()`` digits), a lone surrogate that is no text.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {line or exc.lineno} column {exc.colno}"
        raise CardkitError(f"invalid JSON: {exc.msg}", path, where) from None
    except RecursionError:
        raise CardkitError("invalid JSON: nested too deeply to read", path, _line(line)) from None
    except ValueError:
        digits = sys.get_int_max_str_digits()
        raise CardkitError(
            f"invalid JSON: an integer of more than {digits} digits", path, _line(line)
        ) from None
    escape = _SURROGATE_ESCAPE.search(text)
    if escape is not None and _holds_surrogate(data):
        line_no = (line or 1) + text.count("\n", 0, escape.start())
        column = escape.start() - text.rfind("\n", 0, escape.start())
        raise CardkitError(
            f"invalid JSON: {escape.group(0)} is half of a UTF-16 pair, not text",
            path,
            f"line {line_no} column {column}",
        )
    return data


def _line(line: int | None) -> str | None:
    return f"line {line}" if line is not None else None


def _holds_surrogate(data: Any) -> bool:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
