"""Spec section 3: every result format and layout reads into the one results model."""

from __future__ import annotations

import json
import logging
import math
import shutil
from pathlib import Path

import pytest

from cardkit.catalog import load_catalog
from cardkit.io.errors import CardkitError
from cardkit.readers import read_results
from cardkit.readers.model_card import read_card
from cardkit.readers.mteb_json import NotAResultFile, read_result_file
from tests.conftest import DMETA_CARD, RESULTS

pytestmark = pytest.mark.shared

BGE = RESULTS / "BAAI__bge-base-zh" / "no_revision_available"
DMETA_SHA = "2050d3439a2f68999dd648c1697471acaac37a29"
DMETA_EXTERNAL = RESULTS / "DMetaSoul__Dmeta-embedding-zh-small" / "external"
QWEN = RESULTS / "Qwen__Qwen3-Embedding-0.6B" / "b22da495047858cce924d27d76261e96be6febc0"
E5_REV = "e4ce9877abf3edfe10b0d82785e83bdcb973e22e"
MINILM = RESULTS / "sentence-transformers__all-MiniLM-L12-v2" / "no_revision_available"


def test_legacy_nested_metrics_are_flattened_with_underscore():
    task = read_result_file(BGE / "AFQMC.json")
    raw = json.loads((BGE / "AFQMC.json").read_text())
    [scores] = task.scores
    assert (scores.split, scores.subset) == ("validation", "default")
    assert scores.metrics["cos_sim_pearson"] == raw["validation"]["cos_sim"]["pearson"]
    assert scores.metrics["manhattan_spearman"] == raw["validation"]["manhattan"]["spearman"]
    assert "evaluation_time" not in scores.metrics
    assert task.dataset_revision is None


def test_legacy_language_keyed_subsets_become_subsets():
    task = read_result_file(BGE / "AmazonReviewsClassification.json")
    raw = json.loads((BGE / "AmazonReviewsClassification.json").read_text())
    assert [(s.split, s.subset) for s in task.scores] == [("test", "zh"), ("validation", "zh")]
    assert task.scores[0].metrics["accuracy"] == raw["test"]["zh"]["accuracy"]
    assert task.scores[0].main_score == raw["test"]["zh"]["main_score"]


def test_legacy_bitext_language_pairs():
    task = read_result_file(MINILM / "DiaBLaBitextMining.json")
    raw = json.loads((MINILM / "DiaBLaBitextMining.json").read_text())
    split = next(k for k in raw if isinstance(raw[k], dict))
    expected = [k for k, v in raw[split].items() if isinstance(v, dict)]
    assert [s.subset for s in task.scores] == expected
    assert expected == ["fr-en"]


def test_modern_file_keeps_subset_languages_and_order():
    task = read_result_file(DMETA_EXTERNAL / "AFQMC.json")
    [scores] = task.scores
    assert scores.languages == ["cmn-Hans"]
    assert list(scores.metrics)[:2] == ["cos_sim_pearson", "cos_sim_spearman"]
    assert task.dataset_revision == "None"


def test_a_split_holding_only_nan_is_left_out(caplog):
    path = RESULTS / "intfloat__multilingual-e5-small" / E5_REV / "AFQMC.json"
    with caplog.at_level(logging.WARNING, logger="cardkit"):
        task = read_result_file(path)
    assert [s.split for s in task.scores] == ["validation"]
    assert "scores.test[0]: every score is NaN" in caplog.text


def test_nan_metrics_are_dropped_and_named(tmp_path: Path):
    data = json.loads((DMETA_EXTERNAL / "AFQMC.json").read_text())
    data["scores"]["validation"][0]["euclidean_pearson"] = float("nan")
    data["scores"]["validation"][0]["nauc_x"] = None
    path = tmp_path / "AFQMC.json"
    path.write_text(json.dumps(data))
    task = read_result_file(path)
    assert "euclidean_pearson" not in task.scores[0].metrics
    assert task.dropped_metrics == ["euclidean_pearson", "nauc_x"]


