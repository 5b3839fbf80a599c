"""Settings of `cardkit run`: the ``run:`` section of cardkit.yaml, overridden by the command line.

Read with pyyaml only (no mteb, no torch), so a typo in the config is reported in a fraction of a
second, naming the file, the line and the key. Relative paths are relative to cardkit.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cardkit.errors import CardkitError
from cardkit.yamlio import load_user_yaml

DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("fp32", "fp16", "bf16")
POOLINGS = ("mean", "cls", "max", "lasttoken", "weightedmean", "mean_sqrt_len_tokens")

# key -> (accepted types, help) for the run: section
_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "model": ((str,), "a model folder or Hub id"),
    "model_name": ((str,), "the name results are filed under, e.g. my-org/my-model"),
    "revision": ((str,), "the model revision results are filed under"),
    "tasks": ((list, str), "mteb task names"),
    "benchmark": ((str,), "an mteb benchmark name, e.g. 'MTEB(eng, v2)'"),
    "custom_tasks": ((list, str), "folders holding a task.yaml"),
    "output": ((str,), "the results folder"),
    "batch_size": ((int,), "a positive integer"),
    "device": ((str,), f"one of {', '.join(DEVICES)}"),
    "precision": ((str,), f"one of {', '.join(PRECISIONS)}"),
    "max_seq_length": ((int,), "a positive integer"),
    "pooling": ((str,), f"one of {', '.join(POOLINGS)}"),
    "prompt": ((str,), "a prompt for queries (retrieval) and for every text of other tasks"),
    "prompts": ((dict,), "task name -> prompt, or task name -> {query: ..., document: ...}"),
    "model_kwargs": ((dict,), "keyword arguments for SentenceTransformer(...)"),
    "limit": ((int,), "a positive integer: evaluate only the first N examples per split"),
    "card": ((str,), "the card that --build writes"),
    "api_base": ((str,), "the base URL of an OpenAI-compatible API, e.g. http://host:8000/v1"),
    "api_model": ((str,), "the model name the API serves"),
    "dimensions": ((int,), "a positive integer"),
    "api_key_env": ((str,), "the environment variable that holds the API key"),
}


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


def _line_of(root: yaml.Node | None, keys: list[str]) -> str | None:
    node = root
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next((v for k, v in node.value if k.value == key), None)
        if node is None:
            return None
    return f"line {node.start_mark.line + 1}"


def load_run_section(path: Path) -> dict[str, Any]:
    """The checked ``run:`` mapping of a cardkit.yaml (empty when there is none)."""
    root, data = load_user_yaml(path, "config file")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CardkitError("the config must be a mapping of keys to values", path, "line 1")
    section = data.get("run")
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise CardkitError("'run' must be a mapping of settings", path, _line_of(root, ["run"]))
    for key, value in section.items():
        where = ", ".join(p for p in (_line_of(root, ["run", str(key)]), f"run.{key}") if p)
        if key not in _KEYS:
            known = ", ".join(_KEYS)
            raise CardkitError(f"unknown key '{key}' (known keys: {known})", path, where)
        types, help_text = _KEYS[key]
        if isinstance(value, bool) or not isinstance(value, types):
            raise CardkitError(f"expected {help_text}, got {value!r}", path, where)
        if isinstance(value, int) and value <= 0:
            raise CardkitError(f"expected {help_text}, got {value!r}", path, where)
        if isinstance(value, list) and not all(isinstance(v, str) and v for v in value):
            raise CardkitError(f"expected {help_text} (a list of strings)", path, where)
        for name, choices in (
            ("device", DEVICES),
            ("precision", PRECISIONS),
            ("pooling", POOLINGS),
        ):
            if key == name and value not in choices:
                raise CardkitError(f"expected {help_text}, got {value!r}", path, where)
        if key == "prompts":
            _check_prompts(value, path, where)
    return section


def _check_prompts(prompts: dict[str, Any], path: Path, where: str) -> None:
    for task, prompt in prompts.items():
        if isinstance(prompt, str):
            continue
        if (
            isinstance(prompt, dict)
            and set(prompt) <= {"query", "document"}
            and all(isinstance(v, str) for v in prompt.values())
        ):
            continue
        raise CardkitError(
            f"the prompt of task '{task}' must be a string or {{query: ..., document: ...}}",
            path,
            where,
        )


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
