"""Does `cardkit audit` give the verdict the results repository's own CI gives? Case by case.

Builds a git repository from a copy of ``embeddings-benchmark/results`` (its tests, workflows
and a few models, committed as ``main``), then commits each mutation on a branch of its own:
one per rule of that repository's CI, a clean addition of a new model, and a main score moved
within the threshold. On each branch it runs the repository's own pytest (and the
``check_file_sizes.yml`` workflow's script) and ``cardkit audit NEW_FOLDERS --against REPO`` on
the same change, and prints the verdicts side by side. It exits 1 unless they agree on every
case, and no cardkit rule passes where the repository's test fails.

Run by hand (it needs mteb and a checkout of the results repository, and takes minutes)::

    python scripts/audit_parity.py /path/to/results [--work DIR]

Two of the repository's tests are left out on every branch, the same for all: one downloads
results from the network (test_load_results_mteb), one is marked skip and needs `datasets`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from cardkit.audit.rules import RULES

SHA = "0123456789abcdef0123456789abcdef01234567"
PYTEST_ARGS = [
    "--deselect",
    "tests/test_load_results.py::test_load_results_mteb",
    "--ignore",
    "tests/test_load_datasets.py",
]
SIZE_WORKFLOW = ".github/workflows/check_file_sizes.yml"
# tests/test_ensure_correct_metadata.py indexes a Haon-Chen folder when it is imported: the copy
# holds one, or every test of that module errors.
ALWAYS = ("Haon-Chen__e5-omni-3B",)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_to_rules() -> dict[str, set[str]]:
    """The repository's test (or workflow) name -> the cardkit rules that hold it."""
    found: dict[str, set[str]] = {}
    for rule in RULES:
        if rule.family == "ci":
            name = rule.source.rsplit("::", 1)[-1] if "::" in rule.source else "check_file_sizes"
            found.setdefault(name, set()).add(rule.id)
    # The duplicate test asks mteb's registry for the model first and fails with a KeyError
    # when it does not know it (results pull requests #476, #543).
    found["test_no_duplicate_task_results_exist"].add("model-in-mteb")
    # The tests that open model_meta.json fail too where it is missing.
    for test in (
        "test_revision_is_specified_for_new_additions",
        "test_organization_is_specified_for_new_additions",
        "test_that_revision_match",
    ):
        found[test].add("model-meta-present")
    return found


def pick_models(store: Path, count: int) -> list[str]:
    """Small model folders of one sha revision with model_meta.json, known to mteb."""
    import mteb

    known = {m.name for m in mteb.get_model_metas() if m.name}
    picked = []
    for folder in sorted((store / "results").iterdir()):
        revisions = [p for p in folder.iterdir() if p.is_dir()] if folder.is_dir() else []
        if len(revisions) != 1 or not re.fullmatch(r"[0-9a-f]{40}", revisions[0].name):
            continue
        meta = revisions[0] / "model_meta.json"
        files = list(revisions[0].glob("*.json"))
        if not meta.exists() or not 6 <= len(files) <= 25:
            continue
        data = json.loads(meta.read_text())
        if data.get("name") not in known or data["name"].replace("/", "__") != folder.name:
            continue
        if not any(_multi_subset(f) for f in files):
            continue
        picked.append(folder.name)
        if len(picked) == count:
            break
    return picked


def _multi_subset(path: Path) -> bool:
    if path.name == "model_meta.json":
        return False
    data = json.loads(path.read_text())
    scores = data.get("scores", {})
    return (
        any(
            len(entries) > 1 and any(len(set(e.get("languages", []))) > 1 for e in entries)
            for entries in scores.values()
        )
        and len(scores) >= 1
    )


@dataclass
class Case:
    name: str
    expected: str  # the CI rule it breaks, or 'none'
    apply: Callable[[Path], list[Path]]  # makes the change, returns the folders to audit


def only_revision(repo: Path, model: str) -> Path:
    (revision,) = [p for p in (repo / "results" / model).iterdir() if p.is_dir()]
    return revision


def result_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.json") if p.name != "model_meta.json")


def edit_meta(folder: Path, **changes: object) -> None:
    path = folder / "model_meta.json"
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data, indent=2))


