"""`cardkit compare A B C ...`: the leaderboard table of several models, per benchmark."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cardkit.model import ModelResults

FORMATS = ("text", "markdown", "csv", "json")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="the leaderboard table of several models on a benchmark",
        description="Rank several models on a benchmark as the MTEB leaderboard does. Each "
        "source is a results folder of any layout, a results store root (every model in "
        "it), a card, an .eval_results folder, or hf://ORG/NAME[@REVISION] on the Hub.",
    )
    parser.add_argument("sources", nargs="+", metavar="SOURCE", help="models to compare")
    parser.add_argument(
        "--benchmark",
        action="append",
        dest="benchmarks",
        metavar="NAME",
        help="benchmark to rank on (repeatable; default: every benchmark on which each model "
        "has a complete task)",
    )
    parser.add_argument("--tasks", action="store_true", help="add a column per task")
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )
    parser.add_argument(
        "--revision",
        metavar="merge|latest|NAME",
        help="which revision folders of a local model folder to read (default: merge)",
    )
    parser.set_defaults(handler=run)


def _names(found: list[tuple[str, ModelResults]]) -> list[str]:
    """Each model's name, the source added where two sources hold the same model."""
    counts = Counter(model.model_name for _, model in found)
    return [
        f"{model.model_name} ({source})" if counts[model.model_name] > 1 else str(model.model_name)
        for source, model in found
    ]


def run(args: argparse.Namespace) -> int:
    from cardkit.catalog import load_catalog
    from cardkit.readers.sources import grouped_notes, read_source
    from cardkit.reports.compare_report import render_csv, render_json, render_markdown, render_text
    from cardkit.scores.compare import compare_models

    catalog = load_catalog()
    for name in args.benchmarks or ():
        catalog.benchmark(name)  # an unknown name fails before anything is read
    found: list[tuple[str, ModelResults]] = []
    with grouped_notes():
        for source in args.sources:
            found.extend((source, m) for m in read_source(source, catalog, args.revision))
    models = [model for _, model in found]
    tables = compare_models(models, catalog, args.benchmarks, _names(found))
    if args.format == "json":
        text = render_json(tables)
    elif args.format == "csv":
        text = render_csv(tables, args.tasks)
    elif args.format == "markdown":
        text = render_markdown(tables, args.tasks)
    else:
        text = render_text(tables, args.tasks)
    sys.stdout.write(text)
    return 0
