"""Does `cardkit validate` take time proportional to the card's size? Two hostile shapes at
three sizes each: a model-index entry with up to 20,000 unknown keys (one finding each), and a
model-index of up to 200,000 metric values. For each card: the validator's CPU time (median of
several runs), the floor (libyaml loading the same front matter, the least any validator must
do), their ratio, and the time per MB. Linear growth shows as a flat time per MB.

    python benchmarks/validate_scaling.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics

import yaml
from _timing import calls, machine

from cardkit.validate import validate_bytes

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ENTRY = (
    "  - task: {{type: STS}}\n"
    "    dataset: {{type: C-MTEB/AFQMC, name: MTEB AFQMC{n}, config: default, split: test}}\n"
    "    metrics:\n"
)


def unknown_keys(count: int) -> bytes:
    """One result entry with ``count`` keys the schema does not allow."""
    lines = [
        "---\nmodel-index:\n- name: m\n  results:\n",
        _ENTRY.format(n=""),
        "    - {type: a, value: 50.5}\n",
    ]
    lines += [f"    unknown_key_{i}: {i}\n" for i in range(count)]
    return ("".join(lines) + "---\n").encode()


def metric_values(count: int, per_entry: int = 100) -> bytes:
    """``count`` metric values, ``per_entry`` to a result entry (tasks of distinct names)."""
    lines = ["---\nmodel-index:\n- name: m\n  results:\n"]
    for entry in range(count // per_entry):
        lines.append(_ENTRY.format(n=f" {entry}"))
        lines += [
            f"    - {{type: m{i}, value: {10 + (entry * i) % 89}.25}}\n" for i in range(per_entry)
        ]
    return ("".join(lines) + "---\n").encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    validate_bytes(metric_values(100))  # compile the schema once, outside the timings
    print(f"CPU time, median of {args.runs} runs; {machine()}")
    print(
        f"{'card':<32} {'MB':>6} {'findings':>9} {'validate s':>11} {'floor s':>8} "
        f"{'ratio':>6} {'s per MB':>9}"
    )
    for label, make, sizes in (
        ("unknown keys", unknown_keys, (5_000, 10_000, 20_000)),
        ("metric values", metric_values, (50_000, 100_000, 200_000)),
    ):
        per_mb = []
        for size in sizes:
            raw = make(size)
            text = raw.decode()[4:-4]
            findings = len(validate_bytes(raw))
            took = statistics.median(calls(lambda raw=raw: validate_bytes(raw), args.runs, "cpu"))
            floor = statistics.median(
                calls(lambda text=text: yaml.load(text, Loader=_Loader), args.runs, "cpu")
            )
            mb = len(raw) / 1024 / 1024
            per_mb.append(took / mb)
            print(
                f"{f'{size:,} {label}':<32} {mb:>6.2f} {findings:>9,} {took:>11.3f} "
                f"{floor:>8.3f} {took / floor:>6.2f} {took / mb:>9.3f}"
            )
        print(
            f"  {label}: s per MB at the largest size / at the smallest: "
            f"{per_mb[-1] / per_mb[0]:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
