"""The plain-Python check of the schemas says yes exactly where jsonschema finds no error, so
asking jsonschema only when it says no changes no finding."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardkit.validate import validate_bytes
from cardkit.validate.parse import yaml_document
from cardkit.validate.schema import _inline_refs, load_schema, quick_check, validator
from cardkit.validate.shape import compile_schema
from tests.conftest import CARDS, SHARED, TEST_DATA, TESTS

HOSTILE = TESTS / "hostile"
REAL_CARDS = sorted(CARDS.glob("*.md")) + sorted((SHARED / "seeds").glob("*.md"))
HOSTILE_FILES = sorted(HOSTILE.glob("*.md")) + sorted((HOSTILE / ".eval_results").glob("*.yaml"))


def _kind(path: Path) -> str:
    return "eval-results" if path.suffix == ".yaml" else "card"


def _same_findings(path: Path) -> None:
    raw = path.read_bytes()
    kind = _kind(path)
    assert validate_bytes(raw, path.name, kind) == validate_bytes(raw, path.name, kind, False)


@pytest.mark.shared
@pytest.mark.parametrize("path", REAL_CARDS, ids=lambda p: p.name)
def test_the_findings_on_every_real_card_are_those_of_jsonschema(path):
    _same_findings(path)


@pytest.mark.parametrize("path", HOSTILE_FILES, ids=lambda p: p.name)
def test_the_findings_on_every_hostile_file_are_those_of_jsonschema(path):
    _same_findings(path)


def test_the_hostile_corpus_takes_both_ways():
    """Valid files never reach jsonschema; files with schema errors do."""
    said: dict[bool, list[str]] = {True: [], False: []}
    for path in HOSTILE_FILES:
        from cardkit.validate.parse import parse_document

        doc = parse_document(path.read_bytes(), path.name, _kind(path))  # type: ignore[arg-type]
        if doc.parsed:
            data = {} if doc.data is None and doc.kind == "card" else doc.data
            said[quick_check(doc.kind)(data)].append(path.name)
    assert "metric-typo.md" in said[False] and "string-value.md" in said[False]
    assert "crlf-valid.md" in said[True] and "valid.yaml" in said[True]


@pytest.mark.parametrize(
    "task", sorted(TEST_DATA.glob("tasks/*/task.yaml")), ids=lambda p: p.parent.name
)
def test_the_task_files_pass_the_quick_check(task):
    doc = yaml_document(task.read_text(encoding="utf-8"), str(task), "task")
    assert quick_check("task")(doc.data)


# Data the schema accepts, then changed in up to two places: a value replaced by anything, a
# key taken out or added, a list emptied or grown. That is where the two checks could differ.
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(["", "a", "en", "zh-CN", "eng-Latn", "2024-01-31", "ab/cd", " ", "x\n"])
    | st.text(max_size=4)
)
ANYTHING = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=4,
)
NAMES = ["metric", "x", "Type", "value", "name", "type"]


def valid(schema: Any) -> st.SearchStrategy:
    """Data shaped as the schema says (most of it valid)."""
    if not isinstance(schema, dict):
        return ANYTHING
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            return st.one_of([valid(s) for s in schema[keyword]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([valid({**schema, "type": k}) for k in kind])
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: valid(v) for k, v in properties.items() if k in required},
            optional={k: valid(v) for k, v in properties.items() if k not in required},
        )
    if kind == "array" or "items" in schema:
        least = schema.get("minItems", 0)
        return st.lists(valid(schema.get("items", {})), min_size=least, max_size=least + 2)
    if kind == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"])
        return st.text(min_size=schema.get("minLength", 0), max_size=6)
    if kind == "integer":
        return st.integers(schema.get("minimum", -5), schema.get("maximum", 10**6))
    if kind == "number":
        return st.floats(-100, 100) | st.integers(-100, 100)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return ANYTHING


TRICKY = st.sampled_from(
    [True, False, 0, 1, 1.0, 2.5, float("nan"), float("inf"), "1.5", "", None, [], {}]
)


def _other_kind(value: Any) -> list[Any]:
    """Values of another type that a careless check could take for this one."""
    if isinstance(value, bool):
        return [0, 1, "true", None]
    if isinstance(value, (int, float)):
        return [True, False, "65.5", None, float("nan"), 1e400 * 0]
    if isinstance(value, str):
        return [1, 1.5, True, None, "", [value]]
    return [None, "x"]


def _places(data: Any, path: tuple = ()) -> list[tuple[tuple, bool]]:
    """Every place in the data, and whether a mapping or list sits there."""
    found = [(path, isinstance(data, (dict, list)))]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _places(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _places(value, (*path, index))
    return found


def _changed(draw: Any, data: Any) -> Any:
    """``data`` with one place changed: a value swapped for a tricky one, or a mapping or
    list given a key or item more, one less, or emptied."""
    places = _places(data)
    leaves = [path for path, container in places if not container and path]
    containers = [path for path, container in places if container]
    if leaves and draw(st.booleans()):
        path = draw(st.sampled_from(leaves))
        parent = _at(data, path[:-1])
        # Copied: a list or mapping of TRICKY is one object, and later changes must not reach it.
        parent[path[-1]] = copy.deepcopy(
            draw(st.sampled_from(_other_kind(parent[path[-1]])) | TRICKY)
        )
        return data
    if not containers:
        return draw(ANYTHING)
    path = draw(st.sampled_from(containers))
    target = _at(data, path)
    how = draw(st.sampled_from(["remove", "add", "empty", "replace"]))
    if how == "remove" and target:
        key = draw(
            st.sampled_from(list(target) if isinstance(target, dict) else range(len(target)))
        )
        del target[key]
    elif how == "add" and isinstance(target, dict):
        target[draw(st.sampled_from(NAMES))] = draw(SCALARS)
    elif how == "add":
        target.append(draw(ANYTHING))
    elif how == "empty":
        target.clear()
    elif path:
        _at(data, path[:-1])[path[-1]] = draw(ANYTHING)
    else:
        return draw(ANYTHING)
    return data


def _at(data: Any, path: tuple) -> Any:
    for key in path:
        data = data[key]
    return data


@st.composite
def near(draw: Any, schema: Any) -> Any:
    data = draw(valid(schema))
    for _ in range(draw(st.integers(0, 3))):
        data = _changed(draw, data)
    return data


def _inlined(kind: str) -> dict[str, Any]:
    schema = load_schema(kind)
    return _inline_refs(schema, schema.get("$defs", {}))


def _agree(kind: str, data: Any) -> None:
    valid = not any(True for _ in validator(kind).iter_errors(data))
    quick = quick_check(kind)(data)
    if compile_schema(_inlined(kind))[1]:
        assert quick == valid, data
    else:
        assert valid or not quick, data  # a yes is always right


@pytest.mark.parametrize("kind", ["card", "eval-results", "cardkit-config", "task"])
def test_the_quick_check_accepts_exactly_what_the_schema_accepts(kind):
    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(near(_inlined(kind)))
    def agree(data: Any) -> None:
        _agree(kind, data)

    agree()


def _parts(schema: Any, where: str) -> list[tuple[str, Any]]:
    """Every mapping, list and choice a schema holds, with where it is."""
    found = []
    if isinstance(schema, dict):
        if {"type", "properties", "items", "anyOf", "oneOf"} & schema.keys():
            found.append((where, schema))
        for key, value in schema.items():
            if key == "properties":
                for name, sub in value.items():
                    found += _parts(sub, f"{where}.{name}")
            elif key in ("items", "additionalProperties"):
                found += _parts(value, f"{where}[]")
            elif key in ("anyOf", "oneOf"):
                for index, sub in enumerate(value):
                    found += _parts(sub, f"{where}|{index}")
    return found


PARTS = [
    (f"{kind}:{where}", part)
    for kind in ("card", "eval-results", "cardkit-config", "task")
    for where, part in _parts(_inlined(kind), "")
    if part.get("type") in ("object", "array", "number", "integer") or "anyOf" in part
]


@pytest.mark.parametrize(("where", "schema"), PARTS, ids=[w for w, _ in PARTS])
def test_each_part_of_a_schema_is_checked_as_jsonschema_checks_it(where, schema):
    """The same property on every mapping, list and number of every schema, each on its own:
    a rule deep in a card is reached as often as the top."""
    from jsonschema.validators import Draft202012Validator

    checker = Draft202012Validator(schema)
    quick, exact = compile_schema(schema)

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    @given(near(schema))
    def agree(data: Any) -> None:
        valid = checker.is_valid(data)
        assert quick(data) == valid if exact else valid or not quick(data), data

    agree()


def test_the_schemas_of_cards_and_eval_results_are_checked_exactly():
    assert compile_schema(_inlined("card"))[1]
    assert compile_schema(_inlined("eval-results"))[1]


@pytest.mark.parametrize(
    ("schema", "data", "valid"),
    [
        ({"type": "integer"}, 3.0, True),  # 2020-12: an integral float is an integer
        ({"type": "integer"}, True, False),
        ({"type": "number"}, False, False),
        ({"enum": ["a"]}, "a", True),
        ({"oneOf": [{"type": "number"}, {"type": "integer"}]}, 1, False),
        ({"uniqueItems": True}, ["a", "a"], False),
        ({"minimum": 1}, float("nan"), True),  # NaN is below nothing, as in jsonschema
        ({"pattern": "b"}, "abc", True),  # search, not match
        ({"not": {}}, 1, False),  # a keyword it does not know: left to jsonschema
    ],
)
def test_keywords_as_jsonschema_reads_them(schema, data, valid):
    from jsonschema.validators import Draft202012Validator

    assert Draft202012Validator(schema).is_valid(data) is valid
    assert compile_schema(schema)[0](data) is valid
