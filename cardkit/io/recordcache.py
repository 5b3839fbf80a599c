"""Records of work already done (a file's findings, a model folder's audit), kept in the user's
own cache folder so that running again redoes only what changed.

A cache file holds the records of one set of paths under one fingerprint of the code that made
them (cardkit's version and the source of its modules, plus whatever else the caller names):
a record is used only when the code is the same and the input's digest is the one recorded.
It lives in ``~/.cache/cardkit/<kind>/`` (see cardkit.io.cachedir), never in a folder
being checked (whoever can write there could claim it clean). Its content is still read as
untrusted: a cache file that is not exactly what this module writes is ignored, and so is a
record the caller finds ill-formed; the work is then done again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from cardkit.io.cachedir import private_cache
from cardkit.io.errors import CardkitError
from cardkit.io.fingerprint import digest, file_digest

FORMAT = 1
C = TypeVar("C", bound="RecordCache")
# A cache larger than this is not ours (100,000 records stay far below it).
_MAX_BYTES = 256 * 1024 * 1024


def code_fingerprint(extra: Iterable[str] = ()) -> str:
    """What a record depends on besides its input: cardkit's version, the source of every
    module of the package (a change to any of them, released or not, counts), and ``extra``."""
    from cardkit import __version__

    package = Path(__file__).resolve().parents[1]
    sources = sorted(package.rglob("*.py"))
    parts = [__version__]
    parts += [f"{path.relative_to(package)}\0{file_digest(path)}" for path in sources]
    parts += list(extra)
    return digest(parts)


def record_cache(cls: type[C], kind: str, paths: Iterable[Path], code: str) -> C | None:
    """The cache (a ``cls``) of ``kind`` for one run over ``paths`` under the code ``code``,
    or None when the user has no private cache folder."""
    folder = private_cache(kind)
    if folder is None:
        return None
    key = digest(sorted(str(Path(p).resolve()) for p in paths))
    return cls(folder / f"{key}.json", code)


class RecordCache:
    """One run's records: read once before (`load`), written once after (`save`), keeping only
    the records this run used or made. A kind of work subclasses it with what its records
    hold."""

    def __init__(self, path: Path, code: str) -> None:
        self.path = path
        self.code = code
        self.records: dict[str, dict[str, Any]] = {}
        self.fresh: dict[str, dict[str, Any]] = {}

    def load(self) -> None:
        """Read the last run's records; anything unreadable or foreign is none at all."""
        try:
            if self.path.is_symlink() or not self.path.is_file():
                return
            if self.path.stat().st_size > _MAX_BYTES:
                return
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if (
            not isinstance(data, dict)
            or data.get("format") != FORMAT
            or data.get("code") != self.code
            or not isinstance(data.get("records"), dict)
        ):
            return
        self.records = data["records"]

    def get(self, key: str, inputs: str) -> dict[str, Any] | None:
        """The record of ``key`` made from ``inputs`` (a digest), kept for the next run; None
        when there is none (the caller checks the record's shape before trusting it)."""
        record = self.records.get(key)
        if not isinstance(record, dict) or record.get("inputs") != inputs:
            return None
        self.fresh[key] = record
        return record

    def put(self, key: str, inputs: str, **fields: Any) -> None:
        """What the work on ``inputs`` gave (JSON data)."""
        self.fresh[key] = {**fields, "inputs": inputs}

    def drop(self, key: str) -> None:
        """Forget a record the caller found ill-formed after `get`."""
        self.fresh.pop(key, None)

    def save(self) -> str | None:
        """Write this run's records (atomically); why not, if they cannot be written."""
        from cardkit.io.atomic import write_text_atomic

        data = {"format": FORMAT, "code": self.code, "records": self.fresh}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.path, json.dumps(data, separators=(",", ":")) + "\n")
        except (OSError, CardkitError) as exc:  # the results are printed all the same
            return f"{self.path}: the cache was not saved ({exc})"
        return None
