"""cardkit's speed against honest floors: the least any program must do for the same job.

Each row starts a cardkit command and its floor in fresh processes, alternately (so that the
machine's load falls on both alike), and reports for each side the median and the range of
its CPU time (user + system of the process and of the workers it waited for) or of its wall
time, their ratio, the target, and the machine's load average before and after the row.

Every process is started, timed and summed up by ``benchmarks/_timing.py``: the same Python
with the same environment, and every floor under the interpreter settings cardkit runs under
(the cycle collector off, ``python_code``).

- build: parse the same result files with ``json`` and write the finished card's bytes;
- validate: libyaml-parse (``yaml.CSafeLoader``) the card's front matter;
- `cardkit --help`: ``python -c pass``, both timed by the wall clock;
- the whole store (``--store PATH``): parse every result file of the store and write every
  card's bytes; then a rebuild with nothing changed and one with one model's folder changed,
  each held against the full build (the latter after subtracting that model's own build);
  a `--force` build again over the cards it wrote (every card an update) against the full
  build; and `cardkit audit --no-mteb` of the store, in full against the same floor and
  again with nothing changed against the full audit (rows without a target: measured and
  reported).

    python benchmarks/speed.py [--runs 5] [--row TEXT ...] [--store PATH [--store-runs 1]]

The table is printed as Markdown; the exit status is 1 when a row misses its target. A new
row is one more entry in ``rows()``: a name, a target, and the two ways to start a process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from _timing import (
    REPO,
    Command,
    Sample,
    Spread,
    cardkit_command,
    duration,
    interleaved,
    load,
    machine,
    process_env,
    python_code,
    run_once,
)

SHARED = Path(os.environ.get("CARDKIT_SHARED", REPO.parent / "shared"))
SMALL = REPO / "examples" / "results" / "BAAI__bge-base-zh"  # 35 tasks (C-MTEB, mteb 1.0)
LARGE = SHARED / "data" / "mteb-results" / "results" / "Qwen__Qwen3-Embedding-0.6B"  # 408

# The build floor: parse every result file below the folders given, then write the finished
# cards' bytes (each prepared card is copied to the output folder under its own name).
BUILD_FLOOR = """
import json, os, sys
results, cards, out = sys.argv[1:4]
for root, dirs, files in os.walk(results):
    dirs.sort()
    for name in sorted(files):
        if name.endswith(".json"):
            with open(os.path.join(root, name), "rb") as handle:
                json.load(handle)
for root, _, files in os.walk(cards):
    for name in files:
        source = os.path.join(root, name)
        target = os.path.join(out, os.path.relpath(source, cards))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(source, "rb") as handle:
            data = handle.read()
        with open(target, "wb") as handle:
            handle.write(data)
"""

# The validate floor: libyaml parses the card's front matter.
PARSE_FLOOR = """
import sys
import yaml
with open(sys.argv[1], encoding="utf-8") as handle:
    text = handle.read()
yaml.load(text.split("---\\n", 2)[1], Loader=yaml.CSafeLoader)
"""

Clock = Literal["cpu", "wall"]


@dataclass
class Row:
    """A line of the table: cardkit against its floor, as a ratio of medians."""

    name: str
    target: float | None  # the largest ratio allowed; None: measured, with no target
    setup: Callable[[Path], tuple[Command, Command]]  # (cardkit, floor) given a work folder
    clock: Clock = "cpu"  # CPU time (user + system, workers included) or wall time
    store: bool = False  # a whole-store row: runs only with --store, --store-runs times
    # The subject's own share to leave out before comparing (a changed model's own build).
    own: Callable[[Path], Command] | None = None


def cardkit(*args: str | Path) -> list[str]:
    return cardkit_command("-q", *args)


def _fresh(path: Path) -> Callable[[], None]:
    def remove() -> None:
        if path.is_dir():
            shutil.rmtree(path)
        path.unlink(missing_ok=True)

    return remove


def built_card(folder: Path, work: Path) -> Path:
    """A card built from ``folder`` once, for the floor to write and validate to read."""
    card = work / "cards" / folder.name / "README.md"
    if not card.exists():
        card.parent.mkdir(parents=True, exist_ok=True)
        run_once(Command(cardkit("build", folder, "-o", card)))
    return card


def build(folder: Path) -> Callable[[Path], tuple[Command, Command]]:
    """`cardkit build` writing a new card, against parsing its result files and writing the
    card's bytes."""

    def setup(work: Path) -> tuple[Command, Command]:
        card = built_card(folder, work)
        output = work / "out" / folder.name / "README.md"
        output.parent.mkdir(parents=True, exist_ok=True)
        floor_out = work / "floor" / folder.name
        floor_out.mkdir(parents=True, exist_ok=True)
        ours = Command(cardkit("build", folder, "-o", output), before=_fresh(output))
        floor = Command(python_code(BUILD_FLOOR, folder, card.parent, floor_out))
        return ours, floor

    return setup


