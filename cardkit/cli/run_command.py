"""`cardkit run`: evaluate a model on MTEB tasks (built-in or local) and write mteb result files.

This module only parses options: mteb, torch and sentence-transformers are imported inside the
handler, so that `cardkit --help` and the other commands stay fast.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

from cardkit.io.console import command_line, status
from cardkit.io.errors import CardkitError
from cardkit.io.log import log
from cardkit.run.choices import EXECUTORS, RERANKER_TYPES

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
    add(
        "--model",
        action="append",
        help="a SentenceTransformer folder or Hub id (repeat to evaluate several models)",
    )
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
        action="append",
        help="the name results are filed under (default: the model folder's name, or the Hub "
        "id); with several --model, one per model in the same order",
    )
    add(
        "--revision",
        action="append",
        help="the model revision results are filed under (default: no_revision_available); "
        "with several --model, one per model",
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
    add(
        "--build",
        action="store_true",
        help="then build the card as `cardkit build` does (same cardkit.yaml), from the results",
    )
    add(
        "--card",
        help="the card --build writes or updates (default: output of cardkit.yaml, else README.md)",
    )
    add(
        "--api-base",
        help="base URL of an OpenAI-compatible embeddings API (e.g. http://localhost:8000/v1)",
    )
    add("--api-model", help="the model name the API serves")
    add("--dimensions", type=int, help="ask the API for embeddings of this size")
    add("--api-key-env", help="environment variable holding the API key (default: OPENAI_API_KEY)")
    add(
        "--reranker",
        metavar="MODEL",
        help="rerank the top --top-k retrieved documents of each retrieval task with this model "
        "(a CrossEncoder or a sentence-transformers embedding model: folder or Hub id)",
    )
    add(
        "--reranker-name",
        help="the name the reranker goes by in task names (default: its folder's name, or the "
        "Hub id)",
    )
    add(
        "--reranker-type",
        choices=RERANKER_TYPES,
        help="how --reranker scores a query and a document (default: what its checkpoint is)",
    )
    add("--top-k", type=int, help="how many first-stage documents the reranker sees (default 10)")
    add(
        "--executor",
        choices=EXECUTORS,
        help="local: one task after another in this process (default); ray: every (model, "
        "task) pair is a Ray task",
    )
    add(
        "--ray-address",
        help="the Ray cluster to use with --executor ray (default: start one on this machine)",
    )
    add(
        "--config",
        type=Path,
        help="cardkit.yaml to read run: settings from (default: ./cardkit.yaml when it exists), "
        "or an evalscope MTEB task configuration (JSON or YAML)",
    )
    parser.set_defaults(handler=handle)


def _check_installed() -> None:
    missing = [name for name in _NEEDED if importlib.util.find_spec(name) is None]
    if missing:
        raise CardkitError(
            f"`cardkit run` needs {', '.join(missing)}: install cardkit[run] "
            "(pip install 'cardkit[run]')"
        )


def _read_config(config: Path | None) -> tuple[dict, bool, str | None, bool]:
    """(run: section, --overwrite implied, literal API key, whether it is evalscope's)."""
    from cardkit.run.evalscope_config import read_evalscope
    from cardkit.run.settings import load_run_section

    if config is None:
        return {}, False, None, False
    evalscope = read_evalscope(config)
    if evalscope is not None:
        return evalscope.section, evalscope.overwrite, evalscope.api_key, True
    return load_run_section(config), False, None, False


def handle(args: argparse.Namespace) -> int:
    from cardkit.run.settings import check_settings, merge_settings

    config = args.config
    if config is None and Path("cardkit.yaml").is_file():
        config = Path("cardkit.yaml")
    section, overwrite, api_key, evalscope = _read_config(config)
    base = config.parent if config is not None else Path(".")
    skip = ("handler", "config", "argv")
    cli = {key: value for key, value in vars(args).items() if key not in skip}
    settings = merge_settings(cli, section, base)
    settings.config_path = config
    settings.command = command_line("run", getattr(args, "argv", None))
    settings.overwrite = settings.overwrite or overwrite
    settings.api_key = api_key
    check_settings(settings)
    card_given = args.card or (settings.card if section.get("card") else None)
    if settings.build and len(settings.models) > 1 and not _is_folder(card_given):
        raise CardkitError(
            "with several models, --build writes one card per model: give --card a folder "
            "(e.g. --card cards/)"
        )
    if not settings.api_base:
        _check_installed()
    else:
        missing = [n for n in ("mteb", "torch") if importlib.util.find_spec(n) is None]
        if missing:
            raise CardkitError(f"`cardkit run` needs {', '.join(missing)}: install cardkit[run]")
    if settings.executor == "ray" and importlib.util.find_spec("ray") is None:
        raise CardkitError(
            "--executor ray needs Ray: install cardkit[ray] (pip install 'cardkit[ray]')"
        )

    from cardkit.run.runner import run

    reports = run(settings)
    for report in reports:
        done = sum(1 for o in report.outcomes if not o.skipped)
        skipped = len(report.outcomes) - done
        status(
            f"{report.model_name} ({report.revision}): {done} evaluated, {skipped} skipped -> "
            f"{report.folder}"
        )
    if settings.build:
        if settings.limit:
            log.warning(
                "the card is built from results limited to %s examples per split", settings.limit
            )
        _build(None if evalscope else config, card_given, [r.folder for r in reports])
    return 0


def _is_folder(path: Path | str | None) -> bool:
    return path is not None and (Path(path).is_dir() or str(path).endswith(("/", "\\")))


def _build(config: Path | None, card: Path | str | None, folders: list[Path]) -> None:
    """`cardkit build` exactly as the command runs it: the same config, options and defaults;
    the results are the config's, else the folders this run wrote."""
    from cardkit.build.card import build
    from cardkit.cli.build_command import build_command_line, request_from_args

    options = argparse.Namespace(
        results=[],
        output=Path(card) if card is not None else None,
        model_name=None,
        revision=None,
        metrics=None,
        config=config,
        no_config=False,
        template=None,
        chart=None,
        body=None,
        replace_section=None,
        benchmarks=None,
    )
    request = request_from_args(options)
    if not request.results:  # the folders this run wrote, and the command building from them
        request.results = list(folders)
        options.results = list(folders)
        request.build_command = build_command_line(
            argparse.Namespace(**{**vars(options), "output": request.output}),
            request.config.path if request.config is not None else None,
        )
    if len(folders) > 1 and _is_folder(card):
        request.output.mkdir(parents=True, exist_ok=True)  # one card per model goes in it
    for card_built in build(request):
        state = "wrote" if card_built.changed else "unchanged"
        status(
            f"{state} {card_built.path}: {card_built.model_name}, {card_built.tasks} tasks, "
            f"{card_built.entries} entries"
        )
