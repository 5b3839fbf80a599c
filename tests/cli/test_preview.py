"""`cardkit preview`: the card as the Hub shows it, checked in a real browser.

Chromium (the system's package; `.ci/run` installs it) lays the page out headless: every table
of the Markdown is a table, every image loads, nothing is wider than the Hub's 800 px column.
Without Chromium these tests fail, they are not skipped: install it (apt-get install chromium).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from cardkit.cardtext.frontmatter import split_card
from tests.browser import chromium, dump_dom, measure
from tests.conftest import REPO, RESULTS, run_cli

EXAMPLE_CARD = REPO / "examples" / "card" / "README.md"
_DELIMITER_ROW = re.compile(r"^\|(?: *:?-+:? *\|)+ *$")


def markdown_table_count(body: str) -> int:
    """GFM tables in a card body: their delimiter rows, outside fenced code blocks."""
    count, fenced = 0, False
    for line in body.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and _DELIMITER_ROW.match(line):
            count += 1
    return count


def _require_chromium() -> None:
    if chromium() is None:
        pytest.fail("Chromium is not installed: apt-get install chromium (.ci/run installs it)")


def _preview(card: Path, out: Path) -> Path:
    page = out / "card.html"
    done = run_cli("preview", card, "-o", page)
    assert done.returncode == 0, done.stderr
    return page


def _check_layout(card: Path, tmp_path: Path, images: int) -> dict:
    _require_chromium()
    report = measure(_preview(card, tmp_path), tmp_path)
    body = split_card(card.read_text(encoding="utf-8")).body
    # Every table of the Markdown is a table on the page; no raw delimiter row is left as text.
    assert len(report["tables"]) == markdown_table_count(body) > 0
    assert not re.search(r"\|\s*:?-{3,}", report["text"])
    # Every image loads from the page itself.
    assert len(report["images"]) == images
    for image in report["images"]:
        assert image["complete"] and image["naturalWidth"] > 0, image["alt"]
    # Nothing wider than the Hub's content column: not the page, not an element, not a table.
    assert report["mainWidth"] <= 800
    assert report["pageWidth"] <= report["innerWidth"]
    assert report["wide"] == []
    for table in report["tables"]:
        assert table["scrollWidth"] <= table["clientWidth"], table["header"]
    return report


def test_example_card_renders_as_on_the_hub(tmp_path: Path):
    report = _check_layout(EXAMPLE_CARD, tmp_path, images=2)
    assert all(image["naturalWidth"] == 1200 for image in report["images"])  # the charts
    assert "BAAI/bge-large-zh" in report["text"] and "Per task" in report["text"]


@pytest.mark.shared
def test_the_largest_card_with_comparisons_fits_the_column(tmp_path: Path):
    card = tmp_path / "qwen" / "README.md"
    done = run_cli(
        "build",
        RESULTS / "Qwen__Qwen3-Embedding-0.6B",
        "-o",
        card,
        "--compare",
        RESULTS / "intfloat__multilingual-e5-small",
        "--compare",
        RESULTS / "sentence-transformers__sentence-t5-base",
    )
    assert done.returncode == 0, done.stderr
    _check_layout(card, tmp_path, images=0)


def test_the_metadata_is_summarised_as_the_hub_shows_it(tmp_path: Path):
    page = _preview(EXAMPLE_CARD, tmp_path).read_text(encoding="utf-8")
    assert "<dt>License</dt><dd>mit</dd>" in page and "<dt>Language</dt><dd>zh</dd>" in page
    front = yaml.safe_load(split_card(EXAMPLE_CARD.read_text(encoding="utf-8")).yaml_text)
    results = front["model-index"][0]["results"]
    datasets = {r["dataset"]["name"] for r in results}
    assert f"{len(results)} results on {len(datasets)} datasets, self-reported" in page
    assert '<span class="chip">C-MTEB</span>' in page


def test_nothing_in_a_card_runs_or_loads_from_outside(tmp_path: Path):
    """A card from someone else: its scripts do not run, its images come only from its folder."""
    _require_chromium()
    secret = tmp_path / "secret.png"
    secret.write_bytes((REPO / "examples" / "card" / "assets" / "mteb-c-mteb.png").read_bytes())
    repo = tmp_path / "repo"
    (repo / "assets").mkdir(parents=True)
    (repo / "assets" / "fake.png").write_text("not an image", encoding="utf-8")
    os.symlink(secret, repo / "assets" / "link.png")
    card = repo / "README.md"
    card.write_text(
        "---\nlicense: mit\n---\n# Hostile\n\n"
        '<script>document.body.setAttribute("data-ran", "yes")</script>\n\n'
        "<img src=\"x\" onerror=\"document.body.setAttribute('data-ran', 'yes')\">\n\n"
        "![up](../secret.png) ![abs](/etc/hostname) ![link](assets/link.png) "
        "![fake](assets/fake.png) ![web](https://example.com/x.png)\n",
        encoding="utf-8",
    )
    page = tmp_path / "hostile.html"
    done = run_cli("preview", card, "-o", page)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 6  # five images and the src "x"
    html = page.read_text(encoding="utf-8")
    assert "base64" not in html  # nothing was embedded
    dom = dump_dom(page, tmp_path, budget_ms=5000).stdout
    assert "<h1>Hostile</h1>" in dom and 'data-ran="yes"' not in dom


def test_preview_writes_beside_the_card_or_to_standard_output(tmp_path: Path):
    card = tmp_path / "README.md"
    card.write_text("# Plain\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", encoding="utf-8")
    done = run_cli("preview", card)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote {tmp_path / 'README.html'}")
    page = (tmp_path / "README.html").read_text(encoding="utf-8")
    assert "<table>" in page and "No model-index" in page
    streamed = run_cli("preview", card, "-o", "-")
    assert streamed.stdout == page


def test_a_card_that_cannot_be_read_is_one_error(tmp_path: Path):
    done = run_cli("preview", tmp_path / "missing.md")
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and "missing.md" in done.stderr
    assert "Traceback" not in done.stderr
