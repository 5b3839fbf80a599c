"""The one results model every reader produces and every writer consumes.

Scores are kept on mteb's own 0 to 1 scale; writers that need percentages multiply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from pathlib import Path


@dataclass(slots=True)
class SubsetScores:
    """The scores of one (split, subset) of a task, metric names flattened, in file order."""

    split: str
    subset: str
    metrics: dict[str, float]
    main_score: float | None = None
    languages: list[str] = field(default_factory=list)


# A score entry's (split, subset): the cell of its task that it fills (a getter, made in C).
cell_of = attrgetter("split", "subset")


@dataclass(slots=True)
class TaskResult:
    """One task's results, whatever file version they came from."""

    task_name: str
    scores: list[SubsetScores]
    dataset_revision: str | None = None
    mteb_version: str | None = None
    evaluation_time: float | None = None
    date: str | None = None
    source: Path | None = None
    # Names of metrics dropped because their value was NaN or infinite (reported as a warning).
    dropped_metrics: list[str] = field(default_factory=list)
    # The model revision (folder) the result came from, once one was chosen per task.
    model_revision: str | None = None


@dataclass
class ModelResults:
    """All task results of one model revision."""

    model_name: str | None
    revision: str | None
    tasks: dict[str, TaskResult] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    source: Path | None = None
    # Catalog entries of the project's own tasks found beside the results (cardkit-tasks.json).
    extra_tasks: dict[str, dict] = field(default_factory=dict)
    # Why the name may not be the Hub id (a tool wrote a placeholder): said unless one is given.
    name_note: str | None = None

    def sorted_tasks(self) -> list[TaskResult]:
        """Tasks in ASCII order of name, the order of the reference cards."""
        return [self.tasks[name] for name in sorted(self.tasks)]

    def value_count(self) -> int:
        """How many metric values the results hold, all told (counted in C: a store's
        largest models hold 200,000)."""
        scores = chain.from_iterable(map(attrgetter("scores"), self.tasks.values()))
        return sum(map(len, map(attrgetter("metrics"), scores)))
