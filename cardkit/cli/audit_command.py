"""`cardkit audit`: the results repository's CI rules and the integrity rules, before a PR."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cardkit.cli.options import add_jobs_option
from cardkit.io.console import status


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="check results against the MTEB results repository's CI and integrity rules",
        description="Exit 0 when every rule passes, 1 when any fails. PATH: a results folder "
        "(one model), a revision folder, a card, or a whole store.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parser.add_argument(
        "--against",
        type=Path,
        metavar="STORE",
        help="a checkout of embeddings-benchmark/results (or a folder of results): the rules "
        "that compare with main compare PATH's files with the same files there",
    )
    parser.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="text: one line per finding; markdown: the results repository's pull request "
        "comment plus the findings; json: for tools",
    )
    parser.add_argument(
        "--no-mteb",
        action="store_true",
        help="skip the two rules that need mteb (model-in-mteb, loadable-by-mteb)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="audit every model folder again, also those unchanged since the last run (a "
        "folder's audit is kept by the SHA-256 of its files in the cache folder, "
        "~/.cache/cardkit/audit/ by default; CARDKIT_CACHE_DIR= turns it off)",
    )
    add_jobs_option(parser, "audit N model folders at a time (default: one per core)")
    parser.set_defaults(handler=run, logs=False)


def run(args: argparse.Namespace) -> int:
    from cardkit.audit import audit_paths
    from cardkit.audit.findings import json_report, text_report
    from cardkit.io.console import progress_bar
    from cardkit.io.workers import default_jobs

    bar: Any = None

    def progress(total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = progress_bar(total, "model") if total > 1 else False
        elif bar:
            bar.update()

    try:
        report = audit_paths(
            args.paths,
            against=args.against,
            jobs=args.jobs or default_jobs(),
            use_mteb=False if args.no_mteb else None,
            progress=progress,
            cache="renew" if args.force else "load",
        )
    finally:
        if bar:
            bar.close()
    if report.cached:
        status(
            f"{report.cached} of {len(report.models)} model folders unchanged since they were "
            "last audited: their findings are those of that audit (--force audits them again)",
            sys.stderr,
        )
    if args.format == "json":
        sys.stdout.write(json_report(report.files, report.findings, report.notes))
    elif args.format == "markdown":
        from cardkit.audit.comment import markdown_report

        sys.stdout.write(markdown_report(report, args.against, use_mteb=not args.no_mteb))
    else:
        sys.stdout.write(text_report(report.files, report.findings, report.notes))
    return report.exit_code
