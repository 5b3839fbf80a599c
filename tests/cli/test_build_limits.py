"""What build writes passes `cardkit validate`: values no fraction can be, metrics that are no
fractions, the same score twice in one file, mteb's deliberate nulls, and cards too large."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from cardkit.cardtext.frontmatter import split_card
from tests.conftest import RESULTS, run_cli

pytestmark = pytest.mark.shared

QWEN = RESULTS / "Qwen__Qwen3-Embedding-0.6B" / "b22da495047858cce924d27d76261e96be6febc0"
# 24 classification files where mteb wrote ap/ap_weighted as null (or NaN) on purpose.
AP_NULL_FILES = sorted(
    p.name for p in QWEN.glob("*Classification*.json") if '"ap": null' in p.read_text()
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "results" / "Qwen__Qwen3-Embedding-0.6B" / QWEN.name
    target.mkdir(parents=True)
    for name in ("AFQMC.json", "STS22.json", "model_meta.json"):
        shutil.copy(QWEN / name, target / name)
    return target


def edit(path: Path, change) -> Path:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    return path


def results(card: Path) -> list[dict]:
    text = card.read_text(encoding="utf-8")
    return yaml.safe_load(split_card(text).yaml_text)["model-index"][0]["results"]


def metrics_of(card: Path, name: str) -> dict[str, float]:
    [entry] = [r for r in results(card) if r["dataset"]["name"] == name]
    return {m["type"]: m["value"] for m in entry["metrics"]}


def validates_clean(card: Path) -> None:
    done = run_cli("validate", card.parent)
    assert done.returncode == 0, done.stdout
    assert "0 errors, 0 warnings" in done.stdout, done.stdout


@pytest.mark.parametrize("main", [1e307, 1.5])
def test_a_main_score_no_fraction_can_be_stops_the_build(folder: Path, tmp_path: Path, main):
    path = edit(
        folder / "AFQMC.json", lambda d: d["scores"]["validation"][0].update(main_score=main)
    )
    card = tmp_path / "README.md"
    done = run_cli("build", folder, "-o", card, "--eval-results")
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith(f"error: {path}: split 'validation', subset 'default': main score")
    assert "outside -1 to 1" in line
    assert not card.exists() and not (tmp_path / ".eval_results").exists()


def test_another_metric_no_fraction_can_be_is_left_out_with_a_warning(folder: Path, tmp_path):
    path = edit(folder / "AFQMC.json", lambda d: d["scores"]["validation"][0].update(pearson=1.5))
    card = tmp_path / "README.md"
    done = run_cli("build", folder, "-o", card, "--eval-results")
    assert done.returncode == 0, done.stderr
    assert f"warning: {path}: left out metrics outside -1 to 1, which no fraction can be: " in (
        done.stderr
    )
    assert "pearson" not in metrics_of(card, "MTEB AFQMC")
    validates_clean(card)


def test_metrics_that_are_no_fractions_are_written_as_the_file_has_them(folder, tmp_path):
    # Values as real files hold them: a human baseline's mse, a regression task's mae.
    edit(
        folder / "AFQMC.json",
        lambda d: d["scores"]["validation"][0].update(mse=121.454475, mae=7.091452),
    )
    card = tmp_path / "README.md"
    done = run_cli("build", folder, "-o", card, "--metrics", "all")
    assert done.returncode == 0, done.stderr
    shown = metrics_of(card, "MTEB AFQMC")
    assert (shown["mse"], shown["mae"]) == (121.454475, 7.091452)
    assert shown["cosine_spearman"] == pytest.approx(
        json.loads((QWEN / "AFQMC.json").read_text())["scores"]["validation"][0]["main_score"] * 100
    )
    validates_clean(card)
    # The card reads back to the file's values: the reader divides only what was multiplied.
    again = tmp_path / "again" / "README.md"
    assert run_cli("build", card, "-o", again, "--metrics", "all").returncode == 0
    assert metrics_of(again, "MTEB AFQMC")["mse"] == 121.454475


def test_the_same_scores_twice_in_one_file_give_one_entry(folder: Path, tmp_path: Path):
    # As cards exported to the results store repeat a subset (KaLM's STS22, external).
    path = edit(folder / "STS22.json", lambda d: d["scores"]["test"].append(d["scores"]["test"][0]))
    card = tmp_path / "README.md"
    done = run_cli("build", folder, "-o", card, "--eval-results")
    assert done.returncode == 0, done.stderr
    assert f"note: {path}: left out repeats of the same scores: test/en" in done.stderr
    names = [r["dataset"]["name"] for r in results(card)]
    assert names.count("MTEB STS22 (en)") == 1
    validates_clean(card)


def test_other_scores_twice_in_one_file_keep_the_first_with_a_warning(folder, tmp_path):
    def repeat_changed(data):
        twice = dict(data["scores"]["test"][0], main_score=0.5, cosine_spearman=0.5)
        data["scores"]["test"].append(twice)

    path = edit(folder / "STS22.json", repeat_changed)
    first = json.loads((QWEN / "STS22.json").read_text())["scores"]["test"][0]["main_score"]
    card = tmp_path / "README.md"
    done = run_cli("build", folder, "-o", card)
    assert done.returncode == 0, done.stderr
    assert (
        f"warning: {path}: split 'test', subset 'en' is in the file twice with different scores "
        f"(main score {first}, then 0.5): the first is kept"
    ) in done.stderr
    assert metrics_of(card, "MTEB STS22 (en)")["cosine_spearman"] == pytest.approx(first * 100)
    validates_clean(card)


def test_mtebs_empty_ap_of_multiclass_tasks_is_one_note_per_build(tmp_path: Path):
    assert len(AP_NULL_FILES) >= 20
    target = tmp_path / "results" / "Qwen__Qwen3-Embedding-0.6B" / QWEN.name
    target.mkdir(parents=True)
    for name in [*AP_NULL_FILES, "model_meta.json"]:
        shutil.copy(QWEN / name, target / name)
    done = run_cli("build", target, "-o", tmp_path / "README.md")
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr
    [line] = [x for x in done.stderr.splitlines() if "ap_weighted" in x]
    assert line.startswith("note: left out ap and ap_weighted where null or NaN")
    assert f"({len(AP_NULL_FILES)} file(s)" in line


def test_a_default_card_over_its_size_budget_carries_main_scores_only(folder: Path, tmp_path):
    def many_metrics(data):
        entry = data["scores"]["validation"][0]
        entry.update({f"extra_{i}": 0.5 for i in range(400_000)})

    edit(folder / "AFQMC.json", many_metrics)
    card = tmp_path / "README.md"
    done = run_cli("build", folder, "-o", card)
    assert done.returncode == 0, done.stderr
    [line] = done.stderr.splitlines()
    stated = re.search(
        r"every metric \(400024 values\) would take at least ([\d.]+) MB alone", line
    )
    assert stated, line
    # The lines the extra metrics alone take in the card, as the reference cards write them:
    # the size stated is at least most of that and no more than it.
    lines = sum(len(f"    - type: extra_{i}\n      value: 50.0\n") for i in range(400_000))
    assert 0.9 * lines / 2**20 <= float(stated[1]) <= lines / 2**20
    assert ", over the 1.0 MB" in line
    assert "carries each task's main score only (--metrics all keeps every metric)" in line
    assert card.stat().st_size < 1024 * 1024
    assert list(metrics_of(card, "MTEB AFQMC")) == ["cosine_spearman"]
    validates_clean(card)


def test_every_metric_asked_for_is_written_or_refused_never_cut(folder: Path, tmp_path):
    def many_metrics(data):
        entry = data["scores"]["validation"][0]
        entry.update({f"extra_{i}": 0.5 for i in range(400_000)})

    edit(folder / "AFQMC.json", many_metrics)
    card = tmp_path / "README.md"
    done = run_cli("build", folder, "-o", card, "--metrics", "all")
    assert done.returncode == 1
    assert "over the 10.0 MB cardkit validate accepts: build it with --metrics default" in (
        done.stderr
    )
    assert not card.exists()


def test_results_divided_by_100_twice_are_refused(folder: Path, tmp_path: Path):
    """As in the results store's external folder of Gameselo/STS-multilingual-mpnet-base-v2:
    scores taken from a card on the 0 to 1 scale and divided by 100 again."""

    def divide(data):
        for entries in data["scores"].values():
            for entry in entries:
                for key, value in list(entry.items()):
                    if isinstance(value, float):
                        entry[key] = value / 100

    for name in ("AFQMC.json", "STS22.json"):
        edit(folder / name, divide)
    card = tmp_path / "README.md"
    done = run_cli("build", folder, "-o", card)
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith(f"error: {folder}: every score in the results lies between 0 and 0.01")
    assert not card.exists()
