"""Where the data folders shipped with cardkit (``schemas``, ``templates``) live.

An installed wheel carries them inside the package (``cardkit/schemas``); a source checkout
keeps them at the repository top, next to the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]


def resource_dir(name: str) -> Path:
    """``cardkit/<name>`` when installed as a wheel, else ``<repository>/<name>``."""
    installed = _PACKAGE / name
    return installed if installed.is_dir() else _PACKAGE.parent / name