def test_real_files_with_nan_read_without_error():
    def has_nan_metric(path: Path) -> bool:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = [e for split in data.get("scores", {}).values() for e in split]
        return any(isinstance(v, float) and math.isnan(v) for e in entries for v in e.values())

    files_with_nan = [p for p in sorted(QWEN.glob("*.json")) if has_nan_metric(p)]
    assert files_with_nan, "the real data holds files with NaN metrics"
    for path in files_with_nan[:20]:
        task = read_result_file(path)
        assert task.dropped_metrics
        for scores in task.scores:
            assert all(math.isfinite(v) for v in scores.metrics.values())


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "0.5"])
def test_bad_main_score_is_an_error(tmp_path: Path, bad):
    data = json.loads((DMETA_EXTERNAL / "AFQMC.json").read_text())
    data["scores"]["validation"][0]["main_score"] = bad
    path = tmp_path / "AFQMC.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CardkitError) as info:
        read_result_file(path)
    assert "main_score" in str(info.value) and str(path) in str(info.value)


def test_not_a_result_file_is_skipped_in_a_folder(tmp_path: Path, caplog):
    folder = tmp_path / "org__model" / "abc1234"
    shutil.copytree(BGE, folder)
    (folder / "AFQMC_predictions.json").write_text('{"q1": {"d1": 0.5}}')
    with caplog.at_level(logging.INFO, logger="cardkit"):
        [model] = read_results([folder], load_catalog())
    assert len(model.tasks) == 35
    assert "skipped" in caplog.text and "AFQMC_predictions.json" in caplog.text
    with pytest.raises(NotAResultFile):
        read_results([folder / "AFQMC_predictions.json"], load_catalog())


def test_model_name_and_revision_from_the_folder_layout():
    [model] = read_results([BGE], load_catalog())
    assert model.model_name == "BAAI/bge-base-zh"
    assert model.revision == "no_revision_available"
    [model] = read_results([BGE.parent], load_catalog())
    assert len(model.tasks) == 35


def test_model_meta_json_names_the_model():
    [model] = read_results([DMETA_EXTERNAL], load_catalog())
    assert model.model_name == "DMetaSoul/Dmeta-embedding-zh-small"
    assert model.revision == "external"


def test_several_revisions_merge_unless_one_is_named():
    folder = DMETA_EXTERNAL.parent
    [merged] = read_results([folder], load_catalog())
    assert {t.model_revision for t in merged.tasks.values()} == {"external", DMETA_SHA}
    [model] = read_results([folder], load_catalog(), revision="external")
    assert model.revision == "external" and len(model.tasks) == 32
    with pytest.raises(CardkitError) as info:
        read_results([folder], load_catalog(), revision="v2")
    assert "'v2'" in str(info.value) and "external" in str(info.value)


def test_evalscope_output_layout(tmp_path: Path):
    folder = tmp_path / "outputs" / "m3e-base" / "master"
    folder.mkdir(parents=True)
    for name in ("TNews.json", "T2Retrieval.json"):
        shutil.copy(DMETA_EXTERNAL / name, folder / name)
    [model] = read_results([tmp_path / "outputs"], load_catalog())
    assert (model.model_name, model.revision) == ("m3e-base", "master")
    assert sorted(model.tasks) == ["T2Retrieval", "TNews"]


def test_card_model_index_reads_back_divided_by_100():
    [model] = read_card(DMETA_CARD)
    assert model.model_name == "Dmeta-embedding"
    assert len(model.tasks) == 35
    afqmc = model.tasks["AFQMC"].scores[0]
    assert afqmc.metrics["cos_sim_pearson"] == pytest.approx(0.6560825224706932, rel=1e-12)
    amazon = model.tasks["AmazonReviewsClassification"]
    assert amazon.scores[0].subset == "zh"
    assert amazon.dataset_revision == "1399c76144fd37290681b995c656ef9b2e06e26d"
