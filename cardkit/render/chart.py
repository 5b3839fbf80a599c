"""A bar chart of a benchmark's per-type averages, as a PNG for the card (``--chart``).

matplotlib is an extra (``cardkit[plot]``) and is imported only here, only when a chart is
asked for, so ``cardkit build`` stays fast without it. The figure is drawn for the width the
Hub shows a card's images at (about 800 px): 8 inches at 150 dpi, scaled down crisply.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from cardkit.io.errors import CardkitError
from cardkit.reports.tables import count_label, type_label
from cardkit.scores.summary import MEAN_LABELS, BenchmarkSummary, mean_columns

WIDTH_IN = 8.0
DPI = 150
BAR_COLOR = "#3b6ea8"


@dataclass
class Chart:
    filename: str  # under assets/
    png: bytes
    bars: int
    width_px: int
    height_px: int


def chart_filename(benchmark_name: str) -> str:
    """``MTEB(cmn, v1)`` -> ``mteb-cmn-v1.png``, ``C-MTEB`` -> ``mteb-c-mteb.png``: a name safe
    in any file system and URL."""
    slug = re.sub(r"[^a-z0-9]+", "-", benchmark_name.lower()).strip("-") or "benchmark"
    return f"{slug}.png" if slug.startswith("mteb-") else f"mteb-{slug}.png"


def _figure_classes():
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise CardkitError(
            "--chart needs matplotlib, which is not installed: install cardkit[plot] "
            "(pip install 'cardkit[plot]')"
        ) from None
    return Figure, FigureCanvasAgg


def summary_chart(summary: BenchmarkSummary, model_name: str) -> Chart:
    """One horizontal bar per task type whose tasks are all complete (the others labelled
    with their counts); the overall average, when the table shows one, as a dashed line."""
    fig = chart_figure(summary, model_name)
    ax = fig.axes[0]
    count = len(ax.patches)
    buffer = io.BytesIO()
    # No timestamp or version in the metadata: the same scores give the same bytes.
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    width, height = fig.canvas.get_width_height()
    return Chart(chart_filename(summary.benchmark.name), buffer.getvalue(), count, width, height)


def chart_figure(summary: BenchmarkSummary, model_name: str) -> Any:
    """The matplotlib figure of :func:`summary_chart`, laid out, not yet saved."""
    Figure, FigureCanvasAgg = _figure_classes()
    types = list(summary.by_type.values())
    labels = [f"{type_label(t.type)} ({count_label(t.present, t.expected)})" for t in types]
    height_in = 1.5 + 0.45 * max(len(types), 1)
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    positions = list(range(len(types)))[::-1]  # first type on top, like the table
    # The table's rule: a type's mean only when every task of the type is complete.
    scored = [(pos, t) for pos, t in zip(positions, types) if t.leaderboard_mean is not None]
    ax.barh(
        [pos for pos, _ in scored],
        [t.leaderboard_mean for _, t in scored],
        height=0.65,
        zorder=2,
        color=BAR_COLOR,
    )
    ax.set_yticks(positions, labels, fontsize=11)
    # Every row keeps its place, with or without a bar: the top one never runs into the title.
    ax.set_ylim(-0.6, len(types) - 0.4)
    ax.set_xlim(0, 100)
    ax.set_xlabel("mean score (0 to 100)", fontsize=10)
    ax.tick_params(axis="x", labelsize=10)
    for pos, t in zip(positions, types):
        mean = t.leaderboard_mean
        if mean is not None:
            text = f"{mean:.2f}"
        else:
            text = "no result" if t.present == 0 else f"incomplete: {t.present}/{t.expected}"
        ax.text(
            (mean or 0) + 1,
            pos,
            text,
            va="center",
            ha="left",
            fontsize=10,
            zorder=4,
            fontweight="bold" if mean is not None else "normal",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5},
        )
    # The first mean the benchmark's table shows (Mean (Subset) for HUME).
    column = next(iter(mean_columns(summary.benchmark)), "mean_task")
    average = summary.leaderboard_mean(column)
    if average is not None:
        ax.axvline(average, color="#444444", linestyle="--", linewidth=1, zorder=1)
        how = f"{MEAN_LABELS[column]} {average:.2f} over {summary.present} tasks (dashed line)"
    else:
        how = f"incomplete: {summary.present}/{summary.expected} tasks, no mean"
    ax.set_title(
        f"{model_name} on {summary.benchmark.title}\n{how}",
        fontsize=11,
        loc="left",
    )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig
