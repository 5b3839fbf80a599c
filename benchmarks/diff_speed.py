"""Time `cardkit diff` of two 400-task result folders against reading them.

The folder (default: Qwen3-Embedding-0.6B's 408 result files in ../shared) is copied twice
into a temporary folder, the second copy with every score moved by up to 1% (seeded), so
that every score differs. Measured in this process, CPU time, median of several runs:

- reading: ``read_results`` of both folders (what any command comparing them must do);
- diff: reading both, ``diff_results`` and the text report (what ``cardkit diff`` does).

The ratio diff / reading is the cost of the comparison itself; the command line is timed
too (a fresh process each run, Python start-up included, started alternately with a process
that only reads both folders under the same interpreter settings: ``benchmarks/_timing.py``).

    python benchmarks/diff_speed.py [FOLDER] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import statistics
import tempfile
from pathlib import Path
from typing import Any

from _timing import Command, calls, cardkit_command, interleaved, machine, python_code

# What any command comparing the two folders must do: read both.
READ_BOTH = """
import sys
from cardkit.catalog import load_catalog
from cardkit.readers import read_results
catalog = load_catalog()
read_results([sys.argv[1]], catalog)
read_results([sys.argv[2]], catalog)
"""

DEFAULT_FOLDER = (
    Path(__file__).resolve().parents[2]
    / "shared/data/mteb-results/results/Qwen__Qwen3-Embedding-0.6B"
    / "b22da495047858cce924d27d76261e96be6febc0"
)


def _perturb(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        return {k: _perturb(v, rng) for k, v in value.items()}
    if isinstance(value, list):
        return [_perturb(v, rng) for v in value]
    if isinstance(value, float):
        return value * (1 + rng.uniform(-0.01, 0.01))
    return value


def make_pair(folder: Path, root: Path) -> tuple[Path, Path]:
    """``root/old/<org>__<model>/<rev>`` (a copy) and ``root/new/...`` (scores perturbed)."""
    model, revision = folder.parent.name, folder.name
    old = root / "old" / model / revision
    new = root / "new" / model / revision
    shutil.copytree(folder, old)
    shutil.copytree(folder, new)
    rng = random.Random(0)
    for path in sorted(new.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "scores" in data:
            data["scores"] = _perturb(data["scores"], rng)
            path.write_text(json.dumps(data), encoding="utf-8")
    return old, new


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    from cardkit.catalog import load_catalog
    from cardkit.readers import read_results
    from cardkit.reports.diff_report import render_text
    from cardkit.scores.diff import diff_results

    logging.getLogger("cardkit").setLevel(logging.ERROR)  # NaN notes: not what is timed
    catalog = load_catalog()
    with tempfile.TemporaryDirectory(prefix="cardkit-diff-speed-") as tmp:
        old, new = make_pair(args.folder, Path(tmp))

        def read() -> tuple[Any, Any]:
            [a] = read_results([old], catalog)
            [b] = read_results([new], catalog)
            return a, b

        def diff() -> str:
            a, b = read()
            return render_text(diff_results(a, b, catalog), str(old), str(new))

        report = diff()  # warm: the catalog's benchmarks, the registry of model revisions
        [a], [b] = read_results([old], catalog), read_results([new], catalog)
        result = diff_results(a, b, catalog)
        reading = calls(read, args.runs, "cpu")
        diffing = calls(diff, args.runs, "cpu")
        # `cardkit diff` exits 1 when a score dropped: a run that reports, not one that failed.
        diff_command = Command(cardkit_command("-q", "diff", old, new), check=False)
        samples, reading_samples = interleaved(
            diff_command, Command(python_code(READ_BOTH, old, new)), 3, warmup=0
        )
        command = [sample.cpu for sample in samples]
        reading_command = [sample.cpu for sample in reading_samples]

    cells = len(result.compared)
    print(f"folder: {args.folder.parent.name}/{args.folder.name}; {machine()}")
    print(
        f"{len(a.tasks)} tasks each side, {cells} scores compared, "
        f"{len(result.changes)} changed, {len(result.benchmarks)} benchmarks, "
        f"report {len(report.splitlines())} lines"
    )
    read_median, diff_median = statistics.median(reading), statistics.median(diffing)
    print(f"reading both (library)      median {read_median * 1000:7.1f} ms CPU ({args.runs} runs)")
    print(f"cardkit diff (library)      median {diff_median * 1000:7.1f} ms CPU ({args.runs} runs)")
    print(f"ratio diff / reading        {diff_median / read_median:.2f}")
    command_median = statistics.median(command)
    reading_median = statistics.median(reading_command)
    print(f"reading both (fresh process) median {reading_median * 1000:7.1f} ms CPU (3 runs)")
    print(f"cardkit diff (command line)  median {command_median * 1000:7.1f} ms CPU (3 runs)")
    print(f"ratio command / reading      {command_median / reading_median:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
