"""cardkit's speed against its floors, as ratios measured in one run.

Each row times a cardkit command and what it is held against, in fresh processes started
alternately, and compares the medians of their CPU time (user + system of the child: it holds
when the machine is busy, unlike wall time). A floor is the least any tool must do for the
same job, written as the plain script anyone would write (Python's defaults, the cycle
collector on): for a build, Python start-up, ``json.load`` of the same result files and
``yaml.dump`` of the same front matter with libyaml's ``CSafeDumper``; for validate, libyaml's
``CSafeLoader`` parse of the same card. An update is held against a build of a new card.
How each process is started and timed is ``benchmarks/_timing.py``'s.
`cardkit --help` is held to a budget of import time (``python -X importtime``: every import,
Python's own start-up included, the least of several runs; the second column is what a bare
``python -c pass`` imports).

    python benchmarks/speed.py [--runs 5] [--row TEXT ...] [--mteb]

``--mteb`` adds `cardkit build` against mteb's `create-model-results` (needs cardkit[run]).
The table is printed as Markdown; the exit status is 1 when a row misses its target. A new
row is one more entry in ROWS: a name, a target, and a setup returning the two commands.
"""

from __future__ import annotations

import argparse
import marshal
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from _timing import (
    PYTHON,
    REPO,
    Command,
    Spread,
    cardkit_command,
    import_milliseconds,
    interleaved,
    machine,
    process_env,
    python_code,
    run_once,
)

SHARED = Path(os.environ.get("CARDKIT_SHARED", REPO.parent / "shared"))
SMALL = REPO / "examples" / "results" / "BAAI__bge-base-zh"  # 35 tasks (C-MTEB, mteb 1.0)
LARGE = (  # 408 tasks, mteb 1.38 files
    SHARED
    / "data"
    / "mteb-results"
    / "results"
    / "Qwen__Qwen3-Embedding-0.6B"
    / "b22da495047858cce924d27d76261e96be6febc0"
)

# The build floor: read every result file and write the same front matter with libyaml.
# Loading the prepared front matter is the floor's input, not its work: it is subtracted.
BUILD_FLOOR = """
import json, marshal, os, sys, time
import yaml
start = time.process_time()
with open(sys.argv[2], "rb") as handle:
    data = marshal.load(handle)
input_seconds = time.process_time() - start
for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith(".json"):
            with open(os.path.join(root, name), "rb") as handle:
                json.load(handle)
yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True)
print(input_seconds)
"""

# The validate floor: parse the card's front matter with libyaml.
PARSE_FLOOR = """
import sys
import yaml
text = open(sys.argv[1], encoding="utf-8").read()
yaml.load(text.split("---\\n", 2)[1], Loader=yaml.CSafeLoader)
"""


@dataclass
class Row:
    """A line of the table: cardkit against a floor (a ratio) or against a budget."""

    name: str
    target: float  # the largest ratio allowed, or the budget in milliseconds
    setup: Callable[[Path], tuple[Command, Command]]  # (cardkit, floor) given a work folder
    budget_ms: bool = False  # the target is milliseconds of imports, not a ratio
    optional: bool = False  # run only when asked for
    repeat: int = 1  # runs per requested run (import times are short and noisy)
    # Medians of CPU time; import times are wall time, which other work on the machine only
    # ever lengthens, so their row takes the least.
    statistic: Callable[[list[float]], float] = statistics.median


def cpu_seconds(command: Command) -> float:
    """User + system CPU time of one fresh process (the input it reports, subtracted)."""
    return run_once(command).cpu


def cardkit(*args: str | Path) -> list[str]:
    return cardkit_command("-q", *args)


def front_matter_input(card: Path, into: Path) -> Path:
    """The card's front matter as marshal data, for the floor to write again."""
    import yaml

    text = card.read_text(encoding="utf-8").split("---\n", 2)[1]
    path = into / (card.stem + ".marshal")
    path.write_bytes(marshal.dumps(yaml.load(text, Loader=yaml.CSafeLoader)))
    return path


def built_card(folder: Path, work: Path, name: str) -> Path:
    """A card built from ``folder`` once, for the rows that read or update it."""
    card = work / name
    if not card.exists():
        command = cardkit("build", folder, "-o", card)
        subprocess.run(command, check=True, capture_output=True, env=process_env(), cwd=REPO)
    return card


def fresh_build(folder: Path) -> Callable[[Path], tuple[Command, Command]]:
    """`cardkit build` writing a new card, against the build floor."""

    def setup(work: Path) -> tuple[Command, Command]:
        card = built_card(folder, work, f"{folder.name}.md")
        data = front_matter_input(card, work)
        output = work / f"new-{folder.name}.md"
        build = Command(cardkit("build", folder, "-o", output), lambda: output.unlink(True))
        # The plain script anyone would write: Python's defaults, the collector on.
        floor = Command(python_code(BUILD_FLOOR, folder, data, collector="on"))
        floor.reports_input_seconds = True
        return build, floor

    return setup


