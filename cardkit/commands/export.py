"""`cardkit export`: a card's model-index back to mteb result files."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export", help="write a card's model-index as mteb result files (one per task)"
    )
    parser.add_argument("card", type=Path, metavar="CARD", help="README.md with a model-index")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="DIR",
        help="folder for <Task>.json files and model_meta.json",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cardkit.catalog import load_catalog
    from cardkit.readers.card import read_card
    from cardkit.writers.mteb_json import export_results

    catalog = load_catalog()
    models = read_card(args.card)
    for model in models:
        folder = (
            args.output
            if len(models) == 1
            else args.output / str(model.model_name).replace("/", "__")
        )
        written = export_results(model, catalog, folder)
        count = len(written) - 1
        print(f"wrote {count} result files and model_meta.json to {folder} ({model.model_name})")
    return 0
