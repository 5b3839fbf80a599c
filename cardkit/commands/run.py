"""`cardkit run`: evaluate a model on MTEB tasks (built-in or local) and write mteb result files.

This module only parses options: mteb, torch and sentence-transformers are imported inside the
handler, so that `cardkit --help` and the other commands stay fast.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

from cardkit.console import command_line, status
from cardkit.errors import CardkitError

_NEEDED = ("mteb", "torch", "sentence_transformers")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="evaluate a model on MTEB tasks and write mteb result files",
        description="Evaluate a SentenceTransformer (or an OpenAI-compatible embeddings API) on "
        "mteb tasks, including local tasks, and write RESULTS/<org>__<model>/<revision>/"
        "<Task>.json. Settings may also come from the run: section of cardkit.yaml.",
    )
    add = parser.add_argument
    add("--model", help="a SentenceTransformer folder or Hub id")
    add("--tasks", help="comma-separated mteb task names (and names of --custom-task tasks)")
    add("--benchmark", help="an mteb benchmark name, e.g. 'MTEB(eng, v2)'")
    add(
        "--custom-task",
        dest="custom_tasks",
        action="append",
        type=Path,
        metavar="DIR",
        help="a folder with task.yaml and data files (repeat for several)",
    )
    add("-o", "--output", type=Path, metavar="RESULTS", help="the results folder")
    add(
        "--model-name",
        help="the name results are filed under (default: the model folder's name, or the Hub id)",
    )
    add(
        "--revision",
        help="the model revision results are filed under (default: no_revision_available)",
    )
    add("--batch-size", type=int)
    add("--device", choices=("auto", "cpu", "cuda", "mps"))
    add("--precision", choices=("fp32", "fp16", "bf16"))
    add("--max-seq-length", type=int)
    add(
        "--pooling",
        choices=("mean", "cls", "max", "lasttoken", "weightedmean", "mean_sqrt_len_tokens"),
        help="build the model as transformer + this pooling instead of its saved modules",
    )
    add("--prompt", help="prompt for queries of retrieval tasks and for every text of other tasks")
    add("--limit", type=int, help="evaluate only the first N examples of each split (smoke test)")
    add("--overwrite", action="store_true", help="recompute tasks that already have results")
    add("--build", action="store_true", help="run `cardkit build` on the results afterwards")
    add("--card", type=Path, help="the card --build writes or updates (default: README.md)")
    add(
        "--api-base",
        help="base URL of an OpenAI-compatible embeddings API (e.g. http://localhost:8000/v1)",
    )
    add("--api-model", help="the model name the API serves")
    add("--dimensions", type=int, help="ask the API for embeddings of this size")
    add("--api-key-env", help="environment variable holding the API key (default: OPENAI_API_KEY)")
    add(
        "--config",
        type=Path,
        help="cardkit.yaml to read run: settings from (default: ./cardkit.yaml when it exists)",
    )
    parser.set_defaults(handler=handle)


def _check_installed() -> None:
    missing = [name for name in _NEEDED if importlib.util.find_spec(name) is None]
    if missing:
        raise CardkitError(
            f"`cardkit run` needs {', '.join(missing)}: install cardkit[run] "
            "(pip install 'cardkit[run]')"
        )


def handle(args: argparse.Namespace) -> int:
    from cardkit.run.settings import load_run_section, merge_settings

    config = args.config
    if config is None and Path("cardkit.yaml").is_file():
        config = Path("cardkit.yaml")
    section = load_run_section(config) if config is not None else {}
    base = config.parent if config is not None else Path(".")
    skip = ("handler", "config", "argv")
    cli = {key: value for key, value in vars(args).items() if key not in skip}
    settings = merge_settings(cli, section, base)
    settings.config_path = config
    settings.command = command_line("run", getattr(args, "argv", None))
    from cardkit.run.settings import check_settings

    check_settings(settings)
    if not settings.api_base:
        _check_installed()
    else:
        missing = [n for n in ("mteb", "torch") if importlib.util.find_spec(n) is None]
        if missing:
            raise CardkitError(f"`cardkit run` needs {', '.join(missing)}: install cardkit[run]")

    from cardkit.run.runner import run

    report = run(settings)
    done = sum(1 for o in report.outcomes if not o.skipped)
    skipped = len(report.outcomes) - done
    status(
        f"{report.model_name} ({report.revision}): {done} evaluated, {skipped} skipped -> "
        f"{report.folder}"
    )
    if settings.build:
        from cardkit.build import BuildRequest, build

        if settings.limit:
            print(
                f"warning: the card is built from results limited to {settings.limit} "
                "examples per split"
            )
        cards = build(
            BuildRequest(
                results=[report.folder],
                output=settings.card,
                model_name=settings.model_name,
                revision=report.revision,
                extra_tasks=report.extra_tasks,
                build_command="",  # the run command, recorded with the results, built it
            )
        )
        for card in cards:
            state = "wrote" if card.changed else "unchanged"
            status(
                f"{state} {card.path}: {card.model_name}, {card.tasks} tasks, "
                f"{card.entries} entries"
            )
    return 0