def update_build(folder: Path) -> Callable[[Path], tuple[Command, Command]]:
    """`cardkit build` onto the card it built before, against a build of a new card."""

    def setup(work: Path) -> tuple[Command, Command]:
        card = built_card(folder, work, f"{folder.name}.md")
        output = work / f"new-{folder.name}.md"
        update = Command(cardkit("build", folder, "-o", card))
        fresh = Command(cardkit("build", folder, "-o", output), lambda: output.unlink(True))
        return update, fresh

    return setup


def validate(folder: Path) -> Callable[[Path], tuple[Command, Command]]:
    """`cardkit validate` of a built card, against libyaml parsing its front matter."""

    def setup(work: Path) -> tuple[Command, Command]:
        card = built_card(folder, work, f"{folder.name}.md")
        floor = Command(python_code(PARSE_FLOOR, card, collector="on"))
        return Command(cardkit("validate", card)), floor

    return setup


def help_imports(work: Path) -> tuple[Command, Command]:
    cardkit_help = Command([PYTHON, "-X", "importtime", "-m", "cardkit", "--help"])
    return cardkit_help, Command([PYTHON, "-X", "importtime", "-c", "pass"])


def against_mteb(work: Path) -> tuple[Command, Command]:
    """`cardkit build` against `mteb create-model-results` on the 35-task folder."""
    revision = next(p for p in SMALL.iterdir() if p.is_dir())
    cache = work / "mteb-cache" / "results" / SMALL.name / revision.name
    if not cache.exists():
        shutil.copytree(revision, cache)
    output = work / "mteb.md"
    mteb = [PYTHON, "-m", "mteb", "create-model-results", "--model-name"]
    mteb += [SMALL.name.replace("__", "/"), "--results-folder", str(work / "mteb-cache")]
    mteb += ["--output-path", str(output), "--overwrite"]
    return fresh_build(SMALL)(work)[0], Command(mteb)


ROWS: list[Row] = [
    Row("build, 35 tasks / floor", 2.0, fresh_build(SMALL)),
    Row("build, 408 tasks / floor", 1.2, fresh_build(LARGE)),
    Row("update of the 408-task card / new build", 1.5, update_build(LARGE)),
    Row("validate, 35 tasks / CSafeLoader parse", 1.2, validate(SMALL)),
    Row("validate, 408 tasks / CSafeLoader parse", 1.2, validate(LARGE)),
    Row(
        "`cardkit --help` imports (ms)",
        80.0,
        help_imports,
        budget_ms=True,
        repeat=4,
        statistic=min,
    ),
    Row("build, 35 tasks / mteb create-model-results", 0.1, against_mteb, optional=True),
]


def measure(row: Row, work: Path, runs: int) -> tuple[list[float], list[float]]:
    """The row's cardkit runs and its floor's, started alternately after one unmeasured
    start of each (which also writes Python's bytecode caches)."""
    subject, floor = row.setup(work)
    time = import_milliseconds if row.budget_ms else cpu_seconds
    return interleaved(subject, floor, runs * row.repeat, measure=time)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per side (median; default 5)")
    parser.add_argument("--row", action="append", help="only rows whose name holds this text")
    parser.add_argument("--mteb", action="store_true", help="add the rows that need mteb")
    args = parser.parse_args()
    rows = [r for r in ROWS if args.mteb or not r.optional]
    if args.row:
        rows = [r for r in rows if any(part in r.name for part in args.row)]
    if not LARGE.is_dir():
        print(f"note: {LARGE} is missing: the 408-task rows are left out", file=sys.stderr)
        rows = [r for r in rows if "408" not in r.name]
    print(f"median CPU time of {args.runs} runs (imports: least of {4 * args.runs}); {machine()}\n")
    print("| row | cardkit | against | ratio | target | |")
    print("|:---|---:|---:|---:|---:|:---|")
    missed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for row in rows:
            our_runs, floor_runs = measure(row, Path(tmp), args.runs)
            ours, floor = row.statistic(our_runs), row.statistic(floor_runs)
            if row.budget_ms:
                value, cells = ours, [f"{ours:.1f} ms", f"{floor:.1f} ms", ""]
            else:
                value = ours / floor
                spreads = [Spread.of(our_runs).ms(), Spread.of(floor_runs).ms()]
                cells = [*spreads, f"{value:.2f}"]
            ok = value <= row.target
            missed += not ok
            target = f"< {row.target:.0f} ms" if row.budget_ms else f"<= {row.target}"
            print(f"| {row.name} | {' | '.join(cells)} | {target} | {'ok' if ok else 'MISSED'} |")
            sys.stdout.flush()
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
