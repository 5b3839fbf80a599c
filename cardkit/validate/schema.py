"""The JSON schemas shipped in ``schemas/``, compiled once, and their errors as findings at
the YAML node (key or value) they are about, in the original file.

A schema may give a value's message itself: ``"errorMessage": "{value} is not ..."`` beside
the keywords it explains (the value is shown with ``repr``).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from cardkit.io.resources import resource_dir
from cardkit.validate.findings import data_path
from cardkit.validate.parse import Document

SCHEMA_FILES: dict[str, str] = {
    "card": "model-card.schema.json",
    "eval-results": "eval-results.schema.json",
    "cardkit-config": "cardkit-config.schema.json",
    "task": "task.schema.json",
}

where = Document.where  # where(doc, keys): the line and column of a data path


def load_schema(kind: str) -> dict[str, Any]:
    path = resource_dir("schemas") / SCHEMA_FILES[kind]
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with each local ``#/$defs/`` reference replaced by its target, merged with
    the keywords beside it (a third faster to validate; the schemas have no recursive
    definitions, and nothing beside a reference repeats a keyword of its target)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            target = _inline_refs(defs[ref[len("#/$defs/") :]], defs)
            return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return {k: _inline_refs(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


@cache
def quick_check(kind: str):
    """The plain-Python check of the same schema (`cardkit.validate.shape`): True only when
    jsonschema would find no error."""
    from cardkit.validate.shape import compile_schema

    schema = load_schema(kind)
    check, _ = compile_schema(_inline_refs(schema, schema.get("$defs", {})))
    return check


@cache
def validator(kind: str):
    """A compiled Draft 2020-12 validator (jsonschema imported only when validating)."""
    from jsonschema.validators import Draft202012Validator

    schema = load_schema(kind)
    return Draft202012Validator(_inline_refs(schema, schema.get("$defs", {})))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def _message(error: Any, key: str | None = None) -> str:
    if error.validator == "additionalProperties" and key is not None:
        import difflib  # only to suggest a key in place of a wrong one

        allowed = sorted(error.schema.get("properties", {}))
        hint = difflib.get_close_matches(key, allowed, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        return f"unknown key '{key[:80]}' (allowed here: {', '.join(allowed)}){suggestion}"
    if error.validator == "required":
        message = error.message.replace("is a required property", "is required")
        missing = error.message.split("'")[1] if error.message.count("'") >= 2 else ""
        described = error.schema.get("properties", {}).get(missing, {}).get("description")
        if described:  # 'name' is required: the task name; ...
            message += f": {described[0].lower()}{described[1:].rstrip('.')}"
        return message
    if "errorMessage" in error.schema:
        return str(error.schema["errorMessage"]).replace("{value}", _shown(error.instance))
    if error.validator == "type":
        expected = error.validator_value
        names = expected if isinstance(expected, list) else [expected]
        if not error.path and names == ["object"]:
            return "must be a mapping of keys to values"
        return f"{_shown(error.instance)} is not of type {' or '.join(names)}"
    if error.validator == "enum":
        choices = ", ".join(map(str, error.validator_value))
        return f"{_shown(error.instance)} is not one of {choices}"
    return error.message[:300]


def schema_findings(doc: Document, quick: bool = True) -> None:
    """Add a finding for each schema error, at the offending key or value.

    jsonschema runs only when the quick check says the data does not fit (``quick=False``:
    always), so a valid file never pays for it; the findings are the same either way.
    """
    data = {} if doc.data is None and doc.kind != "eval-results" else doc.data
    if quick and quick_check(doc.kind)(data):
        return
    for error in validator(doc.kind).iter_errors(data):
        keys = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = error.schema.get("properties", {})
            for key in (k for k in error.instance if k not in allowed):
                _, key_node = doc.node_at([*keys, key])
                line, col = doc.position(key_node) if key_node else doc.where(keys)
                doc.add(line, col, _message(error, key), data_path([*keys, key]))
            continue
        doc.add_at(keys, _message(error))
