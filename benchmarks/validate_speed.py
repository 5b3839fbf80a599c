"""Time `cardkit validate` on a 35-task card (the Dmeta seed card): the CLI in a fresh process
(Python start-up included) and the library call in this process.

    python benchmarks/validate_speed.py [CARD] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from _timing import Command, calls, cardkit_command, machine, run_once

DEFAULT_CARD = (
    Path(__file__).resolve().parents[2] / "shared" / "seeds" / "Dmeta-embedding.README.md"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("card", nargs="?", type=Path, default=DEFAULT_CARD)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    from cardkit.validate import validate_file

    first = calls(lambda: validate_file(args.card), 1, "wall")[0]  # compiles the schema
    library = calls(lambda: validate_file(args.card), args.runs, "wall")
    cli = Command(cardkit_command("validate", args.card))
    command = [run_once(cli).wall for _ in range(args.runs)]
    print(f"card: {args.card} ({args.runs} runs, wall time); {machine()}")
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