def validate(folder: Path) -> Callable[[Path], tuple[Command, Command]]:
    """`cardkit validate` of a built card, against libyaml parsing its front matter."""

    def setup(work: Path) -> tuple[Command, Command]:
        card = built_card(folder, work)
        return Command(cardkit("validate", card)), Command(python_code(PARSE_FLOOR, card))

    return setup


def start_up(work: Path) -> tuple[Command, Command]:
    # The floor is the bare interpreter's start, `python -c pass`: with nothing allocated, the
    # collector has nothing to do either way.
    return Command(cardkit_command("--help")), Command(python_code("pass", collector="on"))


class Store:
    """A copy of a results store made of hard links (nothing of the original is changed:
    a model is changed by writing a new file over its link), and its cards (written by the
    full build's row, which runs first: the floor writes their bytes, the rebuilds update
    them)."""

    def __init__(self, source: Path, work: Path) -> None:
        self.source = source
        self.root = work / "store"
        self.cards = work / "store-cards"
        self.floor_out = work / "store-floor"
        if not self.root.exists():  # the cards are written by the full build's row, first
            shutil.copytree(source, self.root, copy_function=os.link, symlinks=True)
        self.changed = self._a_model()

    def _a_model(self) -> Path:
        """A middling model folder (by its number of files), the one the changed row edits."""
        folders = sorted(p for p in self.root.iterdir() if p.is_dir() and "__" in p.name)
        sized = sorted(folders, key=lambda p: (sum(1 for _ in p.rglob("*.json")), p.name))
        return sized[len(sized) // 2]

    def touch_one(self) -> None:
        """Give one result file of the changed model new bytes' worth of identity (the same
        content, a new file and time) without touching the linked original."""
        victim = sorted(self.changed.rglob("*.json"))[0]
        fresh = victim.with_name(victim.name + ".new")
        fresh.write_bytes(victim.read_bytes())
        os.replace(fresh, victim)


def store_rows(source: Path) -> list[Row]:
    stores: dict[Path, Store] = {}

    def store(work: Path) -> Store:
        if work not in stores:
            stores[work] = Store(source, work)
        return stores[work]

    def build_all(s: Store) -> list[str]:
        return cardkit("build", s.root, "-o", s.cards, "--force")

    def full(work: Path) -> tuple[Command, Command]:
        s = store(work)
        s.floor_out.mkdir(exist_ok=True)
        # From no cards each time (with --store-runs 2 or more, a run after the first would
        # update the cards of the one before): the cards of the last are the rows' after it.
        ours = Command(build_all(s), before=_fresh(s.cards))
        floor = Command(python_code(BUILD_FLOOR, s.root, s.cards, s.floor_out))
        return ours, floor

    def unchanged(work: Path) -> tuple[Command, Command]:
        s = store(work)
        again = Command(cardkit("build", s.root, "-o", s.cards))
        return again, full(work)[0]

    def forced_again(work: Path) -> tuple[Command, Command]:
        # The full build's command again: now over its own cards, each an update.
        return Command(build_all(store(work))), full(work)[0]

    def one_changed(work: Path) -> tuple[Command, Command]:
        s = store(work)
        again = Command(cardkit("build", s.root, "-o", s.cards), before=s.touch_one)
        return again, full(work)[0]

    def own(work: Path) -> Command:
        s = store(work)
        out = work / "own-card"
        return Command(cardkit("build", s.changed, "-o", out), before=_fresh(out))

    def cache(work: Path) -> dict[str, str]:
        """The audit's records in the work folder, not in the user's cache."""
        return process_env({"CARDKIT_CACHE_DIR": str(work / "cache")})

    def audit_full(work: Path) -> tuple[Command, Command]:
        s = store(work)
        # The store's audit has findings: it exits 1, as it should.
        audit = cardkit("audit", s.root, "--no-mteb", "--force")
        ours = Command(audit, env=cache(work), check=False)
        floor = Command(python_code(BUILD_FLOOR, s.root, s.cards, s.floor_out))
        return ours, floor

    def audit_unchanged(work: Path) -> tuple[Command, Command]:
        s = store(work)
        again = Command(cardkit("audit", s.root, "--no-mteb"), env=cache(work), check=False)
        return again, audit_full(work)[0]

    return [
        Row("store: full build / parse + write floor", 4.0, full, store=True),
        Row("store: rebuild, nothing changed / full build", 0.05, unchanged, store=True),
        Row(
            "store: rebuild, one model changed, less its own build / full build",
            0.05,
            one_changed,
            store=True,
            own=own,
        ),
        Row(
            "store: --force again, over the cards built / full build",
            None,
            forced_again,
            store=True,
        ),
        Row("store: audit (--no-mteb) / parse + write floor", None, audit_full, store=True),
        Row("store: audit again, nothing changed / full audit", None, audit_unchanged, store=True),
    ]


def rows(store: Path | None) -> list[Row]:
    found = [
        Row("build, 35 tasks / parse + write floor", 4.0, build(SMALL)),
        Row("build, 408 tasks / parse + write floor", 3.0, build(LARGE)),
        Row("validate, 408-task card / libyaml parse", 1.1, validate(LARGE)),
        Row("validate, 35-task card / libyaml parse", 1.2, validate(SMALL)),
        Row("`cardkit --help` / `python -c pass` (wall)", 3.0, start_up, clock="wall"),
    ]
    return found + (store_rows(store) if store is not None else [])


# A whole-store side measured once serves every row held against it (a full build takes
# minutes): the samples by command.
MEASURED: dict[tuple[str, ...], list[Sample]] = {}


def measure(row: Row, work: Path, runs: int) -> tuple[list[float], list[float], float | None]:
    """Both sides' seconds by the row's clock, started alternately, after one unmeasured start
    of each but in a store row (which also writes Python's bytecode caches); and the median of
    the subject's own share, if it has one."""
    subject, floor = row.setup(work)
    known = MEASURED.get(tuple(floor.argv))
    if known is None:
        ours, theirs = interleaved(subject, floor, runs, warmup=0 if row.store else 1)
    else:
        ours, theirs = [run_once(subject) for _ in range(runs)], known
    if row.store:
        MEASURED[tuple(subject.argv)] = ours
    own = None
    if row.own is not None:
        own_run = row.own(work)
        own = statistics.median(getattr(run_once(own_run), row.clock) for _ in range(max(runs, 3)))
    return [getattr(x, row.clock) for x in ours], [getattr(x, row.clock) for x in theirs], own


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per side (default 5)")
    parser.add_argument("--row", action="append", help="only rows whose name holds this text")
    parser.add_argument(
        "--store", type=Path, help="also time a whole results store (copied as hard links)"
    )
    parser.add_argument(
        "--store-runs", type=int, default=1, help="runs per side of a store row (default 1)"
    )
    args = parser.parse_args()
    selected = rows(args.store)
    if args.row:
        selected = [r for r in selected if any(part in r.name for part in args.row)]
    if not LARGE.is_dir():
        print(f"note: {LARGE} is missing: the 408-task rows are left out", file=sys.stderr)
        selected = [r for r in selected if "408" not in r.name]
    print(f"medians (and ranges) of {args.runs} interleaved runs per side, fresh processes")
    print(f"{machine()}\n")
    print("| row | clock | cardkit | floor | ratio | target | load before/after | |")
    print("|:---|:---|---:|---:|---:|---:|---:|:---|")
    missed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for row in selected:
            before = load()
            runs = args.store_runs if row.store else args.runs
            ours, floor, own = measure(row, Path(tmp), runs)
            subject = statistics.median(ours) - (own or 0.0)
            value = subject / statistics.median(floor)
            ok = row.target is None or value <= row.target
            missed += not ok
            mine = Spread.of(ours).text() + (f", own {duration(own)}" if own is not None else "")
            target = "-" if row.target is None else f"<= {row.target}"
            cells = [row.clock, mine, Spread.of(floor).text(), f"{value:.3f}", target]
            cells.append(f"{before:.1f}/{load():.1f}")
            print(f"| {row.name} | {' | '.join(cells)} | {'ok' if ok else 'MISSED'} |")
            sys.stdout.flush()
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
