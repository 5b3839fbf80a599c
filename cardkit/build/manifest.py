"""What each card of a store build was made from, so that a rebuild redoes only what changed.

A results store that gains one model a day should not cost a full build a day. Beside the
cards, ``CARDS/.cardkit-build.json`` records for every model folder a fingerprint of its inputs
(each file's path, size and modification time below the model folder, and the settings every
card shares: cardkit's version and source, the task catalog, the bundled templates, the build
options and the files they name) and a fingerprint of what the build left in the model's card
folder. A later build skips a model only when both still match; anything else (a file added,
edited or removed; a card edited or deleted; another version, catalog or option) rebuilds it,
and ``--force`` rebuilds every model.

The manifest is read as untrusted input: it only ever says "this model may be skipped", never
where to write, and a manifest that cannot be read or does not match today's settings is
ignored (every model is rebuilt), so a forged or damaged one can cost time but never change a
card. Fingerprints use ``lstat`` and never follow a link, as the readers do.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

from cardkit.io.atomic import write_text_atomic
from cardkit.io.errors import CardkitError
from cardkit.io.fingerprint import digest, file_digest, tree_fingerprint
from cardkit.io.userfile import read_text

MANIFEST_NAME = ".cardkit-build.json"
FORMAT = 1
# A manifest larger than this is not ours (a store of 100,000 models stays far below it).
_MAX_BYTES = 64 * 1024 * 1024


def _plain(value: Any) -> Any:
    """Options as JSON-able data in a fixed order (dataclasses, paths and sets included)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(str(v) for v in value)
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def _named_files(options: Any) -> list[str]:
    """Fingerprints of the files and folders the options name (a template, comparison
    results), so that editing one rebuilds the cards that show it."""
    found: list[str] = []

    def visit(value: Any) -> None:
        if isinstance(value, Path):
            found.append(f"{value}\0{file_digest(value) if value.is_file() else ''}")
            if value.is_dir():
                found.append(f"{value}\0{tree_fingerprint(value)}")
        elif is_dataclass(value) and not isinstance(value, type):
            for f in fields(value):
                visit(getattr(value, f.name))
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                visit(
                    Path(item) if isinstance(item, str) and not item.startswith("hf://") else item
                )

    visit(options)
    return found


@dataclass(frozen=True)
class Settings:
    """What every card of one store build depends on besides its own model folder."""

    cardkit: str
    catalog: str
    templates: str
    options: str
    # An option that names something cardkit cannot fingerprint (a model on the Hub): every
    # card is rebuilt each time, since its comparison rows may have changed.
    always_rebuild: bool = False

    @classmethod
    def of(cls, options: dict[str, Any]) -> Settings:
        """The settings of a build with these options (the build request's fields that every
        card shares; not those set per model)."""
        from cardkit.catalog import CATALOG_PATH
        from cardkit.io.recordcache import code_fingerprint
        from cardkit.io.resources import resource_dir

        templates = resource_dir("templates")
        template_files = sorted(p for p in templates.rglob("*") if p.is_file())
        plain = _plain(options)
        return cls(
            cardkit=code_fingerprint(),
            catalog=file_digest(CATALOG_PATH),
            templates=digest(
                f"{p.relative_to(templates)}\0{file_digest(p)}" for p in template_files
            ),
            options=digest([json.dumps(plain, sort_keys=True), *_named_files(options)]),
            always_rebuild="hf://" in json.dumps(plain),
        )


@dataclass
class Record:
    """One model folder's line of the manifest."""

    inputs: str  # the model folder's tree fingerprint
    outputs: str  # the card folder's tree fingerprint after the build
    outcome: dict[str, Any]  # its line of report.json


class Manifest:
    """The manifest of one cards folder: read once before a build, written once after it."""

    def __init__(self, cards: Path, settings: Settings, records: dict[str, Record]) -> None:
        self.cards = cards
        self.settings = settings
        self.records = records

    @classmethod
    def load(cls, cards: Path, settings: Settings) -> tuple[Manifest, str | None]:
        """The manifest in ``cards``, and why nothing of it can be used (None if it can).

        A missing, unreadable or foreign manifest, or one written with other settings,
        gives an empty one: every model is built.
        """
        empty = cls(cards, settings, {})
        path = cards / MANIFEST_NAME
        if not os.path.lexists(path):
            return empty, None
        if path.is_symlink():  # it would be written through at the end: refuse before the work
            raise CardkitError(
                "is a symbolic link: cardkit neither reads nor writes a build manifest through "
                "a link; remove it",
                path,
            )
        try:
            data = json.loads(read_text(path, limit=_MAX_BYTES))
        except (CardkitError, ValueError) as exc:
            return empty, f"{path}: not a build manifest ({exc}): every model is built"
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return empty, f"{path}: not a build manifest of this cardkit: every model is built"
        if settings.always_rebuild:
            return empty, "a compared model on the Hub may have changed: every model is built"
        recorded = data.get("settings")
        recorded = recorded if isinstance(recorded, dict) else {}
        changed = [k for k, v in asdict(settings).items() if recorded.get(k) != v]
        if changed:
            return empty, f"{', '.join(changed)} changed since the last build: every model is built"
        records: dict[str, Record] = {}
        models = data.get("models")
        for name, line in models.items() if isinstance(models, dict) else ():
            if (
                isinstance(line, dict)
                and isinstance(line.get("inputs"), str)
                and isinstance(line.get("outputs"), str)
                and isinstance(line.get("outcome"), dict)
            ):
                records[name] = Record(line["inputs"], line["outputs"], line["outcome"])
        return cls(cards, settings, records), None

    def unchanged(self, name: str, inputs: str, card_folder: Path) -> Record | None:
        """The record of a model folder whose inputs and card folder are as the last build
        left them, else None."""
        record = self.records.get(name)
        if record is None or record.inputs != inputs:
            return None
        if tree_fingerprint(card_folder) != record.outputs:
            return None
        return record

    def save(self, lines: dict[str, Record]) -> None:
        """Write the manifest (atomically) with these models' records."""
        data = {
            "format": FORMAT,
            "settings": asdict(self.settings),
            "models": {name: asdict(record) for name, record in sorted(lines.items())},
        }
        write_text_atomic(self.cards / MANIFEST_NAME, json.dumps(data, indent=0) + "\n")
