"""Every example of the README and the docs site, run or parsed, so that no example can drift.

- A ``yaml`` block must parse.
- A ``console`` block is ``$ command`` lines, each followed by what it prints (standard output
  and standard error, in the order printed). The commands of one page run in order, each block
  in a fresh shell started in a temporary copy of the repository's ``examples/``, ``tests/data``
  and ``tests/hostile`` (with ``../shared`` beside it when the real data is there; a block that
  needs it, or matplotlib, is skipped without it); ``cardkit`` is this checkout. The temporary
  folder's path is printed as ``/tmp/docs``. A line that is only ``...`` stands for any number
  of lines.
- A ``console`` block without ``$`` lines is the output of the ``bash`` block just above it,
  whose ``cardkit`` lines are run (the README's quick start, as a reader copies it).

Card text changes as cardkit does: ``CARDKIT_DOCS_UPDATE=1 python -m pytest -n0
tests/cli/test_docs_examples.py`` rewrites every expected output in place from a real run (an
elided block keeps as many lines before and after its ``...`` as it had); review the diff.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from tests.conftest import REPO, SHARED

PAGES = sorted([REPO / "README.md", *(REPO / "docs").rglob("*.md")])
UPDATE = os.environ.get("CARDKIT_DOCS_UPDATE") == "1"
SHOWN_TMP = "/tmp/docs"
ELLIPSIS = "..."
PROMPT = "$ "
# What the copy of the repository holds: the bundled example and the tests' small inputs.
COPIED = ("examples", "tests/data", "tests/hostile")
# A marker no command prints, between the outputs of two commands of one shell.
MARK = "\x1ecardkit-docs-step\x1e"


@dataclass
class Fence:
    language: str
    content: str
    first: int  # index of the first content line in the file's lines
    last: int  # index of the closing fence line
    indent: str


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)


def _rel(page: Path) -> str:
    return page.relative_to(REPO).as_posix()


def fences(text: str) -> list[Fence]:
    """The fenced code blocks of a Markdown page, found as a Markdown renderer finds them."""
    lines = text.splitlines()
    found = []
    for token in MarkdownIt("commonmark").parse(text):
        if token.type != "fence" or token.map is None:
            continue
        start, end = token.map
        opening = lines[start]
        found.append(
            Fence(
                language=token.info.split()[0] if token.info.strip() else "",
                content=token.content,
                first=start + 1,
                last=end - 1,
                indent=opening[: len(opening) - len(opening.lstrip())],
            )
        )
    return found


def steps_of(fence: Fence, previous: Fence | None) -> list[Step]:
    """The commands of a console block and the lines each is expected to print."""
    lines = fence.content.splitlines()
    if not any(line.startswith(PROMPT) for line in lines):
        if previous is None or previous.language != "bash":
            raise AssertionError("a console block needs '$ ' commands, or a bash block above it")
        commands = [c for c in previous.content.splitlines() if c.startswith("cardkit ")]
        assert commands, "the bash block above the console block runs no cardkit command"
        # One step: the reader runs the lines one after the other and sees all they print.
        return [Step("\n".join(commands), lines)]
    steps: list[Step] = []
    continued = False
    for line in lines:
        if continued:
            steps[-1].command += "\n" + line
            continued = line.endswith("\\")
        elif line.startswith(PROMPT):
            steps.append(Step(line[len(PROMPT) :]))
            continued = line.endswith("\\")
        elif steps:
            steps[-1].expected.append(line)
        else:
            raise AssertionError(f"a console block must start with a '$ ' command: {line!r}")
    return steps


def workspace(tmp: Path) -> Path:
    """A copy of the repository's examples, with ``../shared`` beside it, and a ``cardkit``."""
    root = tmp / "cardkit"
    for name in COPIED:
        shutil.copytree(REPO / name, root / name, symlinks=True)
    if SHARED.is_dir():
        (tmp / "shared").symlink_to(SHARED, target_is_directory=True)
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "cardkit"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m cardkit "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return root


def run_steps(steps: list[Step], cwd: Path, tmp: Path) -> list[list[str]]:
    """Run the commands in one shell; what each printed, as lines, with the path normalised."""
    script = ["exec 2>&1"]
    for step in steps:
        # Keep $? for the next command (`echo $?`) across the marker's printf.
        script += ["__status=$?", f"printf '%s\\n' '{MARK}'", "(exit $__status)", step.command]
    env = {
        **os.environ,
        "PATH": f"{tmp / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(REPO),
        "PYTHONUNBUFFERED": "1",  # standard output and error in the order they were printed
        "NO_COLOR": "1",
        "LC_ALL": "C.UTF-8",  # `ls` and `sort` in the same order everywhere
        "HF_HUB_OFFLINE": "1",
        "HF_ENDPOINT": "http://127.0.0.1:9",  # nothing the examples run may reach a network
        "COLUMNS": "100",
    }
    env.pop("HF_TOKEN", None)
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", "\n".join(script)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    printed = done.stdout
    for path in {str(tmp.resolve()), str(tmp)}:
        printed = printed.replace(path, SHOWN_TMP)
    parts = printed.split(MARK + "\n")
    assert parts[0] == "", f"the shell printed before the first command: {parts[0]!r}"
    return [part.splitlines() for part in parts[1:]]


