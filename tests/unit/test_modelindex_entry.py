"""The model-index entry and its ``MTEB Task (subset)`` name: written and parsed by one rule,
the two inverse to each other, and the entry in the shape huggingface_hub's own converters
(``model_index_to_eval_results``, ``eval_results_to_model_index``) read and write."""

from __future__ import annotations

import pytest
import yaml
from huggingface_hub.repocard_data import (
    EvalResult,
    eval_results_to_model_index,
    model_index_to_eval_results,
)
from hypothesis import given
from hypothesis import strategies as st

from cardkit.cardtext.frontmatter import load_front_matter, split_card
from cardkit.catalog import load_catalog
from cardkit.modelindex import (
    Metric,
    ModelIndexEntry,
    dataset_name,
    is_mteb_result,
    merge_key,
    parse_dataset_name,
)
from cardkit.readers import read_results
from cardkit.writers.model_index import count_values, model_index_value, result_entries
from tests.conftest import DMETA_CARD, RESULTS, revision_folders

# mteb's task names are on one line and never end in parentheses; subsets have none at all.
TASKS = st.text(st.characters(blacklist_characters="()\n\r"), min_size=1).filter(
    lambda t: t == t.lstrip("\n")
)
SUBSETS = st.one_of(
    st.just("default"), st.text(st.characters(blacklist_characters="()"), min_size=1)
)
NUMBERS = st.floats(allow_nan=False, allow_infinity=False, width=64)


@given(TASKS, SUBSETS)
def test_parse_is_the_inverse_of_the_name(task, subset):
    assert parse_dataset_name(dataset_name(task, subset)) == (task, subset)


def test_the_name_rule_of_the_reference_cards():
    assert dataset_name("AFQMC", "default") == "MTEB AFQMC"
    assert dataset_name("MassiveIntentClassification", "zh-CN") == (
        "MTEB MassiveIntentClassification (zh-CN)"
    )
    # Cards of other tools: no prefix, or no subset in the name.
    assert parse_dataset_name("AmazonReviewsClassification (zh)") == (
        "AmazonReviewsClassification",
        "zh",
    )
    assert parse_dataset_name("MTEB T2Retrieval") == ("T2Retrieval", "default")
    assert parse_dataset_name("") is None


ENTRIES = st.builds(
    ModelIndexEntry,
    task_type=st.sampled_from(["STS", "Retrieval", "Classification"]),
    task=TASKS,
    subset=SUBSETS,
    split=st.text(min_size=1),
    dataset_type=st.text(min_size=1),
    dataset_revision=st.one_of(st.none(), st.text(min_size=1).filter(lambda r: r != "None")),
    metrics=st.lists(st.builds(Metric, st.text(min_size=1), NUMBERS), max_size=4).map(tuple),
)


@given(ENTRIES)
def test_an_entry_survives_its_dict(entry):
    data = entry.to_dict()
    assert ModelIndexEntry.from_dict(data) == entry
    assert merge_key(data) == entry.key
    assert is_mteb_result(data)


def _entries(folder):
    catalog = load_catalog()
    [model] = read_results([folder], catalog)
    return result_entries(model, catalog)


@pytest.mark.shared
@pytest.mark.parametrize(
    "folder", revision_folders(), ids=lambda p: f"{p.parent.name}/{p.name[:8]}"
)
def test_the_values_counted_are_the_values_the_entries_hold(folder):
    """A card's size is decided by counting its values, not by making its entries: the count
    is what the entries hold, for every choice of metrics, and the bytes it says their
    model-index takes at least are at most what PyYAML writes of it (and most of that)."""
    catalog = load_catalog()
    [model] = read_results([folder], catalog)
    counts = {}
    for choice in ("main", "default", "all"):
        shown = count_values(model, catalog, choice)
        entries = result_entries(model, catalog, choice)
        assert shown.values == sum(len(e.metrics) for e in entries)
        assert shown.entries == len(entries)
        index = model_index_value("m", entries)
        written = yaml.safe_dump(index[0]["results"], sort_keys=False, allow_unicode=True)
        # The card holds the list under "  results:", each line two columns further in.
        in_card = len(written.encode()) + 2 * written.count("\n")
        assert in_card // 2 <= shown.least_bytes() <= in_card
        counts[choice] = shown.values
    assert 0 < counts["main"] <= counts["default"] <= counts["all"]


