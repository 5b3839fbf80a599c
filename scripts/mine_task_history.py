#!/usr/bin/env python
"""Mine ``scripts/catalog_history.json``: what every mteb release and the public results store
say about tasks that current mteb no longer describes.

Why: result files of older mteb versions name tasks mteb has since renamed or dropped, and
cards made from them show the dataset path a task had at the revision that was evaluated.
None of that is in today's registry, but all of it is in mteb's git history and in the results
store. This script reads both and writes the facts as data, so ``scripts/build_catalog.py``
(and CI, which has neither source) can merge them without a hand-kept table.

Sources:

- mteb's git repository: at every release tag (``X.Y.Z``), every task module under
  ``mteb/tasks`` is parsed as source text (never imported: old mteb does not install next to
  the new one). A task's metadata is the ``TaskMetadata(...)`` / ``AggregateTaskMetadata(...)``
  call of its class (mteb 1.2+) or the dict its ``description`` property returns (mteb 0.9 to
  1.1); names bound at module level (``_LANGS = {...}``) are resolved, anything computed is
  left out. Each task keeps the definition of the last release that had it, the releases it
  spans, and every (dataset revision -> dataset path) it was published with.
- the public results store (``embeddings-benchmark/results``): every task name and subset used
  by a result file, so that names no release defines (tasks the store combined from several
  mteb tasks) are described from the files themselves, and old subset names are mapped to
  current ones.

Usage::

    python scripts/mine_task_history.py --mteb-repo PATH/TO/mteb.git --results-store PATH/TO/results

``--mteb-repo`` is a clone of https://github.com/embeddings-benchmark/mteb (bare or not);
``--results-store`` a checkout of https://github.com/embeddings-benchmark/results (the folder
holding ``results/``, or ``results/`` itself). The output is deterministic for the same inputs.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cardkit.catalog import guess_type  # noqa: E402
from cardkit.io.errors import CardkitError  # noqa: E402
from cardkit.model import SubsetScores  # noqa: E402
from cardkit.readers.mteb_json import read_result_file  # noqa: E402

OUTPUT = REPO / "scripts" / "catalog_history.json"
# Releases are tagged X.Y.Z; the two v-prefixed tags are strays (v0.10.0 was cut after 1.2.0).
RELEASE_TAG = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
METADATA_CALLS = ("TaskMetadata", "AggregateTaskMetadata")
# Bases that made an mteb 0.9 - 1.10 task multilingual: its eval_langs list is its subsets.
SUBSET_BASES = ("MultilingualTask", "CrosslingualTask")


class Unresolved(Exception):
    """A value in the source that only running the code would give."""


# --------------------------------------------------------------------------- reading source


def _value(node: ast.AST, names: dict[str, Any]) -> Any:
    """A literal, a module-level name bound to one, or a simple combination of those."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [_value(item, names) for item in node.elts]
    if isinstance(node, ast.Dict):
        out: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values):
            if key is None:  # {**other}
                other = _value(value, names)
                if not isinstance(other, dict):
                    raise Unresolved
                out.update(other)
            else:
                out[_value(key, names)] = _value(value, names)
        return out
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        raise Unresolved
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _value(node.left, names) + _value(node.right, names)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("dict", "list")
    ):
        if node.func.id == "dict" and not node.args:
            return {kw.arg: _value(kw.value, names) for kw in node.keywords if kw.arg}
        if node.func.id == "list" and len(node.args) == 1:
            return list(_value(node.args[0], names))
    raise Unresolved


def _module_names(tree: ast.Module) -> dict[str, Any]:
    """Module-level names bound to values the source spells out."""
    names: dict[str, Any] = {}
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name):
                try:
                    names[target.id] = _value(value, names)
                except (Unresolved, TypeError, ValueError):
                    names.pop(target.id, None)
    return names


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute):
            return func.attr
    return None


def _base_names(cls: ast.ClassDef) -> set[str]:
    out = set()
    for base in cls.bases:
        if isinstance(base, ast.Name):
            out.add(base.id)
        elif isinstance(base, ast.Attribute):
            out.add(base.attr)
    return out