def matches(expected: list[str], actual: list[str]) -> bool:
    pattern = "".join(
        r"(?:[^\n]*\n)*?" if line == ELLIPSIS else re.escape(line) + r"\n" for line in expected
    )
    return re.fullmatch(pattern, "".join(line + "\n" for line in actual)) is not None


def updated(expected: list[str], actual: list[str]) -> list[str]:
    """The new expected lines: the real output, elided as before where it was elided once."""
    if expected.count(ELLIPSIS) != 1:
        return actual
    cut = expected.index(ELLIPSIS)
    head, tail = expected[:cut], expected[cut + 1 :]
    if len(head) + len(tail) >= len(actual):
        return actual
    return actual[: len(head)] + [ELLIPSIS] + (actual[len(actual) - len(tail) :] if tail else [])


def console_text(fence: Fence, steps: list[Step]) -> list[str]:
    """The block's new lines: its commands (unless it shows only output) and their output."""
    bare = not any(line.startswith(PROMPT) for line in fence.content.splitlines())
    lines = []
    for step in steps:
        if not bare:
            lines.append(PROMPT + step.command)
        lines += step.expected
    return [fence.indent + line if line else line for line in lines]


# What a block needs when its text names it: the real data beside the repository, and
# matplotlib for the example's charts (the `[plot]` extra).
NEEDS = {
    "../shared": SHARED.is_dir(),
    "examples/cardkit.yaml": importlib.util.find_spec("matplotlib") is not None,
}


def _cannot_run(fence: Fence, previous: Fence | None) -> bool:
    texts = [fence.content] + ([previous.content] if previous else [])
    return any(word in text and not there for word, there in NEEDS.items() for text in texts)


def _pages_with(language: str) -> list[Path]:
    return [
        page
        for page in PAGES
        if any(f.language == language for f in fences(page.read_text(encoding="utf-8")))
    ]


@pytest.mark.parametrize("page", _pages_with("yaml"), ids=_rel)
def test_yaml_examples_parse(page: Path):
    blocks = [f for f in fences(page.read_text(encoding="utf-8")) if f.language == "yaml"]
    assert blocks
    for fence in blocks:
        try:
            list(yaml.safe_load_all(fence.content))
        except yaml.YAMLError as error:
            pytest.fail(f"{_rel(page)}:{fence.first + 1}: the yaml example does not parse: {error}")


def test_every_page_is_checked():
    """The docs exist, and the examples are found where they are (none hidden from the test)."""
    assert (REPO / "docs" / "index.md").is_file()
    found = [f.language for page in PAGES for f in fences(page.read_text(encoding="utf-8"))]
    assert found.count("console") >= 20
    assert found.count("yaml") >= 5


@pytest.mark.parametrize("page", _pages_with("console"), ids=_rel)
def test_console_examples_print_what_they_show(page: Path, tmp_path: Path):
    text = page.read_text(encoding="utf-8")
    all_fences = fences(text)
    blocks = [
        (fence, all_fences[i - 1] if i else None)
        for i, fence in enumerate(all_fences)
        if fence.language == "console"
    ]
    root = workspace(tmp_path)
    failures, replacements, skipped = [], [], 0
    for fence, previous in blocks:
        if _cannot_run(fence, previous):
            skipped += 1
            continue
        steps = steps_of(fence, previous)
        outputs = run_steps(steps, root, tmp_path)
        assert len(outputs) == len(steps), f"{_rel(page)}:{fence.first}: the shell stopped early"
        changed = False
        for step, actual in zip(steps, outputs):
            if matches(step.expected, actual):
                continue
            changed = True
            if UPDATE:
                step.expected = updated(step.expected, actual)
            else:
                failures.append(
                    f"{_rel(page)}:{fence.first}: $ {step.command}\n"
                    + "--- expected\n"
                    + "\n".join(step.expected)
                    + "\n--- printed\n"
                    + "\n".join(actual)
                )
        if changed and UPDATE:
            replacements.append((fence, console_text(fence, steps)))
    if replacements:
        lines = text.splitlines()
        for fence, new in sorted(replacements, key=lambda r: r[0].first, reverse=True):
            lines[fence.first : fence.last] = new
        page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert not failures, "\n\n".join(failures)
    if skipped == len(blocks):
        pytest.skip(f"every console example of {_rel(page)} needs {SHARED} or matplotlib")


def test_ci_runs_the_test_command_the_readme_gives():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    [command] = [
        line
        for fence in fences(readme)
        if fence.language == "bash"
        for line in fence.content.splitlines()
        if "python -m pytest" in line
    ]
    assert command in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_an_ellipsis_line_stands_for_any_lines_and_an_update_keeps_it():
    expected = ["first", ELLIPSIS, "last"]
    assert matches(expected, ["first", "last"])
    assert matches(expected, ["first", "a", "b", "last"])
    assert not matches(expected, ["first", "a", "changed"])
    assert not matches(["first"], ["first", "more"])
    assert updated(expected, ["new first", "a", "b", "new last"]) == [
        "new first",
        ELLIPSIS,
        "new last",
    ]
    assert updated(["only"], ["new", "lines"]) == ["new", "lines"]
