"""`cardkit diff` on real results: every score both sides hold with its change (recomputed
here from the files with json/yaml, not cardkit; only a card's ``MTEB Task (subset)`` names are
read with the format's one name rule, tested on its own), tasks added and removed, benchmark
means, the regression gate and its exit status, and the three output formats."""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from cardkit.modelindex import parse_dataset_name
from tests.conftest import DMETA_CARD, REPO, RESULTS, run_cli
from tests.terminal import run_on_terminal

pytestmark = pytest.mark.shared

DMETA = RESULTS / "DMetaSoul__Dmeta-embedding-zh-small"
EXTERNAL = DMETA / "external"
RUN = DMETA / "2050d3439a2f68999dd648c1697471acaac37a29"
# Tasks the seed card names by their old names (the files by the current ones).
OLD_NAMES = {"CMedQAv1": "CMedQAv1-reranking", "CMedQAv2": "CMedQAv2-reranking"}


def _file_scores(folder: Path) -> dict[tuple[str, str, str], dict]:
    """(task, split, subset) -> the score entry, read with json from every result file."""
    out = {}
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if "scores" not in data:
            continue
        for split, entries in data["scores"].items():
            for entry in entries:
                out[(data["task_name"], split, entry["hf_subset"])] = entry
    return out


def _card_scores(card: Path) -> dict[tuple[str, str, str], dict[str, float]]:
    """(task, split, subset) -> {metric: value} from a card's model-index, read with yaml."""
    text = card.read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    out = {}
    for result in front["model-index"][0]["results"]:
        data = result["dataset"]
        task, _ = parse_dataset_name(data["name"])
        key = (OLD_NAMES.get(task, task), data["split"], data["config"])
        out[key] = {m["type"]: m["value"] for m in result["metrics"]}
    return out


