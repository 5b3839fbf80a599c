"""`cardkit diff OLD [NEW]`: what changed between two sets of results, and a regression gate."""

from __future__ import annotations

import argparse
import sys

from cardkit.io.errors import CardkitError

FORMATS = ("text", "markdown", "json")


def _points(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of points: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more points, got {text}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="compare two sets of results score by score (exit 1 past --threshold)",
        description="Compare two sets of results of a model: every (task, split, subset) main "
        "score before and after, tasks added and removed, benchmark means. Each side is a "
        "results folder of any layout, a card, an .eval_results folder, or "
        "hf://ORG/NAME[@REVISION] on the Hub.",
    )
    parser.add_argument("old", metavar="OLD", help="the results before")
    parser.add_argument(
        "new",
        metavar="NEW",
        nargs="?",
        help="the results after (default: OLD again, with --old-revision/--new-revision)",
    )
    parser.add_argument(
        "--threshold",
        type=_points,
        metavar="POINTS",
        help="exit 1 when a main score drops by more than POINTS (0 to 100 scale)",
    )
    parser.add_argument(
        "--threshold-average",
        type=_points,
        metavar="POINTS",
        help="exit 1 when a benchmark mean drops by more than POINTS",
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )
    parser.add_argument(
        "--all",
        action="store_true",
        dest="everything",
        help="also list the scores and benchmarks that did not change",
    )
    parser.add_argument(
        "--benchmark",
        action="append",
        dest="benchmarks",
        metavar="NAME",
        help="benchmark whose means to compare (repeatable; default: every benchmark on "
        "which either side has a complete task)",
    )
    parser.add_argument(
        "--revision",
        metavar="merge|latest|NAME",
        help="which revision folders of a local model folder to read, both sides",
    )
    parser.add_argument("--old-revision", metavar="merge|latest|NAME", help="the same, OLD only")
    parser.add_argument("--new-revision", metavar="merge|latest|NAME", help="the same, NEW only")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cardkit.catalog import load_catalog
    from cardkit.readers.sources import grouped_notes, read_one_model
    from cardkit.reports.diff_report import Gate, render_json, render_markdown, render_text
    from cardkit.reports.terminal import wants_colour
    from cardkit.scores.diff import diff_results

    old_revision = args.old_revision or args.revision
    new_revision = args.new_revision or args.revision
    new = args.new
    if new is None:
        if (old_revision or "merge") == (new_revision or "merge"):
            raise CardkitError(
                "give NEW, or compare two revisions of OLD with --old-revision and --new-revision"
            )
        new = args.old
    catalog = load_catalog()
    if args.benchmarks:
        for name in args.benchmarks:
            catalog.benchmark(name)  # an unknown name fails before anything is read
    with grouped_notes():
        old_model = read_one_model(args.old, catalog, old_revision)
        new_model = read_one_model(new, catalog, new_revision)
    diff = diff_results(old_model, new_model, catalog, args.benchmarks)
    gate = Gate(args.threshold, args.threshold_average)
    old_label = _label(args.old, old_revision, args.new is None)
    new_label = _label(new, new_revision, args.new is None)
    if args.format == "json":
        text = render_json(diff, old_label, new_label, gate, args.everything)
    elif args.format == "markdown":
        text = render_markdown(diff, old_label, new_label, gate, args.everything)
    else:
        colour = wants_colour(sys.stdout)
        text = render_text(diff, old_label, new_label, gate, args.everything, colour)
    sys.stdout.write(text)
    return 1 if gate.failed(diff) else 0


def _label(source: str, revision: str | None, same_source: bool) -> str:
    """The source as given, with the revision policy when it tells the two sides apart."""
    if revision and (same_source or revision not in ("merge",)):
        return f"{source} (--revision {revision})"
    return source
