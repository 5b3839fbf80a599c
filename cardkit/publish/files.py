"""Which local files a push uploads: the card, its `.eval_results` and its chart images.

Only regular files inside the folder are uploaded. A symbolic link (the card, a file, or
`.eval_results` and `assets` themselves) is refused, whatever it points to: its target would
go up under the link's name, and a link in a cloned repository can point at any file on the
machine. Each file is read once, with a size limit, so what is checked is what is sent.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cardkit.io.errors import CardkitError
from cardkit.io.userfile import OPEN_FLAGS
from cardkit.modelindex import EVAL_RESULTS_FOLDER

CARD = "README.md"
ASSETS = "assets"
_EVAL_SUFFIXES = (".yaml", ".yml")
IMAGE_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg", ".gif", ".webp")
# Larger files are refused unread: the validator's limit for cards, and no chart comes near it.
MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class UploadFile:
    """One file of the commit: where it is in the repository and its bytes, read once."""

    path_in_repo: str
    local: Path
    data: bytes


class Refused(Exception):
    """A file that must not be uploaded; the message says why."""


def _regular(path: Path, what: str = "file") -> os.stat_result:
    """The file's status; a link, a missing path or anything but a regular file is refused."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise Refused(f"no such {what}") from None
    except OSError as exc:
        raise Refused(f"cannot read: {exc.strerror}") from None
    if stat.S_ISLNK(info.st_mode):
        raise Refused(
            f"is a symbolic link (to {os.readlink(path)}): cardkit pushes only regular files "
            "inside the folder; copy the file here instead"
        )
    if not stat.S_ISREG(info.st_mode):
        raise Refused("is not a regular file")
    return info


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, never more than ``limit``; the file is not followed if it
    became a link meanwhile."""
    info = _regular(path)
    if info.st_size > limit:
        raise Refused(_too_large(info.st_size, limit))
    try:  # as a user's file is opened (no wait for a FIFO swapped in), and no link followed
        fd = os.open(path, OPEN_FLAGS | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise Refused(f"cannot read: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise Refused("is not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise Refused(_too_large(len(data), limit))
    return data


def _too_large(size: int, limit: int) -> str:
    return f"is {size / 1024 / 1024:.1f} MB, over the {limit // 1024 // 1024} MB limit of a push"


def _folder(path: Path) -> bool:
    """Whether a sub-folder to push from is there; a link in its place is refused."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(info.st_mode):
        raise Refused(
            f"is a symbolic link (to {os.readlink(path)}): cardkit pushes only files inside "
            "the folder"
        )
    return stat.S_ISDIR(info.st_mode)


def collect_files(folder: Path) -> tuple[list[UploadFile], list[str]]:
    """README.md, then `.eval_results/*.yaml` and `assets/` images, in name order, and one
    line per file that was refused (``PATH: why``).

    Read into memory once so that what is validated is exactly what is uploaded.
    """
    if not folder.is_dir():
        raise CardkitError("no such folder", folder)
    card = folder / CARD
    if not os.path.lexists(card):
        raise CardkitError(f"no {CARD} to push in this folder", folder)
    files: list[UploadFile] = []
    refused: list[str] = []

    def add(path_in_repo: str, path: Path) -> None:
        try:
            files.append(UploadFile(path_in_repo, path, read_bounded(path)))
        except Refused as exc:
            refused.append(f"{path}: {exc}")

    add(CARD, card)
    for sub, suffixes in ((EVAL_RESULTS_FOLDER, _EVAL_SUFFIXES), (ASSETS, IMAGE_SUFFIXES)):
        directory = folder / sub
        try:
            if not _folder(directory):
                continue
        except Refused as exc:
            refused.append(f"{directory}: {exc}")
            continue
        for path in sorted(directory.iterdir()):
            if path.suffix.lower() in suffixes and not (path.is_dir() and not path.is_symlink()):
                add(f"{sub}/{path.name}", path)
    return files, refused
