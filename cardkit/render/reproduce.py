"""The card's Reproduce section: how the results were made, and commands that make them again.

Nothing here is a guess presented as a fact. The evaluation commands are the ones `cardkit run`
recorded beside the results (``cardkit-run.json``); where the results came from elsewhere, the
section says so and gives a `cardkit run` command for the same tasks, with the mteb version it
needs. The install line says what is true about where this cardkit came from (a package
index, a repository at a commit, or a local source folder: PEP 610's ``direct_url.json``).
Dataset revisions the result files do not name are taken from the catalog, marked as such.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from cardkit import __version__
from cardkit.catalog import Catalog
from cardkit.io.errors import CardkitError
from cardkit.io.lazyre import lazy
from cardkit.io.redact import redact
from cardkit.model import ModelResults
from cardkit.readers.discover import model_meta
from cardkit.readers.revisions import revisions_used
from cardkit.readers.run_record import RunCommand, read_run_record
from cardkit.reports.tables import markdown_table

# Folder names that are not real model revisions (mteb and the results repository use them).
NOT_A_REVISION = {"no_revision_available", "external", "main", "master"}
_RELEASE = lazy(r"\d+\.\d+\.\d+")
# The results folder of the generated `cardkit run` command.
RESULTS = "results"


def is_revision(revision: str | None) -> bool:
    return bool(revision) and revision not in NOT_A_REVISION


def _installation_record(name: str = "cardkit") -> str | None | bool:
    """The ``direct_url.json`` text of this cardkit's installation; None when it has none (an
    install from a package index); False when it is not installed (run from a source tree).

    The dist-info folder is looked up on ``sys.path`` directly: importlib.metadata would cost
    more than the rest of a small build."""
    folder = f"{name}-{__version__}.dist-info"
    for entry in sys.path:
        record = Path(entry or ".") / folder
        if record.is_dir():
            direct_url = record / "direct_url.json"
            try:
                return direct_url.read_text(encoding="utf-8") if direct_url.is_file() else None
            except OSError:
                return None
    return False


def cardkit_install_line(extra: str = "run") -> str:
    """A pip line that installs this cardkit: from its repository at its commit, or its
    archive, when it was installed from one; else its release on the package index (a copy
    installed or run from a local folder is that release's code as far as a reader can
    tell: the folder itself means nothing to them)."""
    requirement = f"cardkit[{extra}]"
    release = f'pip install "{requirement}=={__version__}"'
    text = _installation_record()
    if not isinstance(text, str):
        return release
    try:
        origin = json.loads(text)
    except ValueError:
        origin = {}
    url = origin.get("url") if isinstance(origin, dict) else None
    vcs = origin.get("vcs_info") if isinstance(origin, dict) else None
    if isinstance(url, str) and isinstance(vcs, dict) and vcs.get("commit_id"):
        return redact(f'pip install "{requirement} @ {vcs.get("vcs")}+{url}@{vcs["commit_id"]}"')
    if isinstance(url, str) and url.startswith("https://") and "archive_info" in origin:
        return redact(f'pip install "{requirement} @ {url}"')
    return release


def card_relative(path: Path | str, card: Path | str) -> str:
    """``path`` as the card's folder reaches it, links resolved: the same files give the same
    words whichever folder, relative path or link they were named through, and no home
    folder, user name or mount point is published. A path on another drive (Windows) has no
    relative form: its name only."""
    card_folder = Path(os.path.abspath(card)).resolve().parent
    target = Path(os.path.abspath(path)).resolve()
    try:
        return Path(os.path.relpath(target, card_folder)).as_posix()
    except ValueError:
        return target.name


def _without_absolute_paths(command: str, card: Path | None) -> str:
    """A recorded command with each absolute path (``/home/me/model``, ``--opt=/mnt/x``,
    ``~/x``) as the card's folder reaches it; the command as it was when it has none."""
    try:
        words = shlex.split(command)
    except ValueError:
        return command
    changed = False
    for index, word in enumerate(words):
        option, equals, value = word.partition("=") if word.startswith("-") else ("", "", word)
        value = value if equals or not option else word
        if value.startswith("~") or os.path.isabs(value):
            local = card_relative(os.path.expanduser(value), card or Path("README.md"))
            words[index] = f"{option}={local}" if equals else local
            changed = True
    return shlex.join(words) if changed else command


