"""The JSON schemas shipped in ``schemas/``, compiled once, and their errors as findings
pointing at the YAML node (key or value) in the original file."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import yaml

from cardkit.resources import resource_dir
from cardkit.validate.findings import data_path
from cardkit.validate.parse import Document, Kind

SCHEMA_FILES: dict[Kind, str] = {
    "card": "model-card.schema.json",
    "eval-results": "eval-results.schema.json",
}


def load_schema(kind: Kind) -> dict[str, Any]:
    path = resource_dir("schemas") / SCHEMA_FILES[kind]
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with each local ``#/$defs/`` reference replaced by its target (a third
    faster to validate; the schemas have no recursive definitions)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and len(node) == 1:
            return _inline_refs(defs[ref[len("#/$defs/") :]], defs)
        return {k: _inline_refs(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


@cache
def validator(kind: Kind):
    """A compiled Draft 2020-12 validator (jsonschema imported only when validating)."""
    from jsonschema.validators import Draft202012Validator

    schema = load_schema(kind)
    return Draft202012Validator(_inline_refs(schema, schema.get("$defs", {})))


def _node_at(root: yaml.Node | None, keys: list[Any]) -> tuple[yaml.Node | None, yaml.Node | None]:
    """(value node, key node) at a data path; the key node is None for list items."""
    node, key_node = root, None
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            match = None
            for k, v in node.value:  # the last one wins, as when loading
                if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                    match = (k, v)
            if match is None:
                return node, key_node
            key_node, node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            if key >= len(node.value):
                return node, key_node
            node, key_node = node.value[key], None
        else:
            return node, key_node
    return node, key_node


def _unknown_keys(error) -> list[str]:
    allowed = set(error.schema.get("properties", {}))
    return [k for k in error.instance if k not in allowed]


def _message(error, key: str | None = None) -> str:
    if error.validator == "additionalProperties" and key is not None:
        import difflib  # only to suggest a key in place of a wrong one

        allowed = sorted(error.schema.get("properties", {}))
        hint = difflib.get_close_matches(key, allowed, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        return f"unknown key '{key}' (allowed here: {', '.join(allowed)}){suggestion}"
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    if error.validator == "type":
        expected = error.validator_value
        names = expected if isinstance(expected, list) else [expected]
        return f"{error.instance!r} is not of type {' or '.join(names)}"[:300]
    if error.validator == "pattern" and error.path and error.path[-1] == "date":
        return f"{error.instance!r} is not an ISO-8601 date (2025-01-15 or 2025-01-15T10:30:00Z)"
    return error.message[:300]


def schema_findings(doc: Document) -> None:
    """Add a finding for each schema error, at the offending key or value."""
    data = {} if doc.data is None and doc.kind == "card" else doc.data
    errors = sorted(validator(doc.kind).iter_errors(data), key=lambda e: list(map(str, e.path)))
    for error in errors:
        keys = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            for key in _unknown_keys(error):
                _, key_node = _node_at(doc.root, [*keys, key])
                line, col = doc.position(key_node) if key_node else where(doc, keys)
                doc.add(line, col, _message(error, key), data_path([*keys, key]))
            continue
        if error.validator in ("anyOf", "oneOf") and error.context:
            best = min(error.context, key=lambda e: len(e.path))
            message = f"{error.instance!r} is not a string or a list of strings"[:300]
            if best.path:
                keys = keys + list(best.path)
        else:
            message = _message(error)
        line, col = where(doc, keys)
        doc.add(line, col, message, data_path(keys))


def where(doc: Document, keys: list[Any]) -> tuple[int, int]:
    """The line and column for a data path: a block mapping or list is shown at its key."""
    node, key_node = _node_at(doc.root, keys)
    if node is None:
        return doc.line_offset + 1, 1
    block = isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style
    return doc.position(key_node if block and key_node is not None else node)
