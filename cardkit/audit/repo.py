"""The results repository: its legacy exceptions, and the files of its main to compare with.

The exceptions (folders allowed to lack model_meta.json, revisions allowed to be
``no_revision_available`` or ``external``) are lists in the repository's own tests. They are
read from those tests with ``ast`` (never run): from the checkout given with ``--against``,
else from the copy ``scripts/build_results_rules.py`` made of them into
``cardkit/data/results_repo_rules.json``.
"""

from __future__ import annotations

import ast
import glob
import json
import os
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cardkit.io.errors import CardkitError
from cardkit.io.userfile import read_bytes, read_text

RULES_DATA = Path(__file__).resolve().parents[1] / "data" / "results_repo_rules.json"
# Where each list lives in the repository's tests.
_LISTS = {
    "folders_without_meta": "tests/test_correct_folder_structure.py",
    "revision_exceptions": "tests/test_ensure_correct_metadata.py",
}
# The results repository's limits (tests/test_results_diff.py, check_file_sizes.yml).
MAIN_SCORE_EPSILON = 0.001
MAX_FILE_BYTES = 10 * 1024 * 1024
# The file size rule reads no file larger than this to compare it with main.
_COMPARE_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class Exceptions:
    """The legacy (model folder, revision folder) pairs the repository's tests let pass."""

    folders_without_meta: frozenset[tuple[str, str]] = frozenset()
    revision_exceptions: frozenset[tuple[str, str]] = frozenset()
    source: str = ""


def _pairs(source: str, name: str, path: Path | str) -> frozenset[tuple[str, str]]:
    """The list of string pairs assigned to ``name`` at the top level of a test module."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        where = f"line {exc.lineno}"
        raise CardkitError(f"cannot parse the test module: {exc.msg}", path, where) from None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                break
            return frozenset((str(a), str(b)) for a, b in value)
    raise CardkitError(f"no list '{name}' of (model, revision) pairs found", path)


def exceptions_from_tests(repo: Path) -> Exceptions:
    """The exception lists of a results repository checkout's tests."""
    found = {}
    for name, relative in _LISTS.items():
        path = repo / relative
        found[name] = _pairs(read_text(path, "test module"), name, path)
    return Exceptions(**found, source=str(repo / "tests"))


def exceptions_as_data(exceptions: Exceptions) -> dict[str, list[list[str]]]:
    return {
        "folders_without_meta": sorted(map(list, exceptions.folders_without_meta)),
        "revision_exceptions": sorted(map(list, exceptions.revision_exceptions)),
    }


@lru_cache(maxsize=1)
def shipped_exceptions() -> Exceptions:
    with RULES_DATA.open(encoding="utf-8") as handle:
        data = json.load(handle)
    return Exceptions(
        frozenset(tuple(p) for p in data["folders_without_meta"]),
        frozenset(tuple(p) for p in data["revision_exceptions"]),
        source=f"{data['repository']} at {data['commit']} (as shipped with cardkit)",
    )


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    # No pager, no hooks, no credential prompt: git only reads the local repository here.
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat"}
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, env=env, check=False
    )


