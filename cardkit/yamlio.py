"""YAML through libyaml when it is there: real model-indexes run to 250,000 lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cardkit.errors import CardkitError

SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SafeDumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def compose_and_load(text: str) -> tuple[yaml.Node | None, Any]:
    """Parse once, keeping both the node tree (line numbers) and the plain data."""
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data


def load(text: str) -> Any:
    return yaml.load(text, Loader=SafeLoader)


def dump(data: Any) -> str:
    """The serializer of the reference cards: insertion order kept, unicode unescaped.

    Text that is not Unicode (a lone surrogate, which a ``\\ud800`` escape in JSON gives)
    cannot be written: that is one CardkitError, not a crash of the emitter.
    """
    try:
        return yaml.dump(data, Dumper=SafeDumper, sort_keys=False, allow_unicode=True)
    except UnicodeEncodeError as exc:
        bad = exc.object[max(exc.start - 20, 0) : exc.end + 20]
        raise CardkitError(
            f"cannot write {bad!r}: it holds a lone surrogate, which is not Unicode text"
        ) from None


def read_user_text(path: Path, what: str = "file") -> str:
    """A user's text file as str, every failure one CardkitError naming the file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CardkitError(f"no such {what}", path) from None
    except OSError as exc:
        raise CardkitError(f"cannot read the {what}: {exc.strerror}", path) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CardkitError(f"not UTF-8 (byte {exc.start})", path) from None


def load_user_yaml(path: Path, what: str = "file") -> tuple[yaml.Node | None, Any]:
    """Node tree and data of a user's YAML file; a syntax error names the line and column."""
    text = read_user_text(path, what)
    try:
        return compose_and_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CardkitError(f"not valid YAML: {problem}", path, where) from None
