"""cardkit's YAML writer writes exactly what ``yaml.safe_dump(data, sort_keys=False,
allow_unicode=True)`` writes: on generated model-indexes full of awkward values, on every real
results folder and card, and (through PyYAML itself) on anything it does not write itself."""

from __future__ import annotations

import datetime
import string
from collections import OrderedDict
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardkit.cardtext.frontmatter import load_front_matter, split_card
from cardkit.cardtext.update import new_front_matter
from cardkit.catalog import load_catalog
from cardkit.io import yamlwrite
from cardkit.io.yamlwrite import dump, fast_dump
from cardkit.modelindex import Metric, ModelIndexEntry
from cardkit.readers import read_results
from cardkit.writers.eval_results import eval_results_documents
from cardkit.writers.model_index import ENTRY_YAML, model_index
from tests.conftest import CARDS, DMETA_CARD, revision_folders


def reference(data) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


# Strings PyYAML must quote, escape or fold: words YAML reads as other types, indicators,
# every kind of line break, control characters, leading and trailing spaces, emoji.
AWKWARD = [
    "",
    " ",
    "yes",
    "No",
    "on",
    "OFF",
    "null",
    "Null",
    "~",
    "true",
    "1.0",
    "1e3",
    "1.0e+16",
    ".inf",
    "-.inf",
    ".nan",
    "0x1F",
    "0o17",
    "012",
    "1_000",
    "12:30",
    "190:20:30.15",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "=",
    "<<",
    ":",
    "a: b",
    "a:b",
    "key:",
    "#",
    "a #b",
    "a#b",
    "- ",
    "-",
    "- item",
    "-x",
    "?",
    "? x",
    "---",
    "...",
    "--- x",
    "[x]",
    "{a: 1}",
    "a, b",
    "&anchor",
    "*alias",
    "!tag",
    "|",
    ">",
    "'quoted'",
    "it's",
    '"double"',
    "%percent",
    "@at",
    "`tick",
    " leading",
    "trailing ",
    "two  spaces",
    "line\nbreak",
    "\nleading break",
    "trailing break\n",
    "space \nbreak",
    "break\n space",
    "nel\x85here",
    "ls\u2028here",
    "ps\u2029here",
    "tab\there",
    "bell\x07",
    "nul\x00",
    "esc\x1b",
    "del\x7f",
    "bom\ufeff",
    "nbsp\xa0here",
    "\ud800lone surrogate",
    "\U0010ffff",
    "emoji 😀 and 🧪",
    "MTEB AmazonReviewsClassification (zh)",
    "C-MTEB/AFQMC",
    "為這個句子生成表示以用於檢索相關文章：",
    "Ünïcödé näme",
]

WORD = st.text(st.sampled_from("abcXYZ09-_.:#'é中"), min_size=1, max_size=12)
# Long strings of words: plain, quoted or escaped, they fold at 80 columns.
LONG = st.lists(WORD, min_size=8, max_size=40).map(" ".join)
LONG_QUOTED = st.tuples(st.sampled_from(["'", "yes ", "- ", "\x07", "\u2028", " "]), LONG).map(
    "".join
)
ANY_CHARS = st.text(st.characters(exclude_categories=()), max_size=30)
STRINGS = st.one_of(st.sampled_from(AWKWARD), WORD, LONG, LONG_QUOTED, ANY_CHARS)
FLOATS = st.one_of(
    st.floats(),
    st.sampled_from(
        [1e-7, 1e16, 1e17, -0.0, 0.0, 5e-324, 1.7976931348623157e308, 100.0, 40.963777973868964]
    ),
)
SCALARS = st.one_of(
    STRINGS, FLOATS, st.integers(), st.integers(-(2**70), 2**70), st.booleans(), st.none()
)
# Short one-line keys: the writer writes these itself (longer or multi-line keys go to PyYAML).
KEYS = st.one_of(
    st.sampled_from([k for k in AWKWARD if k and not any(b in k for b in "\n\x85\u2028\u2029")]),
    WORD,
    st.text(
        st.characters(exclude_categories=("Zl", "Zp"), exclude_characters="\n\x85"),
        min_size=1,
        max_size=20,
    ),
)


def metric() -> st.SearchStrategy:
    return st.fixed_dictionaries({"type": STRINGS, "value": SCALARS})


