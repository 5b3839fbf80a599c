"""The `cardkit run` commands recorded next to their results (``cardkit-run.json``).

A card's Reproduce section shows the command that produced its results, not a guess: each
`cardkit run` that evaluates something adds its command line (secrets masked) and the tasks
it evaluated to this file, and `cardkit build` reads it back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from cardkit.io.errors import CardkitError
from cardkit.io.userfile import parse_json, read_text

RUN_FILE = "cardkit-run.json"
RECORD_VERSION = 1


class RunCommand(NamedTuple):
    """One `cardkit run` that wrote results in a folder."""

    command: str  # as typed, "cardkit run ...", secrets masked
    tasks: tuple[str, ...]  # the tasks it evaluated
    config: str | None = None  # the cardkit.yaml it read settings from, as given


def read_run_record(folder: Path) -> list[RunCommand]:
    """The commands recorded in ``folder`` (none when there is no record)."""
    path = folder / RUN_FILE
    if not path.is_file():
        return []
    data = parse_json(read_text(path, "run record"), path)
    runs = data.get("runs") if isinstance(data, dict) else None
    if not isinstance(runs, list) or not all(_valid(run) for run in runs):
        raise CardkitError(
            "expected {'runs': [{'command': 'cardkit run ...', 'tasks': [...]}, ...]}", path
        )
    return [RunCommand(run["command"], tuple(run["tasks"]), run.get("config")) for run in runs]


def _valid(run: Any) -> bool:
    return (
        isinstance(run, dict)
        and isinstance(run.get("command"), str)
        and isinstance(run.get("tasks"), list)
        and all(isinstance(t, str) for t in run["tasks"])
        and isinstance(run.get("config"), (str, type(None)))
    )


def record_text(runs: list[RunCommand]) -> str:
    """The file's text: later runs last; a command run again keeps one entry, its tasks merged."""
    merged: dict[tuple[str, str | None], list[str]] = {}
    for run in runs:
        tasks = merged.setdefault((run.command, run.config), [])
        tasks.extend(t for t in run.tasks if t not in tasks)
    entries = []
    for (command, config), tasks in merged.items():
        entry: dict[str, Any] = {"command": command, "tasks": sorted(tasks)}
        if config is not None:
            entry["config"] = config
        entries.append(entry)
    return json.dumps({"cardkit_run_version": RECORD_VERSION, "runs": entries}, indent=2) + "\n"
