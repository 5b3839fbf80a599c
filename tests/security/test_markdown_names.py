"""Names from result data (model names, subset names) are text in every Markdown cardkit
writes: the card's title, sentences and tables, `compare` and `diff` in Markdown. None of them
becomes an image, a link or HTML when the Markdown is rendered, as the Hub renders it
(CommonMark with raw HTML and GitHub's tables)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from cardkit.cardtext.frontmatter import split_card
from cardkit.reports.tables import (
    Markdown,
    markdown_code,
    markdown_link,
    markdown_table,
    markdown_text,
)
from tests.conftest import TEST_DATA, run_cli

CONAN = TEST_DATA / "cmteb-results" / "TencentBAC__Conan-embedding-v1"
HOSTILE = (
    "x <img src=http://h/i> ![i](http://h/j) [l](http://h/k) <http://h/auto> "
    '<a href="http://h/a">a</a> a|b \\[e]'
)
SUBSET = "<img src=http://h/subset>[s](http://h/s)"


def _html(markdown: str) -> str:
    renderer = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    return renderer.render(markdown)


def _nothing_active(markdown: str) -> str:
    """The rendered HTML, which holds no image and no link to the data's host."""
    html = _html(markdown)
    assert "<img" not in html and 'href="http://h' not in html and "<http" not in html, html
    return html


@pytest.mark.parametrize(
    "name", [HOSTILE, SUBSET, "`<img src=x>`` ``", "\\|<b>", "two\n| lines\u2028<b>"]
)
def test_escaped_text_renders_as_the_text_itself(name: str):
    html = _nothing_active(f"Before {markdown_text(name)} after {markdown_code(name)}.")
    assert "<b>" not in html
    table = markdown_table(["Model", "Score"], [[name, "1.00"], [Markdown("**bold**"), None]])
    html = _nothing_active(table)
    assert html.count("<tr>") == 3 and html.count("<td") == 4  # no cell split by a pipe
    assert "<strong>bold</strong>" in html  # Markdown composed on purpose is kept


def test_a_link_address_cannot_end_the_link_or_the_cell():
    link = markdown_link(HOSTILE, "https://huggingface.co/o/n) ![i](http://h/x")
    html = _html(markdown_table(["Model"], [[link]]))
    assert html.count("<a ") == 1 and "<img" not in html and 'href="http://h' not in html
    assert 'href="https://huggingface.co/o/n%29%20!%5Bi%5D%28http://h/x"' in html


@pytest.fixture
def hostile_results(tmp_path: Path) -> Path:
    """A model whose model_meta.json names it with HTML and links, one subset likewise."""
    folder = tmp_path / "results" / "evil__model" / "rev1"
    folder.mkdir(parents=True)
    for task in ("AFQMC", "AmazonReviewsClassification", "CMedQAv1-reranking"):
        shutil.copy(CONAN / "external" / f"{task}.json", folder)
    (folder / "model_meta.json").write_text(json.dumps({"name": f"org/{HOSTILE}"}), "utf-8")
    path = folder / "AmazonReviewsClassification.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["scores"]["test"][0]["hf_subset"] = SUBSET
    path.write_text(json.dumps(data), encoding="utf-8")
    return folder.parent


def test_the_card_shows_names_from_the_results_as_text(hostile_results: Path, tmp_path: Path):
    card = tmp_path / "card" / "README.md"
    done = run_cli("build", hostile_results, "-o", card, "--compare", CONAN)
    assert done.returncode == 0, done.stderr
    body = split_card(card.read_text(encoding="utf-8")).body
    html = _nothing_active(body)
    assert "<h1>org/x &lt;img src=http://h/i&gt; ![i](http://h/j) [l](http://h/k)" in html


def test_compare_and_diff_in_markdown_show_names_as_text(hostile_results: Path):
    for command in (
        ("compare", hostile_results, CONAN, "--format", "markdown"),
        ("diff", CONAN, hostile_results, "--format", "markdown"),
    ):
        done = run_cli(*command)
        assert done.returncode == 0, done.stderr
        html = _nothing_active(done.stdout)
        assert "org/x &lt;img src=http://h/i&gt;" in html
    assert "&lt;img src=http://h/subset&gt;[s](http://h/s)" in html  # the diff's table


def test_a_name_with_a_code_fence_cannot_end_a_code_block(hostile_results: Path, tmp_path: Path):
    """The reproduce section quotes the model name in a shell command inside a code block."""
    meta = hostile_results / "rev1" / "model_meta.json"
    meta.write_text(json.dumps({"name": "org/a\n```\n<img src=http://h/fence>\n```"}), "utf-8")
    card = tmp_path / "card" / "README.md"
    done = run_cli("build", hostile_results, "-o", card)
    assert done.returncode == 0, done.stderr
    body = split_card(card.read_text(encoding="utf-8")).body
    assert "\n<img src=http://h/fence>\n" in body  # inside the block, as the command has it
    _nothing_active(body)