RESULT = st.fixed_dictionaries(
    {
        "task": st.fixed_dictionaries({"type": STRINGS}),
        "dataset": st.fixed_dictionaries(
            {
                "type": STRINGS,
                "name": STRINGS,
                "config": STRINGS,
                "split": STRINGS,
                "revision": STRINGS,
            }
        ),
        "metrics": st.lists(metric(), max_size=5),
    }
)
MODEL_INDEX = st.lists(
    st.fixed_dictionaries({"name": STRINGS, "results": st.lists(RESULT, max_size=3)}),
    min_size=1,
    max_size=2,
)
# Whatever else a card's front matter or a config's front_matter may hold.
NESTED = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=12,
)
FRONT_MATTER = st.fixed_dictionaries(
    {"tags": st.lists(STRINGS, max_size=4), "model-index": MODEL_INDEX},
    optional={"license": STRINGS, "language": st.lists(STRINGS, max_size=3), "extra": NESTED},
).flatmap(
    lambda data: st.dictionaries(KEYS, NESTED, max_size=3).map(
        lambda more: {**data, **{k: v for k, v in more.items() if k not in data}}
    )
)

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(FRONT_MATTER)
def test_generated_front_matter_is_written_as_pyyaml_writes_it(data):
    text = fast_dump(data)
    assert text is not None, "the writer handed a model-index to PyYAML"
    assert text == reference(data)


@PROPERTY
@given(NESTED)
def test_any_nesting_of_plain_values_is_written_as_pyyaml_writes_it(data):
    assert dump(data) == reference(data)


@PROPERTY
@given(st.lists(STRINGS, min_size=1, max_size=3), st.integers(0, 6))
def test_strings_at_every_depth_and_column(strings, depth):
    """Folding depends on where a string starts: nest it and prefix it to move it around."""
    data: object = {"k" * (depth * 7 + 1): strings}
    for level in range(depth):
        data = [{f"level{level}": data}] if level % 2 else {f"key {level}": data}
    assert dump(data) == reference(data)


# Entries as cardkit makes them: a new card's YAML is written from the entries themselves
# (ENTRY_YAML), place by place, and an entry with a value written otherwise from its dict.
ENTRY = st.builds(
    ModelIndexEntry,
    task_type=STRINGS,
    task=STRINGS,
    subset=STRINGS,
    split=STRINGS,
    dataset_type=STRINGS,
    dataset_revision=st.one_of(st.none(), STRINGS),
    metrics=st.lists(st.builds(Metric, STRINGS, st.one_of(FLOATS, st.integers())), max_size=4),
)
PLAIN_ENTRY = st.builds(
    ModelIndexEntry,
    task_type=st.sampled_from(["Retrieval", "STS"]),
    task=st.sampled_from(["ArguAna", "AFQMC"]),
    subset=st.sampled_from(["default", "en", "eng_Latn-deu_Latn"]),
    split=st.just("test"),
    dataset_type=st.just("mteb/arguana"),
    dataset_revision=st.one_of(st.none(), st.just("c22ab2a51041ffd869aaddef7af8d8215647e41a")),
    metrics=st.lists(st.builds(Metric, st.just("ndcg_at_10"), st.floats(0.001, 100)), min_size=1),
)
ENTRIES = st.lists(st.one_of(ENTRY, PLAIN_ENTRY), min_size=1, max_size=12)
REPRESENTED = {ModelIndexEntry: ENTRY_YAML}


@PROPERTY
@given(ENTRIES, STRINGS, st.integers(0, 3))
def test_entries_written_from_themselves_are_what_pyyaml_writes_of_their_dicts(
    entries, name, depth
):
    data: object = {"tags": ["mteb"], "model-index": [{"name": name, "results": entries}]}
    for level in range(depth):  # at other indents too
        data = [{f"level{level}": data}] if level % 2 else {f"key {level}": data}
    expected = reference(model_index_plain(data))
    assert dump(data, REPRESENTED) == expected


def model_index_plain(data):
    """The data with each entry as its dict: what PyYAML is given."""
    if isinstance(data, ModelIndexEntry):
        return data.to_dict()
    if isinstance(data, dict):
        return {key: model_index_plain(value) for key, value in data.items()}
    if isinstance(data, list):
        return [model_index_plain(item) for item in data]
    return data


@PROPERTY
@given(st.lists(PLAIN_ENTRY, min_size=2, max_size=6))
def test_plain_entries_are_written_place_by_place(entries):
    written = ENTRY_YAML.texts(entries, 4)
    assert len(written) == len(entries)
    assert None not in written


