"""Time `cardkit validate` on a 35-task card (the Dmeta seed card): the CLI in a fresh process
(Python start-up included) and the library call in this process.

    python benchmarks/validate_speed.py [CARD] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_CARD = (
    Path(__file__).resolve().parents[2] / "shared" / "seeds" / "Dmeta-embedding.README.md"
)


def _times(run, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        out.append(time.perf_counter() - start)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("card", nargs="?", type=Path, default=DEFAULT_CARD)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    def cli() -> None:
        subprocess.run(
            [sys.executable, "-m", "cardkit", "validate", str(args.card)],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    from cardkit.validate import validate_file

    first = _times(lambda: validate_file(args.card), 1)[0]  # compiles the schema
    library = _times(lambda: validate_file(args.card), args.runs)
    command = _times(cli, args.runs)
    print(f"card: {args.card} ({args.runs} runs)")
    for label, values in (
        ("cardkit validate (CLI)", command),
        ("validate_file (library)", library),
    ):
        print(
            f"{label:26s} min {min(values) * 1000:7.1f} ms   "
            f"median {statistics.median(values) * 1000:7.1f} ms"
        )
    print(f"{'first library call':26s}     {first * 1000:7.1f} ms (imports jsonschema, compiles)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