# The recorded `cardkit build` line of a Reproduce section: how this card was made. Two cards
# that differ only there are the same card (`cardkit check` and a rebuild leave it alone).
_BUILD_LINE = lazy(r"(?m)^cardkit build(?: .*)?$")


def same_but_build_command(old: str, new: str) -> bool:
    """Whether two card texts differ at most in their recorded `cardkit build` line."""
    return _BUILD_LINE.sub("cardkit build", old) == _BUILD_LINE.sub("cardkit build", new)


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else -1 for p in re.split(r"[.+-]", version))


def versions_text(versions: list[str]) -> str:
    """``1.0.2, 1.1.1.dev0``; many versions as their range."""
    if not versions:
        return "(version not recorded)"
    if len(versions) <= 3:
        return ", ".join(versions)
    return f"{versions[0]} to {versions[-1]}"


def _records(model: ModelResults) -> list[RunCommand]:
    """The recorded `cardkit run` commands of the folders the results were read from."""
    source = model.source
    if source is None or not source.is_dir():
        return []
    folders = [source] + [source / str(rev) for rev in revisions_used(model) if rev is not None]
    found: list[RunCommand] = []
    for folder in dict.fromkeys(folders):
        if folder.is_dir():
            try:
                found.extend(read_run_record(folder))
            except CardkitError:
                continue  # a damaged record: the section falls back to a generated command
    return found


# A benchmark gets its own `cardkit run` command when it brings at least this many tasks the
# commands before it do not evaluate; at most this many such commands.
_MIN_NEW_TASKS = 5
_MAX_BENCHMARK_COMMANDS = 6


# The language a benchmark's name gives (MTEB(eng, v2), MTEB(cmn, v1)), and the other codes of
# a language that model_meta.json may use for it.
_BENCHMARK_LANGUAGE = lazy(r"\(([a-z]{3})\b")
_SAME_LANGUAGE = {"zho": "cmn"}


def _model_languages(model: ModelResults) -> set[str]:
    """The ISO 639-3 codes of the model's languages (model_meta.json: ``eng-Latn``)."""
    codes = model_meta(model).get("languages")
    found = {c.split("-")[0].split("_")[0] for c in codes or [] if isinstance(c, str)}
    return found | {_SAME_LANGUAGE[c] for c in found if c in _SAME_LANGUAGE}


def _named_benchmarks(
    tasks: list[str], catalog: Catalog, languages: set[str] = frozenset()
) -> tuple[list[str], list[str]]:
    """mteb benchmarks all of whose tasks are among ``tasks``, those of the model's own
    languages first, then the one adding the most tasks, and the tasks none of them holds:
    commands name benchmarks instead of listing hundreds of tasks. C-MTEB is a convention of
    the card's (its metrics), not an mteb benchmark, so it is never named."""
    wanted = set(tasks)
    candidates: dict[str, frozenset[str]] = {}
    for name in catalog.benchmark_names():
        covered = catalog.benchmark_tasks(name)
        if catalog.benchmark(name).metric_by_type is None and covered and covered <= wanted:
            candidates[name] = covered
    chosen: list[str] = []
    left = set(wanted)
    while len(chosen) < _MAX_BENCHMARK_COMMANDS:
        useful = [n for n in candidates if len(candidates[n] & left) >= _MIN_NEW_TASKS]
        if not useful:
            break
        name = max(useful, key=lambda n: (_speaks(n, languages), len(candidates[n] & left)))
        chosen.append(name)
        left -= candidates.pop(name)
    return chosen, [t for t in tasks if t in left]


def _speaks(benchmark: str, languages: set[str]) -> bool:
    match = _BENCHMARK_LANGUAGE.search(benchmark)
    return bool(match) and match.group(1) in languages


# More tasks than this outside the named benchmarks get a command of their own, its task list
# wrapped over lines of about this width, shown folded on the card.
_LISTED_TASKS = 40
_LINE_WIDTH = 100
_PLAIN_WORD = lazy(r"[A-Za-z0-9_.+-]+")


