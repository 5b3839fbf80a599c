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

from importlib import metadata
from pathlib import Path

from cardkit.io.fingerprint import file_digest
from cardkit.io.recordcache import RecordCache, code_fingerprint, record_cache
from cardkit.io.resources import resource_dir
from cardkit.validate.findings import Finding

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
    schemas = resource_dir("schemas")
    parts = [f"{p.name}\0{file_digest(p)}" for p in sorted(schemas.glob("*")) if p.is_file()]
    for library in _LIBRARIES:
        try:
            parts.append(f"{library}\0{metadata.version(library)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{library}\0absent")
    return code_fingerprint(parts)


def validation_cache(paths: list[Path]) -> ValidationCache | None:
    """The cache of these paths' findings, or None when the user has no private cache."""
    return record_cache(ValidationCache, "validate", paths, validator_fingerprint())


class ValidationCache(RecordCache):
    """The findings of one set of paths' last run, by each file's SHA-256."""

    def findings(self, file: Path, sha256: str) -> list[Finding] | None:
        """The findings recorded for this file's content, or None when it must be checked."""
        record = self.get(str(file), sha256)
        found = None if record is None else record.get("findings")
        if not isinstance(found, list) or not all(_well_formed(item) for item in found):
            self.drop(str(file))
            return None
        return [
            Finding(str(file), f["line"], f["col"], f["path"], f["message"], f["severity"])
            for f in found
        ]

    def record(self, file: Path, sha256: str, findings: list[Finding]) -> None:
        """What checking this content found (a file that could not be read is not kept)."""
        if any(f.unreadable for f in findings):
            return
        fields = [{k: getattr(f, k) for k in _FINDING_FIELDS} for f in findings]
        self.put(str(file), sha256, findings=fields)


def _well_formed(item: object) -> bool:
    return (
        isinstance(item, dict)
        and set(item) == set(_FINDING_FIELDS)
        and all(isinstance(item[k], kinds) for k, kinds in _FINDING_FIELDS.items())
        and item["severity"] in ("error", "warning")
    )
