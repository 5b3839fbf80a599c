"""The project's own tasks recorded next to their results (``cardkit-tasks.json``).

`cardkit run` writes it for local tasks so that a later `cardkit build` of that folder knows
their type, dataset and main score without any configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cardkit.io.errors import CardkitError
from cardkit.io.userfile import parse_json, read_text

TASKS_FILE = "cardkit-tasks.json"


def read_tasks_file(folder: Path) -> dict[str, dict[str, Any]]:
    """Catalog entries of the local tasks recorded in ``folder`` (empty when there is none)."""
    path = folder / TASKS_FILE
    if not path.is_file():
        return {}
    data = parse_json(read_text(path, "tasks file"), path)
    tasks = data.get("tasks") if isinstance(data, dict) else None
    if not isinstance(tasks, dict) or not all(isinstance(v, dict) for v in tasks.values()):
        raise CardkitError("expected {'tasks': {name: {type, dataset, main_score, ...}}}", path)
    return tasks