def _wrapped_tasks(head: list[str], tasks: list[str], tail: list[str]) -> str:
    """A command with a long ``--tasks`` list wrapped at commas: a backslash before a newline
    joins the lines into one word, so the shell reads one list."""
    if not all(_PLAIN_WORD.fullmatch(task) for task in tasks):
        return shlex.join([*head, "--tasks", ",".join(tasks), *tail])
    lines: list[str] = []
    line = ""
    for task in tasks:
        if line and len(line) + len(task) + 1 > _LINE_WIDTH:
            lines.append(line + ",\\")
            line = task
        else:
            line = f"{line},{task}" if line else task
    lines.append(line)
    return f"{shlex.join(head)} --tasks \\\n" + "\n".join(lines) + f" {shlex.join(tail)}"


def _generated_runs(
    model_id: str,
    revision: str | None,
    tasks: list[str],
    local: set[str],
    catalog: Catalog,
    prompt: str | None = None,
    languages: set[str] = frozenset(),
) -> tuple[list[str], str | None, int]:
    """`cardkit run` commands evaluating ``tasks`` into one results folder: the first names
    the mteb benchmark covering the most of them (those of the model's languages first), with
    the other tasks (local ones from their task folders); one more per other benchmark they
    cover; each with the query prompt. More than a few dozen other tasks go into a command of
    their own, wrapped (the second value; the third: how many tasks it evaluates)."""
    head = ["cardkit", "run", "--model", model_id]
    if is_revision(revision):
        head += ["--revision", str(revision)]
    tail = (["--prompt", prompt] if prompt else []) + ["-o", RESULTS]
    benchmarks, builtin = _named_benchmarks(
        [t for t in tasks if t not in local], catalog, languages
    )
    others, count = None, 0
    if benchmarks and len(builtin) > _LISTED_TASKS:
        others, count, builtin = _wrapped_tasks(head, builtin, tail), len(builtin), []
    words = ["--benchmark", benchmarks[0]] if benchmarks else []
    if builtin:
        words += ["--tasks", ",".join(builtin)]
    for task in sorted(local & set(tasks)):
        words += ["--custom-task", f"path/to/{task}"]
    commands = [shlex.join([*head, *words, *tail])] + [
        shlex.join([*head, "--benchmark", name, *tail]) for name in benchmarks[1:]
    ]
    return commands, others, count


def _dataset_revisions(
    model: ModelResults, catalog: Catalog
) -> tuple[list[dict[str, Any]], list[list[str]], str]:
    """Every task's dataset revision; a table of those the result files do not record (the
    catalog's, marked as such: the others are in the model-index); one sentence on all."""
    revisions = []
    rows = []
    differ: list[str] = []
    for task in model.sorted_tasks():
        name = catalog.canonical_name(task.task_name)
        info = catalog.get(name)
        recorded = task.dataset_revision if task.dataset_revision not in (None, "None") else None
        pinned = info.revision if info else None
        revisions.append(
            {
                "task": name,
                "dataset": catalog.dataset_path(name, task.dataset_revision) if info else name,
                "revision": recorded or pinned or "unknown",
                "recorded": recorded is not None,
                "mteb_version": task.mteb_version or "unknown",
                "model_revision": task.model_revision or model.revision,
            }
        )
        if recorded is None:
            rows.append([name, info.dataset if info else name, pinned or "unknown"])
        elif recorded != pinned:
            differ.append(name)
    return revisions, rows, _revisions_note(len(revisions), differ, len(rows), catalog.mteb_version)


def _revisions_note(
    total: int, differ: list[str], unrecorded: int, mteb_version: str | None
) -> str:
    """Where the dataset revisions come from, in short sentences: those the files record (in
    the model-index), those mteb now evaluates differently, those only the table gives."""
    mteb = f"mteb {mteb_version}" if mteb_version else "current mteb"
    recorded = total - unrecorded
    if not recorded:
        return (
            "The result files do not record which dataset revisions they evaluated; the table "
            f"gives those {mteb} evaluates, which may be newer."
        )
    which = "each task" if recorded == total else f"{recorded} of the {total} tasks"
    sentences = [
        f"The result files record the dataset revision of {which} (`dataset.revision` in the "
        "model-index)."
    ]
    if differ:
        shown = ", ".join(differ[:8]) + (f" and {len(differ) - 8} more" if len(differ) > 8 else "")
        sentences.append(f"{mteb} evaluates another revision of {len(differ)} of them: {shown}.")
    if unrecorded:
        sentences.append(
            f"For the other {unrecorded}, the table gives the revision {mteb} evaluates, "
            "which may be newer than the one evaluated."
        )
    return " ".join(sentences)


