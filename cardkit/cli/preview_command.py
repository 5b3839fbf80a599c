"""`cardkit preview CARD [-o card.html]`: the card as the Hub will show it, before a push."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cardkit.io.console import status


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "preview",
        help="render a card as the Hub shows it, into one HTML file",
        description="Render the card's Markdown (tables, inline HTML) as the Hub does, with "
        "its images from the card's folder embedded and its metadata summarised, into one "
        "self-contained HTML file to open in a browser.",
    )
    parser.add_argument("card", type=Path, metavar="CARD", help="the card (README.md)")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        metavar="HTML",
        help="the page to write (default: the card's name with .html; '-' for standard output)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cardkit.io.atomic import is_stdout, write_text_atomic
    from cardkit.render.preview import preview

    card: Path = args.card
    output: Path = args.output if args.output is not None else card.with_suffix(".html")
    page = preview(card)
    for problem in page.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if is_stdout(output):
        sys.stdout.write(page.html)
        return 0
    write_text_atomic(output, page.html)
    images = f", {page.images} image{'s' if page.images != 1 else ''} embedded"
    status(f"wrote {output}: {card} as the Hub shows it{images}")
    return 0
