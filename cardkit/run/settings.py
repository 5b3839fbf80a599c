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

from cardkit.errors import CardkitError
from cardkit.validate import read_yaml_file


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


def merge_settings(cli: dict[str, Any], section: dict[str, Any], base: Path) -> RunSettings:
    """The command line wins over the config's run: section, which wins over the defaults."""

    def pick(key: str, default: Any = None) -> Any:
        value = cli.get(key)
        if value is not None and value != [] and value is not False:
            return value
        return section.get(key, default)

    def config_path(value: str | None) -> Path | None:
        return None if value is None else base / Path(value).expanduser()

    custom = [Path(p) for p in cli.get("custom_tasks") or []]
    if not custom:
        custom = [config_path(p) for p in _as_list(section.get("custom_tasks"))]  # type: ignore[misc]
    output = cli.get("output") or config_path(section.get("output"))
    card = cli.get("card") or config_path(section.get("card")) or Path("README.md")
    model = cli.get("model") or section.get("model")
    if model is not None and cli.get("model") is None and (base / model).exists():
        model = str(base / model)  # a relative model folder in the config
    defaults = RunSettings()
    return RunSettings(
        model=model,
        model_name=pick("model_name"),
        revision=pick("revision"),
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
        card=card,
        api_base=pick("api_base"),
        api_model=pick("api_model"),
        dimensions=pick("dimensions"),
        api_key_env=pick("api_key_env", defaults.api_key_env),
    )


def check_settings(settings: RunSettings) -> None:
    """The combinations that cannot work, reported before anything heavy happens."""
    if settings.api_base or settings.api_model:
        if not (settings.api_base and settings.api_model):
            raise CardkitError("--api-base and --api-model go together: give both")
        if settings.model:
            raise CardkitError("give either --model or --api-base/--api-model, not both")
    elif not settings.model:
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
    for key in ("batch_size", "max_seq_length", "limit", "dimensions"):
        value = getattr(settings, key)
        if value is not None and value <= 0:
            raise CardkitError(f"--{key.replace('_', '-')} must be a positive integer")
