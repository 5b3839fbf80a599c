"""`cardkit validate`: check cards and `.eval_results` files offline, line by line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


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
        help="a README.md, an .eval_results/*.yaml file, or a model repository folder",
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="how to print the findings"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cardkit.validate import validate_paths
    from cardkit.validate.reporter import json_report, text_report

    report = validate_paths(args.paths)
    render = json_report if args.format == "json" else text_report
    sys.stdout.write(render(report.files, report.findings))
    return report.exit_code