@pytest.mark.shared
@pytest.mark.parametrize("new_card", [True, False])
def test_a_count_for_a_decision_stops_once_over_and_says_so(new_card):
    """408 tasks hold several MB of metrics: deciding that they are over 1 MB needs a part."""
    catalog = load_catalog()
    [model] = read_results([RESULTS / "Qwen__Qwen3-Embedding-0.6B"], catalog)
    whole = count_values(model, catalog, "default")
    part = count_values(model, catalog, "default", 1024 * 1024, new_card)
    assert whole.complete and not part.complete
    assert 1024 * 1024 < part.least_bytes(new_card) < whole.least_bytes(new_card)
    assert 0 < part.values < whole.values and 0 < part.entries < whole.entries
    # Asked to stop past more than the whole, it counts to the end.
    assert count_values(model, catalog, "default", whole.least_bytes(new_card), new_card) == whole


@pytest.mark.shared
def test_entries_read_back_through_huggingface_hub_are_the_same():
    entries = _entries(RESULTS / "DMetaSoul__Dmeta-embedding-zh-small" / "external")
    assert len(entries) > 30
    index = model_index_value("Dmeta-embedding", entries)
    name, flat = model_index_to_eval_results(index)
    assert name == "Dmeta-embedding"
    assert len(flat) == sum(len(e.metrics) for e in entries)
    by_key = {e.dataset_name + "/" + e.split: e for e in entries}
    for result in flat:
        entry = by_key[f"{result.dataset_name}/{result.dataset_split}"]
        assert (result.task_type, result.dataset_type) == (entry.task_type, entry.dataset_type)
        assert result.dataset_config == entry.subset
        assert Metric(result.metric_type, result.metric_value) in entry.metrics
    [again] = eval_results_to_model_index(name, flat)
    assert [ModelIndexEntry.from_dict(r) for r in again["results"]] == entries


def test_an_eval_result_of_huggingface_hub_is_an_entry():
    result = EvalResult(
        task_type="STS",
        dataset_type="C-MTEB/AFQMC",
        dataset_name="MTEB AFQMC",
        dataset_config="default",
        dataset_split="validation",
        dataset_revision="b44c3b011063adb25877c13823db83bb193913c4",
        metric_type="cos_sim_pearson",
        metric_value=65.6,
    )
    [index] = eval_results_to_model_index("m", [result])
    entry = ModelIndexEntry.from_dict(index["results"][0])
    assert entry == ModelIndexEntry(
        task_type="STS",
        task="AFQMC",
        subset="default",
        split="validation",
        dataset_type="C-MTEB/AFQMC",
        dataset_revision="b44c3b011063adb25877c13823db83bb193913c4",
        metrics=(Metric("cos_sim_pearson", 65.6),),
    )


@pytest.mark.shared
def test_every_entry_of_the_reference_card_round_trips_byte_for_byte():
    text = DMETA_CARD.read_text(encoding="utf-8")
    data = load_front_matter(split_card(text, DMETA_CARD), DMETA_CARD)
    results = data["model-index"][0]["results"]
    assert len(results) > 30
    for result in results:
        again = ModelIndexEntry.from_dict(result).to_dict()
        assert yaml.safe_dump(again, sort_keys=False) == yaml.safe_dump(result, sort_keys=False)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"dataset": {"type": "x", "name": "y"}, "metrics": []}, "task.type"),
        ({"task": {"type": "STS"}, "dataset": {"name": "y"}, "metrics": []}, "dataset.type"),
        ({"task": {"type": "STS"}, "dataset": {"type": "x", "name": ""}, "metrics": []}, "names"),
        (
            {"task": {"type": "STS"}, "dataset": {"type": "x", "name": "y"}, "metrics": [{}]},
            "metrics[0]",
        ),
    ],
)
def test_a_broken_entry_says_which_part(data, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        ModelIndexEntry.from_dict(data)


def _hub_identity(entry: ModelIndexEntry) -> tuple:
    """What huggingface_hub groups metrics by (EvalResult.unique_identifier)."""
    return entry.task_type, entry.dataset_type, entry.subset, entry.split, entry.dataset_revision


@given(
    st.lists(ENTRIES.filter(lambda e: e.metrics), min_size=1, max_size=5, unique_by=_hub_identity)
)
def test_huggingface_hub_reads_back_the_entries_it_was_given(entries):
    """Through EvalResult and back with huggingface_hub's own converters, every entry (one
    per task type, dataset, config, split and revision, as cardkit writes them) is kept."""
    name, flat = model_index_to_eval_results(model_index_value("m", entries))
    assert len(flat) == sum(len(e.metrics) for e in entries)
    [again] = eval_results_to_model_index(name, flat)
    assert [ModelIndexEntry.from_dict(r) for r in again["results"]] == entries
