"""Which local files a push uploads: the card, its `.eval_results` and its chart images."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cardkit.errors import CardkitError

CARD = "README.md"
EVAL_RESULTS = ".eval_results"
ASSETS = "assets"
_EVAL_SUFFIXES = (".yaml", ".yml")
_IMAGE_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg", ".gif", ".webp")


@dataclass(frozen=True)
class UploadFile:
    """One file of the commit: where it is in the repository and its bytes, read once."""

    path_in_repo: str
    local: Path
    data: bytes


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CardkitError(f"cannot read: {exc.strerror}", path) from None


def collect_files(folder: Path) -> list[UploadFile]:
    """README.md, then `.eval_results/*.yaml` and `assets/` images, in name order.

    Read into memory once so that what is validated is exactly what is uploaded.
    """
    if not folder.is_dir():
        raise CardkitError("no such folder", folder)
    card = folder / CARD
    if not card.is_file():
        raise CardkitError(f"no {CARD} to push in this folder", folder)
    files = [UploadFile(CARD, card, _read(card))]
    for sub, suffixes in ((EVAL_RESULTS, _EVAL_SUFFIXES), (ASSETS, _IMAGE_SUFFIXES)):
        directory = folder / sub
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.is_file() and path.suffix.lower() in suffixes:
                files.append(UploadFile(f"{sub}/{path.name}", path, _read(path)))
    return files
