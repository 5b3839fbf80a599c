"""--chart: one bar per task type with a score, a PNG under assets/ linked from the card."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest

from cardkit.cardtext.frontmatter import split_card
from cardkit.catalog import load_catalog
from cardkit.readers import read_results
from cardkit.readers.model_card import read_card
from cardkit.scores.summary import summarize
from tests.conftest import DMETA_CARD, RESULTS, run_cli

pytestmark = pytest.mark.shared

BGE_ZH = RESULTS / "BAAI__bge-base-zh"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_chart_has_one_bar_per_task_type_with_a_score():
    pytest.importorskip("matplotlib")
    from cardkit.render.chart import summary_chart

    [model] = read_card(DMETA_CARD)
    for name in ("T2Reranking", "MMarcoReranking", "CMedQAv1", "CMedQAv2"):
        del model.tasks[name]  # no Reranking result at all: that type gets no bar
    summary = summarize(model, load_catalog(), "C-MTEB")
    chart = summary_chart(summary, "Dmeta-embedding")
    assert chart.bars == len(summary.by_type) - 1 == 5
    assert (chart.width_px, chart.height_px) == png_size(chart.png)
    assert chart.width_px == 1200  # 800 px on the Hub at 1.5x: crisp and readable
    assert chart.filename == "mteb-c-mteb.png"


def test_build_with_chart_writes_the_png_and_links_it(tmp_path: Path):
    pytest.importorskip("matplotlib")
    card = tmp_path / "README.md"
    done = run_cli("build", BGE_ZH, "-o", card, "--chart")
    assert done.returncode == 0, done.stderr
    body = split_card(card.read_text(encoding="utf-8")).body
    catalog = load_catalog()
    [model] = read_results([BGE_ZH], catalog, None)
    summary = summarize(model, catalog, "C-MTEB")
    png = tmp_path / "assets" / "mteb-c-mteb.png"
    assert png.is_file() and png_size(png.read_bytes())[0] == 1200
    assert f"![{summary.benchmark.title}: mean score per task type](assets/mteb-c-mteb.png)" in body
    first = png.read_bytes()
    again = run_cli("build", BGE_ZH, "-o", card, "--chart")
    assert again.stdout.startswith("unchanged") and png.read_bytes() == first  # reproducible


def test_chart_without_matplotlib_says_what_to_install(tmp_path: Path):
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"  # this child has no matplotlib
        "from cardkit.cli.main import main; sys.exit(main(sys.argv[1:]))\n"
    )
    card = tmp_path / "README.md"
    proc = subprocess.run(
        [sys.executable, "-c", code, "build", str(BGE_ZH), "-o", str(card), "--chart"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1
    assert "install cardkit[plot]" in proc.stderr and "Traceback" not in proc.stderr
    assert not card.exists()


def test_build_without_chart_does_not_import_matplotlib(tmp_path: Path):
    code = (
        "import sys; from cardkit.cli.main import main\n"
        "rc = main(sys.argv[1:]); assert 'matplotlib' not in sys.modules, 'matplotlib'\n"
        "assert 'huggingface_hub' not in sys.modules, 'hub'; sys.exit(rc)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "build", str(BGE_ZH), "-o", str(tmp_path / "README.md")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("name", ["MTEB(Medical, v1)", "MTEB(Multilingual, v2)", "C-MTEB"])
def test_every_label_stays_inside_the_plot_and_below_the_title(name: str):
    """An incomplete benchmark's top row may have no bar: its "no result" label still sits in
    its own row, under the title, not on it."""
    pytest.importorskip("matplotlib")
    from cardkit.render.chart import chart_figure

    catalog = load_catalog()
    [model] = read_results([BGE_ZH], catalog, None)
    summary = summarize(model, catalog, name)
    figure = chart_figure(summary, "BAAI/bge-base-zh")
    renderer = figure.canvas.get_renderer()
    [axes] = figure.axes
    plot = axes.get_window_extent(renderer)
    title = axes.title.get_window_extent(renderer)
    assert title.y0 >= plot.y1
    labels = axes.texts
    assert len(labels) == len(summary.by_type)
    for label in labels:
        box = label.get_window_extent(renderer)
        assert plot.y0 <= box.y0 and box.y1 <= plot.y1, label.get_text()
        assert not box.overlaps(title)
