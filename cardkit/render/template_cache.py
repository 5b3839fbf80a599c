"""cardkit's own templates, compiled once and kept: compiling them is a third of a small build.

Only the bundled templates are cached. A user's template runs in a sandbox that compiles it
with its own guards, so it is compiled every time and never shares an entry with them. The
cache is a folder of the user's own: ``$CARDKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/cardkit``,
else ``~/.cache/cardkit`` (one subfolder per Jinja2 version; Jinja2 checks every entry against
its template's source and Python version). A folder that is a link, belongs to someone else
or others may write is not used, ``CARDKIT_CACHE_DIR=`` (empty) turns the cache off, and a
cache that cannot be read or written never fails a build: the template is compiled instead.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import jinja2

from cardkit.io.cachedir import CACHE_ENV, cache_base, private_cache

__all__ = ["CACHE_ENV", "bundled_template_cache", "cache_folder"]


class _ForgivingCache(jinja2.FileSystemBytecodeCache):
    """A cache entry that cannot be read is a miss; one that cannot be written is skipped."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged or foreign entry: compile the template again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def cache_folder() -> Path | None:
    """Where compiled templates go, or None when the user turned the cache off."""
    base = cache_base()
    return None if base is None else base / f"templates-jinja2-{jinja2.__version__}"


def bundled_template_cache() -> jinja2.BytecodeCache | None:
    """The cache for cardkit's own templates, or None when there is no safe place for it."""
    folder = private_cache(f"templates-jinja2-{jinja2.__version__}")
    return None if folder is None else _ForgivingCache(str(folder))
