"""`cardkit validate`: check cards and `.eval_results` files offline, line by line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cardkit.cli.options import add_jobs_option


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check a card's metadata and .eval_results files against the Hub's rules",
        description="Exit 0 when valid (warnings allowed), 1 when anything is invalid, "
        "2 when a path cannot be read.",
    )
    parser.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="a README.md, an .eval_results/*.yaml file, a model repository folder, or a "
        "folder of them (searched below, as `cardkit build STORE -o CARDS` writes them)",
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="how to print the findings"
    )
    add_jobs_option(
        parser,
        "check N files at a time in processes of their own (default: one per core "
        "when there are many files)",
    )
    parser.set_defaults(handler=run, logs=False)


def run(args: argparse.Namespace) -> int:
    from cardkit.validate import MANY_FILES, validate_paths
    from cardkit.validate.reporter import json_report, text_report

    bar: Any = None

    def progress(total: int) -> None:
        nonlocal bar
        if bar is not None:
            bar.update()
        elif total >= MANY_FILES:
            from cardkit.io.console import progress_bar

            bar = progress_bar(total, "file")

    try:
        report = validate_paths(args.paths, jobs=args.jobs, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    render = json_report if args.format == "json" else text_report
    sys.stdout.write(render(report.files, report.findings))
    return report.exit_code
