"""Settings of `cardkit run`: the ``run:`` section of cardkit.yaml, overridden by the command line.

The section is checked with the rest of cardkit.yaml against ``schemas/cardkit-config.schema.json``
(a new setting is one property there), with pyyaml only (no mteb, no torch), so a typo in the
config is reported in a fraction of a second, naming the file, the line, the column and the key.
Relative paths are relative to cardkit.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cardkit.io.errors import CardkitError
from cardkit.run.choices import EXECUTORS
from cardkit.run.rerank import DEFAULT_TOP_K, RerankerSettings, reranker_from_config
from cardkit.validate import read_yaml_file
from cardkit.validate.schema import load_schema


def max_batch_size() -> int:
    """The largest batch a run accepts: the config schema's bound, for every way to give one."""
    return load_schema("cardkit-config")["$defs"]["batchSize"]["maximum"]


@dataclass
class RunSettings:
    """Everything one `cardkit run` needs; built by :func:`merge_settings`."""

    model: str | None = None
    model_name: str | None = None
    revision: str | None = None
    tasks: list[str] = field(default_factory=list)
    benchmark: str | None = None
    custom_tasks: list[Path] = field(default_factory=list)
    output: Path | None = None
    batch_size: int = 32
    device: str = "auto"
    precision: str = "fp32"
    max_seq_length: int | None = None
    pooling: str | None = None
    prompt: str | None = None
    prompts: dict[str, Any] = field(default_factory=dict)
    model_kwargs: dict[str, Any] = field(default_factory=dict)
    limit: int | None = None
    overwrite: bool = False
    build: bool = False
    card: Path = Path("README.md")
    api_base: str | None = None
    api_model: str | None = None
    dimensions: int | None = None
    api_key_env: str = "OPENAI_API_KEY"
    config_path: Path | None = None
    # The command line as typed ("cardkit run ..."), recorded beside the results it writes.
    command: str | None = None
    # Several models in one run: every model, and the names and revisions given for them.
    models: list[str] = field(default_factory=list)
    model_names: list[str] = field(default_factory=list)
    revisions: list[str] = field(default_factory=list)
    reranker: RerankerSettings | None = None
    top_k: int = DEFAULT_TOP_K
    executor: str = "local"
    ray_address: str | None = None
    # A literal API key (from an evalscope config); never printed.
    api_key: str | None = field(default=None, repr=False)


