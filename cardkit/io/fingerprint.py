"""Fingerprints of files and folders, for the manifests that let cardkit skip work already
done (a store build's cards, a folder's validation): a change to what is fingerprinted gives
another fingerprint. Nothing here follows a link."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
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
    try:
        top = os.lstat(root)
    except OSError:
        return "absent"
    if not stat.S_ISDIR(top.st_mode):
        return digest([_entry("", top)])
    lines: list[str] = []
    pending = [""]
    while pending:
        relative = pending.pop()
        try:
            with os.scandir(root / relative if relative else root) as entries:
                for entry in entries:
                    name = f"{relative}/{entry.name}" if relative else entry.name
                    info = entry.stat(follow_symlinks=False)
                    lines.append(_entry(name, info))
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(name)
        except OSError as exc:
            lines.append(f"{relative}\0unreadable\0{exc.errno}")
    lines.sort()
    return digest(lines)


def _entry(name: str, info: os.stat_result) -> str:
    kind = "d" if stat.S_ISDIR(info.st_mode) else "f" if stat.S_ISREG(info.st_mode) else "o"
    size = 0 if kind == "d" else info.st_size
    return f"{name}\0{kind}\0{size}\0{info.st_mtime_ns}"
