"""Building into a card that already has a model-index: cardkit replaces only the MTEB results
it writes; the author's other entries and MTEB results the new run lacks are kept byte for byte
(and named), and --prune removes exactly those MTEB results."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from cardkit.cardtext.frontmatter import split_card
from tests.conftest import DMETA_CARD, RESULTS, run_cli

pytestmark = pytest.mark.shared

# Results written from a Dmeta card: 32 of the 35 tasks the Dmeta seed card holds.
PARTIAL_RUN = RESULTS / "DMetaSoul__Dmeta-embedding-zh-small" / "external"
MISSING_TASKS = [
    "AmazonReviewsClassification",
    "MassiveIntentClassification",
    "MassiveScenarioClassification",
]
# An entry of the author's own, the way huggingface_hub's EvalResult writes one, with a comment.
GLUE = """\
  - task:
      type: text-classification
      name: Text Classification
    dataset:
      name: GLUE SST-2   # our own run, not MTEB
      type: glue
      config: sst2
      split: validation
    metrics:
    - type: accuracy
      value: 91.3
      name: Accuracy
"""


def card_with_glue(tmp_path: Path) -> Path:
    """The Dmeta card with a GLUE entry first in its model-index."""
    text = DMETA_CARD.read_text(encoding="utf-8")
    at = text.index("  results:\n") + len("  results:\n")
    card = tmp_path / "README.md"
    card.write_text(text[:at] + GLUE + text[at:], encoding="utf-8")
    return card


def entry_texts(card_text: str) -> dict[str, str]:
    """dataset.name (with config and split) -> the exact text of its model-index entry."""
    yaml_text = split_card(card_text).yaml_text
    parts = re.split(r"(?m)^(?=  - task:)", yaml_text.split("  results:\n", 1)[1])
    out = {}
    for part in parts:
        if not part.startswith("  - task:"):
            continue
        part = re.split(r"(?m)^\S", part)[0]  # up to the next top-level key
        name = re.search(r"name: (.*?)(?:   #.*)?\n", part.split("dataset:", 1)[1]).group(1)
        config = re.search(r"config: (.*)\n", part)
        split = re.search(r"split: (.*)\n", part)
        out[f"{name} {config and config.group(1)} {split and split.group(1)}"] = part
    return out


def results_of(card: Path) -> list[dict]:
    front = yaml.safe_load(split_card(card.read_text(encoding="utf-8")).yaml_text)
    return front["model-index"][0]["results"]


def notes(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("note:") and "kept" in line]


def test_entries_cardkit_does_not_own_are_kept_byte_for_byte(tmp_path: Path):
    card = card_with_glue(tmp_path)
    before = entry_texts(card.read_text(encoding="utf-8"))
    done = run_cli("build", PARTIAL_RUN, "-o", card, "--model-name", "Dmeta-embedding")
    assert done.returncode == 0, done.stderr
    after = entry_texts(card.read_text(encoding="utf-8"))

    glue = "GLUE SST-2 sst2 validation"
    assert after[glue] == before[glue] == GLUE
    kept = [key for key in before if key.split(" (")[0].removeprefix("MTEB ") in MISSING_TASKS]
    assert len(kept) == 3
    for key in kept:
        assert after[key] == before[key], key
    [line] = notes(done.stderr)
    assert "kept 3 MTEB entries of 3 task(s) not in the results" in line
    assert ", ".join(MISSING_TASKS) in line and "--prune" in line


def test_the_results_replace_the_mteb_entries_of_their_tasks(tmp_path: Path):
    card = card_with_glue(tmp_path)
    run_cli("build", PARTIAL_RUN, "-o", card, "--model-name", "Dmeta-embedding")
    fresh = tmp_path / "fresh" / "README.md"
    run_cli("build", PARTIAL_RUN, "-o", fresh, "--model-name", "Dmeta-embedding")

    merged = results_of(card)
    new = results_of(fresh)
    assert len(new) == 32
    # every new entry is there as a fresh build writes it, the card's old values of those
    # tasks (Dmeta-embedding's, not the small model's) are gone, nothing else was added
    assert [r for r in merged if r in new] == new
    others = [r for r in merged if r not in new]
    names = sorted(r["dataset"]["name"] for r in others)
    assert names == [
        "GLUE SST-2",
        "MTEB AmazonReviewsClassification (zh)",
        "MTEB MassiveIntentClassification (zh-CN)",
        "MTEB MassiveScenarioClassification (zh-CN)",
    ]
    # the card named CMedQAv1/v2 by their old names: the same tasks, replaced, not kept
    assert not any(r["dataset"]["name"] == "MTEB CMedQAv1" for r in merged)
    # MTEB entries stay in ASCII order of task, the author's entry where it was
    assert merged[0]["dataset"]["name"] == "GLUE SST-2"
    tasks = [r["dataset"]["name"].split(" (")[0] for r in merged[1:]]
    assert tasks == sorted(tasks)
    assert run_cli("validate", card).returncode == 0


def test_check_and_a_second_build_see_the_same_merged_card(tmp_path: Path):
    card = card_with_glue(tmp_path)
    args = (PARTIAL_RUN, "-o", card, "--model-name", "Dmeta-embedding")
    assert run_cli("build", *args).returncode == 0
    text = card.read_text(encoding="utf-8")
    check = run_cli("check", *args)
    assert check.returncode == 0, check.stdout + check.stderr
    again = run_cli("build", *args)
    assert "unchanged" in again.stdout
    assert card.read_text(encoding="utf-8") == text


def test_prune_removes_exactly_the_mteb_entries_the_results_lack(tmp_path: Path):
    card = card_with_glue(tmp_path)
    before = entry_texts(card.read_text(encoding="utf-8"))
    done = run_cli("build", PARTIAL_RUN, "-o", card, "--model-name", "Dmeta-embedding", "--prune")
    assert done.returncode == 0, done.stderr
    [line] = [x for x in done.stderr.splitlines() if "pruned" in x]
    assert "pruned 3 MTEB entries of 3 task(s) not in the results: " + ", ".join(MISSING_TASKS) in (
        line
    )
    after = entry_texts(card.read_text(encoding="utf-8"))
    assert after["GLUE SST-2 sst2 validation"] == before["GLUE SST-2 sst2 validation"]
    names = [r["dataset"]["name"] for r in results_of(card)]
    assert len(names) == 1 + 32
    assert not any(task in name for name in names for task in MISSING_TASKS)


def test_the_model_index_of_another_model_is_left_alone(tmp_path: Path):
    text = DMETA_CARD.read_text(encoding="utf-8")
    front, body = text.split("\n---\n", 1)
    other = "- name: Dmeta-embedding-quantized\n  results: []\n"
    at = front.index("model-index:\n") + len("model-index:\n")
    card = tmp_path / "README.md"
    card.write_text(front[:at] + other + front[at:] + "\n---\n" + body, encoding="utf-8")
    done = run_cli("build", PARTIAL_RUN, "-o", card, "--model-name", "Dmeta-embedding")
    assert done.returncode == 0, done.stderr
    out = card.read_text(encoding="utf-8")
    assert other in out
    index = yaml.safe_load(split_card(out).yaml_text)["model-index"]
    assert [m["name"] for m in index] == ["Dmeta-embedding-quantized", "Dmeta-embedding"]
    assert len(index[1]["results"]) == 35


def test_export_writes_mteb_results_only_and_names_what_it_left_out(tmp_path: Path):
    card = card_with_glue(tmp_path)
    out = tmp_path / "exported"
    done = run_cli("export", card, "-o", out)
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 35 + 1
    assert not any("GLUE" in name for name in files)
    [line] = [x for x in done.stderr.splitlines() if "left out" in x]
    assert "1 model-index entries that are not MTEB results: GLUE SST-2" in line
    assert "model-index[0].results[0]" in line
