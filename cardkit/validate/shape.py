"""A quick yes to "does this data fit the schema?", in plain Python, from the same schema files.

jsonschema walks a 400-task model-index in seconds and takes 0.05 s to import; almost every
card is valid. So each schema in ``schemas/`` is also compiled here into one small function per
node, and jsonschema runs only when that function says no, to word the findings. The schema
stays the one source of truth: nothing here repeats a rule of it.

A function says yes only when jsonschema would find no error; that is all the findings rely
on. For the keywords below it says exactly what jsonschema says (the property tests hold the
two side by side); a keyword it does not know makes its node answer no, which only means
jsonschema is asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from numbers import Number
from typing import Any

Check = Callable[[Any], bool]

# Keywords that say something about the schema, not about the data.
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "errorMessage",  # cardkit's own: the wording of a finding
    }
)
_OBJECT_KEYWORDS = frozenset({"properties", "required", "additionalProperties"})
_KNOWN = frozenset(
    {
        "type",
        "enum",
        "anyOf",
        "oneOf",
        "items",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
    }
    | _OBJECT_KEYWORDS
)


def _always(instance: Any) -> bool:
    return True


def _never(instance: Any) -> bool:
    return False


def _is_number(x: Any) -> bool:
    kind = type(x)
    if kind is float or kind is int:
        return True
    return isinstance(x, Number) and not isinstance(x, bool)


def _is_integer(x: Any) -> bool:
    kind = type(x)
    if kind is int:
        return True
    if kind is float:
        return x.is_integer()
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and x.is_integer())


_TYPES: dict[str, Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "number": _is_number,
    "integer": _is_integer,
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
}


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]

    def every(x: Any) -> bool:
        for check in checks:  # noqa: SIM110 (a loop is quicker than all() over a generator)
            if not check(x):
                return False
        return True

    return every


def _type(types: Any) -> tuple[Check, bool]:
    names = types if isinstance(types, list) else [types]
    if not all(isinstance(n, str) and n in _TYPES for n in names):
        return _never, False
    if len(names) == 1:
        return _TYPES[names[0]], True
    checks = [_TYPES[n] for n in names]
    return (lambda x: any(check(x) for check in checks)), True


def _object(schema: dict[str, Any]) -> tuple[Check, bool]:
    """properties, required and additionalProperties in one pass over the mapping's keys."""
    exact = True
    properties: dict[str, Check] = {}
    for key, sub in schema.get("properties", {}).items():
        properties[key], sub_exact = compile_schema(sub)
        exact &= sub_exact
    required = tuple(schema.get("required", ()))
    extra = schema.get("additionalProperties", True)
    extra_check: Check | None
    if extra is True or extra == {}:
        extra_check = None  # anything goes
    elif extra is False:
        extra_check = _never
    else:
        extra_check, sub_exact = compile_schema(extra)
        exact &= sub_exact
    if not isinstance(required, tuple) or not all(isinstance(k, str) for k in required):
        return _never, False

    def check(x: Any) -> bool:
        if not isinstance(x, dict):
            return True
        for key in required:
            if key not in x:
                return False
        for key, value in x.items():
            sub = properties.get(key)
            if sub is None:
                if extra_check is not None and not extra_check(value):
                    return False
            elif not sub(value):
                return False
        return True

    return check, exact


def _array(schema: dict[str, Any]) -> tuple[Check, bool]:
    exact = True
    item: Check | None = None
    if "items" in schema:
        item, exact = compile_schema(schema["items"])
        if item is _always:
            item = None
    least = schema.get("minItems", 0)
    most = schema.get("maxItems")
    unique = schema.get("uniqueItems", False) is True

    def check(x: Any) -> bool:
        if not isinstance(x, list):
            return True
        if len(x) < least or (most is not None and len(x) > most):
            return False
        if unique and not _unique(x):
            return False
        if item is not None:
            for value in x:
                if not item(value):
                    return False
        return True

    # jsonschema's uniqueness tells True from 1 and compares lists and mappings its own way:
    # here only a list of strings or of plain numbers can be unique, the rest is left to it.
    return check, exact and not unique


def _unique(items: list[Any]) -> bool:
    plain = all(isinstance(i, str) for i in items) or all(
        type(i) in (int, float) and i == i for i in items
    )
    return plain and len(set(items)) == len(items)


def _string(schema: dict[str, Any]) -> tuple[Check, bool]:
    least = schema.get("minLength", 0)
    most = schema.get("maxLength")
    pattern = schema.get("pattern")
    search = re.compile(pattern).search if isinstance(pattern, str) else None

    def check(x: Any) -> bool:
        if not isinstance(x, str):
            return True
        if len(x) < least or (most is not None and len(x) > most):
            return False
        return search is None or search(x) is not None

    return check, True


def _bounds(schema: dict[str, Any]) -> tuple[Check, bool]:
    low, high = schema.get("minimum"), schema.get("maximum")

    def check(x: Any) -> bool:
        if not _is_number(x):
            return True
        return not ((low is not None and x < low) or (high is not None and x > high))

    return check, True


def _enum(choices: Any) -> tuple[Check, bool]:
    # jsonschema compares with its own equality (True is not 1): only strings are compared
    # here, which plain equality gets right.
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        return _never, False
    allowed = frozenset(choices)
    return (lambda x: isinstance(x, str) and x in allowed), True


def compile_schema(schema: Any) -> tuple[Check, bool]:
    """The function for one schema node, and whether it is exact (False: it may say no to
    data jsonschema accepts, never yes to data it refuses)."""
    if schema is True or schema == {}:
        return _always, True
    if schema is False:
        return _never, True
    if not isinstance(schema, dict):
        return _never, False
    exact = all(k in _KNOWN or k in _ANNOTATIONS for k in schema)
    if not exact:
        return _never, False
    parts: list[tuple[Check, bool]] = []
    if "type" in schema:
        parts.append(_type(schema["type"]))
    if "enum" in schema:
        parts.append(_enum(schema["enum"]))
    if _OBJECT_KEYWORDS & schema.keys():
        parts.append(_object(schema))
    if {"items", "minItems", "maxItems", "uniqueItems"} & schema.keys():
        parts.append(_array(schema))
    if {"minLength", "maxLength", "pattern"} & schema.keys():
        parts.append(_string(schema))
    if {"minimum", "maximum"} & schema.keys():
        parts.append(_bounds(schema))
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            parts.append(_combined(keyword, schema[keyword]))
    return _all([check for check, _ in parts]), all(e for _, e in parts)


def _combined(keyword: str, subschemas: Any) -> tuple[Check, bool]:
    if not isinstance(subschemas, list) or not subschemas:
        return _never, False
    compiled = [compile_schema(s) for s in subschemas]
    checks = [check for check, _ in compiled]
    exact = all(e for _, e in compiled)
    if keyword == "anyOf":
        return (lambda x: any(check(x) for check in checks)), exact
    if not exact:
        # "exactly one" cannot be told when a part may say no to valid data.
        return _never, False
    return (lambda x: sum(1 for check in checks if check(x)) == 1), True
