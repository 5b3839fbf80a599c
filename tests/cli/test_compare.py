"""`cardkit compare` and `cardkit.scores.compare`: several real models on a benchmark, ranked as
mteb's leaderboard ranks them (checked against mteb's own code on the same files), and what the
command prints. (Each row being its model's own summary: tests/unit/test_compare_rows.py.)"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import sys

import pytest
from markdown_it import MarkdownIt

from cardkit.catalog import load_catalog
from cardkit.readers import read_results
from cardkit.scores.compare import (
    BORDA,
    ComparisonRow,
    comparison_row,
    leaderboard_order,
    rank_rows,
)
from cardkit.scores.summary import MISSING, BenchmarkSummary, TypeSummary, summarize
from tests.conftest import REPO, RESULTS, run_cli
from tests.unit.test_compare_rows import CHINESE


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def chinese(catalog):
    return [m for folder in CHINESE for m in read_results([RESULTS / folder], catalog)]


# ---------------------------------------------------------------- against mteb's own code


def _parity_module():
    path = REPO / "scripts" / "leaderboard_parity.py"
    spec = importlib.util.spec_from_file_location("leaderboard_parity", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_order_of_each_benchmark_is_mteb_leaderboards(catalog):
    """The sort column per benchmark, against mteb's own decision for every benchmark both
    know (its default sort, or the benchmark class's summary_sort_column)."""
    pytest.importorskip("mteb")
    parity = _parity_module()
    mteb = parity._quiet_mteb()
    from mteb.benchmarks._create_table import _summary_metadata
    from mteb.benchmarks.benchmark import BenchmarkAggregation

    columns = {"Rank (Borda)": BORDA, "Mean (Subset)": "mean_subset"}
    columns |= {"Mean (Task)": "mean_task", "Mean (TaskType)": "mean_task_type"}
    checked = 0
    for bench in mteb.get_benchmarks():
        if bench.name not in catalog.benchmark_names():
            continue
        sort = type(bench).summary_sort_column
        if sort is None:
            enums = [a for a in bench.aggregations if isinstance(a, BenchmarkAggregation)]
            sort = _summary_metadata(enums).default_sort
        first = sort if isinstance(sort, str) else sort[0]
        assert leaderboard_order(catalog.benchmark(bench.name)) == columns[first], bench.name
        checked += 1
    assert checked >= 60
    assert leaderboard_order(catalog.benchmark("C-MTEB")) == "mean_task"


def _as_the_leaderboard_scores(row: ComparisonRow) -> ComparisonRow:
    """The row with the tasks cardkit scores by the legacy ``map`` convention left out, as
    mteb's leaderboard leaves them out."""
    summary = row.summary
    by_type = {
        name: TypeSummary(
            type=name,
            tasks=[
                t._replace(status=MISSING, value=None, scored_cells=()) if t.legacy_metric else t
                for t in types.tasks
            ],
        )
        for name, types in summary.by_type.items()
    }
    return ComparisonRow(row.facts, BenchmarkSummary(summary.benchmark, by_type))


@pytest.mark.shared
def test_borda_ranks_equal_mteb_leaderboards_on_the_real_folders(catalog):
    """mteb's summary table (its Borda rank included) on every benchmark of the real folders
    where it shows two models or more; cardkit ranks the same models the same way."""
    pytest.importorskip("mteb")
    parity = _parity_module()
    mteb = parity._quiet_mteb()
    folders = sorted(p.name for p in RESULTS.iterdir() if p.is_dir())
    theirs_results = parity.load_mteb_results(RESULTS, folders)
    models = [m for folder in folders for m in read_results([RESULTS / folder], catalog)]
    tables = with_partial = 0
    for bench in mteb.get_benchmarks():
        if bench.name not in catalog.benchmark_names():
            continue
        summary = bench._create_summary_table(theirs_results._to_results_df(bench.tasks))
        if summary.is_empty or summary.df.height < 2:
            continue
        theirs = {r["Model"]: r["Rank (Borda)"] for r in summary.df.iter_rows(named=True)}
        rows = [_as_the_leaderboard_scores(comparison_row(m, catalog, bench.name)) for m in models]
        ours = rank_rows(rows)
        ranks = {row.name: row.borda_rank for row in ours.rows if row.name in theirs}
        assert ranks == theirs, bench.name
        tables += 1
        with_partial += any(row.partial for row in ours.rows if row.name in theirs)
    assert tables == 29 and with_partial >= 5


# ------------------------------------------------------------------------------ the CLI


def _cli_json(*args):
    result = run_cli("-q", "compare", *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.shared
def test_a_results_store_root_compares_every_model_in_it(catalog):
    """The root of the real results folders: every model, each row its own summary."""
    [table] = _cli_json(RESULTS, "--benchmark", "MTEB(cmn, v1)")
    models = {m.model_name: m for m in read_results([RESULTS], catalog)}
    assert {row["model"] for row in table["rows"]} == set(models)
    for row in table["rows"]:
        alone = summarize(models[row["model"]], catalog, "MTEB(cmn, v1)")
        assert row["means"] == {
            "Mean (Task)": alone.mean_task,
            "Mean (TaskType)": alone.mean_task_type,
        }
        assert row["types"] == {t: s.leaderboard_mean for t, s in alone.by_type.items()}
        assert (row["complete_tasks"], row["tasks"]) == (alone.present, alone.expected)
        assert [p["task"] for p in row["partial"]] == [t.task for t in alone.partial]
        assert row["missing"] == alone.missing
    assert table["ranked_by"] == "Borda count" and table["rank_column"] == "Rank (Borda)"
    ranked = [row["rank"] for row in table["rows"] if row["rank"] is not None]
    assert ranked == sorted(ranked) and ranked[0] == 1


@pytest.mark.shared
def test_text_and_markdown_show_the_summary_rounded_as_the_leaderboard(chinese, catalog):
    folders = [RESULTS / f for f in CHINESE]
    text = run_cli("-q", "compare", *folders, "--benchmark", "MTEB(cmn, v1)")
    assert text.returncode == 0, text.stderr
    qwen = next(m for m in chinese if m.model_name == "Qwen/Qwen3-Embedding-0.6B")
    alone = summarize(qwen, catalog, "MTEB(cmn, v1)")
    line = next(line for line in text.stdout.splitlines() if "Qwen/Qwen3-Embedding-0.6B" in line)
    assert (
        f"{alone.mean_task:.2f}" in line.split() and f"{alone.mean_task_type:.2f}" in line.split()
    )
    # A caveat several models share is said once, naming them all.
    partial = "partial, not averaged: MultilingualSentiment (lacks split test)."
    [said] = [line for line in text.stdout.splitlines() if line.endswith(partial)]
    for name in ("sensenova/piccolo-base-zh", "BAAI/bge-base-zh", "DMetaSoul/Dmeta-embedding"):
        assert name in said.removesuffix(partial)
    markdown = run_cli(
        "-q", "compare", *folders, "--benchmark", "MTEB(cmn, v1)", "--format", "markdown"
    )
    tokens = MarkdownIt().enable("table").parse(markdown.stdout)
    header = [t.content for t in tokens if t.type == "inline"][1:14]
    assert header[:5] == ["Rank (Borda)", "Model", "Embedding Dimensions", "Max Tokens", "Tasks"]
    assert (
        "[Qwen/Qwen3-Embedding-0.6B](https://huggingface.co/Qwen/Qwen3-Embedding-0.6B)"
        in markdown.stdout
    )


@pytest.mark.shared
def test_csv_has_a_row_per_benchmark_and_model_and_every_digit(chinese, catalog):
    folders = [RESULTS / f for f in CHINESE[:3]]
    result = run_cli(
        "-q",
        "compare",
        *folders,
        "--benchmark",
        "C-MTEB",
        "--benchmark",
        "MTEB(cmn, v1)",
        "--format",
        "csv",
        "--tasks",
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    # bge-base-zh and piccolo-base-zh tie on MTEB(cmn, v1): 22 Borda points each.
    assert [(r["Benchmark"], r["Rank"]) for r in rows] == [
        ("C-MTEB", "1"),
        ("C-MTEB", "2"),
        ("C-MTEB", "3"),
        ("MTEB(cmn, v1)", "1"),
        ("MTEB(cmn, v1)", "2"),
        ("MTEB(cmn, v1)", "2"),
    ]
    models = {m.model_name: m for m in chinese}
    for row in rows:
        alone = summarize(models[row["Model"]], catalog, row["Benchmark"])
        expected = "" if alone.mean_task is None else repr(alone.mean_task)
        assert row["Mean (Task)"] == expected
        afqmc = next(t for t in alone.tasks if t.task == "AFQMC")
        assert row["AFQMC"] == repr(afqmc.value)
    bge = next(r for r in rows if r["Model"] == "BAAI/bge-base-zh" and r["Benchmark"] == "C-MTEB")
    assert float(bge["Mean (Task)"]) == pytest.approx(62.80, abs=0.005)


@pytest.mark.shared
def test_tasks_columns_show_partial_and_missing_tasks():
    folders = [RESULTS / "sensenova__piccolo-base-zh", RESULTS / "intfloat__multilingual-e5-small"]
    result = run_cli(
        "-q", "compare", *folders, "--benchmark", "MTEB(cmn, v1)", "--tasks", "--format", "markdown"
    )
    assert result.returncode == 0, result.stderr
    tokens = MarkdownIt().enable("table").parse(result.stdout)
    rows, row = [], []
    for token in tokens:
        if token.type == "tr_open":
            row = []
        elif token.type == "inline" and row is not None:
            row.append(token.content)
        elif token.type == "tr_close":
            rows.append(row)
    header, *body = rows
    tasks = load_catalog().benchmark("MTEB(cmn, v1)").tasks
    assert set(tasks) <= set(header)
    piccolo, e5 = (dict(zip(header, r)) for r in body)
    assert piccolo["MultilingualSentiment"] == "partial"
    assert e5["Cmnli"] == "–"  # no result


@pytest.mark.shared
def test_bad_input_is_one_line(tmp_path):
    english, chinese = RESULTS / "BAAI__bge-small-en-v1.5", RESULTS / "BAAI__bge-base-zh"
    for args, message in (
        ([tmp_path / "nope"], "nope: no such file or folder"),
        ([chinese, "--benchmark", "MTEB(xx)"], "unknown benchmark 'MTEB(xx)'"),
        ([english, chinese], "no benchmark has a complete task in every model's results"),
    ):
        result = run_cli("-q", "compare", *args)
        assert result.returncode == 1, result.stdout
        [line] = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert message in line
        assert "Traceback" not in result.stderr and result.stdout == ""
