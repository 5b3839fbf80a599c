"""`cardkit.scores.compare` on real models: each row of a comparison is exactly its model's own
summary, ranks are shared as the leaderboard shares them, and a model with nothing on a
benchmark is listed last. (Against mteb's own ranking code, and the command: tests/cli.)"""

from __future__ import annotations

import pytest

from cardkit.catalog import load_catalog
from cardkit.readers import read_results
from cardkit.scores.compare import BORDA, compare_models, min_ranks, model_facts
from cardkit.scores.summary import MISSING, PARTIAL, summarize
from tests.conftest import RESULTS

CHINESE = (
    "BAAI__bge-base-zh",
    "DMetaSoul__Dmeta-embedding-zh-small",
    "sensenova__piccolo-base-zh",
    "intfloat__multilingual-e5-small",
    "Qwen__Qwen3-Embedding-0.6B",
)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def chinese(catalog):
    return [m for folder in CHINESE for m in read_results([RESULTS / folder], catalog)]


@pytest.mark.shared
@pytest.mark.parametrize("name", ["MTEB(cmn, v1)", "C-MTEB"])
def test_every_row_is_the_summary_of_its_model_alone(chinese, catalog, name):
    [table] = compare_models(chinese, catalog, [name])
    assert len(table.rows) == len(CHINESE)
    by_name = {row.name: row for row in table.rows}
    for model in chinese:
        alone = summarize(model, catalog, name)
        row = by_name[model.model_name]
        assert row.mean("mean_task") == alone.mean_task
        assert row.mean("mean_task_type") == alone.mean_task_type
        for task_type, types in alone.by_type.items():
            assert row.type_mean(task_type) == types.leaderboard_mean
        assert [(t.task, t.status, t.value) for t in row.summary.tasks] == [
            (t.task, t.status, t.value) for t in alone.tasks
        ]
        assert (row.present, row.expected) == (alone.present, alone.expected)
    # piccolo: MultilingualSentiment holds only validation (MTEB(cmn, v1) asks test too); its
    # Amazon and Massive files only German (C-MTEB asks zh). Partial, listed, no mean.
    piccolo = by_name["sensenova/piccolo-base-zh"]
    partial = {
        "MTEB(cmn, v1)": ["MultilingualSentiment"],
        "C-MTEB": [
            "AmazonReviewsClassification",
            "MassiveIntentClassification",
            "MassiveScenarioClassification",
        ],
    }
    assert [t.task for t in piccolo.partial] == partial[name]
    assert piccolo.mean("mean_task") is None
    assert piccolo.present == piccolo.expected - len(partial[name])
    e5 = by_name["intfloat/multilingual-e5-small"]
    assert e5.missing and e5.mean("mean_task") is None


@pytest.mark.shared
def test_complete_models_carry_the_leaderboard_means(chinese, catalog):
    [table] = compare_models(chinese, catalog, ["C-MTEB"])
    complete = [row for row in table.rows if row.present == row.expected]
    assert [row.name for row in complete] == ["BAAI/bge-base-zh"]
    assert complete[0].mean("mean_task") is not None
    # C-MTEB is ranked by its Average, as the original leaderboard: complete models first.
    assert table.order == "mean_task" and table.rank_label == "Rank (Mean Task)"
    assert table.rows[0].name == "BAAI/bge-base-zh" and table.rows[0].rank == 1
    assert [row.rank for row in table.rows] == [1, 2, 3, 4, 5]


@pytest.mark.shared
def test_rows_say_where_the_model_lives_and_its_size(chinese, catalog):
    facts = {m.model_name: model_facts(m) for m in chinese}
    qwen = facts["Qwen/Qwen3-Embedding-0.6B"]
    assert (qwen.embedding_dim, qwen.max_tokens) == (1024, 32768)
    assert qwen.link == "https://huggingface.co/Qwen/Qwen3-Embedding-0.6B"
    # Merged from two revision folders: model_meta.json of a folder its tasks came from.
    dmeta = facts["DMetaSoul/Dmeta-embedding-zh-small"]
    assert (dmeta.embedding_dim, dmeta.max_tokens) == (768, 1024)
    # No model_meta.json values: a link from the name, no sizes.
    e5 = facts["intfloat/multilingual-e5-small"]
    assert e5.link == "https://huggingface.co/intfloat/multilingual-e5-small"
    assert (e5.embedding_dim, e5.max_tokens) == (None, None)


def test_min_ranks_share_the_best_rank_and_leave_unranked_alone():
    assert min_ranks([3.0, 5.0, 5.0, 1.0, None]) == [3, 1, 1, 4, None]


def test_a_model_without_any_result_on_the_benchmark_is_listed_last_unranked(catalog):
    from cardkit.model import ModelResults

    nothing = ModelResults(model_name="org/empty", revision=None)
    [table] = compare_models([nothing], catalog, ["MTEB(cmn, v1)"])
    [row] = table.rows
    assert row.rank is None and row.borda_rank is None
    assert all(t.status == MISSING for t in row.summary.tasks)


@pytest.mark.shared
def test_partial_tasks_count_in_the_borda_count_as_on_the_leaderboard(chinese, catalog):
    [table] = compare_models(chinese, catalog, ["MTEB(cmn, v1)"])
    assert table.order == BORDA and table.rank_label == "Rank (Borda)"
    piccolo = next(row for row in table.rows if row.name == "sensenova/piccolo-base-zh")
    [partial] = piccolo.partial
    assert partial.status == PARTIAL and partial.scored_cells  # its validation split
    assert [row.rank for row in table.rows] == sorted(row.rank for row in table.rows)
