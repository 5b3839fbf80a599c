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
from cardkit.io.userfile import FileTooLarge, UnreadableFile, read_bytes
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


def read_upload(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, never more than ``limit``; a link is refused, even one swapped
    in after the check."""
    try:
        return read_bytes(path, "file", limit, follow=False)
    except FileTooLarge as exc:
        # A file that grew past the limit while read was cut at limit + 1 bytes.
        raise Refused(_too_large(limit + 1 if exc.size is None else exc.size, limit)) from None
    except UnreadableFile as exc:
        raise Refused(_refusal(path, exc)) from None


def _refusal(path: Path, exc: UnreadableFile) -> str:
    if exc.missing:
        return "no such file"
    if exc.not_regular and os.path.islink(path):
        return (
            f"is a symbolic link (to {os.readlink(path)}): cardkit pushes only regular files "
            "inside the folder; copy the file here instead"
        )
    if exc.not_regular:
        return "is not a regular file"
    return f"cannot read: {exc.reason}"


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
            files.append(UploadFile(path_in_repo, path, read_upload(path)))
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
