"""The per-task table of a card's body is left out when it is too long to read; a table whose
least size is over the limit is not made at all, so that least size must never be more than
the table made of the same rows (or a table that fits would be dropped)."""

from __future__ import annotations

import pytest

from cardkit.build.card import card_catalog
from cardkit.readers import read_results
from cardkit.render.body import PER_TASK_TABLE_LIMIT, _readable
from cardkit.render.plan import CardInfo, plan_card
from cardkit.render.task_scores import least_table_bytes, per_task_table
from tests.conftest import RESULTS

MODELS = ["Qwen__Qwen3-Embedding-0.6B", "intfloat__multilingual-e5-small", "BAAI__bge-base-zh"]


@pytest.fixture(scope="module")
def plans():
    catalog = card_catalog(None)
    made = []
    for name in MODELS:
        [model] = read_results([RESULTS / name], catalog)
        made.append(plan_card(model, catalog, CardInfo(name=name, model_id=name)))
    return made


@pytest.mark.shared
@pytest.mark.parametrize("sections", [True, False])
def test_the_least_size_of_a_per_task_table_is_at_most_its_size(plans, sections):
    for plan in plans:
        # The rows of real models, and the rows of several at once (a table far too long).
        for rows in (plan.rows, plan.rows * 4):
            table = per_task_table(rows, sections)
            assert 0 < least_table_bytes(rows, sections) <= len(table.encode("utf-8"))
    every = [row for plan in plans for row in plan.rows] * 2
    assert least_table_bytes(every, sections) > PER_TASK_TABLE_LIMIT  # the shortcut is taken
    assert _readable(every, sections) is None
    small = plans[-1].rows  # 35 tasks: the table fits and is shown
    assert _readable(small, sections) == per_task_table(small, sections)
