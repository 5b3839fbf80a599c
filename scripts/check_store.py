#!/usr/bin/env python
"""Build and validate a card from every revision folder of a copy of the public results store.

Why: the store (https://github.com/embeddings-benchmark/results) holds the result files of every
mteb era and of hundreds of models, so it is the widest test of what cardkit reads and writes.
For each ``results/<model>/<revision>/`` folder this runs, in one process, exactly the commands
a user would run::

    cardkit build <folder> -o <out>/README.md --eval-results --no-config
    cardkit validate --format json <out>

and then reports: every task name in the store that the catalog does not know, every folder
that does not build (grouped by message), and every error and warning of the validator on the
cards and `.eval_results` files that were built (grouped by message). A clean store gives zeros.

Usage::

    nice -n 10 python scripts/check_store.py PATH/TO/results [--report report.json] [--keep DIR]

``PATH/TO/results`` is a checkout of the store (the folder holding ``results/``, or ``results/``
itself). It takes some minutes; the cards are written to a temporary folder and deleted unless
``--keep`` names a folder for them.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cardkit.catalog import load_catalog  # noqa: E402
from cardkit.cli.main import main as cardkit  # noqa: E402

# Parts of a message that differ from file to file, replaced to group messages by kind.
_VARIABLE = (
    (re.compile(r"/\S+"), "<path>"),
    (re.compile(r"'[^']*'"), "'…'"),
    (re.compile(r"-?\d+(\.\d+)?(e[+-]?\d+)?"), "N"),
    (re.compile(r"\[[^\]]*\]"), "[…]"),
)


def kind_of(message: str) -> str:
    """A message with its file names, quoted names and numbers blanked out."""
    for pattern, blank in _VARIABLE:
        message = pattern.sub(blank, message)
    return message[:160]


def revision_folders(store: Path) -> list[Path]:
    root = store / "results" if (store / "results").is_dir() else store
    return sorted(r for m in root.iterdir() if m.is_dir() for r in m.iterdir() if r.is_dir())


def run(*args: str) -> tuple[int, str, str]:
    """One cardkit command in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cardkit(list(args))
    return code, out.getvalue(), err.getvalue()


def unknown_task_names(store: Path) -> tuple[int, list[str]]:
    """(task names used, those the catalog cannot resolve), from every result file."""
    catalog = load_catalog()
    names: set[str] = set()
    root = store / "results" if (store / "results").is_dir() else store
    for path in root.rglob("*.json"):
        if path.name == "model_meta.json":
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            name = data.get("task_name") or data.get("mteb_dataset_name")
            if isinstance(name, str):
                names.add(name)
    return len(names), sorted(n for n in names if n not in catalog)


def check_folder(folder: Path, out: Path) -> dict[str, Any]:
    """Build one folder's card and `.eval_results`, then validate them."""
    card = out / "README.md"
    code, stdout, stderr = run(
        "build", str(folder), "-o", str(card), "--eval-results", "--no-config"
    )
    record: dict[str, Any] = {
        "folder": str(folder),
        "built": code == 0,
        "build_messages": [line for line in stderr.splitlines() if line.strip()],
    }
    if code != 0:
        return record
    record["card_bytes"] = card.stat().st_size
    code, stdout, _ = run("validate", "--format", "json", str(out))
    report = json.loads(stdout)
    record["validate_exit"] = code
    record["findings"] = [
        {"severity": f["severity"], "message": f["message"], "file": f["file"]}
        for f in report["findings"]
    ]
    return record


def _print_problems(record: dict[str, Any]) -> None:
    """A folder that fails or whose card gets findings, as soon as it is checked."""
    if not record["built"]:
        print(f"  not built: {record['folder']}: {record['build_messages'][-1:]}", flush=True)
        return
    for finding in record["findings"][:3]:
        print(f"  {finding['severity']}: {finding['file']}: {finding['message']}", flush=True)


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    failed = Counter(
        kind_of(next((m for m in r["build_messages"] if m.startswith("error:")), "?"))
        for r in records
        if not r["built"]
    )
    build_warnings = Counter(
        kind_of(m)
        for r in records
        if r["built"]
        for m in r["build_messages"]
        if m.startswith("warning:")
    )
    errors = Counter()
    warnings = Counter()
    cards_with_errors = cards_with_warnings = 0
    for record in records:
        if not record["built"]:
            continue
        found = record["findings"]
        kinds = [(f["severity"], kind_of(f["message"])) for f in found]
        errors.update(k for s, k in kinds if s == "error")
        warnings.update(k for s, k in kinds if s == "warning")
        cards_with_errors += any(s == "error" for s, _ in kinds)
        cards_with_warnings += any(s == "warning" for s, _ in kinds)
    return {
        "folders": len(records),
        "built": sum(r["built"] for r in records),
        "failed": dict(failed.most_common()),
        "build_warning_lines": dict(build_warnings.most_common()),
        "validated": sum(r["built"] for r in records),
        "cards_with_errors": cards_with_errors,
        "cards_with_warnings": cards_with_warnings,
        "validate_errors": dict(errors.most_common()),
        "validate_warnings": dict(warnings.most_common()),
        "largest_card_bytes": max((r.get("card_bytes", 0) for r in records), default=0),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path, help="a checkout of embeddings-benchmark/results")
    parser.add_argument("--report", type=Path, help="write every folder's record here (JSON)")
    parser.add_argument("--keep", type=Path, help="keep the built cards under this folder")
    parser.add_argument("--limit", type=int, help="check only the first N revision folders")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    used, unknown = unknown_task_names(args.store)
    print(f"task names: {used} used in the store, {len(unknown)} unknown to the catalog")
    for name in unknown:
        print(f"  unknown: {name}")

    folders = revision_folders(args.store)[: args.limit]
    work = args.keep or Path(tempfile.mkdtemp(prefix="cardkit-store-"))
    records = []
    try:
        for index, folder in enumerate(folders):
            out = work / folder.parent.name / folder.name
            record = check_folder(folder, out)
            records.append(record)
            _print_problems(record)
            if args.keep is None:
                shutil.rmtree(out, ignore_errors=True)
            if (index + 1) % 100 == 0:
                print(f"  {index + 1}/{len(folders)} folders", file=sys.stderr)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    summary = summarize(records)
    print(f"revision folders: {summary['folders']}, built: {summary['built']}")
    for message, count in summary["failed"].items():
        print(f"  {count} x {message}")
    print(f"build warning lines: {sum(summary['build_warning_lines'].values())}")
    for message, count in summary["build_warning_lines"].items():
        print(f"  {count} x {message}")
    print(
        f"validated: {summary['validated']} cards with their .eval_results; "
        f"{summary['cards_with_errors']} with errors, "
        f"{summary['cards_with_warnings']} with warnings"
    )
    for severity in ("errors", "warnings"):
        for message, count in summary[f"validate_{severity}"].items():
            print(f"  {count} x {severity[:-1]}: {message}")
    print(f"largest card: {summary['largest_card_bytes']} bytes")
    print(f"time: {time.perf_counter() - start:.0f} s")
    if args.report:
        args.report.write_text(
            json.dumps({"summary": summary, "folders": records}, indent=1), encoding="utf-8"
        )
    clean = not unknown and summary["built"] == summary["folders"]
    clean = clean and not summary["validate_errors"] and not summary["validate_warnings"]
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
