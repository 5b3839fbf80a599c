"""Which revision folder a task's result comes from when a model has several.

The MTEB leaderboard keeps, for every task, the result of one revision folder of the model
(mteb's ``BenchmarkResults.join_revisions``): the revision mteb's model registry names first,
then a result whose mteb version is known, then a real revision over ``external`` and
``no_revision_available``, then the newest mteb version. ``merge`` applies exactly that rule
task by task; ``latest`` takes the single folder that ranks first by the same order; any other
value names a folder. The functions here are pure (results in, results out) so that every
command choosing revisions (one card, many cards, comparisons) shares one rule.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from cardkit.io.errors import CardkitError
from cardkit.model import ModelResults, TaskResult

if TYPE_CHECKING:
    from packaging.version import Version

MERGE = "merge"
LATEST = "latest"
POLICIES = (MERGE, LATEST)
DEFAULT_POLICY = MERGE
# Revision names the leaderboard ranks below a real model revision.
PLACEHOLDER_REVISIONS = frozenset({"external", "no_revision_available"})
MODEL_REVISIONS_PATH = Path(__file__).resolve().parents[1] / "data" / "model_revisions.json"


@lru_cache(maxsize=1)
def registry_revisions() -> dict[str, str]:
    """Model name -> the revision mteb's model registry names (generated with the catalog).

    Read only when a model has several revision folders: one card of one revision never
    pays for it.
    """
    try:
        with MODEL_REVISIONS_PATH.open(encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return {}
    return dict(data.get("models", {}))


@lru_cache(maxsize=4096)
def parse_version(text: str | None) -> Version | None:
    """An mteb version as the leaderboard compares them; ranges and free text are unknown."""
    if text is None:
        return None
    from packaging.version import InvalidVersion, Version  # only for results naming a version

    try:
        return Version(text)
    except InvalidVersion:
        return None


class Rank(NamedTuple):
    """How the leaderboard orders two results of one task: the greater one is kept.

    ``tie`` is cardkit's own: mteb leaves equal ranks to the order it found the folders in,
    cardkit prefers the newer file date, then the later revision name, so a card never
    depends on directory order.
    """

    priority: int
    version: tuple[int, Version | None]
    tie: tuple[str, str]


def _version_key(version: Version | None) -> tuple[int, Version | None]:
    return (0, None) if version is None else (1, version)


def task_rank(
    revision: str | None, mteb_version: str | None, main_revision: str | None, date: str | None
) -> Rank:
    """The leaderboard's priority: registry revision 1000, known mteb version 100, real
    revision 10; then the mteb version, newest first."""
    version = parse_version(mteb_version)
    priority = 0
    if main_revision is not None and revision == main_revision:
        priority += 1000
    if version is not None:
        priority += 100
    if revision is not None and revision not in PLACEHOLDER_REVISIONS:
        priority += 10
    return Rank(priority, _version_key(version), (date or "", revision or ""))


def outranks(task: TaskResult, other: TaskResult) -> bool:
    """Whether the leaderboard would keep ``task`` over ``other``, two files of one task in
    one revision folder (a known mteb version first, then the newest)."""
    return task_rank(None, task.mteb_version, None, None) > task_rank(
        None, other.mteb_version, None, None
    )


def ranking_revision(model: ModelResults) -> str | None:
    """The revision mteb ranks a folder by: its model_meta.json's, else the folder's."""
    meta = model.meta.get("revision") if isinstance(model.meta, dict) else None
    return meta if isinstance(meta, str) else model.revision


def folder_rank(model: ModelResults, main_revision: str | None) -> Rank:
    """A whole folder ranked like its best task result (for ``latest``)."""
    revision = ranking_revision(model)
    ranks = [
        task_rank(revision, task.mteb_version, main_revision, task.date)
        for task in model.tasks.values()
    ]
    return max(ranks, default=task_rank(revision, None, main_revision, None))


def _stamped(model: ModelResults) -> ModelResults:
    """The same results, each task marked with the model revision it came from."""
    tasks = {name: _marked(task, model.revision) for name, task in model.tasks.items()}
    return replace(model, tasks=tasks)


def _marked(task: TaskResult, revision: str | None) -> TaskResult:
    """The task marked with the model revision it came from: itself where it is already (as
    a task read from a revision folder is), else a copy."""
    if task.model_revision == revision:
        return task
    return replace(task, model_revision=revision)


def select_revision(
    revisions: Sequence[ModelResults],
    policy: str | None = None,
    main_revision: str | None = None,
    canonical: Callable[[str], str] | None = None,
) -> ModelResults:
    """One model's results from its revision folders (one per revision name), under ``policy``.

    ``policy``: ``merge`` (default), ``latest``, or the name of one revision folder.
    ``main_revision``: the revision mteb's model registry names for this model (looked up
    when not given). ``canonical``: the catalog's name of a task, so that a file under an
    old task name and one under the new name count as the same task.
    Raises CardkitError when a named revision is not there.
    """
    if not revisions:
        raise ValueError("select_revision needs at least one revision")
    policy = policy or DEFAULT_POLICY
    name = revisions[0].model_name
    if policy not in POLICIES:
        picked = [m for m in revisions if policy in (m.revision, m.source and m.source.name)]
        if not picked:
            listed = ", ".join(str(m.revision) for m in revisions)
            raise CardkitError(f"model {name} has no revision '{policy}' (found: {listed})")
        return _stamped(picked[0])
    if len(revisions) == 1:
        return _stamped(revisions[0])
    if main_revision is None and name:
        main_revision = registry_revisions().get(name)
    if policy == LATEST:
        return _stamped(max(revisions, key=lambda m: folder_rank(m, main_revision)))
    return merge_revisions(revisions, main_revision, canonical)


def merge_revisions(
    revisions: Sequence[ModelResults],
    main_revision: str | None,
    canonical: Callable[[str], str] | None = None,
) -> ModelResults:
    """Task by task, the result the leaderboard keeps (mteb's ``join_revisions``)."""
    best: dict[str, tuple[Rank, TaskResult, ModelResults]] = {}
    for model in revisions:
        revision = ranking_revision(model)
        for task_name, task in model.tasks.items():
            key = canonical(task_name) if canonical else task_name
            rank = task_rank(revision, task.mteb_version, main_revision, task.date)
            if key not in best or rank > best[key][0]:
                best[key] = (rank, task, model)
    tasks = {task.task_name: _marked(task, model.revision) for _, task, model in best.values()}
    used = list(dict.fromkeys(model.revision for _, _, model in best.values()))
    first = revisions[0]
    single = used[0] if len(used) == 1 else None
    source = first.source.parent if first.source is not None else None
    meta = next((m.meta for m in revisions if m.revision == single), {}) if single else {}
    return ModelResults(
        model_name=first.model_name,
        revision=single,
        tasks=dict(sorted(tasks.items())),
        meta=meta,
        source=source,
        extra_tasks={k: v for m in revisions for k, v in m.extra_tasks.items()},
    )


def revisions_used(model: ModelResults) -> list[str | None]:
    """The model revisions a model's tasks came from, in first-seen order."""
    return list(dict.fromkeys(task.model_revision for task in model.tasks.values()))