def reproduce_context(
    model: ModelResults,
    catalog: Catalog,
    model_id: str,
    build_command: str | None,
    prompts: dict[str, str] | None = None,
    card: Path | None = None,
) -> dict[str, Any]:
    """The template's ``reproduce`` variable (see README.md, "Your own template").

    ``prompts``: the card's prompts; the query prompt goes into the generated `cardkit run`.
    ``card``: where the card goes; an absolute path in a recorded command is shown as the
    card's folder reaches it (a card publishes no home folder or mount point).
    """
    tasks = model.sorted_tasks()
    names = [catalog.canonical_name(t.task_name) for t in tasks]
    versions = sorted({t.mteb_version for t in tasks if t.mteb_version}, key=_version_key)
    used = Counter(t.model_revision or model.revision for t in tasks)
    merged = len(used) > 1
    records = _records(model)
    recorded_tasks = {catalog.canonical_name(t) for run in records for t in run.tasks}
    runs = [run for run in records if {catalog.canonical_name(t) for t in run.tasks} & set(names)]
    unrecorded = [name for name in names if name not in recorded_tasks]
    local = set(model.extra_tasks) | set(catalog.project_tasks)
    release = len(versions) == 1 and _RELEASE.fullmatch(versions[0])
    mteb_pin = versions[0] if release and not unrecorded else catalog.mteb_version
    commands = [cardkit_install_line()]
    if mteb_pin:
        commands.append(f'pip install "mteb=={mteb_pin}"')
    for run in runs:
        config = _without_absolute_paths(run.config, card) if run.config else None
        note = f"  # with the run: settings of {config}" if config else ""
        commands.append(_without_absolute_paths(run.command, card) + note)
    query = (prompts or {}).get("query")
    languages = _model_languages(model)
    generated, others, others_count = (
        _generated_runs(model_id, model.revision, unrecorded, local, catalog, query, languages)
        if unrecorded
        else ([], None, 0)
    )
    commands += generated
    if build_command:
        commands.append(build_command)
    revisions, rows, note = _dataset_revisions(model, catalog)
    return {
        "cardkit_version": __version__,
        "mteb_versions": versions,
        "mteb_versions_text": versions_text(versions),
        "mteb_pin": mteb_pin,
        "model_revision": model.revision if is_revision(model.revision) else None,
        # Several revisions merged task by task: each with its tasks, the most used first (its
        # tasks are "the others" on the card: naming hundreds of them says nothing more).
        "model_revisions": [
            {
                "revision": rev or "unknown",
                "tasks": count,
                "task_names": [
                    catalog.canonical_name(t.task_name)
                    for t in tasks
                    if (t.model_revision or model.revision) == rev
                ],
            }
            for rev, count in used.most_common()
        ]
        if merged
        else [],
        "recorded": bool(runs),
        "unrecorded_tasks": unrecorded,
        "local_tasks": sorted(local & set(unrecorded)),
        # Local tasks the recorded commands read from their folders (named in the commands).
        "recorded_local_tasks": sorted(local & recorded_tasks & set(names)),
        "dataset_revisions": revisions,
        "revisions_note": note,
        "revisions_table": markdown_table(
            ["Task", "Dataset", f"Revision (mteb {catalog.mteb_version})"], rows
        )
        if rows
        else None,
        "commands": commands,
        "generated_runs": len(generated) + (1 if others else 0),
        # The command for the tasks outside the named benchmarks when they are many (shown
        # folded, to run before the build line), and how many they are.
        "other_tasks_command": others,
        "other_tasks_count": others_count,
        # The `cardkit build` line that ends the commands (its paths as the card's folder
        # reaches them), or None.
        "build_command": build_command or None,
        # The instruction template mteb's own wrapper of the model used (model_meta.json):
        # the model needs those prompts to give these scores.
        "instruction_template": _instruction_template(model),
    }


def _instruction_template(model: ModelResults) -> str | None:
    meta = model_meta(model)
    kwargs = meta.get("loader_kwargs")
    template = kwargs.get("instruction_template") if isinstance(kwargs, dict) else None
    wanted = meta.get("use_instructions") is not False
    return template if isinstance(template, str) and template.strip() and wanted else None