def _diff_json(*args: str | Path) -> tuple[int, dict]:
    result = run_cli("-q", "diff", *args, "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    assert not result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


@functools.cache
def _main_metric(task: str) -> str:
    """The task's main score, from mteb's own task registry."""
    mteb = pytest.importorskip("mteb")
    return mteb.get_task(task).metadata.main_score


def _expected_card_to_files() -> dict[tuple[str, str, str], tuple[float, float]]:
    """Dmeta-embedding's card -> Dmeta-embedding-zh-small's external files: per score both
    hold, (old, new) main score in points; the card holds the main metric under its current
    name or its name in mteb 1.x (``cos_sim_*`` for ``cosine_*``, ``map`` for
    ``map_at_1000``)."""
    card, files = _card_scores(DMETA_CARD), _file_scores(EXTERNAL)
    expected = {}
    for key, entry in files.items():
        if key not in card:
            continue
        main = _main_metric(key[0])
        names = [main, main.replace("cosine_", "cos_sim_"), main.removesuffix("_at_1000")]
        metric = next(name for name in names if name in card[key])
        expected[key] = (card[key][metric], entry["main_score"] * 100)
    return expected


def test_two_revisions_of_a_model_every_score_added_and_removed():
    """The card-derived `external` folder against the real mteb 1.29 run, chosen with the
    revision policy. They share no task: every score is added or removed, as the files say."""
    code, data = _diff_json(DMETA, "--old-revision", "external", "--new-revision", "latest")
    assert code == 0
    old, new = _file_scores(EXTERNAL), _file_scores(RUN)
    assert data["compared"] == len(old.keys() & new.keys()) == 0
    assert data["tasks_removed"] == sorted({task for task, _, _ in old})
    assert data["tasks_added"] == sorted({task for task, _, _ in new})
    rows = {(s["task"], s["split"], s["subset"]): s for s in data["scores"]}
    assert set(rows) == old.keys() | new.keys()
    for key, entry in old.items():
        assert rows[key]["status"] == "removed"
        assert rows[key]["old"] == pytest.approx(entry["main_score"] * 100, abs=1e-9)
    for key, entry in new.items():
        assert rows[key]["status"] == "added"
        assert rows[key]["new"] == pytest.approx(entry["main_score"] * 100, abs=1e-9)
    assert data["old"]["revisions"] == ["external"]
    assert data["new"]["revisions"] == [RUN.name]


def test_every_score_both_hold_with_the_change_recomputed_from_the_files():
    code, data = _diff_json(DMETA_CARD, EXTERNAL, "--all")
    assert code == 0
    expected = _expected_card_to_files()
    assert len(expected) == 32 and data["compared"] == 32
    rows = {(s["task"], s["split"], s["subset"]): s for s in data["scores"]}
    compared = {k: s for k, s in rows.items() if s["status"] in ("changed", "same")}
    assert set(compared) == set(expected)
    for key, (old, new) in expected.items():
        assert compared[key]["old"] == pytest.approx(old, abs=1e-9), key
        assert compared[key]["new"] == pytest.approx(new, abs=1e-9), key
        assert compared[key]["delta"] == pytest.approx(new - old, abs=1e-9), key
    # Most lowered first.
    deltas = [s["delta"] for s in data["scores"] if s["status"] == "changed"]
    assert deltas == sorted(deltas)
    removed = {s["task"] for s in data["scores"] if s["status"] == "removed"}
    assert removed == {task for task, _, _ in _card_scores(DMETA_CARD)} - {
        task for task, _, _ in expected
    }


def test_text_output_lists_every_changed_score_sorted_by_change():
    result = run_cli("-q", "diff", DMETA_CARD, EXTERNAL)
    assert result.returncode == 0, result.stderr
    expected = _expected_card_to_files()
    lines = result.stdout.splitlines()
    by_task = {
        line.split()[0]: line
        for line in lines
        if line.split() and line.split()[0] in {task for task, _, _ in expected}
    }
    assert len(by_task) == len(expected)
    order = sorted(expected, key=lambda key: expected[key][1] - expected[key][0])
    positions = [lines.index(by_task[task]) for task, _, _ in order]
    assert positions == sorted(positions)
    afqmc = by_task["AFQMC"].split()
    old, new = expected[("AFQMC", "validation", "default")]
    assert afqmc[4:7] == [f"{old:.2f}", f"{new:.2f}", f"{new - old:+.2f}"]
    assert "\x1b[" not in result.stdout  # not a terminal: no colour


def test_a_card_and_its_own_results_differ_in_nothing(tmp_path):
    card = tmp_path / "README.md"
    built = run_cli("build", EXTERNAL, "-o", card, "--eval-results")
    assert built.returncode == 0, built.stderr
    result = run_cli("-q", "diff", card, EXTERNAL, "--threshold", "0")
    assert result.returncode == 0, result.stderr
    assert "No differences." in result.stdout
    assert "32 scores compared: 0 lower, 0 higher, 32 the same" in result.stdout
    code, data = _diff_json(card, EXTERNAL, "--threshold", "0", "--threshold-average", "0")
    assert code == 0 and data["failed"] is False
    assert data["scores"] == [] and data["benchmarks"] == [] and data["unchanged"] == 32
    # The .eval_results files beside the card hold the same main scores.
    code, data = _diff_json(tmp_path / ".eval_results", card)
    assert code == 0 and data["scores"] == [] and data["compared"] == 32


def test_threshold_fails_on_a_real_drop_and_lists_the_offenders_first():
    expected = _expected_card_to_files()
    drops = {k: new - old for k, (old, new) in expected.items() if new - old < -3}
    assert drops  # Dmeta-embedding-zh-small scores below Dmeta-embedding on several tasks
    code, data = _diff_json(DMETA_CARD, EXTERNAL, "--threshold", "3")
    assert code == 1 and data["failed"] is True
    offenders = [(s["task"], s["split"], s["subset"]) for s in data["offenders"]]
    assert set(offenders) == set(drops)
    assert offenders == sorted(drops, key=drops.get)
    text = run_cli("-q", "diff", DMETA_CARD, EXTERNAL, "--threshold", "3")
    assert text.returncode == 1
    out = text.stdout
    assert out.index("Dropped by more than 3 points") < out.index("Other scores")
    first_other = out.index("Other scores")
    assert all(out.index(f"\n{task} ") < first_other for task, _, _ in drops)
    assert out.rstrip().endswith(f"FAIL: {len(drops)} scores dropped by more than 3 points")


def test_threshold_passes_when_no_score_drops_that_far():
    expected = _expected_card_to_files()
    worst = -min(new - old for old, new in expected.values())
    code, data = _diff_json(DMETA_CARD, EXTERNAL, "--threshold", f"{worst + 0.01:.2f}")
    assert code == 0 and data["offenders"] == [] and data["failed"] is False
    code, data = _diff_json(DMETA_CARD, EXTERNAL, "--threshold", f"{worst - 0.01:.2f}")
    assert code == 1 and len(data["offenders"]) == 1


def test_threshold_average_gates_the_benchmark_means():
    # A smaller model's results against a bigger one's: both complete on C-MTEB.
    old, new = RESULTS / "BAAI__bge-base-zh", REPO / "examples" / "results" / "BAAI__bge-small-zh"
    code, data = _diff_json(old, new, "--benchmark", "C-MTEB")
    [bench] = data["benchmarks"]
    mean_task = next(m for m in bench["means"] if m["mean"] == "Mean (Task)")
    assert bench["complete_old"] == bench["complete_new"] == 35 and mean_task["comparable"]
    drop = -mean_task["delta"]
    assert drop > 1
    code, data = _diff_json(old, new, "--benchmark", "C-MTEB", "--threshold-average", "1")
    assert code == 1
    assert {(o["benchmark"], o["mean"]) for o in data["average_offenders"]} >= {
        ("C-MTEB", "Mean (Task)")
    }
    code, _ = _diff_json(old, new, "--benchmark", "C-MTEB", "--threshold-average", f"{drop + 1}")
    assert code == 0


def test_an_incomplete_benchmark_has_no_mean_to_gate():
    # MultilingualSentiment lacks `test` on both sides: MTEB(cmn, v1) shows no mean, as the
    # card and `cardkit compare` show none.
    code, data = _diff_json(
        DMETA_CARD, EXTERNAL, "--benchmark", "MTEB(cmn, v1)", "--threshold-average", "0.01"
    )
    [bench] = data["benchmarks"]
    assert bench["complete_old"] == bench["complete_new"] == 30
    assert [(m["old"], m["new"]) for m in bench["means"]] == [(None, None), (None, None)]
    assert data["average_offenders"] == []


def test_markdown_output_is_tables_to_paste_into_a_pull_request():
    result = run_cli("-q", "diff", DMETA_CARD, EXTERNAL, "--threshold", "3", "--format", "markdown")
    assert result.returncode == 1
    tokens = MarkdownIt().enable("table").parse(result.stdout)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[:2] == ["Dropped by more than 3 points", "Other scores"]
    assert "Benchmarks" in headings
    tables = [t for t in tokens if t.type == "table_open"]
    assert len(tables) == 3
    cells = [t.content for t in tokens if t.type == "inline"]
    assert "AFQMC" in cells and "-11.59" in cells
    assert "**FAIL: 6 scores dropped by more than 3 points**" in result.stdout


def test_metric_changes_under_an_unchanged_main_score_and_their_explanation(tmp_path):
    """A copy of a real run with one non-main metric and one dataset revision changed."""
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(RUN, old)
    shutil.copytree(RUN, new)
    path = new / "TenKGnadClusteringP2P.json"
    data = json.loads(path.read_text())
    data["scores"]["test"][0]["v_measure_std"] = 0.5  # a diagnostic: not a difference
    data["dataset_revision"] = "0" * 40
    data["mteb_version"] = "2.1.0"
    data["scores"]["test"][0]["main_score"] -= 0.01
    data["scores"]["test"][0]["v_measure"] -= 0.01
    path.write_text(json.dumps(data))
    path = new / "PawsXPairClassification.json"
    data = json.loads(path.read_text())
    entry = data["scores"]["test"][0]
    entry["cosine_accuracy"] += 0.02
    path.write_text(json.dumps(data))
    code, out = _diff_json(old, new)
    assert code == 0
    [changed] = [s for s in out["scores"] if s["status"] == "changed"]
    assert changed["task"] == "TenKGnadClusteringP2P"
    assert changed["delta"] == pytest.approx(-1.0)
    assert changed["reasons"] == ["dataset revision 5c59e41 -> 0000000", "mteb 1.29.10 -> 2.1.0"]
    [metrics] = [s for s in out["scores"] if s["other_metrics"]]
    assert (metrics["task"], metrics["split"], metrics["status"]) == (
        "PawsXPairClassification",
        "test",
        "same",
    )
    assert [m["metric"] for m in metrics["other_metrics"]] == ["cosine_accuracy"]
    assert metrics["other_metrics"][0]["delta"] == pytest.approx(2.0)
    text = run_cli("-q", "diff", old, new).stdout
    assert "Metrics that changed although the main score did not:" in text


def test_a_split_lost_makes_the_task_newly_partial(tmp_path):
    source = RESULTS / "Qwen__Qwen3-Embedding-0.6B" / "b22da495047858cce924d27d76261e96be6febc0"
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    shutil.copy2(source / "MultilingualSentiment.json", old)
    data = json.loads((source / "MultilingualSentiment.json").read_text())
    assert set(data["scores"]) == {"validation", "test"}
    del data["scores"]["test"]
    (new / "MultilingualSentiment.json").write_text(json.dumps(data))
    code, out = _diff_json(old, new, "--benchmark", "MTEB(cmn, v1)")
    assert code == 0
    [removed] = [s for s in out["scores"] if s["status"] == "removed"]
    assert (removed["task"], removed["split"]) == ("MultilingualSentiment", "test")
    [bench] = out["benchmarks"]
    assert bench["newly_partial"] == [{"task": "MultilingualSentiment", "lacks": "split test"}]
    text = run_cli("-q", "diff", old, new, "--benchmark", "MTEB(cmn, v1)").stdout
    assert "Scores added or removed in tasks both hold:" in text
    assert "Newly partial on MTEB(cmn, v1): MultilingualSentiment (lacks split test)" in text


def test_colours_only_on_a_terminal_and_never_with_no_color():
    args = ["-q", "diff", str(DMETA_CARD), str(EXTERNAL), "--threshold", "3"]
    coloured = run_on_terminal(*args, env={"NO_COLOR": "", "TERM": "xterm"})[1]
    assert "\x1b[1;31m-11.59\x1b[0m" in coloured
    assert "\x1b[32m+2.92\x1b[0m" in coloured
    plain = run_on_terminal(*args, env={"NO_COLOR": "1", "TERM": "xterm"})[1]
    assert "\x1b[" not in plain and "-11.59" in plain


def test_bad_input_is_one_line(tmp_path):
    for args, message in (
        ([tmp_path / "nope", EXTERNAL], "nope: no such file or folder"),
        ([RESULTS, EXTERNAL], "holds 8 models"),
        ([DMETA], "give NEW, or compare two revisions of OLD"),
        ([DMETA, "--old-revision", "v9", "--new-revision", "latest"], "has no revision 'v9'"),
        ([EXTERNAL, EXTERNAL, "--benchmark", "MTEB(xx)"], "unknown benchmark 'MTEB(xx)'"),
    ):
        result = run_cli("-q", "diff", *args)
        assert result.returncode == 1, (args, result.stdout)
        lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(lines) == 1 and message in lines[0], result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout == ""
