"""`cardkit validate`: check cards and `.eval_results` files offline, line by line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cardkit.cli.options import add_jobs_option
from cardkit.io.console import status


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
    parser.add_argument(
        "--force",
        action="store_true",
        help="check every file of a folder again, also those unchanged since the last run "
        "(a folder's findings are kept by each file's SHA-256 in the cache folder, "
        "~/.cache/cardkit/validate/ by default; CARDKIT_CACHE_DIR= turns it off)",
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

    cache = None
    if any(path.is_dir() for path in args.paths):
        # A folder (of cards) is checked again after each build: only what changed is checked.
        from cardkit.validate.cache import validation_cache

        cache = validation_cache(args.paths)
        if cache is not None and not args.force:
            cache.load()
    try:
        report = validate_paths(args.paths, jobs=args.jobs, progress=progress, cache=cache)
    finally:
        if bar is not None:
            bar.close()
    if cache is not None:
        problem = cache.save()
        if problem:
            print(f"note: {problem}", file=sys.stderr)
    if report.cached:
        status(
            f"{report.cached} of {report.files} files unchanged since they were last checked: "
            "their findings are those of that check (--force checks them again)",
            sys.stderr,
        )
    render = json_report if args.format == "json" else text_report
    sys.stdout.write(render(report.files, report.findings))
    return report.exit_code
