"""Spec section 2: the model-index format of the reference cards, rule by rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cardkit.build.card import BuildRequest, build
from cardkit.cardtext.frontmatter import dump_yaml, split_card
from cardkit.cardtext.update import kept_model_index
from cardkit.catalog import load_catalog
from cardkit.modelindex import ModelIndexEntry
from cardkit.readers import read_results
from cardkit.readers.mteb_json import read_result_file
from cardkit.writers.model_index import (
    ENTRY_YAML,
    model_index,
    model_index_value,
    result_entries,
)
from tests.conftest import RESULTS

pytestmark = pytest.mark.shared

BGE = RESULTS / "BAAI__bge-base-zh" / "no_revision_available"
DMETA_EXTERNAL = RESULTS / "DMetaSoul__Dmeta-embedding-zh-small" / "external"
E5 = RESULTS / "intfloat__multilingual-e5-small" / "e4ce9877abf3edfe10b0d82785e83bdcb973e22e"
QWEN = RESULTS / "Qwen__Qwen3-Embedding-0.6B" / "b22da495047858cce924d27d76261e96be6febc0"


def _index(folder: Path, metrics: str = "default", **kw) -> list[dict]:
    [model] = read_results([folder], load_catalog(), **kw)
    return model_index(model, load_catalog(), "m", metrics)[0]["results"]


def test_one_entry_per_task_split_subset_in_ascii_task_order():
    results = _index(BGE)
    names = [r["dataset"]["name"] for r in results]
    tasks = [n.split(" ")[1] for n in names]
    assert tasks == sorted(tasks)  # ASCII: "MMarcoReranking" before "MassiveIntent..."
    assert tasks.index("MMarcoRetrieval") < tasks.index("MassiveIntentClassification")
    amazon = [r for r in results if r["dataset"]["name"].startswith("MTEB AmazonReviews")]
    assert [r["dataset"]["split"] for r in amazon] == ["test", "validation"]


def test_dataset_name_carries_the_subset_unless_default():
    results = _index(BGE)
    by_name = {r["dataset"]["name"]: r for r in results}
    assert by_name["MTEB AmazonReviewsClassification (zh)"]["dataset"]["config"] == "zh"
    assert by_name["MTEB AFQMC"]["dataset"]["config"] == "default"


def test_unknown_revision_is_the_string_none():
    results = _index(BGE)
    afqmc = next(r for r in results if r["dataset"]["name"] == "MTEB AFQMC")
    assert afqmc["dataset"]["revision"] == "None"
    amazon = next(r for r in results if r["dataset"]["name"].startswith("MTEB AmazonReviews"))
    assert amazon["dataset"]["revision"] == "1399c76144fd37290681b995c656ef9b2e06e26d"


def test_task_type_and_dataset_path_come_from_the_catalog():
    results = _index(BGE)
    by_name = {r["dataset"]["name"]: r for r in results}
    assert by_name["MTEB CMedQAv1"]["task"]["type"] == "Reranking"
    assert by_name["MTEB CMedQAv1"]["dataset"]["type"] == "C-MTEB/CMedQAv1-reranking"
    assert by_name["MTEB AFQMC"]["dataset"]["type"] == "C-MTEB/AFQMC"


def test_metrics_are_flattened_scaled_and_in_file_order():
    raw = json.loads((BGE / "AFQMC.json").read_text())["validation"]
    results = _index(BGE)
    afqmc = next(r for r in results if r["dataset"]["name"] == "MTEB AFQMC")
    assert [m["type"] for m in afqmc["metrics"]] == [
        "cos_sim_pearson",
        "cos_sim_spearman",
        "euclidean_pearson",
        "euclidean_spearman",
        "manhattan_pearson",
        "manhattan_spearman",
    ]
    assert afqmc["metrics"][0]["value"] == pytest.approx(raw["cos_sim"]["pearson"] * 100)


def test_bookkeeping_thresholds_stds_lists_and_nauc_are_left_out():
    results = _index(QWEN)
    seen = {m["type"] for r in results for m in r["metrics"]}
    assert seen, "Qwen results produce metrics"
    for name in seen:
        assert not name.startswith("nauc_")
        assert "threshold" not in name and "std" not in name
        assert name not in ("main_score", "hf_subset", "languages", "evaluation_time")


def test_legacy_and_current_alias_with_same_value_give_the_legacy_name_once():
    results = _index(DMETA_EXTERNAL)
    afqmc = next(r for r in results if r["dataset"]["name"] == "MTEB AFQMC")
    names = [m["type"] for m in afqmc["metrics"]]
    assert "cos_sim_spearman" in names and "cosine_spearman" not in names
    assert len(names) == len(set(names))


def test_metrics_main_writes_only_the_main_score():
    results = _index(E5, metrics="main")
    assert all(len(r["metrics"]) == 1 for r in results)
    task = read_result_file(E5 / "AFQMC.json")
    afqmc = next(r for r in results if r["dataset"]["name"] == "MTEB AFQMC")
    assert afqmc["metrics"][0]["value"] == pytest.approx(task.scores[0].main_score * 100)


def test_metrics_all_keeps_diagnostics():
    default = {m["type"] for r in _index(QWEN) for m in r["metrics"]}
    everything = {m["type"] for r in _index(QWEN, metrics="all") for m in r["metrics"]}
    assert default < everything
    assert any(name.startswith("nauc_") for name in everything)


def test_speed_tasks_are_not_scores():
    results = _index(E5)
    assert not [r for r in results if "SpeedTask" in r["dataset"]["name"]]
    assert (E5 / "GPUSpeedTask.json").is_file()


@pytest.mark.parametrize("folder", [BGE, E5], ids=["bge-base-zh", "multilingual-e5-small"])
def test_a_card_this_build_made_is_known_by_its_model_index_written_from_the_entries(
    folder, tmp_path
):
    """A rebuild over a card cardkit made finds the card's model-index as the text written
    from the entries themselves (what a new card holds), so the card's YAML is not read."""
    card = tmp_path / "README.md"
    build(BuildRequest(results=[folder], output=card))
    text = card.read_text(encoding="utf-8")
    name = yaml.safe_load(split_card(text).yaml_text)["model-index"][0]["name"]
    catalog = load_catalog()
    [model] = read_results([folder], catalog)
    entries = result_entries(model, catalog)
    index = model_index_value(name, entries)
    written = dump_yaml(
        {"model-index": [{"name": name, "results": entries}]}, {ModelIndexEntry: ENTRY_YAML}
    )
    assert written == dump_yaml({"model-index": index})
    assert written in text
    kept = kept_model_index(text, index, card, False, catalog.canonical_name, lambda: written)
    assert kept is not None
