"""What `cardkit validate` of a folder found last time, so that checking it again reads each
file but checks only those whose content changed.

A folder of cards (``cardkit build STORE -o CARDS``) is validated again after every build; most
of its cards are as they were. The cache holds, for every file of the last run, the SHA-256 of
its content and the findings it had, under a fingerprint of the validator (cardkit's version,
the source of the modules and schemas that validate, the parsing libraries' versions): a file
is not checked again only when its bytes hash to the recorded digest under the same validator.

It lives in the user's own cache folder (see cardkit.io.cachedir: ``~/.cache/cardkit/validate/``
by default), never in the folder validated (whoever can write there could claim a card valid),
one file per set of paths validated. Its content is still read as untrusted: a record that is
not exactly what this module writes is ignored, and the file is checked.
"""

from __future__ import annotations

import json
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from cardkit.io.cachedir import private_cache
from cardkit.io.errors import CardkitError
from cardkit.io.fingerprint import digest, file_digest
from cardkit.io.resources import resource_dir
from cardkit.validate.findings import Finding

FORMAT = 1
# A cache larger than this is not ours (100,000 cards' records stay far below it).
_MAX_BYTES = 256 * 1024 * 1024
_LIBRARIES = ("PyYAML", "jsonschema", "huggingface_hub")
_FINDING_FIELDS = {
    "line": (int, type(None)),
    "col": (int, type(None)),
    "path": (str,),
    "message": (str,),
    "severity": (str,),
}


def validator_fingerprint() -> str:
    """What the findings of a file depend on besides its bytes: cardkit's modules loaded to
    validate (their source), the schemas, and the versions of the libraries that parse."""
    from cardkit import __version__

    sources = sorted(
        module.__file__
        for name, module in list(sys.modules.items())
        if name.partition(".")[0] == "cardkit" and getattr(module, "__file__", None)
    )
    schemas = resource_dir("schemas")
    parts = [__version__]
    parts += [f"{path}\0{file_digest(Path(path))}" for path in sources]
    parts += [f"{p.name}\0{file_digest(p)}" for p in sorted(schemas.glob("*")) if p.is_file()]
    for library in _LIBRARIES:
        try:
            parts.append(f"{library}\0{metadata.version(library)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{library}\0absent")
    return digest(parts)


def validation_cache(paths: list[Path]) -> ValidationCache | None:
    """The cache of these paths' findings, or None when the user has no private cache."""
    folder = private_cache("validate")
    return None if folder is None else ValidationCache(paths, folder)


class ValidationCache:
    """The findings of one set of paths' last run, read once before and written once after."""

    def __init__(self, paths: list[Path], folder: Path) -> None:
        key = digest(sorted(str(Path(p).resolve()) for p in paths))
        self.path = folder / f"{key}.json"
        self.validator = validator_fingerprint()
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
            or data.get("validator") != self.validator
            or not isinstance(data.get("files"), dict)
        ):
            return
        self.records = data["files"]

    def findings(self, file: Path, sha256: str) -> list[Finding] | None:
        """The findings recorded for this file's content, or None when it must be checked."""
        record = self.records.get(str(file))
        if not isinstance(record, dict) or record.get("sha256") != sha256:
            return None
        found = record.get("findings")
        if not isinstance(found, list) or not all(_well_formed(item) for item in found):
            return None
        self.fresh[str(file)] = record
        return [
            Finding(str(file), f["line"], f["col"], f["path"], f["message"], f["severity"])
            for f in found
        ]

    def record(self, file: Path, sha256: str, findings: list[Finding]) -> None:
        """What checking this content found (a file that could not be read is not kept)."""
        if any(f.unreadable for f in findings):
            return
        fields = [{k: getattr(f, k) for k in _FINDING_FIELDS} for f in findings]
        self.fresh[str(file)] = {"sha256": sha256, "findings": fields}

    def save(self) -> str | None:
        """Write this run's records (atomically); why not, if they cannot be written."""
        from cardkit.io.atomic import write_text_atomic

        data = {"format": FORMAT, "validator": self.validator, "files": self.fresh}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.path, json.dumps(data, separators=(",", ":")) + "\n")
        except (OSError, CardkitError) as exc:  # the findings are printed all the same
            return f"{self.path}: the validation cache was not saved ({exc})"
        return None


def _well_formed(item: object) -> bool:
    return (
        isinstance(item, dict)
        and set(item) == set(_FINDING_FIELDS)
        and all(isinstance(item[k], kinds) for k, kinds in _FINDING_FIELDS.items())
        and item["severity"] in ("error", "warning")
    )
