"""`cardkit build` and `cardkit export` end to end on the real data, through the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from cardkit.cardtext.frontmatter import split_card
from tests.conftest import CARDS, DMETA_CARD, RESULTS, revision_folders, run_cli

pytestmark = pytest.mark.shared


# libyaml: a 408-task front matter takes the pure-Python loader a minute.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def front_matter(path: Path) -> dict:
    return yaml.load(split_card(path.read_text(encoding="utf-8")).yaml_text, Loader=LOADER)


def hub_eval_results(text: str) -> list:
    """What ``huggingface_hub.ModelCard(text).data.eval_results`` holds: the Hub's regex cuts
    the front matter and its card data class reads the model-index (parsed with libyaml)."""
    from huggingface_hub import ModelCardData
    from huggingface_hub.repocard import REGEX_YAML_BLOCK

    match = REGEX_YAML_BLOCK.search(text)
    assert match, "the Hub finds no front matter"
    return ModelCardData(**yaml.load(match.group(2), Loader=LOADER)).eval_results


def metric_count(index: list[dict]) -> int:
    return sum(len(r["metrics"]) for entry in index for r in entry["results"])


@pytest.mark.parametrize(
    "folder", revision_folders(), ids=lambda p: f"{p.parent.name}/{p.name}"[:60]
)
def test_every_revision_folder_builds_parses_and_round_trips(folder: Path, tmp_path: Path):
    card = tmp_path / "README.md"
    done = run_cli("build", folder, "-o", card)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    index = front_matter(card)["model-index"]
    parsed = hub_eval_results(card.read_text(encoding="utf-8"))
    assert len(parsed) == metric_count(index)

    exported = tmp_path / "exported"
    assert run_cli("export", card, "-o", exported).returncode == 0
    again = tmp_path / "again.md"
    done = run_cli("build", exported, "-o", again, "--model-name", index[0]["name"])
    assert done.returncode == 0, done.stderr
    assert_same_model_index(front_matter(again)["model-index"], index)


def assert_same_model_index(got: list[dict], want: list[dict]) -> None:
    assert len(got) == len(want)
    for g_entry, w_entry in zip(got, want):
        assert g_entry["name"] == w_entry["name"]
        assert len(g_entry["results"]) == len(w_entry["results"])
        for g, w in zip(g_entry["results"], w_entry["results"]):
            assert g["task"] == w["task"]
            assert g["dataset"] == w["dataset"]
            assert [m["type"] for m in g["metrics"]] == [m["type"] for m in w["metrics"]]
            for gm, wm in zip(g["metrics"], w["metrics"]):
                assert gm["value"] == pytest.approx(wm["value"], rel=1e-9)


def test_dmeta_card_export_then_build_gives_the_same_model_index(tmp_path: Path):
    exported = tmp_path / "results"
    done = run_cli("export", DMETA_CARD, "-o", exported)
    assert done.returncode == 0, done.stderr
    assert len(list(exported.glob("*.json"))) == 36  # 35 tasks + model_meta.json
    card = tmp_path / "README.md"
    done = run_cli("build", exported, "-o", card, "--model-name", "Dmeta-embedding")
    assert done.returncode == 0, done.stderr
    assert "35 tasks, 35 entries" in done.stdout
    assert_same_model_index(
        front_matter(card)["model-index"], front_matter(DMETA_CARD)["model-index"]
    )


def test_exported_files_are_mteb_1_11_format(tmp_path: Path):
    run_cli("export", DMETA_CARD, "-o", tmp_path)
    data = json.loads((tmp_path / "AFQMC.json").read_text())
    assert data["task_name"] == "AFQMC"
    [entry] = data["scores"]["validation"]
    assert entry["hf_subset"] == "default"
    assert entry["cos_sim_pearson"] == pytest.approx(0.6560825224706932)
    assert entry["main_score"] == entry["cos_sim_spearman"]
    meta = json.loads((tmp_path / "model_meta.json").read_text())
    assert meta["name"] == "Dmeta-embedding"


def test_new_card_gets_the_reference_front_matter(tmp_path: Path):
    card = tmp_path / "README.md"
    done = run_cli("build", RESULTS / "BAAI__bge-base-zh", "-o", card)
    assert done.returncode == 0, done.stderr
    data = front_matter(card)
    assert list(data)[:4] == ["tags", "model-index", "library_name", "pipeline_tag"]
    assert "mteb" in data["tags"]
    assert data["library_name"] == "sentence-transformers"
    assert data["pipeline_tag"] == "sentence-similarity"
    assert data["model-index"][0]["name"] == "BAAI/bge-base-zh"
    assert "BAAI/bge-base-zh" in split_card(card.read_text()).body
    assert done.stdout.strip().endswith(
        "BAAI/bge-base-zh, 35 tasks, 38 entries"
    )  # Amazon and Massive x2 have two splits


@pytest.mark.parametrize(
    "source", sorted(CARDS.glob("*.README.md")) + [DMETA_CARD], ids=lambda p: p.name
)
def test_existing_card_is_updated_in_place(source: Path, tmp_path: Path):
    card = tmp_path / "README.md"
    shutil.copy(source, card)
    original = source.read_text(encoding="utf-8")
    before = split_card(original)
    old_data = yaml.safe_load(before.yaml_text)
    done = run_cli("build", RESULTS / "BAAI__bge-base-zh", "-o", card, "--model-name", "x")
    assert done.returncode == 0, done.stderr
    after_text = card.read_text(encoding="utf-8")
    after = split_card(after_text)
    assert after.body == before.body
    new_data = yaml.safe_load(after.yaml_text)
    assert new_data["model-index"][0]["name"] == "x"
    assert "mteb" in new_data["tags"]
    for key, value in old_data.items():
        if key not in ("model-index", "tags"):
            assert new_data[key] == value
    kept = [k for k in new_data if k in old_data]
    assert kept == [k for k in old_data if k in new_data]
    for line in before.yaml_text.splitlines():
        if not line.startswith((" ", "-", "model-index", "tags")) and ":" in line:
            assert line in after.yaml_text  # other keys keep their exact text


def test_a_second_identical_build_changes_nothing(tmp_path: Path):
    card = tmp_path / "README.md"
    shutil.copy(CARDS / "all-MiniLM-L6-v2.README.md", card)
    run_cli("build", RESULTS / "BAAI__bge-base-zh", "-o", card)
    first = card.read_bytes()
    done = run_cli("build", RESULTS / "BAAI__bge-base-zh", "-o", card)
    assert card.read_bytes() == first
    assert done.stdout.startswith("unchanged")


def test_crlf_card_keeps_crlf(tmp_path: Path):
    card = tmp_path / "README.md"
    card.write_bytes(DMETA_CARD.read_bytes().replace(b"\n", b"\r\n"))
    body_before = split_card(card.read_bytes().decode()).body
    assert run_cli("build", RESULTS / "BAAI__bge-base-zh", "-o", card).returncode == 0
    text = card.read_bytes().decode()
    assert "\n" not in text.replace("\r\n", "")
    assert split_card(text).body == body_before


@pytest.mark.shared
def test_several_models_into_a_new_folder_named_with_a_slash(tmp_path: Path):
    bge, piccolo = RESULTS / "BAAI__bge-base-zh", RESULTS / "sensenova__piccolo-base-zh"
    cards = tmp_path / "cards"  # not there yet: the slash says it is a folder
    done = run_cli("build", bge, piccolo, "-o", f"{cards}/", "-q")
    assert done.returncode == 0, done.stderr
    assert sorted(p.parent.name for p in cards.glob("*/README.md")) == [
        "BAAI__bge-base-zh",
        "sensenova__piccolo-base-zh",
    ]
    without_slash = run_cli("build", bge, piccolo, "-o", tmp_path / "other")
    assert without_slash.returncode == 1
    assert "give -o a folder" in without_slash.stderr
    one = run_cli("build", bge, "-o", f"{tmp_path / 'one'}/")
    assert one.returncode == 1 and "is a folder: give the card's file name" in one.stderr


def test_a_speed_task_is_left_out_and_said_once(tmp_path: Path):
    """GPUSpeedTask measures seconds, not quality: no entry, and one note however many times
    the card is looked at (a 408-task card's values are counted, then it is made with main
    scores only)."""
    speed = RESULTS / "intfloat__multilingual-e5-small" / "e4ce9877abf3edfe10b0d82785e83bdcb973e22e"
    (large,) = (RESULTS / "Qwen__Qwen3-Embedding-0.6B").iterdir()
    folder = tmp_path / "results"
    shutil.copytree(large, folder)
    shutil.copyfile(speed / "GPUSpeedTask.json", folder / "GPUSpeedTask.json")
    card = tmp_path / "README.md"
    done = run_cli("build", folder, "-o", card, "--no-config")
    assert done.returncode == 0, done.stderr
    assert "with each task's main score only" in done.stderr  # the card was looked at twice
    assert done.stderr.count("skipped GPUSpeedTask: a Speed task measures no quality score") == 1
    front = yaml.safe_load(split_card(card.read_text(encoding="utf-8"), card).yaml_source)
    results = front["model-index"][0]["results"]
    assert len(results) > 6000
    assert not any("Speed" in r["dataset"]["name"] for r in results)
