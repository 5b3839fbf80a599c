"""The task-history miner reads mteb's task metadata from source text of every era.

The miner itself runs only where mteb's git history and the results store are at hand; these
tests feed it task modules written the way mteb wrote them in 1.0 and in 1.11+.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "mine_task_history.py"


def miner():
    spec = importlib.util.spec_from_file_location("mine_task_history", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["mine_task_history"] = module
    spec.loader.exec_module(module)
    return module


MTEB_1_0 = """
from ...abstasks import MultilingualTask
from ...abstasks.AbsTaskRetrieval import AbsTaskRetrieval

_EVAL_SPLIT = "test"
_LANGS = ["ar", "de", "fr"]


class XPQARetrieval(MultilingualTask, AbsTaskRetrieval):
    @property
    def description(self):
        return {
            "name": "XPQARetrieval",
            "hf_hub_name": "jinaai/xpqa",
            "type": "Retrieval",
            "eval_splits": [_EVAL_SPLIT],
            "eval_langs": _LANGS,
            "main_score": "ndcg_at_10",
            "revision": "c99d599f0a6ab9b85b065da6f9d94f9cf731679f",
        }


class MSMARCO(AbsTaskRetrieval):
    @property
    def description(self):
        return {
            "name": "MSMARCO",
            "beir_name": "msmarco",
            "type": "Retrieval",
            "eval_splits": ["validation", "test"],
            "eval_langs": ["en"],
            "main_score": "ndcg_at_10",
        }
"""

MTEB_1_11 = """
from mteb.abstasks.TaskMetadata import TaskMetadata

_LANGUAGES = {
    "de": ["deu-Latn"],
    "fr": ["fra-Latn"],
}


class MLSUMClusteringP2P(AbsTaskClustering, MultilingualTask):
    metadata = TaskMetadata(
        name="MLSUMClusteringP2P",
        dataset={"path": "mlsum", "revision": "b5d54f8f3b61ae17845046286940f03c6bc79bc7"},
        type="Clustering",
        eval_splits=["validation", "test"],
        eval_langs=_LANGUAGES,
        main_score="v_measure",
    )


def make_tasks():
    for name in compute_names():
        yield TaskMetadata(name=name)


class Computed(AbsTaskRetrieval):
    metadata = TaskMetadata(name=f"Computed{1}", type="Retrieval")
"""


def test_description_dicts_of_mteb_1_0_with_module_constants():
    xpqa, msmarco = miner().definitions_in(MTEB_1_0)
    assert (xpqa.name, xpqa.type, xpqa.dataset) == ("XPQARetrieval", "Retrieval", "jinaai/xpqa")
    assert xpqa.revision == "c99d599f0a6ab9b85b065da6f9d94f9cf731679f"
    assert xpqa.eval_splits == ["test"]
    # A multilingual task of that era has its language list as subsets.
    assert xpqa.subsets == ["ar", "de", "fr"]
    # BEIR tasks were published by their BEIR name, without a revision.
    assert (msmarco.dataset, msmarco.revision, msmarco.subsets) == ("msmarco", None, ["default"])


def test_task_metadata_calls_of_mteb_1_11_and_later():
    [mlsum] = miner().definitions_in(MTEB_1_11)  # the computed name is left out, not guessed
    assert mlsum.subsets == ["de", "fr"]
    assert mlsum.subset_languages == {"de": ["deu-Latn"], "fr": ["fra-Latn"]}
    assert mlsum.main_score == "v_measure"
    assert mlsum.class_name == "MLSUMClusteringP2P"


def test_a_module_that_does_not_parse_defines_nothing():
    assert miner().definitions_in("class Broken(:\n") == []


def test_a_store_only_task_gets_its_type_from_its_name_or_metrics():
    mine = miner()
    assert mine.task_type("SynPerChatbotToneClassification", ["accuracy"]) == "Classification"
    assert mine.task_type("SomeTask", ["map_at_1000", "mrr_at_10"]) == "Reranking"
    assert mine.task_type("SomeTask", ["cosine_spearman"]) == "STS"
    assert mine.task_type("SomeTask", ["words_per_second"]) is None
