"""`cardkit export`: a card's model-index back to mteb result files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cardkit.io.atomic import is_stdout
from cardkit.io.console import status
from cardkit.io.errors import CardkitError
from cardkit.io.safenames import inside, model_folder, unique_names

if TYPE_CHECKING:
    from cardkit.model import ModelResults


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


def model_folders(models: list[ModelResults], output: Path) -> list[Path]:
    """``output`` for one model; ``output/<org>__<name>`` for each of several, kept inside."""
    if is_stdout(output):
        raise CardkitError("export writes one file per task: give -o a folder, not '-'")
    if output.exists() and not output.is_dir():
        raise CardkitError("is not a folder: export writes one file per task into a folder", output)
    if len(models) == 1:
        return [output]
    folders = [(str(m.model_name), model_folder(m.model_name)) for m in models]
    unique_names(folders, "models")
    return [inside(output / folder, output) for _, folder in folders]


def run(args: argparse.Namespace) -> int:
    from cardkit.catalog import load_catalog
    from cardkit.readers.model_card import read_card
    from cardkit.writers.mteb_json import planned_files, write_planned

    catalog = load_catalog()
    models = read_card(args.card)
    folders = model_folders(models, args.output)
    # Every file of every model is planned and checked before the first is written.
    planned = [planned_files(m, catalog, f) for m, f in zip(models, folders)]
    for model, folder, files in zip(models, folders, planned):
        count = len(write_planned(files)) - 1
        status(f"wrote {count} result files and model_meta.json to {folder} ({model.model_name})")
    return 0