def _class_fields(cls: ast.ClassDef, names: dict[str, Any]) -> dict[str, Any] | None:
    """The metadata fields a task class spells out, or None when it has none."""
    for node in cls.body:
        if isinstance(node, ast.Assign) and _call_name(node.value) in METADATA_CALLS:
            call = node.value
            assert isinstance(call, ast.Call)
            fields: dict[str, Any] = {"_aggregate": _call_name(call) == "AggregateTaskMetadata"}
            for keyword in call.keywords:
                if keyword.arg is None:
                    continue
                try:
                    fields[keyword.arg] = _value(keyword.value, names)
                except (Unresolved, TypeError, ValueError):
                    if keyword.arg == "tasks":
                        fields["_aggregate"] = True
            return fields
        if isinstance(node, ast.FunctionDef) and node.name in ("description", "metadata_dict"):
            for stmt in node.body:
                if isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Dict):
                    fields = {}
                    for key, value in zip(stmt.value.keys, stmt.value.values):
                        if isinstance(key, ast.Constant):
                            try:
                                fields[key.value] = _value(value, names)
                            except (Unresolved, TypeError, ValueError):
                                continue
                    return fields
    return None


@dataclass
class Definition:
    """One task as one release's source defines it."""

    name: str
    type: str | None
    dataset: str | None
    revision: str | None
    main_score: str | None
    eval_splits: list[str]
    languages: list[str]
    subsets: list[str]
    aggregate: bool = False
    dataset_config: str | None = None
    # Subset -> languages, where eval_langs names them per subset (a dict).
    subset_languages: dict[str, list[str]] = field(default_factory=dict)
    class_name: str = ""


def _languages(eval_langs: Any) -> tuple[list[str], dict[str, list[str]] | None]:
    """(languages, subset -> languages) from eval_langs: a dict names the subsets, a list only
    the languages."""
    if isinstance(eval_langs, dict):
        per_subset = {
            str(k): [str(x) for x in v] if isinstance(v, list) else []
            for k, v in eval_langs.items()
        }
        langs = [lang for values in per_subset.values() for lang in values]
        return list(dict.fromkeys(langs)), per_subset
    if isinstance(eval_langs, list):
        return [str(lang) for lang in eval_langs], None
    return [], None


def _definition(fields: dict[str, Any], bases: set[str]) -> Definition | None:
    name = fields.get("name")
    if not isinstance(name, str) or not name:
        return None
    dataset = fields.get("dataset") if isinstance(fields.get("dataset"), dict) else {}
    path = dataset.get("path") or fields.get("hf_hub_name") or fields.get("beir_name")
    revision = dataset.get("revision", fields.get("revision"))
    languages, per_subset = _languages(fields.get("eval_langs"))
    if per_subset is not None:
        subsets = list(per_subset)
    else:
        multilingual = bool(bases & set(SUBSET_BASES)) and languages
        subsets = list(languages) if multilingual else ["default"]
    splits = fields.get("eval_splits")
    aggregate = bool(fields.get("_aggregate"))
    if not isinstance(path, str) or " " in path.strip() or not path.strip():
        path = None
    return Definition(
        name=name,
        type=str(fields["type"]) if isinstance(fields.get("type"), str) else None,
        dataset=None if aggregate else path,
        revision=None if aggregate or revision is None else str(revision),
        main_score=fields.get("main_score") if isinstance(fields.get("main_score"), str) else None,
        eval_splits=[str(s) for s in splits] if isinstance(splits, list) else [],
        languages=languages,
        subsets=["default"] if aggregate else subsets,
        aggregate=aggregate,
        dataset_config=dataset.get("name") if isinstance(dataset.get("name"), str) else None,
        subset_languages={} if aggregate else per_subset or {},
    )


