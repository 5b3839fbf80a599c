"""Time `cardkit build` against mteb's own card-metadata command on the same results folder.

Run by hand: ``python benchmarks/build_speed.py [RESULTS_FOLDER]``. The mteb side needs
``cardkit[run]`` installed; it runs offline (HF_HUB_OFFLINE=1) like cardkit does.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = REPO / "examples" / "results" / "BAAI__bge-base-zh" / "no_revision_available"
RUNS = 5


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    return time.perf_counter() - start, done.returncode, (done.stderr or done.stdout)[-300:]


def measure(command: list[str], env: dict[str, str], runs: int) -> tuple[list[float], int, str]:
    times, code, tail = [], 0, ""
    for _ in range(runs):
        elapsed, code, tail = timed(command, env)
        times.append(elapsed)
    return times, code, tail


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FOLDER
    tasks = len([p for p in folder.glob("*.json") if p.name != "model_meta.json"])
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model_dir = folder.parent.name
        cache_rev = work / "cache" / "results" / model_dir / folder.name
        shutil.copytree(folder, cache_rev)
        model_name = model_dir.replace("__", "/")

        card = work / "cardkit.md"
        cardkit_cmd = [sys.executable, "-m", "cardkit", "-q", "build", str(folder), "-o", str(card)]
        cardkit_times, code, tail = measure(cardkit_cmd, env, RUNS)
        if code != 0:
            sys.exit(f"cardkit build failed: {tail}")

        mteb_out = work / "mteb.md"
        mteb_cmd = [
            sys.executable,
            "-m",
            "mteb",
            "create-model-results",
            "--model-name",
            model_name,
            "--results-folder",
            str(work / "cache"),
            "--output-path",
            str(mteb_out),
            "--overwrite",
        ]
        mteb_times, mteb_code, mteb_tail = measure(mteb_cmd, env, max(1, RUNS // 2))

    best_cardkit = min(cardkit_times)
    best_mteb = min(mteb_times)
    print(f"folder: {folder} ({tasks} tasks)")
    print(
        f"cardkit build:               min {best_cardkit:.3f} s, "
        f"median {statistics.median(cardkit_times):.3f} s over {RUNS} runs"
    )
    status = "ok" if mteb_code == 0 else f"exit {mteb_code}: {mteb_tail.strip().splitlines()[-1:]}"
    print(
        f"mteb create-model-results:   min {best_mteb:.3f} s, "
        f"median {statistics.median(mteb_times):.3f} s ({status})"
    )
    print(f"ratio (mteb / cardkit):      {best_mteb / best_cardkit:.1f}x")


if __name__ == "__main__":
    main()