def test_an_entry_held_twice_and_a_shared_list_are_written_as_pyyaml_writes_them():
    entry = ModelIndexEntry("STS", "AFQMC", "default", "validation", "C-MTEB/AFQMC", None, ())
    entry = entry._replace(metrics=(Metric("cosine_spearman", 43.2271),))
    tags = ["mteb", "sentence-transformers"]
    data = {"tags": tags, "also": tags, "model-index": [{"name": "m", "results": [entry, entry]}]}
    text = dump(data, REPRESENTED)
    plain = model_index_plain(data)
    plain["also"] = plain["tags"]  # one list in two places, as in the data
    assert text == reference(plain)
    assert "&id001" in text and text.count("task:") == 2


# Strings the writer styles without PyYAML's analysis: words YAML reads as numbers, booleans,
# null or dates among them.
TOKEN = st.one_of(
    st.sampled_from(["yes", "No", "null", "true", "1", "1.0", "1e5", "0x1F", "1_000", "2001-1-1"]),
    st.text(st.sampled_from(string.ascii_letters + string.digits + "_()/+.-"), max_size=8),
)
UNREMARKABLE = (
    st.lists(TOKEN, min_size=1, max_size=12).map(" ".join).filter(yamlwrite._UNREMARKABLE.match)
)


@settings(max_examples=100, deadline=None)
@given(st.lists(UNREMARKABLE, min_size=1, max_size=4))
def test_strings_styled_without_the_emitters_analysis_are_styled_as_it_would(strings):
    data = {"values": strings, "mapping": {s[:100]: s for s in strings}}
    assert fast_dump(data) == reference(data)


@PROPERTY
@given(
    st.lists(st.one_of(STRINGS, UNREMARKABLE, SCALARS), max_size=12),
    st.integers(0, 90),
)
def test_lines_filled_at_once_are_the_lines_made_one_by_one(values, column):
    filled = yamlwrite.ScalarLines("\n  key: ", column)
    filled.fill(values)
    one_by_one = yamlwrite.ScalarLines("\n  key: ", column)
    for value in values:
        if type(value) is str:
            assert filled[value] == one_by_one[value]


def test_numbers_equal_as_keys_each_get_their_own_line():
    lines = yamlwrite.ScalarLines("value: ", 7)
    assert [lines[1], lines[1.0], lines[True], lines[1]] == [
        "value: 1",
        "value: 1.0",
        None,  # a bool is written from the item's value
        "value: 1",
    ]


def test_long_text_folds_where_pyyaml_folds_it():
    words = " ".join(f"word{i}" for i in range(60))
    data = {
        "plain": words,
        "quoted": "yes " + words,
        "escaped": "\x07" + words,
        "breaks": words.replace("word3 ", "word3\n").replace("word9 ", "word9\u2028"),
        "nested": [{"deeper": [words, {"deepest": words}]}],
    }
    text = fast_dump(data)
    assert text is not None
    assert text == reference(data)
    assert max(len(line) for line in text.splitlines()) < 100  # folded, not one long line


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("a string", id="a root scalar"),
        pytest.param({"when": datetime.date(2024, 5, 1)}, id="a date"),
        pytest.param({"at": datetime.datetime(2024, 5, 1, 12, 30)}, id="a datetime"),
        pytest.param({1: "int key", None: "null key", 2.5: "float key"}, id="keys not strings"),
        pytest.param({"x" * 130: 1}, id="a key too long to be simple"),
        pytest.param({"two\nlines": 1}, id="a multi-line key"),
        pytest.param({"": 1}, id="an empty key"),
        pytest.param({"s": {1, 2}}, id="a set"),
        pytest.param({"t": (1, "two")}, id="a tuple"),
        pytest.param({"b": b"bytes"}, id="bytes"),
    ],
)
def test_what_the_writer_leaves_to_pyyaml_is_written_by_pyyaml(data):
    assert fast_dump(data) is None
    assert dump(data) == reference(data)


def test_one_object_in_two_places_gets_pyyaml_anchors():
    shared = ["a", "b"]
    empty: dict = {}
    for data in ({"x": shared, "y": shared}, [empty, empty]):
        assert fast_dump(data) is None
        assert dump(data) == reference(data)
        assert "&id001" in dump(data)