def definitions_in(source: str) -> list[Definition]:
    """Every task a module's source defines; a module that does not parse gives none."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    names = _module_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            fields = _class_fields(node, names)
            if fields is not None:
                definition = _definition(fields, _base_names(node))
                if definition is not None:
                    definition.class_name = node.name
                    found.append(definition)
    return found


# --------------------------------------------------------------------------- mteb's history


class Git:
    """Read a repository's objects without a work tree."""

    def __init__(self, repo: Path):
        git_dir = repo / ".git" if (repo / ".git").exists() else repo
        self.base = ["git", f"--git-dir={git_dir}"]

    def run(self, *args: str) -> str:
        return subprocess.run(
            [*self.base, *args], check=True, capture_output=True, text=True
        ).stdout

    def blobs(self, shas: list[str]) -> Iterator[tuple[str, str]]:
        """(sha, text) of each blob, read in one batch; missing blobs are skipped."""
        proc = subprocess.Popen(
            [*self.base, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert proc.stdin and proc.stdout
        for sha in shas:
            proc.stdin.write(f"{sha}\n".encode())
            proc.stdin.flush()
            header = proc.stdout.readline().decode().split()
            if len(header) < 3 or header[1] == "missing":
                continue
            data = proc.stdout.read(int(header[2]))
            proc.stdout.read(1)
            yield sha, data.decode("utf-8", errors="replace")
        proc.stdin.close()
        proc.wait()


def release_tags(git: Git) -> list[tuple[str, str]]:
    """(version, commit) of every release tag, oldest first, one per commit."""
    tags = []
    for line in git.run("tag", "--list").split():
        match = RELEASE_TAG.match(line)
        if match:
            tags.append((tuple(int(x) for x in match.groups()), line))
    seen: set[str] = set()
    out = []
    for version, tag in sorted(tags):
        commit = git.run("rev-list", "-n", "1", tag).strip()
        if commit in seen:
            continue
        seen.add(commit)
        out.append((".".join(map(str, version)), tag))
    return out


@dataclass
class TaskHistory:
    """What the releases say about one task name."""

    last: Definition
    first_release: str
    last_release: str
    # (dataset revision, or "None" where a release gave none) -> path -> releases publishing it.
    paths: dict[str, dict[str, int]] = field(default_factory=dict)
    # Every subset name the task ever had -> its languages (where a release named them).
    subsets: dict[str, list[str]] = field(default_factory=dict)
    # The config or single language of releases where the task had only the default subset.
    monolingual: set[str] = field(default_factory=set)
    # The names of the classes that defined it.
    classes: set[str] = field(default_factory=set)

    def path_by_revision(self) -> dict[str, str]:
        """Each revision's path: the one most releases published it under (a release that got
        the path wrong and was corrected in the next does not win)."""
        return {
            revision: max(paths, key=lambda path: paths[path])
            for revision, paths in sorted(self.paths.items())
        }


def _record(history: TaskHistory, definition: Definition, version: str) -> None:
    history.last, history.last_release = definition, version
    history.classes.add(definition.class_name)
    if definition.dataset:
        key = "None" if definition.revision is None else definition.revision
        counts = history.paths.setdefault(key, {})
        counts[definition.dataset] = counts.get(definition.dataset, 0) + 1
    for subset in definition.subsets:
        history.subsets.setdefault(subset, [])
    for subset, langs in definition.subset_languages.items():
        if langs:
            history.subsets[subset] = langs
    if definition.subsets == ["default"]:
        single = definition.dataset_config or (
            definition.languages[0] if len(definition.languages) == 1 else None
        )
        if single:
            history.monolingual.add(single)


def mine_mteb(git: Git) -> tuple[dict[str, TaskHistory], list[str], str]:
    """Every task name any release defines, with its history; the releases read; the commit of
    the last one."""
    tags = release_tags(git)
    parsed: dict[str, list[Definition]] = {}
    histories: dict[str, TaskHistory] = {}
    for version, tag in tags:
        listing = git.run("ls-tree", "-r", tag, "--", "mteb/tasks")
        blobs = [
            line.split()[2]
            for line in listing.splitlines()
            if line.endswith(".py") and line.split()[1] == "blob"
        ]
        todo = [sha for sha in dict.fromkeys(blobs) if sha not in parsed]
        for sha, text in git.blobs(todo):
            parsed[sha] = definitions_in(text)
        release: dict[str, Definition] = {}
        for sha in blobs:
            for definition in parsed.get(sha, []):
                release.setdefault(definition.name, definition)
        for name, definition in release.items():
            if name not in histories:
                histories[name] = TaskHistory(definition, version, version)
            _record(histories[name], definition, version)
    head = git.run("rev-list", "-n", "1", tags[-1][1]).strip()
    return histories, [version for version, _ in tags], head


# --------------------------------------------------------------------------- the results store


@dataclass
class StoreTask:
    """What the results store's files say about one task name."""

    files: int = 0
    splits: dict[str, None] = field(default_factory=dict)
    subsets: dict[str, None] = field(default_factory=dict)
    languages: dict[str, None] = field(default_factory=dict)
    metrics: dict[str, None] = field(default_factory=dict)
    main_metrics: dict[str, int] = field(default_factory=dict)


def _store_root(path: Path) -> Path:
    return path / "results" if (path / "results").is_dir() else path


def _main_metric(scores: SubsetScores) -> str | None:
    """The metric whose value the entry's main_score repeats."""
    if scores.main_score is None:
        return None
    for key, value in scores.metrics.items():
        if value == scores.main_score:
            return key
    return None


def mine_store(path: Path) -> dict[str, StoreTask]:
    """Task name -> what the store's result files hold for it, read as cardkit reads them."""
    tasks: dict[str, StoreTask] = defaultdict(StoreTask)
    for file in sorted(_store_root(path).rglob("*.json")):
        if file.name == "model_meta.json":
            continue
        try:
            result = read_result_file(file)
        except CardkitError:
            continue
        task = tasks[result.task_name]
        task.files += 1
        for scores in result.scores:
            task.splits[scores.split] = None
            task.subsets[scores.subset] = None
            task.languages.update(dict.fromkeys(scores.languages))
            task.metrics.update(dict.fromkeys(scores.metrics))
            main = _main_metric(scores)
            if main:
                task.main_metrics[main] = task.main_metrics.get(main, 0) + 1
    return dict(tasks)


def store_entry(name: str, task: StoreTask) -> dict[str, Any]:
    """A catalog entry for a task only the store knows, from its files alone: no release
    describes its dataset, so it has none."""
    main = max(task.main_metrics, key=lambda m: task.main_metrics[m]) if task.main_metrics else None
    return {
        "type": task_type(name, list(task.metrics)),
        "dataset": None,
        "revision": None,
        "main_score": main,
        "eval_splits": list(task.splits),
        "languages": list(task.languages),
        "subsets": list(task.subsets),
        "source": f"results store ({task.files} files)",
    }


# --------------------------------------------------------------------------- deriving facts


def task_type(name: str, metrics: list[str]) -> str | None:
    """A task type from the task's name or its metrics, by cardkit's own rule."""
    return guess_type(name, metrics)


def history_entry(history: TaskHistory) -> dict[str, Any]:
    """A retired task as the last release that had it defined it."""
    last = history.last
    return {
        "type": last.type,
        "dataset": last.dataset,
        "revision": last.revision,
        "main_score": last.main_score,
        "eval_splits": last.eval_splits,
        "languages": last.languages,
        "subsets": last.subsets,
        "source": f"mteb {history.first_release} to {history.last_release}",
    }


def release_renames(histories: dict[str, TaskHistory], releases: list[str]) -> dict[str, str]:
    """Old name -> new name, where a release dropped a name and the class that defined it now
    defines a name first seen in that release."""
    following = dict(zip(releases, releases[1:]))
    first_seen: dict[str, list[str]] = defaultdict(list)
    for name, history in histories.items():
        first_seen[history.first_release].append(name)
    out: dict[str, str] = {}
    for name, history in histories.items():
        successor = following.get(history.last_release)
        if successor is None:
            continue
        new = [n for n in first_seen[successor] if histories[n].classes & history.classes]
        if len(new) == 1:
            out[name] = new[0]
    return out


def case_renames(names: list[str], targets: set[str]) -> dict[str, str]:
    """Names that are a target in another capitalisation: mteb finds a task it does not know
    by its lower-case name."""
    lower: dict[str, list[str]] = defaultdict(list)
    for target in targets:
        lower[target.lower()].append(target)
    out = {}
    for name in names:
        matches = lower.get(name.lower(), [])
        if name not in targets and len(matches) == 1:
            out[name] = matches[0]
    return out


def _follow(renames: dict[str, str]) -> dict[str, str]:
    """Chains of renames collapsed to their last name."""
    out = {}
    for name in renames:
        seen, target = {name}, renames[name]
        while target in renames and target not in seen:
            seen.add(target)
            target = renames[target]
        out[name] = target
    return dict(sorted(out.items()))


def subset_renames(
    histories: dict[str, TaskHistory], store: dict[str, StoreTask], renames: dict[str, str]
) -> dict[str, dict[str, str]]:
    """Task -> {subset used in the store that the task no longer has -> the subset it is now}.

    A ``default`` subset of a task that was once monolingual becomes the subset named after its
    config or language then (MLSUM ``default`` -> ``fr``); another old subset becomes the one
    current subset with the same languages (XPQA ``fr`` [fra-Latn] -> ``fra-fra``).
    """
    out: dict[str, dict[str, str]] = {}
    for stored_name, task in store.items():
        name = renames.get(stored_name, stored_name)
        history = histories.get(name)
        if history is None:
            continue
        current = history.last.subset_languages or {s: [] for s in history.last.subsets}
        for subset in task.subsets:
            if subset in current:
                continue
            target = None
            if subset == "default":
                candidates = [s for s in history.monolingual if s in current]
                target = candidates[0] if len(candidates) == 1 else None
            elif history.subsets.get(subset):
                wanted = set(history.subsets[subset])
                same = [s for s, langs in current.items() if set(langs) == wanted]
                target = same[0] if len(same) == 1 else None
            if target is not None:
                out.setdefault(name, {})[subset] = target
    return dict(sorted(out.items()))


def history_data(
    histories: dict[str, TaskHistory],
    releases: list[str],
    head: str,
    store: dict[str, StoreTask],
    command: str,
) -> dict[str, Any]:
    """Everything the catalog build needs, as plain data."""
    last = releases[-1]
    current = {n for n, h in histories.items() if h.last_release == last}
    renames = release_renames(histories, releases)
    renames.update(case_renames([n for n in store if n not in histories], current))
    renames = _follow(renames)
    known = set(histories) | set(renames)
    dataset_paths: dict[str, dict[str, str]] = defaultdict(dict)
    for name, history in sorted(histories.items()):
        target = renames.get(name, name)
        for revision, path in history.path_by_revision().items():
            dataset_paths[target].setdefault(revision, path)
    tasks = {n: history_entry(histories[n]) for n in sorted(histories) if n not in current}
    tasks = {n: e for n, e in tasks.items() if n not in renames}
    for name in sorted(set(store) - known):
        tasks[name] = store_entry(name, store[name])
    return {
        "generated_by": command,
        "sources": {
            "mteb": {
                "releases": len(releases),
                "first": releases[0],
                "last": last,
                "commit": head,
            },
            "results_store": {
                "files": sum(t.files for t in store.values()),
                "task_names": len(store),
            },
        },
        "retired_tasks": tasks,
        "renames": renames,
        "subset_renames": subset_renames(histories, store, renames),
        "dataset_paths": {n: dict(sorted(p.items())) for n, p in sorted(dataset_paths.items())},
        "store_task_names": sorted(store),
    }


def render(data: dict[str, Any]) -> str:
    """JSON with one line per entry: readable in a diff, stable for the same inputs."""
    lines = ["{"]
    items = list(data.items())
    for index, (key, value) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        if isinstance(value, dict) and key not in ("sources",) and value:
            inner = [f"  {json.dumps(k)}: {_compact(v)}" for k, v in value.items()]
            lines.append(f" {json.dumps(key)}: {{\n" + ",\n".join(inner) + f"\n }}{comma}")
        else:
            lines.append(f" {json.dumps(key)}: {_compact(value)}{comma}")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    if json.loads(text) != data:
        raise ValueError("the rendered history does not read back as the same data")
    return text


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mteb-repo", type=Path, required=True, help="a clone of mteb")
    parser.add_argument(
        "--results-store", type=Path, required=True, help="a checkout of the results store"
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    histories, releases, head = mine_mteb(Git(args.mteb_repo))
    print(
        f"mteb: {len(releases)} releases ({releases[0]} to {releases[-1]}), "
        f"{len(histories)} task names"
    )
    store = mine_store(args.results_store)
    print(
        f"results store: {sum(t.files for t in store.values())} result files, "
        f"{len(store)} task names"
    )
    command = (
        "python scripts/mine_task_history.py --mteb-repo <clone of embeddings-benchmark/mteb> "
        "--results-store <checkout of embeddings-benchmark/results>"
    )
    data = history_data(histories, releases, head, store, command)
    args.output.write_text(render(data), encoding="utf-8")
    print(
        f"wrote {args.output}: {len(data['retired_tasks'])} retired or store-only tasks, "
        f"{len(data['renames'])} renames, {len(data['subset_renames'])} tasks with renamed "
        f"subsets, {sum(map(len, data['dataset_paths'].values()))} dataset paths"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
