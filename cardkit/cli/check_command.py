"""`cardkit check`: the pre-release gate. Is the card what `cardkit build` would write now?"""

from __future__ import annotations

import argparse
import sys

from cardkit.cli.build_command import add_build_options, folder_asked, request_from_args
from cardkit.io.atomic import is_stream
from cardkit.io.console import status
from cardkit.io.errors import CardkitError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="exit 1 with a diff when the card is not what `cardkit build` would write",
        description="Build the card in memory from the results (same options as "
        "`cardkit build`), compare it with the card on disk, and write nothing.",
    )
    add_build_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    request = request_from_args(args)
    if is_stream(request.output):
        raise CardkitError(
            "check compares the card file with the results: give -o a file", request.output
        )
    from cardkit.build.card import plan_build
    from cardkit.cardtext.update import card_diff

    stale = 0
    for card in plan_build(request, folder_asked(args)):
        if card.changed:
            stale += 1
            sys.stdout.write(card_diff(card.old_text, card.text, str(card.path)))
        for path in card.changed_assets:
            stale += 1
            print(f"Binary file {path} differs from what build would write")
        if not card.changed and not card.changed_assets:
            status(f"{card.path} is up to date with the results ({card.tasks} tasks)")
    if stale:
        print("run `cardkit build` (same options) to update", file=sys.stderr)
    return 1 if stale else 0