# Lists of mappings written a list at a time: items of the same keys and of other keys or
# order, other values, an item in two places (an alias), a subclass of dict among them.
PAIR = st.fixed_dictionaries({"type": STRINGS, "value": SCALARS})
ODD_ITEM = st.one_of(
    st.fixed_dictionaries({"value": SCALARS, "type": STRINGS}),
    st.fixed_dictionaries({"type": STRINGS}),
    st.dictionaries(KEYS, SCALARS, max_size=3),
    NESTED,
)


@PROPERTY
@given(
    st.lists(st.one_of(PAIR, PAIR, PAIR, ODD_ITEM), min_size=1, max_size=6),
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=2),
    st.booleans(),
)
def test_lists_of_mappings_are_written_as_pyyaml_writes_them(items, aliases, ordered):
    for source, target in aliases:  # one object in two places
        if source < len(items) and target < len(items):
            items[target] = items[source]
    if ordered:
        items.append(OrderedDict(type="x", value=1.0))
    data = {"metrics": items, "results": [_entry(items), _entry([]), _entry(list(items))]}
    try:
        expected = reference(data)
    except yaml.representer.RepresenterError:
        assert fast_dump(data) is None
        return
    assert dump(data) == expected


def _entry(metrics: list) -> dict:
    """A model-index entry of its own (no mapping shared with another)."""
    return {
        "task": {"type": "Retrieval"},
        "dataset": {"name": "x y", "split": "test"},
        "metrics": metrics,
    }


def test_a_model_index_is_written_a_list_and_an_entry_at_a_time():
    """The common case takes the writer's list and entry paths, not PyYAML's."""
    metrics = [{"type": f"ndcg_at_{k}", "value": 0.5 + k / 100} for k in (1, 3, 5, 10)]
    data = {
        "model-index": [{"name": "m", "results": [_entry(metrics), _entry([dict(metrics[0])])]}]
    }
    assert fast_dump(data) == reference(data)
    assert yamlwrite._flat_run(metrics, 4, "\n    ") is not None
    assert yamlwrite._block(_entry(metrics[:2]), 2, set()) is not None


@pytest.mark.parametrize("data", [OrderedDict(a=1), {"d": OrderedDict(a=1)}, {"o": object()}])
def test_what_pyyaml_refuses_the_writer_refuses(data):
    assert fast_dump(data) is None
    with pytest.raises(yaml.representer.RepresenterError):
        dump(data)


def test_keys_up_to_the_longest_simple_key_are_written_by_the_writer():
    simple, complex_key = {"k" * 122: "v"}, {"k" * 123: "v"}
    assert fast_dump(simple) == reference(simple) == "k" * 122 + ": v\n"
    assert fast_dump(complex_key) is None
    assert dump(complex_key) == reference(complex_key) and reference(complex_key).startswith("? ")


def test_empty_collections_are_flow_style():
    data = {"a": [], "b": {}, "c": [[], {}, [[]]], "d": [{"e": []}]}
    assert fast_dump(data) == reference(data)
    assert dump([]) == "[]\n" and dump({}) == "{}\n"


# Real data: every results folder's new front matter and `.eval_results` files, and the front
# matter of every real card, written by the writer itself and identical to PyYAML's.


@pytest.mark.shared
@pytest.mark.parametrize(
    "folder", revision_folders(), ids=lambda p: f"{p.parent.name}/{p.name}"[:60]
)
def test_every_real_folder_front_matter_is_written_as_pyyaml_writes_it(folder: Path):
    catalog = load_catalog()
    [model] = read_results([folder], catalog, None)
    tasks = catalog.with_recorded_tasks(model.extra_tasks)
    data = new_front_matter(model_index(model, tasks, model.model_name or "model"))
    assert data["model-index"][0]["results"]
    text = fast_dump(data)
    assert text is not None
    assert text == yaml.dump(data, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True)
    documents = eval_results_documents(model, tasks)
    assert documents
    for name, entries in documents.items():
        assert fast_dump(entries) == reference(entries), name


@pytest.mark.shared
@pytest.mark.parametrize(
    "card", [*sorted(CARDS.glob("*.README.md")), DMETA_CARD], ids=lambda p: p.name
)
def test_every_real_card_front_matter_is_written_as_pyyaml_writes_it(card: Path):
    data = load_front_matter(split_card(card.read_text(encoding="utf-8")).yaml_text)
    assert data
    assert dump(data) == reference(data)
    for key, value in data.items():  # how a managed key is spliced back in
        assert dump({key: value}) == reference({key: value})