def cases(store: Path, base_models: list[str], new_model: str) -> list[Case]:
    src = only_revision(store, new_model)
    new_name = json.loads((src / "model_meta.json").read_text())["name"]
    org, short = new_name.split("/", 1)

    def add_new(repo: Path, folder: str | None = None, revision: str | None = None) -> Path:
        target = repo / "results" / (folder or new_model) / (revision or src.name)
        shutil.copytree(src, target)
        return target

    def clean(repo: Path) -> list[Path]:
        return [add_new(repo).parent]

    def folder_structure(repo: Path) -> list[Path]:
        target = add_new(repo)
        edit_meta(target, name=f"{org}/{short}-renamed")
        return [target.parent]

    def meta_missing(repo: Path) -> list[Path]:
        target = add_new(repo)
        (target / "model_meta.json").unlink()
        return [target.parent]

    def revision_placeholder(repo: Path) -> list[Path]:
        target = add_new(repo, revision="no_revision_available")
        edit_meta(target, revision="no_revision_available")
        return [target.parent]

    def no_organisation(repo: Path) -> list[Path]:
        target = add_new(repo, folder=short)
        edit_meta(target, name=short)
        return [target.parent]

    def revision_mismatch(repo: Path) -> list[Path]:
        target = add_new(repo)
        edit_meta(target, revision=SHA)
        return [target.parent]

    def duplicate_revision(repo: Path) -> list[Path]:
        target = add_new(repo)
        second = add_new(repo, revision=SHA)
        for path in result_files(second)[1:]:
            path.unlink()
        return [target.parent]

    def task_name(repo: Path) -> list[Path]:
        target = add_new(repo)
        first = result_files(target)[0]
        first.rename(first.with_name("RenamedTask.json"))
        return [target.parent]

    def duplicate_task(repo: Path) -> list[Path]:
        model = base_models[0]
        old = only_revision(repo, model)
        second = repo / "results" / model / SHA
        second.mkdir()
        shutil.copy2(old / "model_meta.json", second / "model_meta.json")
        edit_meta(second, revision=SHA)
        shutil.copy2(result_files(old)[0], second / result_files(old)[0].name)
        return [second]

    def _multi_file(repo: Path) -> Path:
        for model in base_models:
            for path in result_files(only_revision(repo, model)):
                if _multi_subset(path):
                    return path
        raise SystemExit("no result file with several subsets among the models picked")

    def split_removed(repo: Path) -> list[Path]:
        path = _multi_file(repo)
        data = json.loads(path.read_text())
        split = next(s for s, e in data["scores"].items() if len(e) > 1)
        data["scores"][split] = data["scores"][split][:-1]
        path.write_text(json.dumps(data, indent=2))
        return [path.parent]

    def language_removed(repo: Path) -> list[Path]:
        path = _multi_file(repo)
        data = json.loads(path.read_text())
        for entries in data["scores"].values():
            entry = next((e for e in entries if len(set(e.get("languages", []))) > 1), None)
            if entry is not None:
                last = entry["languages"][-1]
                entry["languages"] = [x for x in entry["languages"] if x != last]
                break
        path.write_text(json.dumps(data, indent=2))
        return [path.parent]

    def _move_main(repo: Path, delta: float) -> list[Path]:
        path = result_files(only_revision(repo, base_models[1]))[0]
        data = json.loads(path.read_text())
        for entries in data["scores"].values():
            for entry in entries:
                main = entry["main_score"]
                for key, value in list(entry.items()):
                    if key != "main_score" and value == main:
                        entry[key] = main + delta
                entry["main_score"] = main + delta
        path.write_text(json.dumps(data, indent=2))
        return [path.parent]

    def main_moved(repo: Path) -> list[Path]:
        return _move_main(repo, 0.01)

    def main_nudged(repo: Path) -> list[Path]:
        return _move_main(repo, 0.0005)

    def big_file(repo: Path) -> list[Path]:
        target = add_new(repo)
        path = result_files(target)[0]
        text = path.read_text()
        path.write_text(text.rstrip()[:-1] + " " * (11 * 1024 * 1024) + "}\n")
        return [target.parent]

    def unknown_model(repo: Path) -> list[Path]:
        target = add_new(repo, folder="cardkit-parity__not-a-model")
        edit_meta(target, name="cardkit-parity/not-a-model")
        return [target.parent]

    return [
        Case("clean new model", "none", clean),
        Case("main score moved 0.0005", "none", main_nudged),
        Case("name does not give the folder", "folder-structure", folder_structure),
        Case("no model_meta.json", "model-meta-present", meta_missing),
        Case("revision no_revision_available", "revision-specified", revision_placeholder),
        Case("name without organisation", "organisation-specified", no_organisation),
        Case("revision is not the folder", "revision-matches-path", revision_mismatch),
        Case("two folders, one revision", "no-duplicate-revisions", duplicate_revision),
        Case("task name is not the file", "task-name-matches-file", task_name),
        Case("task in two revisions", "no-duplicate-tasks", duplicate_task),
        Case("subset removed", "no-splits-removed", split_removed),
        Case("language removed", "no-languages-removed", language_removed),
        Case("main score moved 0.01", "main-score-within-threshold", main_moved),
        Case("file over 10 MiB", "file-size", big_file),
        Case("model unknown to mteb", "model-in-mteb", unknown_model),
    ]