def load_run_section(path: Path) -> dict[str, Any]:
    """The checked ``run:`` mapping of a cardkit.yaml (empty when there is none)."""
    data = read_yaml_file(path, "cardkit-config", "config file").data
    return dict((data or {}).get("run") or {})


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def _listed(value: Any) -> list[str]:
    """A repeatable option or key: nothing, one value or a list of values (never split)."""
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def merge_settings(cli: dict[str, Any], section: dict[str, Any], base: Path) -> RunSettings:
    """The command line wins over the config's run: section, which wins over the defaults."""

    def pick(key: str, default: Any = None) -> Any:
        value = cli.get(key)
        if value is not None and value != [] and value is not False:
            return value
        return section.get(key, default)

    def config_path(value: str | None) -> Path | None:
        return None if value is None else base / Path(value).expanduser()

    def config_model(model: str) -> str:
        return str(base / model) if (base / model).exists() else model  # a relative folder

    custom = [Path(p) for p in cli.get("custom_tasks") or []]
    if not custom:
        custom = [config_path(p) for p in _as_list(section.get("custom_tasks"))]  # type: ignore[misc]
    output = cli.get("output") or config_path(section.get("output"))
    card = Path(cli["card"]) if cli.get("card") else config_path(section.get("card"))
    models = _listed(cli.get("model"))
    if not models:
        models = [config_model(m) for m in _listed(section.get("model"))]
        models += [config_model(m) for m in _listed(section.get("models"))]
    names = _listed(cli.get("model_name")) or _listed(section.get("model_name"))
    revisions = _listed(cli.get("revision")) or _listed(section.get("revision"))
    reranker = None
    if cli.get("reranker"):
        reranker = RerankerSettings(model=cli["reranker"])
    elif section.get("reranker") is not None:
        reranker = reranker_from_config(section["reranker"], base=base)
    if reranker is not None and cli.get("reranker_type"):
        reranker.type = cli["reranker_type"]
    if reranker is not None and cli.get("reranker_name"):
        reranker.name = cli["reranker_name"]
    defaults = RunSettings()
    return RunSettings(
        model=models[0] if len(models) == 1 else None,
        model_name=names[0] if len(names) == 1 else None,
        revision=revisions[0] if len(revisions) == 1 else None,
        tasks=_as_list(cli.get("tasks")) or _as_list(section.get("tasks")),
        benchmark=pick("benchmark"),
        custom_tasks=[p for p in custom if p is not None],
        output=output,
        batch_size=pick("batch_size", defaults.batch_size),
        device=pick("device", defaults.device),
        precision=pick("precision", defaults.precision),
        max_seq_length=pick("max_seq_length"),
        pooling=pick("pooling"),
        prompt=pick("prompt"),
        prompts=dict(section.get("prompts") or {}),
        model_kwargs=dict(section.get("model_kwargs") or {}),
        limit=pick("limit"),
        overwrite=bool(cli.get("overwrite")),
        build=bool(cli.get("build")),
        card=card or Path("README.md"),
        api_base=pick("api_base"),
        api_model=pick("api_model"),
        dimensions=pick("dimensions"),
        api_key_env=pick("api_key_env", defaults.api_key_env),
        models=models,
        model_names=names,
        revisions=revisions,
        reranker=reranker,
        top_k=pick("top_k", defaults.top_k),
        executor=pick("executor", defaults.executor),
        ray_address=pick("ray_address"),
    )


def check_settings(settings: RunSettings) -> None:
    """The combinations that cannot work, reported before anything heavy happens."""
    if settings.api_base or settings.api_model:
        if not (settings.api_base and settings.api_model):
            raise CardkitError("--api-base and --api-model go together: give both")
        if settings.model or settings.models:
            raise CardkitError("give either --model or --api-base/--api-model, not both")
    elif not (settings.model or settings.models):
        raise CardkitError(
            "give the model to evaluate: --model PATH_OR_ID (or run.model in "
            "cardkit.yaml), or --api-base URL --api-model NAME"
        )
    if not (settings.tasks or settings.benchmark or settings.custom_tasks):
        raise CardkitError(
            "give the tasks to run: --tasks A,B, --benchmark NAME or --custom-task DIR"
        )
    if settings.output is None:
        raise CardkitError("give the results folder: -o RESULTS (or run.output in cardkit.yaml)")
    for key in ("batch_size", "max_seq_length", "limit", "dimensions", "top_k"):
        value = getattr(settings, key)
        if value is not None and value <= 0:
            raise CardkitError(f"--{key.replace('_', '-')} must be a positive integer")
    largest = max_batch_size()
    if settings.batch_size > largest:
        raise CardkitError(f"--batch-size must be at most {largest:,}, got {settings.batch_size:,}")
    for key, values in (("model-name", settings.model_names), ("revision", settings.revisions)):
        if len(settings.models) > 1 and values and len(values) != len(settings.models):
            raise CardkitError(
                f"{len(settings.models)} models but {len(values)} --{key}: give one per "
                "--model, in the same order, or none"
            )
        if len(settings.models) <= 1 and len(values) > 1:
            raise CardkitError(f"--{key} is given {len(values)} times for one model")
    if len(set(settings.models)) < len(settings.models) and not settings.model_names:
        raise CardkitError("a model is given twice: give each a --model-name of its own")
    if settings.executor not in EXECUTORS:
        raise CardkitError(f"--executor must be one of {', '.join(EXECUTORS)}")
    if settings.ray_address and settings.executor != "ray":
        raise CardkitError("--ray-address needs --executor ray")
