"""The project config ``cardkit.yaml``: load it, check it against its schema, merge with the CLI.

Every error names the file, the line, the column and the key, so a typo is found without
reading a traceback. Relative paths in the file are relative to the folder that holds it. The
card it names (``output``) and its template must lie inside the project (the config's folder,
or the repository holding it): `cardkit check`, run on other people's pull requests, prints a
diff of that card and renders that template, and must not print any other file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cardkit.io.atomic import output_kind
from cardkit.io.errors import CardkitError

if TYPE_CHECKING:  # the validator is imported when a config file is read
    from cardkit.validate import Document

CONFIG_NAME = "cardkit.yaml"


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
    # Other models for the summary tables: paths (resolved) or hf://ORG/NAME[@REVISION].
    compare: list[str] | None = None

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


def _paths(value: str | list[str] | None, base: Path) -> list[Path]:
    if value is None:
        return []
    values = [value] if isinstance(value, str) else value
    return [base / Path(v).expanduser() for v in values]


def project_root(folder: Path) -> Path:
    """The repository holding ``folder`` (its nearest parent with ``.git``), else ``folder``."""
    folder = folder.resolve()
    return next((p for p in (folder, *folder.parents) if (p / ".git").exists()), folder)


def _inside_project(doc: Document, key: str, base: Path) -> Path | None:
    """The path a config key names, refused when it (or a link on the way) leads outside."""
    value = doc.data.get(key)
    if value is None:
        return None
    path = base / Path(value).expanduser()
    root = project_root(base)
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise doc.error_at(
            [key],
            f"{value!r} lies outside the project ({root}): a {key} named in {CONFIG_NAME} must "
            "be inside the folder of the config or of its repository",
        )
    if ".git" in resolved.relative_to(root).parts:
        raise doc.error_at(
            [key], f"{value!r} lies inside .git: a {key} named in {CONFIG_NAME} may not go there"
        )
    if key == "output":
        # What the path is, before what it is called: a link to a device is no Markdown file
        # either, but that is not why it is refused.
        try:
            output_kind(path, named=False)
        except CardkitError as exc:
            raise doc.error_at([key], f"{value!r} {exc.message}") from None
    if key == "output" and resolved.suffix.lower() not in (".md", ".markdown"):
        raise doc.error_at(
            [key], f"{value!r} is not a Markdown file: the card a config names must end in .md"
        )
    return path


def load_config(path: Path) -> ProjectConfig:
    """Read and check cardkit.yaml; any problem is one CardkitError naming file, line and key."""
    from cardkit.validate import read_yaml_file

    path = Path(path)
    doc = read_yaml_file(path, "cardkit-config", "config file")
    data = doc.data or {}
    base = path.parent
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
        output=_inside_project(doc, "output", base),
        revision=data.get("revision"),
        metrics=data.get("metrics"),
        benchmarks=data.get("benchmarks"),
        front_matter=dict(data.get("front_matter") or {}),
        template=_inside_project(doc, "template", base),
        chart=data.get("chart"),
        body=data.get("body"),
        replace_sections=dict(data.get("replace_sections") or {}),
        tasks=dict(data.get("tasks") or {}),
        compare=_sources(data.get("compare"), base),
    )


def _sources(value: str | list[str] | None, base: Path) -> list[str] | None:
    """Comparison sources: paths relative to the config's folder; Hub sources as they are."""
    if value is None:
        return None
    values = [value] if isinstance(value, str) else value
    return [v if v.startswith("hf://") else str(base / Path(v).expanduser()) for v in values]


def find_config(
    explicit: Path | None, use_default: bool = True, cwd: Path | None = None
) -> ProjectConfig | None:
    """``--config PATH`` when given, else ``./cardkit.yaml`` when it exists, else nothing."""
    if explicit is not None:
        return load_config(explicit)
    if not use_default:
        return None
    default = (cwd or Path.cwd()) / CONFIG_NAME
    if not (default.exists() or default.is_symlink()):
        return None
    return load_config(Path(CONFIG_NAME) if cwd is None else default)  # refused unless a file


def pick(cli_value: Any, config_value: Any, default: Any = None) -> Any:
    """The command line wins over the config, which wins over the built-in default."""
    if cli_value is not None:
        return cli_value
    if config_value is not None:
        return config_value
    return default
