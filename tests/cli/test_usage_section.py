"""The Usage section and a new card's library keys say what is true of the model: an API model
(open_weights: false) gets no SentenceTransformer snippet and no sentence-transformers tag, a
name without organisation is completed from the card's links (or said to be missing), and a
Chinese model gets Chinese example sentences."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from cardkit.cardtext.frontmatter import split_card
from tests.conftest import CARDS, RESULTS, run_cli

pytestmark = pytest.mark.shared

BGE_EN = RESULTS / "BAAI__bge-small-en-v1.5" / "external"


def results_with_meta(tmp_path: Path, **meta: object) -> Path:
    """The 34 bge-small-en-v1.5 result files, with model_meta.json changed as given."""
    folder = tmp_path / "results" / "org__model" / "1"
    shutil.copytree(BGE_EN, folder)
    data = json.loads((folder / "model_meta.json").read_text(encoding="utf-8"))
    data.update(meta)
    (folder / "model_meta.json").write_text(json.dumps(data), encoding="utf-8")
    return folder.parent


def usage(text: str) -> str:
    return text.split("<!-- cardkit:begin usage -->", 1)[1].split("<!-- cardkit:end usage", 1)[0]


def test_an_api_model_gets_no_local_snippet_and_no_library_tag(tmp_path: Path):
    folder = results_with_meta(
        tmp_path,
        name="org/api-model",
        open_weights=False,
        framework=["API"],
        reference="https://docs.example.com/embeddings",
    )
    card = tmp_path / "card" / "README.md"
    done = run_cli("build", folder, "-o", card, "--no-config")
    assert done.returncode == 0, done.stderr
    text = card.read_text(encoding="utf-8")
    front = yaml.safe_load(split_card(text).yaml_text)
    assert "sentence-transformers" not in front["tags"] and "mteb" in front["tags"]
    assert "library_name" not in front
    section = usage(text)
    assert "SentenceTransformer" not in text and "sentence_transformers" not in text
    assert "`org/api-model` is served through its provider's API" in section
    assert "(see [its documentation](https://docs.example.com/embeddings))" in section
    assert str(tmp_path) not in text
    assert run_cli("validate", card).returncode == 0


def test_a_model_with_open_weights_keeps_the_snippet_and_the_tag(tmp_path: Path):
    card = tmp_path / "README.md"
    assert run_cli("build", BGE_EN.parent, "-o", card, "--no-config").returncode == 0
    text = card.read_text(encoding="utf-8")
    front = yaml.safe_load(split_card(text).yaml_text)
    assert "sentence-transformers" in front["tags"]
    assert front["library_name"] == "sentence-transformers"
    assert 'SentenceTransformer("BAAI/bge-small-en-v1.5")' in usage(text)


def test_a_card_named_without_organisation_loads_the_hub_id_its_links_give(tmp_path: Path):
    card = tmp_path / "README.md"
    done = run_cli("build", CARDS / "gte-large-en-v1.5.README.md", "-o", card, "--no-config")
    assert done.returncode == 0, done.stderr
    assert 'SentenceTransformer("Alibaba-NLP/gte-large-en-v1.5")' in usage(card.read_text())
    assert "has no organisation" not in done.stderr


def test_a_name_nothing_completes_is_said_in_one_line(tmp_path: Path):
    source = tmp_path / "source.md"
    source.write_text(
        "---\nmodel-index:\n- name: lonely-model\n  results:\n  - task:\n      type: STS\n"
        "    dataset:\n      type: C-MTEB/AFQMC\n      name: MTEB AFQMC\n      config: default\n"
        "      split: validation\n      revision: None\n    metrics:\n"
        "    - type: cos_sim_spearman\n      value: 65.6\n---\n# lonely-model\n",
        encoding="utf-8",
    )
    card = tmp_path / "README.md"
    done = run_cli("build", source, "-o", card, "--no-config")
    assert done.returncode == 0, done.stderr
    [line] = [line for line in done.stderr.splitlines() if "no organisation" in line]
    assert line == (
        "warning: the model name 'lonely-model' has no organisation and neither model_meta.json "
        "nor the card's links give its Hub id: the Usage section loads 'lonely-model'; give "
        "model_id: ORG/NAME in cardkit.yaml (or --model-name ORG/NAME)"
    )


@pytest.mark.parametrize("way", ["config", "model_meta"])
def test_a_chinese_model_gets_chinese_example_sentences(tmp_path: Path, way: str):
    if way == "config":
        folder = RESULTS / "BAAI__bge-base-zh"
        (tmp_path / "cardkit.yaml").write_text("language: zh\n", encoding="utf-8")
    else:
        folder = results_with_meta(tmp_path, languages=["zho-Hans"])
    done = run_cli("build", folder, "-o", "README.md", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    section = usage((tmp_path / "README.md").read_text(encoding="utf-8"))
    assert 'queries = ["中国的首都是哪里？"]' in section
    assert "France" not in section


def test_an_api_model_merged_from_two_revision_folders_is_still_an_api_model(tmp_path: Path):
    folder = results_with_meta(tmp_path, name="org/api-model", open_weights=False)
    second = folder / "2"
    second.mkdir()
    shutil.copy(folder / "1" / "model_meta.json", second / "model_meta.json")
    for name in ("STS16.json", "BIOSSES.json"):  # a later run of two tasks, by a known mteb
        data = json.loads((folder / "1" / name).read_text(encoding="utf-8"))
        (second / name).write_text(json.dumps({**data, "mteb_version": "2.1.0"}), "utf-8")
    card = tmp_path / "README.md"
    done = run_cli("build", folder, "-o", card, "--no-config")
    assert done.returncode == 0, done.stderr
    assert "merged task by task" in done.stderr  # two revision folders, one card
    text = card.read_text(encoding="utf-8")
    assert "The results come from several model revisions" in text  # no one revision's meta
    assert "SentenceTransformer" not in text
    assert "sentence-transformers" not in yaml.safe_load(split_card(text).yaml_text)["tags"]
