"""YAML through libyaml when it is there: real model-indexes run to 250,000 lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cardkit import yamlwrite
from cardkit.errors import CardkitError

SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    """The serializer of the reference cards, ``yaml.safe_dump(data, sort_keys=False,
    allow_unicode=True)``, written by cardkit's own writer (byte-identical, much faster)."""
    return yamlwrite.dump(data)


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
