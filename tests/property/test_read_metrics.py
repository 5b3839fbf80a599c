"""The shortcuts taken per metric value give what the plain rules give: reading an entry's
metrics in one walk gives what flattening and then cleaning it gives (the same metrics in the
same order, the same names dropped, the same answer to whether the entry held any metric) on
generated entries full of what real files hold and what they should not (NaN, infinities,
nulls, integers too large for a float, nesting, names that flatten to one, the keys that are
no metrics); counting the metrics a card shows gives the number it shows and the characters
of their names."""

from __future__ import annotations

import copy
import math
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from cardkit.modelindex import count_shown, count_shown_alike, select_metrics
from cardkit.readers.mteb_json import (
    NON_METRIC_KEYS,
    clean_metrics,
    flatten_metrics,
    parse_result,
    read_metrics,
)
from cardkit.writers.model_index import _card_metrics

# Few names, some of which flatten to one another (a_b, and a: {b}).
NAMES = st.sampled_from(["a", "b", "a_b", "ndcg_at_10", "cos_sim", "pearson", *NON_METRIC_KEYS])
LEAVES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.5, 1.0]),
    st.integers(-(2**1100), 2**1100),
    st.none(),
    st.booleans(),
    st.text(max_size=3),
    st.lists(st.floats(), max_size=2),
)
ENTRIES = st.recursive(
    LEAVES, lambda inner: st.dictionaries(NAMES, inner, max_size=6), max_leaves=20
).filter(lambda entry: isinstance(entry, dict))


# What nearly every entry mteb writes looks like: floats (some NaN or infinite, some so large
# that their sum overflows), lists, and the bookkeeping keys.
FLAT_ENTRIES = st.dictionaries(
    NAMES,
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([math.nan, 1e308, -1e308]),
        st.lists(st.floats(), max_size=2),
        st.text(max_size=3),
    ),
    max_size=8,
)


def two_steps(entry: dict) -> tuple[dict, list[str], bool]:
    dropped: list[str] = []
    flat = flatten_metrics(entry)
    return clean_metrics(flat, dropped), dropped, bool(flat)


@settings(max_examples=400, deadline=None)
@given(st.one_of(ENTRIES, FLAT_ENTRIES))
@example({"a_b": math.nan, "a": {"a": None, "b": math.nan}})  # a name dropped twice
@example({"a": 1e308, "b": 1e308, "a_b": [0.5]})  # finite values whose sum overflows
@example({"a": 0.5, "ap": math.nan, "b": [0.1], "hf_subset": "en"})  # multiclass's NaN ap
def test_one_walk_reads_what_flattening_then_cleaning_reads(entry):
    kept, dropped, any_metric = read_metrics(entry)
    expected_kept, expected_dropped, expected_any = two_steps(entry)
    assert list(kept.items()) == list(expected_kept.items())
    assert all(type(kept[name]) is type(expected_kept[name]) for name in kept)
    assert dropped == expected_dropped
    assert any_metric == expected_any


@settings(max_examples=300, deadline=None)
@given(st.one_of(ENTRIES, FLAT_ENTRIES))
@example({"a": 0.5, "ap": math.nan, "b": [0.1], "hf_subset": "en"})
@example({"a": {"b": 0.5}, "languages": ["eng-Latn"], "evaluation_time": 1.5})
def test_a_result_file_reads_each_entry_as_read_metrics_does(entry):
    # A file just parsed hands its entries over to become the metrics: the same metrics as
    # reading a copy, however the entry is made.
    data = {"task_name": "T", "scores": {"test": [{**copy.deepcopy(entry), "main_score": 0.5}]}}
    result = parse_result(data, Path("T.json"))
    kept, dropped, _ = read_metrics(entry)
    [scores] = result.scores
    assert list(scores.metrics.items()) == list(kept.items())
    assert result.dropped_metrics == dropped


def test_a_flat_entry_of_floats_keeps_its_metrics_in_file_order():
    entry = {
        "accuracy": 0.5,
        "main_score": 0.5,
        "f1": math.nan,
        "hf_subset": "en",
        "languages": ["eng-Latn"],
        "evaluation_time": 3.0,
        "ap": None,
    }
    assert read_metrics(entry) == ({"accuracy": 0.5}, ["f1", "ap"], True)


# Names with their legacy names, diagnostics, and metrics that are no fractions.
METRIC_NAMES = st.sampled_from(
    [
        "cosine_spearman",
        "cos_sim_spearman",
        "euclidean_pearson",
        "cosine_accuracy",
        "cos_sim_accuracy",
        "ndcg_at_10",
        "accuracy",
        "mse",
        "cosine_accuracy_threshold",
        "nauc_ndcg_at_10_max",
        "main_score",
    ]
)
VALUES = st.one_of(st.sampled_from([-3.0, -1.0, 0.0, 0.25, 1.0, 1.5, 2]), st.floats(-4, 4))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(METRIC_NAMES, VALUES, max_size=8), st.booleans(), st.data())
def test_the_count_of_shown_metrics_is_what_a_card_shows(metrics, every, data):
    # A legacy name's duplicate holds the same value as often as not.
    if "cosine_spearman" in metrics and "cos_sim_spearman" in metrics and data.draw(st.booleans()):
        metrics["cos_sim_spearman"] = metrics["cosine_spearman"]
    selected = select_metrics(metrics, "all" if every else "default", None, None)
    shown = _card_metrics(selected.items(), [])
    assert count_shown(metrics, every) == (len(shown), sum(len(name) for name, _ in shown))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(METRIC_NAMES, min_size=0, max_size=8, unique=True),
    st.lists(st.lists(VALUES, min_size=8, max_size=8), min_size=1, max_size=5),
    st.booleans(),
)
def test_entries_of_the_same_names_are_counted_as_each_alone(names, rows, every):
    entries = [dict(zip(names, row)) for row in rows]
    alone = [count_shown(metrics, every) for metrics in entries]
    assert count_shown_alike(entries, every) == (
        sum(count for count, _ in alone),
        sum(1 for count, _ in alone if count),
        sum(chars for _, chars in alone),
    )
