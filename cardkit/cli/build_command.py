"""`cardkit build`: write or update the card from result files (and ./cardkit.yaml)."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cardkit.cli.options import add_jobs_option
from cardkit.io.atomic import is_stdout, is_stream, output_kind
from cardkit.io.console import status
from cardkit.io.errors import CardkitError
from cardkit.io.redact import redact
from cardkit.modelindex import METRICS_CHOICES

# The library is imported when the command runs, not when its options are listed.
if TYPE_CHECKING:
    from cardkit.build.card import BuildRequest, BuiltCard
    from cardkit.build.store import ModelOutcome


def add_build_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by `build` and `check` (which must compute the same card).

    Defaults are None so that a value from cardkit.yaml is used unless the option is given.
    """
    parser.add_argument(
        "results",
        nargs="*",
        type=Path,
        metavar="RESULTS",
        help="result files or folders, or a card whose model-index to read "
        "(default: 'results:' of cardkit.yaml)",
    )
    parser.add_argument(
        "-o",
        "--output",
        default=None,  # kept as typed: a trailing slash asks for a folder of cards
        help="the card to write or update (default: README.md; '-' for standard output; "
        "a folder, or a name ending in /, for one card per model)",
    )
    parser.add_argument(
        "--model-name", help="the model-index name and title (default: from the results)"
    )
    parser.add_argument(
        "--revision",
        metavar="merge|latest|NAME",
        help="which results to use when a model has several revision folders: merge (default: "
        "task by task, as the MTEB leaderboard merges them), latest (the one folder the "
        "leaderboard ranks first) or a folder's name; a results folder, not the Hub branch "
        "that `cardkit push --revision` commits to",
    )
    parser.add_argument(
        "--metrics",
        choices=METRICS_CHOICES,
        default=None,
        help="default: every score but diagnostics; main: main score only; "
        "all: every numeric value",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="PATH",
        help="project config (default: ./cardkit.yaml when it exists)",
    )
    parser.add_argument("--no-config", action="store_true", help="ignore ./cardkit.yaml")
    parser.add_argument(
        "--template",
        type=Path,
        default=None,
        metavar="PATH",
        help="your own Jinja2 template for the card body",
    )
    parser.add_argument(
        "--chart",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write a bar chart per benchmark under assets/ and show it",
    )
    parser.add_argument(
        "--body",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="--body: add the generated sections to an existing card that lacks "
        "them; --no-body: leave an existing card's body alone (default: update "
        "the generated sections an existing card already has)",
    )
    parser.add_argument(
        "--replace-section",
        action="append",
        default=None,
        metavar="NAME=HEADING",
        help="put the generated section NAME (evaluation, usage, reproduce, "
        "license, citation) in place of the card's section titled HEADING; "
        "implies --body. The section's sub-sections are kept after it, and a section "
        "holding a table of yours is refused, unless --force",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="do what is otherwise refused or skipped: let --replace-section remove the "
        "replaced section's sub-sections and tables (each one named as it goes); with a "
        "results store, build every model again, also those unchanged since the last build "
        "into the same folder",
    )
    parser.add_argument(
        "--prune",
        action="store_true",
        help="remove the card's MTEB results of tasks, splits and subsets the results do not "
        "hold (by default they are kept, and named)",
    )
    parser.add_argument(
        "--benchmark",
        action="append",
        default=None,
        dest="benchmarks",
        metavar="NAME",
        help="benchmark to summarise (repeatable; default: every benchmark with at least 90%% "
        "of its tasks complete in the results)",
    )
    parser.add_argument(
        "--compare",
        action="append",
        default=None,
        metavar="RESULTS_OR_CARD",
        help="another model to show in every summary table: its results folder, its card, a "
        "results store (every model in it) or hf://ORG/NAME[@REVISION] (repeatable)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("build", help="write or update a model card from MTEB results")
    add_build_options(parser)
    parser.add_argument(
        "--diff",
        action="store_true",
        help="print a unified diff of what would change, and write nothing",
    )
    parser.add_argument(
        "--eval-results",
        action="store_true",
        help="also write the Hub's .eval_results/<Task>.yaml beside the card",
    )
    add_jobs_option(
        parser,
        "a results store (a folder of <org>__<model>/<revision>/ folders) with -o a "
        "folder: build N models at a time (default: one per core)",
    )
    parser.set_defaults(handler=run)


def _replace_sections(values: list[str] | None) -> dict[str, str] | None:
    if values is None:
        return None
    out: dict[str, str] = {}
    for value in values:
        name, sep, heading = value.partition("=")
        if not sep:  # `--replace-section Evaluation`: the section named like the region
            name, heading = value.strip().lower(), value
        if not name.strip() or not heading.strip():
            raise CardkitError(f"--replace-section wants NAME=HEADING, got {value!r}")
        out[name.strip()] = heading.strip()
    return out


def folder_asked(args: argparse.Namespace) -> bool:
    """Whether -o was typed with a trailing slash (which a Path drops): a folder of cards."""
    typed = getattr(args, "output", None)
    return typed is not None and str(typed).endswith(("/", os.sep))


def request_from_args(args: argparse.Namespace) -> BuildRequest:
    """The build request: command-line options win over cardkit.yaml, which wins over defaults."""
    from cardkit.build.card import BuildRequest
    from cardkit.build.config import ProjectConfig, find_config, pick

    config = find_config(getattr(args, "config", None), not getattr(args, "no_config", False))
    conf = config or ProjectConfig()
    replace = _replace_sections(getattr(args, "replace_section", None))
    replace_sections = replace if replace is not None else dict(conf.replace_sections)
    body = pick(getattr(args, "body", None), conf.body)
    if replace and body is None:
        body = True
    typed = args.output
    output = pick(Path(typed) if typed is not None else None, conf.output, Path("README.md"))
    if typed is None:
        # README.md or the config's output: a regular file or nothing, never a device or pipe.
        output_kind(output, named=False)
    return BuildRequest(
        results=list(args.results) or list(conf.results),
        output=output,
        model_name=pick(args.model_name, conf.name),
        revision=pick(args.revision, conf.revision),
        metrics=pick(args.metrics, conf.metrics, "default"),
        extra_tasks=dict(conf.tasks),
        config=config,
        template=pick(getattr(args, "template", None), conf.template),
        chart=bool(pick(getattr(args, "chart", None), conf.chart, False)),
        body=body,
        replace_sections=replace_sections,
        benchmarks=pick(getattr(args, "benchmarks", None), conf.benchmarks),
        compare=list(pick(getattr(args, "compare", None), conf.compare, [])),
        build_command=build_command_line(
            argparse.Namespace(**{**vars(args), "output": typed or output}),
            config.path if config is not None else None,
        ),
        prune=bool(getattr(args, "prune", False)),
        force=bool(getattr(args, "force", False)),
    )


_VALUE_OPTIONS = (
    ("--model-name", "model_name"),
    ("--revision", "revision"),
    ("--metrics", "metrics"),
    ("--template", "template"),
)
_REPEATED_OPTIONS = (
    ("--replace-section", "replace_section"),
    ("--benchmark", "benchmarks"),
    ("--compare", "compare"),
)
_SWITCHES = (("--chart", "chart"), ("--body", "body"))
_PATH_OPTIONS = ("--template", "--compare")


def build_command_line(args: argparse.Namespace, config: Path | None = None) -> str:
    """The `cardkit build` command the card records: run in the card's folder, with every
    path as that folder reaches it (links resolved), so that the same results and card give
    the same line whatever folder, relative path or link they were named through, and no
    absolute path is published. ``-o`` is left out for README.md, ``--config`` for the
    card folder's own cardkit.yaml; ``config`` is the project config the command read."""
    from cardkit.build.config import CONFIG_NAME
    from cardkit.render.reproduce import card_relative

    card = Path(args.output) if args.output is not None else Path("README.md")
    if is_stream(card):
        card = Path.cwd() / "README.md"  # the card goes to a stream: paths from here

    def local(value: Path | str) -> str:
        """A local path as the card's folder reaches it; anything else (hf://) as given."""
        text = str(value)
        return card_relative(text, card) if "://" not in text else text

    words = ["cardkit", "build", *map(local, args.results)]
    if card.name != "README.md":
        words += ["-o", card.name]
    if config is not None and local(config) != CONFIG_NAME:
        words += ["--config", local(config)]
    if getattr(args, "no_config", False):
        words.append("--no-config")
    for option, key in _VALUE_OPTIONS:
        value = getattr(args, key, None)
        if value is not None:
            words += [option, local(value) if option in _PATH_OPTIONS else str(value)]
    for option, key in _SWITCHES:
        value = getattr(args, key, None)
        if value is not None:
            words.append(option if value else f"--no-{option[2:]}")
    for option, key in _REPEATED_OPTIONS:
        for value in getattr(args, key, None) or ():
            path = option in _PATH_OPTIONS and Path(str(value)).exists()
            words += [option, local(value) if path else str(value)]
    return redact(shlex.join(words))


def run(args: argparse.Namespace) -> int:
    from cardkit.build.card import plan_build, write_cards
    from cardkit.cardtext.update import card_diff

    request = request_from_args(args)
    store = _results_store(request)
    if store is not None:
        return _build_store(store, request, args)
    if getattr(args, "diff", False):
        for card in plan_build(request, folder_asked(args)):
            sys.stdout.write(card_diff(card.old_text, card.text, str(card.path)))
            for path in card.changed_assets:
                print(f"Binary file {path} would be written")
        return 0
    # A card sent to standard output, a device or a pipe has no folder for the files that
    # go beside it, and the lines saying what was done go to stderr, out of its way.
    streamed = is_stream(request.output)
    if streamed and (request.chart or getattr(args, "eval_results", False)):
        raise CardkitError(
            "is standard output, a device or a pipe: --chart and --eval-results need a card "
            "file, their files are written beside it",
            request.output,
        )
    # Held by the arguments, which a process ending at once keeps to its end (`cli.main.run`):
    # freeing a large model's objects one by one would be work for nothing.
    cards = args.made = plan_build(request, folder_asked(args))
    eval_results = []
    if getattr(args, "eval_results", False):
        from cardkit.writers.eval_results import plan_for_cards

        eval_results = plan_for_cards(cards)
    write_cards(cards, request.output if args.output is not None else None)
    said = sys.stderr if streamed else sys.stdout
    for card in cards:
        for path in card.changed_assets:
            status(f"wrote {path}", said)
        state = "wrote" if card.changed else "unchanged"
        status(f"{state} {_shown(card.path)}: {_summary(card)}", said)
    if eval_results:
        from cardkit.writers.eval_results import report, write_files

        write_files(eval_results)
        for line in report(eval_results):
            status(line, said)
    return 0


def _build_store(store: Path, request: BuildRequest, args: argparse.Namespace) -> int:
    """Every model of a results store, one card each: a progress bar on a terminal, one line
    per refused model folder, and the summary. Exit status 1 when a folder was refused."""
    from cardkit.build.store import build_store
    from cardkit.io.console import progress_bar
    from cardkit.io.workers import default_jobs
    from cardkit.readers.discover import store_model_folders

    if getattr(args, "diff", False):
        raise CardkitError("--diff shows the change of one card: build one model folder", store)
    if request.model_name:
        raise CardkitError(
            "--model-name names one model, and a results store holds many: leave it out "
            "(each card is named from its results)",
            store,
        )
    jobs = args.jobs or default_jobs()
    bar = progress_bar(len(store_model_folders(store) or []), "model")

    def progress(outcome: ModelOutcome) -> None:
        if outcome.status == "refused":
            # Escaped as every error line is: a folder name may hold a line break.
            line = str(CardkitError(outcome.error or "", where=f"refused {outcome.folder}"))
            if bar is not None:
                bar.write(line, file=sys.stderr)
            else:
                print(line, file=sys.stderr, flush=True)
        if bar is not None:
            bar.update()

    try:
        report = build_store(
            store,
            request.output,
            request,
            jobs,
            eval_results=getattr(args, "eval_results", False),
            progress=progress,
            force=getattr(args, "force", False),
            command_for=lambda folder, card: build_command_line(
                argparse.Namespace(**{**vars(args), "results": [folder], "output": card}),
                request.config.path if request.config is not None else None,
            ),
        )
    finally:
        if bar is not None:
            bar.close()
    status(report.summary())
    return 1 if report.count("refused") else 0


def _results_store(request: BuildRequest) -> Path | None:
    """The results store to card model by model: one folder of model folders given, and -o a
    folder (one that exists, or a new name that is not a .md file)."""
    output = request.output
    if len(request.results) != 1 or is_stream(output) or output.suffix.lower() == ".md":
        return None
    if output.exists() and not output.is_dir():
        return None
    from cardkit.readers.discover import store_model_folders

    return request.results[0] if store_model_folders(request.results[0]) is not None else None


def _shown(path: Path) -> str:
    return "the card to standard output" if is_stdout(path) else str(path)


def _summary(card: BuiltCard) -> str:
    """The card's model, and how many tasks and entries its model-index holds (for an
    update, how many of them the results added or updated and the card kept)."""
    merged = card.merge.line() if card.merge is not None else ""
    return f"{card.model_name}, {card.tasks} tasks, {card.entries} entries" + (
        f" ({merged})" if merged else ""
    )
