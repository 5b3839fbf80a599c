"""Fingerprints of files and folders, for the manifests that let cardkit skip work already
done (a store build's cards, a folder's validation): a change to what is fingerprinted gives
another fingerprint. Nothing here follows a link."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path


def digest(parts: Iterable[str]) -> str:
    """One SHA-256 of several strings, each ended by a NUL (so no two lists collide)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
    return h.hexdigest()


def bytes_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's content, or "absent" when it cannot be read."""
    try:
        return bytes_digest(Path(path).read_bytes())
    except OSError:
        return "absent"


def tree_fingerprint(root: Path) -> str:
    """Every entry below ``root`` (path, kind, size, modification time), without following a
    link: a change to any file, a file added or removed, gives another fingerprint. A root
    that does not exist has a fingerprint of its own."""
    return _walk(root, _entry)


def content_fingerprint(root: Path, largest: int) -> str:
    """Every entry below ``root`` by its content (a file's SHA-256, a link's target text),
    without following a link: unlike `tree_fingerprint`, no file can keep its fingerprint by
    keeping its size and time while its bytes change. A file over ``largest`` bytes (more
    than the work fingerprinted ever reads of a file) counts by its size and time alone, so
    that no file makes the fingerprint read more than that."""

    def entry(name: str, info: os.stat_result) -> str:
        path = root / name if name else root
        if stat.S_ISREG(info.st_mode) and info.st_size > largest:
            return _entry(name, info)
        if stat.S_ISREG(info.st_mode):
            return f"{name}\0f\0{_content_digest(path)}"
        if stat.S_ISLNK(info.st_mode):
            try:
                return f"{name}\0l\0{os.readlink(path)}"
            except OSError as exc:
                return f"{name}\0l\0unreadable\0{exc.errno}"
        return f"{name}\0{'d' if stat.S_ISDIR(info.st_mode) else 'o'}"

    return _walk(root, entry)


def _content_digest(path: Path) -> str:
    """A regular file's SHA-256, read without following a link (one swapped in is refused)."""
    try:
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
    except OSError as exc:
        return f"unreadable\0{exc.errno}"
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return "not a regular file"
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _walk(root: Path, entry: Callable[[str, os.stat_result], str]) -> str:
    """The digest of ``entry(relative name, lstat)`` of ``root`` and everything below it, in
    name order; no link is followed."""
    try:
        top = os.lstat(root)
    except OSError:
        return "absent"
    if not stat.S_ISDIR(top.st_mode):
        return digest([entry("", top)])
    lines: list[str] = []
    pending = [""]
    while pending:
        relative = pending.pop()
        try:
            with os.scandir(root / relative if relative else root) as entries:
                for item in entries:
                    name = f"{relative}/{item.name}" if relative else item.name
                    info = item.stat(follow_symlinks=False)
                    lines.append(entry(name, info))
                    if item.is_dir(follow_symlinks=False):
                        pending.append(name)
        except OSError as exc:
            lines.append(f"{relative}\0unreadable\0{exc.errno}")
    lines.sort()
    return digest(lines)


def _entry(name: str, info: os.stat_result) -> str:
    kind = "d" if stat.S_ISDIR(info.st_mode) else "f" if stat.S_ISREG(info.st_mode) else "o"
    size = 0 if kind == "d" else info.st_size
    return f"{name}\0{kind}\0{size}\0{info.st_mtime_ns}"
