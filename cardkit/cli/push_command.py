"""`cardkit push`: check the card and its result files, then publish them in one Hub commit."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from cardkit.io.console import status
from cardkit.io.errors import CardkitError

_REPO_ID = re.compile(r"^[\w.-]+/[\w.-]+$")


def _repo_id(value: str) -> str:
    if not _REPO_ID.match(value) or ".." in value or "--" in value:
        raise argparse.ArgumentTypeError(f"expected ORG/NAME, got {value!r}")
    return value


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {value!r}") from None
    if not seconds > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return seconds


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "push",
        help="check, then upload README.md, .eval_results/ and assets/ to the Hub in one commit",
    )
    parser.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="the model folder holding README.md (default: .)",
    )
    parser.add_argument(
        "--repo-id",
        required=True,
        type=_repo_id,
        metavar="ORG/NAME",
        help="the model repository on the Hub",
    )
    parser.add_argument(
        "--revision",
        metavar="BRANCH",
        help="the Hub branch to commit to (default: main); not the results folder that "
        "`cardkit build --revision` picks",
    )
    parser.add_argument(
        "--create-pr",
        action="store_true",
        help="open a pull request instead of committing to the branch",
    )
    parser.add_argument(
        "--commit-message",
        metavar="TEXT",
        help="the commit message (default: 'Update model card ...')",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the diff against the card on the Hub, and change nothing (a token is "
        "needed only to read a private repository)",
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="how long to wait for each answer from the Hub (default: 60)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cardkit.publish import HubTarget, InvalidFiles, dry_run, push
    from cardkit.publish.hub import DEFAULT_TIMEOUT

    if args.commit_message is not None and not args.commit_message.strip():
        raise CardkitError("--commit-message must not be empty")
    target = HubTarget(args.repo_id, args.revision, args.timeout or DEFAULT_TIMEOUT)
    try:
        if args.dry_run:
            preview = dry_run(args.folder, target)
            sys.stdout.write(preview.diff)
            state = "differs from" if preview.diff else "is the same as"
            print(
                f"dry run: README.md {state} {target.repo_id}@{preview.head[:7]}; "
                f"a push would upload {len(preview.files)} files: {', '.join(preview.files)}",
                file=sys.stderr,
            )
            return 0
        result = push(args.folder, target, args.commit_message, args.create_pr)
    except InvalidFiles as exc:
        for line in exc.findings:
            print(line, file=sys.stderr)
        raise
    if result.commit_oid == result.parent_commit:
        status(
            f"nothing to push: {target.repo_id}@{result.parent_commit[:7]} already has "
            f"these {len(result.files)} files"
        )
        return 0
    status(
        f"pushed {len(result.files)} files to {target.repo_id} "
        f"on top of {result.parent_commit[:7]}: {', '.join(result.files)}"
    )
    if result.pr_url:
        status(f"pull request: {result.pr_url}")
    else:
        status(f"commit: {result.commit_url}")
    return 0
