"""The user's own cache folder for cardkit (compiled templates, the findings of folders
validated): ``$CARDKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/cardkit``, else
``~/.cache/cardkit``; ``CARDKIT_CACHE_DIR=`` (empty) turns every cache off.

What a cache holds is trusted to skip work, so only a folder of the user's own is used: not a
link, owned by the user, and writable by nobody else.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

CACHE_ENV = "CARDKIT_CACHE_DIR"


def cache_base() -> Path | None:
    """cardkit's cache folder, or None when the user turned caches off."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        return Path(chosen).expanduser() if chosen else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "cardkit"


def private(folder: Path) -> bool:
    """A real folder of this user's that nobody else may write into."""
    info = os.lstat(folder)
    mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return stat.S_ISDIR(info.st_mode) and mine and not info.st_mode & 0o022


def private_cache(name: str) -> Path | None:
    """``name`` in the cache folder, made if missing; None when caches are off or the folder
    is not the user's own alone."""
    try:
        base = cache_base()
        if base is None:
            return None
        folder = base / name
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder if private(folder) else None
    except (OSError, RuntimeError):  # RuntimeError: no home folder to put it in
        return None
