"""`cardkit preview CARD [-o card.html]`: the card as the Hub will show it, before a push."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from cardkit.io.console import status
from cardkit.io.errors import CardkitError

# Warnings printed one a line; the rest are counted (a card can name thousands of images).
PROBLEMS_SHOWN = 20


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
    from cardkit.io.atomic import output_kind, write_text_atomic
    from cardkit.render.preview import preview

    card: Path = args.card
    named = args.output is not None
    output: Path = args.output if named else card.with_suffix(".html")
    # The default output is derived from the card's name: a regular file or nothing (a
    # repository can ship README.html -> /dev/watchdog); only -o may name a device or a pipe.
    kind = output_kind(output, named)
    if kind == "file" and _same_file(card, output):
        raise CardkitError(
            "is the card itself: the preview would overwrite it; give the page another name "
            "with -o",
            output,
        )
    page = preview(card)
    for problem in page.problems[:PROBLEMS_SHOWN]:
        print(f"warning: {problem}", file=sys.stderr)
    if len(page.problems) > PROBLEMS_SHOWN:
        print(f"warning: {card}: and {len(page.problems) - PROBLEMS_SHOWN} more", file=sys.stderr)
    write_text_atomic(output, page.html, named)
    if kind == "stdout":
        return 0
    images = f", {page.images} image{'s' if page.images != 1 else ''} embedded"
    status(f"wrote {output}: {card} as the Hub shows it{images}")
    return 0


def _same_file(card: Path, output: Path) -> bool:
    try:
        return os.path.samefile(card, output)
    except (OSError, ValueError):
        return False
