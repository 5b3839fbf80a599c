"""Hostile names and values through build and export: the library raises nothing but a
CardkitError, and writes nothing outside the output folder.

Result files are generated with task, model, split, subset, revision and metric names made of
path separators, dots, NUL, lone surrogates and long runs, and with values that are huge,
non-finite, of the wrong type or deeply nested. Each goes through `cardkit.build.card.build`
(card, charts off, `.eval_results` planned and written) and then `cardkit export` of the card
it wrote, and through `export_results` with the names put straight into the results model.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cardkit.build.card import BuildRequest, plan_build, write_cards
from cardkit.catalog import load_catalog
from cardkit.io.errors import CardkitError
from cardkit.model import ModelResults, SubsetScores, TaskResult
from cardkit.readers.model_card import read_card
from cardkit.writers.eval_results import plan_for_cards, write_files
from cardkit.writers.mteb_json import export_results

HOSTILE_NAMES = st.one_of(
    st.sampled_from(
        [
            "..",
            ".",
            "../../escaped",
            "/tmp/absolute",
            "a/b",
            "a\\b",
            "model_meta",
            "MODEL_META",
            ".eval_results",
            "README.md",
            "a\x00b",
            "\ud800",
            "x" * 300,
            "C:\\evil",
            "con",
            " ",
            "",
        ]
    ),
    st.text(alphabet=st.sampled_from(["a", ".", "/", "\\", "\x00", "é", " ", ":", "-"])),
)
REAL_TASKS = st.sampled_from(["AFQMC", "ATEC", "STS12", "Banking77Classification"])
# Integers stay within a float's range here: longer ones are for the result readers to refuse.
LEAF = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**300), max_value=10**300),
    st.sampled_from([1e308, -1e308, 5e-324, 0.5, 75.0]),
    st.text(max_size=5),
    st.none(),
    st.booleans(),
)
VALUES = st.recursive(
    LEAF, lambda inner: st.dictionaries(st.text(max_size=3), inner, max_size=2), max_leaves=6
)


def nested(depth: int, leaf: Any) -> Any:
    for _ in range(depth):
        leaf = {"n": leaf}
    return leaf


@st.composite
def result_file(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    task = draw(st.one_of(REAL_TASKS, HOSTILE_NAMES))
    metrics = draw(st.dictionaries(st.one_of(st.text(max_size=4), HOSTILE_NAMES), VALUES))
    if draw(st.booleans()):
        metrics["deep"] = nested(draw(st.integers(0, 200)), draw(LEAF))
    entry = {
        "hf_subset": draw(st.one_of(st.just("default"), HOSTILE_NAMES)),
        "languages": ["cmn-Hans"],
        # Mostly a valid main score, so that most files reach the writers.
        "main_score": draw(LEAF if draw(st.integers(0, 3)) == 0 else st.floats(0, 1)),
        **metrics,
    }
    data = {
        "task_name": task,
        "dataset_revision": draw(st.one_of(st.none(), HOSTILE_NAMES, st.integers())),
        "mteb_version": draw(st.one_of(st.just("1.12.0"), HOSTILE_NAMES)),
        "evaluation_time": draw(LEAF),
        "scores": {draw(st.one_of(st.just("test"), HOSTILE_NAMES)): [entry]},
    }
    return task, data


def snapshot(root: Path, skip: Path) -> dict[str, Any]:
    """Every path under ``root`` but ``skip`` (and what is in it): bytes or kind."""
    found: dict[str, Any] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            if path == skip or skip in path.parents:
                continue
            info = os.lstat(path)
            found[str(path)] = path.read_bytes() if stat.S_ISREG(info.st_mode) else info.st_mode
    return found


def inside(root: Path, folder: Path) -> list[str]:
    """Paths under ``folder`` that resolve outside it (none may)."""
    real = folder.resolve()
    return [
        str(p) for p in folder.rglob("*") if real not in p.resolve().parents and p.resolve() != real
    ]


def only_cardkit_errors(action) -> Any:
    try:
        result = action()
    except CardkitError as exc:
        event(f"refused: {exc.message[:40]}")
        return None
    event("written")
    return result


SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(
    files=st.lists(result_file(), min_size=1, max_size=3),
    model=HOSTILE_NAMES,
    revision=st.one_of(st.just("rev1"), HOSTILE_NAMES),
)
def test_build_and_export_of_hostile_results_stay_inside_the_output(files, model, revision):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        results = root / "results" / "org__model" / "rev1"
        results.mkdir(parents=True)
        for index, (_, data) in enumerate(files):
            (results / f"task{index}.json").write_text(json.dumps(data), encoding="utf-8")
        meta = {"name": model, "revision": revision}
        (results / "model_meta.json").write_text(json.dumps(meta), encoding="utf-8")
        declared = {
            task: {"type": "STS", "dataset": "org/data", "main_score": "cosine_spearman"}
            for task, _ in files
            if isinstance(task, str) and task not in ("AFQMC", "ATEC", "STS12")
        }
        out = root / "out"
        out.mkdir()
        before = snapshot(root, out)

        def build_and_export() -> None:
            request = BuildRequest(
                results=[root / "results"], output=out / "card" / "README.md", extra_tasks=declared
            )
            cards = plan_build(request)
            planned = plan_for_cards(cards)
            write_cards(cards)
            write_files(planned)
            for model_results in read_card(cards[0].path):
                export_results(model_results, cards[0].catalog, out / "exported")

        only_cardkit_errors(build_and_export)
        assert snapshot(root, out) == before
        assert inside(root, out) == []


@SETTINGS
@given(
    tasks=st.lists(HOSTILE_NAMES, min_size=1, max_size=4),
    split=HOSTILE_NAMES,
    subset=HOSTILE_NAMES,
    model=HOSTILE_NAMES,
    value=LEAF,
)
def test_export_of_hostile_names_stays_inside_the_output(tasks, split, subset, model, value):
    model_results = ModelResults(model_name=model, revision=None)
    for task in tasks:
        scores = [SubsetScores(split=split, subset=subset, metrics={"m": value})]
        model_results.tasks[task] = TaskResult(task_name=task, scores=scores)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        out = root / "deep" / "out"
        out.parent.mkdir()
        before = snapshot(root, out)
        only_cardkit_errors(lambda: export_results(model_results, load_catalog(), out))
        assert snapshot(root, out) == before
        assert inside(root, out) == []
