"""One rule for when a benchmark mean is shown: the card's overview and section tables, its
chart, `cardkit compare` and `cardkit diff` give each benchmark's mean the same value, or all
give none.

The C-MTEB folders of ../shared are the case that once disagreed: their MultilingualSentiment
holds only the `validation` split that C-MTEB scores, so MTEB(cmn, v1) is incomplete.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cardkit.build.card import card_catalog
from cardkit.cardtext.frontmatter import split_card
from cardkit.readers import read_results
from cardkit.render.plan import CardInfo, plan_card
from cardkit.scores.summary import MEAN_LABELS
from tests.cli.test_render import markdown_tables, section_tables
from tests.conftest import RESULTS, run_cli

C_MTEB_FOLDERS = [
    RESULTS / "BAAI__bge-base-zh",
    RESULTS / "DMetaSoul__Dmeta-embedding-zh-small",
    RESULTS / "sensenova__piccolo-base-zh",
    RESULTS / "Qwen__Qwen3-Embedding-0.6B",
    RESULTS / "intfloat__multilingual-e5-small",
]
# Compared beside each folder: two C-MTEB models, one of them incomplete on MTEB(cmn, v1).
COMPARED = [RESULTS / "BAAI__bge-base-zh", RESULTS / "intfloat__multilingual-e5-small"]


MEAN_HEADERS = set(MEAN_LABELS.values())


def _number(text: str) -> float | None:
    return None if text.strip() in ("–", "") else float(text)


def _model_name(cell: str) -> str:
    """The model a table row is about: its cell, bold and linked or not."""
    cell = cell.strip("*")
    linked = re.fullmatch(r"\[(.+?)\]\(.+\)", cell)
    return linked[1] if linked else cell


def _table_means(card: Path, name: str) -> dict[str, dict[str, float | None]]:
    """Per benchmark section, each mean the card's table gives its own model."""
    body = split_card(card.read_text(encoding="utf-8")).body
    means = {}
    for part in re.split(r"^### ", body, flags=re.M)[1:]:
        heading, _, text = part.partition("\n")
        tables = section_tables(markdown_tables(text))
        if not tables:
            continue  # the per-task table
        [table] = tables
        header = table["header"]
        [row] = [r for r in table["rows"] if _model_name(r[header.index("Model")]) == name]
        means[heading] = {h: _number(c) for h, c in zip(header, row) if h in MEAN_HEADERS}
    return means


def _overview_means(card: Path) -> dict[str, dict[str, float | None]]:
    """Per benchmark, the means the overview table at the top of the evaluation gives."""
    body = split_card(card.read_text(encoding="utf-8")).body
    tables = [t for t in markdown_tables(body) if t["header"][:1] == ["Benchmark"]]
    if not tables:
        return {}
    [table] = tables
    return {
        row[0]: {h: _number(c) for h, c in zip(table["header"], row) if h in MEAN_HEADERS and c}
        for row in table["rows"]
    }


def _chart_mean(summary, name: str) -> tuple[str, float | None]:
    """The mean the benchmark's chart prints in its title, and its label (None: no mean)."""
    from cardkit.render.chart import chart_figure

    title = chart_figure(summary, name).axes[0].get_title(loc="left")
    found = re.search(r"(Mean \(\w+\)) (\d+\.\d\d)", title)
    return (found[1], float(found[2])) if found else ("", None)


def _compare_means(folder: Path, benchmarks: list[str], name: str) -> dict[str, dict]:
    """Per benchmark, the means `cardkit compare` gives the model."""
    asked = [w for bench in benchmarks for w in ("--benchmark", bench)]
    done = run_cli("compare", folder, *asked, "--format", "json")
    assert done.returncode == 0, done.stderr
    out = {}
    for table in json.loads(done.stdout):
        [row] = [r for r in table["rows"] if r["model"] == name]
        out[table["benchmark"]] = row["means"]
    return out


def _diff_means(card: Path, folder: Path) -> dict[str, dict[str, tuple]]:
    """Per benchmark, each mean `cardkit diff` gives the card (old) and the results (new)."""
    done = run_cli("diff", card, folder, "--format", "json", "--all")
    assert done.returncode == 0, done.stderr
    return {
        bench["benchmark"]: {m["mean"]: (m["old"], m["new"]) for m in bench["means"]}
        for bench in json.loads(done.stdout)["benchmarks"]
    }


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return f"{a:.2f}" == f"{b:.2f}"


@pytest.mark.parametrize("compared", [False, True], ids=["alone", "compared"])
@pytest.mark.parametrize("folder", C_MTEB_FOLDERS, ids=lambda p: p.name)
def test_a_mean_is_the_same_in_table_chart_compare_and_diff(
    folder: Path, compared: bool, tmp_path: Path
):
    pytest.importorskip("matplotlib")
    card = tmp_path / "README.md"
    extra = [w for other in COMPARED if other != folder for w in ("--compare", other)]
    done = run_cli("build", folder, "-o", card, "--no-config", *(extra if compared else []))
    assert done.returncode == 0, done.stderr
    catalog = card_catalog()
    [model] = read_results([folder], catalog, None)
    name = str(model.model_name)
    plan = plan_card(model, catalog, CardInfo(name=name, model_id=name))
    table = _table_means(card, name)
    assert list(table) == [s.benchmark.name for s in plan.shown]
    diff = _diff_means(card, folder)
    compare = _compare_means(folder, list(table), name)
    overview = _overview_means(card)
    assert list(overview) == (list(table) if len(table) > 1 else [])  # for two sections or more
    for summary in plan.shown:
        bench = summary.benchmark.name
        shown = table[bench]
        assert shown, bench  # every section's table shows at least one mean column
        label, chart = _chart_mean(summary, name)
        assert chart is None or label == next(iter(shown)), bench
        assert _same(chart, shown[next(iter(shown))]), bench
        for column, value in overview.get(bench, {}).items():
            assert _same(value, shown[column]), (bench, column)
        assert compare[bench].keys() == shown.keys(), bench
        for column, value in compare[bench].items():
            assert _same(value, shown[column]), (bench, column)
        for column, (old, new) in diff[bench].items():
            assert _same(old, shown[column]) and _same(new, shown[column]), (bench, column)
    if folder.name in ("BAAI__bge-base-zh", "sensenova__piccolo-base-zh"):
        # MTEB(cmn, v1) asks for MultilingualSentiment's `test`, which these results lack:
        # no MTEB(cmn, v1) mean anywhere.
        assert table["MTEB(cmn, v1)"] == {"Mean (Task)": None, "Mean (TaskType)": None}
    if folder.name == "BAAI__bge-base-zh":  # C-MTEB reads its `validation`: complete
        assert table["C-MTEB"]["Mean (Task)"] is not None
