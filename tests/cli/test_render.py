"""The rendered card body: summary tables as real Markdown tables, the default sections, and
user templates through the command (sandboxed, strict about undefined variables; rendered by
the library: tests/unit/test_user_template.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from cardkit import __version__
from cardkit.cardtext.frontmatter import split_card
from cardkit.catalog import load_catalog
from cardkit.readers import read_results
from cardkit.render.sections import choose_sections
from cardkit.reports.tables import type_label
from tests.conftest import revision_folders, run_cli
from tests.unit.test_user_template import BGE_ZH, TEMPLATES

pytestmark = pytest.mark.shared

MEAN_HEADERS = {
    "mean_task": "Mean (Task)",
    "mean_task_type": "Mean (TaskType)",
    "mean_subset": "Mean (Subset)",
}
PER_TASK_HEADER = ["Task", "Data", "Score", "In"]


def markdown_tables(body: str) -> list[dict]:
    """Each table a real parser finds: header cells and body rows of cell texts."""
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    tables: list[dict] = []
    current: dict | None = None
    row: list[str] | None = None
    in_head = False
    for i, token in enumerate(tokens):
        if token.type == "table_open":
            current = {"header": [], "rows": []}
        elif token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open"):
            assert row is not None
            row.append(tokens[i + 1].content)
        elif token.type == "tr_close" and current is not None and row is not None:
            (current["header"].extend(row) if in_head else current["rows"].append(row))
        elif token.type == "table_close" and current is not None:
            tables.append(current)
            current = None
    return tables


def section_tables(tables: list[dict]) -> list[dict]:
    """Each benchmark's leaderboard table whole again: the card splits a wide one into the
    table with the task counts and means, then tables of a few task types, the model repeated
    in each (joined here row by row on it)."""
    joined: list[dict] = []
    for table in tables:
        if "Model" not in table["header"][:2]:
            continue
        if "Tasks" in table["header"]:
            joined.append(
                {"header": list(table["header"]), "rows": [list(r) for r in table["rows"]]}
            )
            continue
        last = joined[-1]
        model = last["header"].index("Model")
        assert [r[0] for r in table["rows"]] == [r[model] for r in last["rows"]]
        last["header"] += table["header"][1:]
        for row, more in zip(last["rows"], table["rows"]):
            row += more[1:]
    return joined


def write_config(folder: Path, results: Path, **extra) -> Path:
    config = {"model_id": "org/model", "results": str(results), **extra}
    path = folder / "cardkit.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "folder", revision_folders(), ids=lambda p: f"{p.parent.name}/{p.name}"[:60]
)
def test_minimal_config_card_tables_match_the_summary_function(folder: Path, tmp_path: Path):
    from huggingface_hub.repocard_data import model_index_to_eval_results

    write_config(tmp_path, folder)
    done = run_cli("build", cwd=tmp_path)  # no arguments: ./cardkit.yaml
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "README.md").read_text(encoding="utf-8")
    card = split_card(text)
    data = yaml.load(card.yaml_text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    # The Hub's own parser reads every metric of the front matter's model-index.
    name, results = model_index_to_eval_results(data["model-index"])
    assert len(results) == sum(len(r["metrics"]) for r in data["model-index"][0]["results"])
    assert "mteb" in data["tags"] and name == data["model-index"][0]["name"]

    catalog = load_catalog()
    [model] = read_results([folder], catalog, None)
    assert "<summary>All metrics" not in card.body  # the model-index is not repeated
    assert len(card.body.encode("utf-8")) < 60 * 1024
    tables = markdown_tables(card.body)
    summary_tables = section_tables(tables)
    sections = choose_sections(model, catalog)
    summaries = sections.shown
    assert len(summary_tables) == len(summaries)
    for summary in summaries:  # a section only for a benchmark at least 90% complete
        assert summary.present >= 0.9 * summary.expected
    for summary in sections.named:  # the others named in one line, without an average
        line = next(x for x in card.body.splitlines() if x.startswith("Also evaluated"))
        assert f"of {summary.expected} tasks of {summary.benchmark.title}" in line
    for summary, table in zip(summaries, summary_tables):
        shown = summary.benchmark.aggregations
        means = [a for a in shown if a in MEAN_HEADERS]
        types = list(summary.by_type.values()) if "task_types" in shown else []
        assert table["header"][:2] == ["Model", "Tasks"]
        assert table["header"][2 : 2 + len(means)] == [MEAN_HEADERS[a] for a in means]
        assert len(table["header"]) == 2 + len(means) + len(types)
        assert len(table["rows"]) == 1 and len(table["rows"][0]) == len(table["header"])
        row = table["rows"][0]
        assert row[0] == name
        assert row[1] == (
            f"{summary.expected}"
            if summary.complete
            else f"{summary.present}/{summary.expected}, incomplete"
        )
        # The leaderboard's means: none that an incomplete task would enter.
        for aggregation, value in zip(means, row[2:]):
            want = summary.leaderboard_mean(aggregation)
            assert value == ("–" if want is None else f"{want:.2f}")
        for header, value, t in zip(
            table["header"][2 + len(means) :], row[2 + len(means) :], types
        ):
            assert header.startswith(type_label(t.type) + " (")
            assert value == ("–" if t.leaderboard_mean is None else f"{t.leaderboard_mean:.2f}")
    # One per-task table: every task of the results once, with the score a section averages.
    # Without a section there is no "In" column: no benchmark on the card holds a task.
    header = PER_TASK_HEADER if summaries else PER_TASK_HEADER[:3]
    [per_task] = [t for t in tables if t["header"] == header]
    tasks = [row + ["–"] * (4 - len(row)) for row in per_task["rows"] if row[2]]
    names = [row[0] for row in tasks]
    assert sorted(names) == sorted({catalog.canonical_name(t) for t in model.tasks})
    section_scores: dict[str, set[str]] = {}
    for summary in summaries:
        for task in summary.scores:
            section_scores.setdefault(task.task, set()).add(f"{task.value:.2f}")
    for task, _, value, where in tasks:
        value = value.split(" (")[0]  # a metric other than the main score is named after it
        if task in section_scores:
            assert value in section_scores[task]
            shown_in = [s.benchmark.name for s in summaries if task in s.benchmark.tasks]
            assert where != "–" and len(where) >= len(min(shown_in, key=len))
            for other in section_scores[task] - {value}:  # another section's score: noted
                assert f"{task} {other}" in card.body
        elif value[:1].isdigit():  # in no section: its own main score over all its data
            assert where == "–"


def test_default_card_sections_come_in_order(tmp_path: Path):
    write_config(
        tmp_path,
        BGE_ZH,
        name="My Model",
        description="A small Chinese model.",
        license="apache-2.0",
        citation="@misc{mine, title={Mine}}",
        prompts={"query": "为这个句子生成表示以用于检索相关文章："},
    )
    assert run_cli("build", cwd=tmp_path).returncode == 0
    text = (tmp_path / "README.md").read_text(encoding="utf-8")
    card = split_card(text)
    body = card.body
    order = [
        "# My Model",
        "A small Chinese model.",
        "## Evaluation",
        "### Per task",
        "## Usage",
        "## Reproduce",
        "## License",
        "## Citation",
    ]
    positions = [body.index(s) for s in order]
    assert positions == sorted(positions)
    data = yaml.safe_load(card.yaml_text)
    assert data["license"] == "apache-2.0"
    assert data["model-index"][0]["name"] == "My Model"
    assert 'SentenceTransformer("org/model")' in body
    assert 'prompt="为这个句子生成表示以用于检索相关文章："' in body
    assert "document_embeddings = model.encode(documents)\n" in body
    # Reproduce: cardkit's version, the mteb versions in the files, dataset revisions, commands.
    assert f"cardkit {__version__}" in body
    assert "mteb 1.0.2, 1.1.1.dev0" in body  # the versions the bge-base-zh files carry
    # A dataset revision a file records is in the model-index; one it does not, from the catalog.
    assert "1399c76144fd37290681b995c656ef9b2e06e26d" in card.yaml_text  # AmazonReviews'
    catalog = load_catalog()
    assert f"| AFQMC | C-MTEB/AFQMC | {catalog.get('AFQMC').revision} |" in body
    assert f"Revision (mteb {catalog.mteb_version})" in body
    # The benchmark by its name, the other tasks by theirs, the query prompt the model needs.
    assert (
        "\ncardkit run --model org/model --benchmark 'MTEB(cmn, v1)' --tasks "
        "AmazonReviewsClassification,MassiveIntentClassification,MassiveScenarioClassification,"
        "STS22 --prompt '为这个句子生成表示以用于检索相关文章：' -o results\n"
    ) in body
    assert "\ncardkit build\n" in body  # the command that was run: the config did the rest


@pytest.mark.parametrize(
    ("template", "where", "message"),
    [
        ("undefined.md.j2", "line 4", "undefined variable 'modle_id'"),
        ("nested-undefined.md.j2", "line 2", "has no attribute 'averag'"),
        ("syntax.md.j2", "line 4", "template syntax error"),
        ("escape.md.j2", "line 3", "template error"),
    ],
)
def test_template_errors_name_the_file_line_and_variable(template, where, message, tmp_path):
    card = tmp_path / "README.md"
    done = run_cli("build", BGE_ZH, "-o", card, "--template", TEMPLATES / template)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    line = done.stderr.strip()
    assert line.startswith("error: ") and "\n" not in line
    expected_file = "broken-part.md.j2" if template.startswith("nested") else template
    assert f"{expected_file}: {where}: " in line
    assert message in line
    assert not card.exists()


def test_missing_template_is_a_clear_error(tmp_path: Path):
    done = run_cli(
        "build", BGE_ZH, "-o", tmp_path / "README.md", "--template", tmp_path / "nope.md.j2"
    )
    assert done.returncode == 1
    assert "nope.md.j2: no such template file" in done.stderr
