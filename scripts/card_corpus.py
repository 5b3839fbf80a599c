"""Default cards of a corpus of real models: how large they are, and whether their numbers
agree with their own model-index and with `cardkit compare`.

    python scripts/card_corpus.py pick STORE            # writes scripts/card_corpus.txt
    python scripts/card_corpus.py measure STORE [OUT]   # builds each card, prints the figures

STORE is a copy of the public results store (``results/<org>__<model>/<revision>/``). The
corpus is 40 model folders of every size, from a 10-task folder of mteb before 1.11 to
e5-mistral-7b-instruct's 845 tasks, spread evenly over the logarithm of their task counts.
For each card: its size and its body's (limits: 1 MB, 60 KB), whether ``--metrics all``
gives at least as much (or refuses), and for each benchmark section whether the means of
its table equal those summarised from the card's own model-index and those `cardkit compare`
gives the same results.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import re
import tempfile
from dataclasses import replace
from pathlib import Path

from cardkit.build.card import BuildRequest, plan_build
from cardkit.cardtext.frontmatter import load_front_matter, split_card
from cardkit.catalog import load_catalog
from cardkit.io.errors import CardkitError
from cardkit.readers.model_card import card_results
from cardkit.scores.compare import compare_models
from cardkit.scores.summary import MEAN_LABELS, mean_columns, summarize

HERE = Path(__file__).resolve().parent

CORPUS = HERE / "card_corpus.txt"
SIZE = 40
LARGEST = "intfloat__e5-mistral-7b-instruct"
CARD_LIMIT = 1024 * 1024
BODY_LIMIT = 60 * 1024


def _tasks(folder: Path) -> tuple[int, bool]:
    """How many tasks a model folder holds over its revisions, and whether any file is of
    mteb before 1.11 (no ``task_name``)."""
    names: set[str] = set()
    legacy = False
    for revision in folder.iterdir():
        if not revision.is_dir():
            continue
        for path in revision.glob("*.json"):
            if path.name == "model_meta.json":
                continue
            names.add(path.stem)
            if not legacy:
                with contextlib.suppress(OSError, ValueError):
                    legacy = "task_name" not in json.loads(path.read_text(encoding="utf-8"))
    return len(names), legacy


def pick(store: Path) -> list[str]:
    """The corpus: the smallest legacy folder of at least 10 tasks, e5-mistral, and folders
    at even steps of log(task count) between them."""
    folders = sorted(p for p in (store / "results").iterdir() if p.is_dir())
    counted = [(folder.name, *_tasks(folder)) for folder in folders]
    usable = sorted((n, name) for name, n, _ in counted if n >= 10)
    legacy = min((n, name) for name, n, old in counted if old and n >= 10)
    largest = next((n, name) for n, name in usable if name == LARGEST)
    chosen = {legacy[1], largest[1]}
    low, high = math.log(legacy[0]), math.log(largest[0])
    for step in range(SIZE - 2):
        target = math.exp(low + (high - low) * (step + 0.5) / (SIZE - 2))
        for _, name in sorted(usable, key=lambda item: abs(item[0] - target)):
            if name not in chosen:
                chosen.add(name)
                break
    return sorted(chosen, key=lambda name: next(n for n, m in usable if m == name))


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _section_means(body: str) -> dict[str, dict[str, str]]:
    """Per benchmark section, the mean cells its table gives the card's model (first row
    whose model is in bold, or the only row)."""
    out: dict[str, dict[str, str]] = {}
    for part in re.split(r"^### ", body, flags=re.M)[1:]:
        heading, _, text = part.partition("\n")
        lines = [line for line in text.splitlines() if line.startswith("|")]
        if len(lines) < 3 or "Tasks" not in lines[0]:
            continue
        header = [c.strip() for c in lines[0].strip("|").split("|")]
        rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
        rows = [r for r in rows if len(r) == len(header)]
        own = next((r for r in rows if any(c.startswith("**") for c in r)), rows[0])
        out[heading] = {h: c for h, c in zip(header, own) if h in MEAN_LABELS.values()}
    return out


def _shown(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def measure_one(folder: Path, out: Path, catalog) -> dict:
    handler = _Warnings()
    logging.getLogger("cardkit").addHandler(handler)
    try:
        request = BuildRequest(results=[folder], output=out / "README.md")
        [card] = plan_build(request)
        try:
            [every] = plan_build(replace(request, metrics="all"))
            all_size: int | None = len(every.text.encode("utf-8"))
        except CardkitError:
            all_size = None  # refused: over what cardkit validate accepts
    finally:
        logging.getLogger("cardkit").removeHandler(handler)
    text = card.text
    body = split_card(text).body
    size, body_size = len(text.encode("utf-8")), len(body.encode("utf-8"))
    tables = _section_means(body)
    [indexed] = card_results(load_front_matter(split_card(text)), out / "README.md")
    model_index_disagrees, compare_disagrees = [], []
    if tables:
        compared = compare_models([card.model], catalog, list(tables))
        for table in compared:
            name = table.benchmark.name
            from_index = summarize(indexed, catalog, name)
            for column in mean_columns(table.benchmark):
                label = MEAN_LABELS[column]
                shown = tables[name].get(label)
                if shown is None:
                    continue
                if _shown(from_index.leaderboard_mean(column)) != shown:
                    model_index_disagrees.append(f"{name} {label}")
                if _shown(table.rows[0].mean(column)) != shown:
                    compare_disagrees.append(f"{name} {label}")
    return {
        "folder": folder.name,
        "tasks": card.tasks,
        "entries": card.entries,
        "card_kb": round(size / 1024, 1),
        "body_kb": round(body_size / 1024, 1),
        "all_kb": None if all_size is None else round(all_size / 1024, 1),
        "sections": len(tables),
        "warned": [line for line in handler.lines if "kept under" in line],
        "model_index_disagrees": model_index_disagrees,
        "compare_disagrees": compare_disagrees,
    }


def measure(store: Path, out: Path) -> int:
    catalog = load_catalog()
    names = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]
    rows = []
    for name in names:
        target = out / name
        target.mkdir(parents=True, exist_ok=True)
        row = measure_one(store / "results" / name, target, catalog)
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    over = [r for r in rows if r["card_kb"] * 1024 > CARD_LIMIT]
    unsaid = [r for r in over if not r["warned"]]
    fat_body = [r for r in rows if r["body_kb"] * 1024 > BODY_LIMIT]
    less_all = [r for r in rows if r["all_kb"] is not None and r["all_kb"] < r["card_kb"]]
    print(
        f"models: {len(rows)}, tasks {min(r['tasks'] for r in rows)}-"
        f"{max(r['tasks'] for r in rows)}"
    )
    print(f"cards over 1 MB: {len(over)} ({len(unsaid)} without the line saying why)")
    print(
        f"largest card: {max(r['card_kb'] for r in rows)} KB; "
        f"largest body: {max(r['body_kb'] for r in rows)} KB; bodies over 60 KB: "
        f"{len(fat_body)} {[r['folder'] for r in fat_body]}"
    )
    print(
        f"--metrics all smaller than the default: {len(less_all)}; refused: "
        f"{sum(r['all_kb'] is None for r in rows)}"
    )
    print(
        f"sections: {sum(r['sections'] for r in rows)}; means disagreeing with the card's "
        f"model-index: {sum(len(r['model_index_disagrees']) for r in rows)}; with compare: "
        f"{sum(len(r['compare_disagrees']) for r in rows)}"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["pick", "measure"])
    parser.add_argument("store", type=Path)
    parser.add_argument("out", type=Path, nargs="?")
    args = parser.parse_args()
    logging.getLogger("cardkit").setLevel(logging.WARNING)
    if args.action == "pick":
        CORPUS.write_text("\n".join(pick(args.store)) + "\n", encoding="utf-8")
        return 0
    if args.out is not None:
        return measure(args.store, args.out)
    with tempfile.TemporaryDirectory() as folder:
        return measure(args.store, Path(folder))


if __name__ == "__main__":
    raise SystemExit(main())
