"""The project config ``cardkit.yaml``: load it, check it against its schema, merge with the CLI.

Every error names the file, the line and the key, so a typo is found without reading a
traceback. Relative paths in the file are relative to the folder that holds it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cardkit.errors import CardkitError
from cardkit.yamlio import load_user_yaml

CONFIG_NAME = "cardkit.yaml"


def resource_dir(name: str) -> Path:
    """``templates`` or ``schemas``: inside the installed package, else at the repository top."""
    try:
        from cardkit.resources import resource_dir as shared_resource_dir
    except ImportError:
        shared_resource_dir = None
    if shared_resource_dir is not None:
        return Path(shared_resource_dir(name))
    package = Path(__file__).resolve().parent
    installed = package / name
    return installed if installed.is_dir() else package.parent / name


@dataclass
class ProjectConfig:
    """The keys of cardkit.yaml, paths already resolved against the config's folder."""

    path: Path | None = None
    model_id: str | None = None
    name: str | None = None
    description: str | None = None
    license: str | None = None
    language: str | list[str] | None = None
    tags: list[str] = field(default_factory=list)
    base_model: str | list[str] | None = None
    prompts: dict[str, str] = field(default_factory=dict)
    citation: str | None = None
    results: list[Path] = field(default_factory=list)
    output: Path | None = None
    revision: str | None = None
    metrics: str | None = None
    benchmarks: list[str] | None = None
    front_matter: dict[str, Any] = field(default_factory=dict)
    template: Path | None = None
    chart: bool | None = None
    body: bool | None = None
    replace_sections: dict[str, str] = field(default_factory=dict)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def card_front_matter(self) -> dict[str, Any]:
        """The metadata keys a new card gets from the config, in the order cards show them."""
        data: dict[str, Any] = {}
        for key in ("license", "language", "base_model"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        for key, value in self.front_matter.items():
            data.setdefault(key, value)
        return data


def _schema() -> dict[str, Any]:
    path = resource_dir("schemas") / "cardkit-config.schema.json"
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _node_at(root: yaml.Node | None, keys: list[Any]) -> yaml.Node | None:
    """The YAML node at a jsonschema error path (for its line number)."""
    node = root
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            # The last one wins in YAML when a key is repeated, so report that one.
            node = next((v for k, v in reversed(node.value) if k.value == key), None)
            if node is None:
                return None
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            return None
    return node


def _key_path(keys: list[Any]) -> str:
    out = ""
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def _error_message(error: Any) -> str:
    """jsonschema's message, shortened where it would dump a whole value."""
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        known = ", ".join(sorted(error.schema.get("properties", {})))
        return f"unknown key {', '.join(map(repr, extra))} (known keys: {known})"
    if error.validator == "oneOf":
        return f"{error.instance!r} is neither a string nor a list of strings"
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    return error.message


def validate_config(data: Any, path: Path, root: yaml.Node | None = None) -> None:
    """Check the data against the schema; the first error (in file order) is raised."""
    import jsonschema  # only projects with a config pay for it

    validator = jsonschema.Draft202012Validator(_schema())
    errors = list(validator.iter_errors(data))
    if not errors:
        return

    def line_of(error: Any) -> int:
        node = _node_at(root, list(error.absolute_path))
        if error.validator == "additionalProperties" and isinstance(node, yaml.MappingNode):
            known = error.schema.get("properties", {})
            extra = [k for k, _ in node.value if k.value not in known]
            node = extra[0] if extra else node  # the unknown key's own line
        return node.start_mark.line + 1 if node is not None else 0

    error = min(errors, key=lambda e: (line_of(e), len(e.absolute_path)))
    keys = list(error.absolute_path)
    line = line_of(error)
    where = ", ".join(p for p in (f"line {line}" if line else "", _key_path(keys)) if p)
    raise CardkitError(_error_message(error), path, where or None)


def _paths(value: str | list[str] | None, base: Path) -> list[Path]:
    if value is None:
        return []
    values = [value] if isinstance(value, str) else value
    return [base / Path(v).expanduser() for v in values]


def load_config(path: Path) -> ProjectConfig:
    """Read and check cardkit.yaml; any problem is one CardkitError naming file, line and key."""
    path = Path(path)
    root, data = load_user_yaml(path, "config file")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CardkitError("the config must be a mapping of keys to values", path, "line 1")
    validate_config(data, path, root)
    base = path.parent
    output = data.get("output")
    template = data.get("template")
    return ProjectConfig(
        path=path,
        model_id=data.get("model_id"),
        name=data.get("name"),
        description=data.get("description"),
        license=data.get("license"),
        language=data.get("language"),
        tags=list(data.get("tags") or []),
        base_model=data.get("base_model"),
        prompts=dict(data.get("prompts") or {}),
        citation=data.get("citation"),
        results=_paths(data.get("results"), base),
        output=base / output if output else None,
        revision=data.get("revision"),
        metrics=data.get("metrics"),
        benchmarks=data.get("benchmarks"),
        front_matter=dict(data.get("front_matter") or {}),
        template=base / template if template else None,
        chart=data.get("chart"),
        body=data.get("body"),
        replace_sections=dict(data.get("replace_sections") or {}),
        tasks=dict(data.get("tasks") or {}),
    )


def find_config(
    explicit: Path | None, use_default: bool = True, cwd: Path | None = None
) -> ProjectConfig | None:
    """``--config PATH`` when given, else ``./cardkit.yaml`` when it exists, else nothing."""
    if explicit is not None:
        return load_config(explicit)
    if not use_default:
        return None
    default = (cwd or Path.cwd()) / CONFIG_NAME
    return load_config(Path(CONFIG_NAME) if cwd is None else default) if default.is_file() else None


def pick(cli_value: Any, config_value: Any, default: Any = None) -> Any:
    """The command line wins over the config, which wins over the built-in default."""
    if cli_value is not None:
        return cli_value
    if config_value is not None:
        return config_value
    return default