def build_repo(store: Path, repo: Path, models: list[str]) -> None:
    repo.mkdir(parents=True)
    for name in ("tests", ".github", "scripts"):
        shutil.copytree(store / name, repo / name)
    for name in ("pyproject.toml", "makefile", "results.py", "README.md"):
        if (store / name).exists():
            shutil.copy2(store / name, repo / name)
    (repo / "tests" / "mock_cache_dir").mkdir(exist_ok=True)
    for model in models:
        shutil.copytree(store / "results" / model, repo / "results" / model)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(
        repo, "-c", "user.name=parity", "-c", "user.email=parity@localhost", "commit", "-qm", "main"
    )


def repo_failures(repo: Path) -> list[str]:
    """The repository's failing tests on the checked-out branch, and the size workflow's."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests",
            "-q",
            "-rfE",
            "-p",
            "no:cacheprovider",
            *PYTEST_ARGS,
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
    )
    failed = sorted(
        {
            m.split("[")[0]
            for m in re.findall(r"^(?:FAILED|ERROR) tests/\S+::(\S+)", done.stdout, re.M)
        }
    )
    if done.returncode not in (0, 1):
        failed.append(f"pytest exit {done.returncode}")
    workflow = yaml.safe_load((repo / SIZE_WORKFLOW).read_text())
    script = workflow["jobs"]["check-file-size"]["steps"][-1]["run"]
    script = script.replace(
        "${{ github.event.pull_request.base.sha }}", git(repo, "rev-parse", "main")
    )
    script = script.replace("${{ github.sha }}", git(repo, "rev-parse", "HEAD"))
    size = subprocess.run(["bash", "-c", script], cwd=repo, capture_output=True, text=True)
    if size.returncode != 0:
        failed.append("check_file_sizes")
    return failed


def cardkit_failures(repo: Path, folders: list[Path]) -> tuple[int, list[str]]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cardkit",
            "audit",
            *map(str, folders),
            "--against",
            str(repo),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(done.stdout)
    except ValueError:
        return done.returncode, [f"no report: {done.stderr.strip()[:200]}"]
    return done.returncode, sorted(report["counts"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, help="a checkout of embeddings-benchmark/results")
    parser.add_argument(
        "--work", type=Path, help="where to build the repository (default: a temporary folder)"
    )
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="audit-parity-"))
    repo = work / "results-repo"
    models = pick_models(args.store, 4)
    base_models, new_model = models[:3], models[3]
    build_repo(args.store, repo, [*base_models, *ALWAYS])
    print(f"repository: {repo} (main: {', '.join(base_models)}; new model: {new_model})")
    mapping = test_to_rules()
    rows, ok = [], True
    for number, case in enumerate(cases(args.store, base_models, new_model), start=1):
        branch = f"case-{number:02d}"
        git(repo, "checkout", "-q", "-b", branch, "main")
        folders = case.apply(repo)
        git(repo, "add", "-A")
        git(
            repo,
            "-c",
            "user.name=parity",
            "-c",
            "user.email=parity@localhost",
            "commit",
            "-qm",
            case.name,
        )
        failed = repo_failures(repo)
        code, rules = cardkit_failures(repo, folders)
        ci_rules = [r for r in rules if r in {x.id for x in RULES if x.family == "ci"}]
        missing = [t for t in failed if not mapping.get(t, set()) & set(ci_rules)]
        agree = bool(failed) == bool(ci_rules) == (code == 1) and not missing
        ok &= agree
        rows.append(
            (
                case.name,
                case.expected,
                ", ".join(failed) or "pass",
                ", ".join(rules) or "pass",
                "yes" if agree else "NO",
            )
        )
        git(repo, "checkout", "-q", "main")
    header = ("case", "breaks", "results repository CI", "cardkit audit", "agree")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if not args.work:
        shutil.rmtree(work)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