@dataclass
class BaseStore:
    """The results repository's main, to compare a pull request's files with.

    A git checkout: the files at the merge base of ``main`` (or ``origin/main``) and ``HEAD``,
    as the repository's CI compares (tests/git_utils.py); a plain folder: its files.
    """

    root: Path
    results: str  # the results folder relative to root ('results', or '' for a bare store)
    ref: str | None = None  # the git commit compared with; None for a folder
    exceptions: Exceptions = field(default_factory=shipped_exceptions)
    _listing: list[tuple[str, str, str]] | None = field(default=None, repr=False, compare=False)

    @property
    def results_root(self) -> Path:
        return self.root / self.results if self.results else self.root

    def _relative(self, model: str, *rest: str) -> str:
        return "/".join(p for p in (self.results, model, *rest) if p)

    def read(self, model: str, revision: str, name: str) -> bytes | None:
        """The file ``<model>/<revision>/<name>`` on main, or None where main has none."""
        if self.ref is not None:
            done = _git(self.root, "show", f"{self.ref}:{self._relative(model, revision, name)}")
            return done.stdout if done.returncode == 0 else None
        path = self.results_root / model / revision / name
        if not path.is_file() or path.is_symlink():
            return None
        return read_bytes(path, "result file on main", _COMPARE_LIMIT)

    def read_many(self, files: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], bytes]:
        """``read`` of many (model, revision, name) files at once (one git process)."""
        if self.ref is None:
            found = {}
            for key in files:
                data = self.read(*key)
                if data is not None:
                    found[key] = data
            return found
        request = "".join(f"{self.ref}:{self._relative(*key)}\n" for key in files)
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
        done = subprocess.run(
            ["git", "-C", str(self.root), "cat-file", "--batch"],
            input=request.encode("utf-8", "surrogateescape"),
            capture_output=True,
            env=env,
            check=False,
        )
        out, found, at = done.stdout, {}, 0
        for key in files:
            end = out.find(b"\n", at)
            if end < 0:
                break
            header = out[at:end].split()
            at = end + 1
            if len(header) == 3 and header[1] == b"blob":
                size = int(header[2])
                found[key] = out[at : at + size]
                at += size + 1
        return found

    def revisions(self, model: str) -> list[str]:
        """The revision folders of a model on main."""
        if self.ref is not None:
            done = _git(
                self.root,
                "ls-tree",
                "-d",
                "--name-only",
                self.ref,
                "--",
                self._relative(model) + "/",
            )
            names = done.stdout.decode("utf-8", "surrogateescape").splitlines()
            return sorted(n.rsplit("/", 1)[-1] for n in names if n)
        folder = self.results_root / model
        if not folder.is_dir():
            return []
        return sorted(e.name for e in os.scandir(folder) if e.is_dir(follow_symlinks=False))

    def names(self, model: str, revision: str) -> list[str]:
        """The file names of a revision folder on main."""
        if self.ref is not None:
            where = self._relative(model, revision) + "/"
            done = _git(self.root, "ls-tree", "--name-only", self.ref, "--", where)
            names = done.stdout.decode("utf-8", "surrogateescape").splitlines()
            return sorted(n.rsplit("/", 1)[-1] for n in names if n)
        folder = self.results_root / model / revision
        if not folder.is_dir():
            return []
        return sorted(e.name for e in os.scandir(folder) if e.is_file(follow_symlinks=False))

    def task_files(self, task: str) -> list[tuple[str, str]]:
        """(model folder, revision) of every file ``<task>.json`` on main."""
        name = f"{task}.json"
        if self.ref is not None:
            return [(m, r) for m, r, n in self._tree() if n == name]
        found = []
        for path in sorted(self.results_root.glob(f"*/*/{glob.escape(name)}")):
            if path.is_file() and not path.is_symlink():
                found.append((path.parent.parent.name, path.parent.name))
        return found

    def _tree(self) -> list[tuple[str, str, str]]:
        """Every (model, revision, file) of main's results folder, listed once."""
        if self._listing is None:
            prefix = self.results + "/" if self.results else ""
            done = _git(
                self.root, "ls-tree", "-r", "--name-only", self.ref or "HEAD", "--", prefix or "."
            )
            listing = []
            for line in done.stdout.decode("utf-8", "surrogateescape").splitlines():
                parts = line[len(prefix) :].split("/")
                if len(parts) == 3:
                    listing.append((parts[0], parts[1], parts[2]))
            self._listing = listing
        return self._listing

    def holds(self, path: Path) -> bool:
        """Whether ``path`` lies in this checkout's working tree (a pull request's branch)."""
        try:
            path.resolve().relative_to(self.root.resolve())
        except ValueError:
            return False
        return True


def open_base(root: Path) -> BaseStore:
    """The ``--against`` store: a checkout of the results repository, or a folder of results."""
    if not root.is_dir():
        raise CardkitError("--against must be a folder: a checkout of the results repository", root)
    results = "results" if (root / "results").is_dir() else ""
    exceptions = (
        exceptions_from_tests(root)
        if all((root / p).is_file() for p in _LISTS.values())
        else shipped_exceptions()
    )
    if not (root / ".git").exists():
        return BaseStore(root, results, None, exceptions)
    for main in ("origin/main", "main"):
        done = _git(root, "merge-base", main, "HEAD")
        if done.returncode == 0 and done.stdout.strip():
            ref = done.stdout.decode().strip()
            return BaseStore(root, results, ref, exceptions)
    raise CardkitError(
        "a git checkout with no 'main' nor 'origin/main' branch to compare with", root
    )
