"""What the Reproduce section of a card built from result files says: a pip line and no note
for the author, the mteb benchmark by its name instead of its task list, the model's prompts,
and the dataset revisions in sentences that read once."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

from cardkit import __version__
from cardkit.cardtext.frontmatter import split_card
from tests.conftest import RESULTS, run_cli

pytestmark = pytest.mark.shared

BGE_ZH = RESULTS / "BAAI__bge-base-zh"
BGE_EN = RESULTS / "BAAI__bge-small-en-v1.5" / "external"


def reproduce(card: Path) -> str:
    body = split_card(card.read_text(encoding="utf-8")).body
    return body.split("<!-- cardkit:begin reproduce -->", 1)[1].split("<!-- cardkit:end", 1)[0]


def commands(section: str) -> list[str]:
    [block] = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    return block.splitlines()


def test_the_run_command_names_the_benchmark_and_the_extra_tasks(tmp_path: Path):
    card = tmp_path / "README.md"
    done = run_cli("build", BGE_ZH, "-o", card, "--no-config")
    assert done.returncode == 0, done.stderr
    section = reproduce(card)
    lines = commands(section)
    assert lines[0] == f'pip install "cardkit[run]=={__version__}"'
    assert not any(line.startswith("#") for line in lines)  # nothing written for the author
    [run] = [line for line in lines if line.startswith("cardkit run ")]
    words = shlex.split(run)
    assert words[words.index("--benchmark") + 1] == "MTEB(cmn, v1)"
    # The four tasks of the results that MTEB(cmn, v1) does not hold (C-MTEB's other ones).
    extra = words[words.index("--tasks") + 1].split(",")
    assert extra == [
        "AmazonReviewsClassification",
        "MassiveIntentClassification",
        "MassiveScenarioClassification",
        "STS22",
    ]
    assert len(run) < 250
    assert "installed from a local source folder" not in card.read_text(encoding="utf-8")


def test_the_dataset_revisions_read_in_short_sentences(tmp_path: Path):
    card = tmp_path / "README.md"
    assert run_cli("build", BGE_ZH, "-o", card, "--no-config").returncode == 0
    section = reproduce(card)
    # 35 tasks: 4 files record their dataset revision, each of the 4 another than mteb's now.
    assert (
        "The result files record the dataset revision of 4 of the 35 tasks (`dataset.revision` "
        "in the model-index)."
    ) in section
    assert "evaluates another revision of 4 of them: AmazonReviewsClassification," in section
    assert "For the other 31, the table gives the revision mteb " in section
    assert section.count("Dataset revisions:") == 0


def test_the_query_prompt_and_the_instruction_template_are_kept(tmp_path: Path):
    folder = tmp_path / "results" / "org__model" / "external"
    shutil.copytree(BGE_EN, folder)
    meta = json.loads((folder / "model_meta.json").read_text(encoding="utf-8"))
    meta["loader_kwargs"] = {"instruction_template": "Instruct: {instruction}\nQuery: "}
    meta["use_instructions"] = True
    (folder / "model_meta.json").write_text(json.dumps(meta), encoding="utf-8")
    (tmp_path / "cardkit.yaml").write_text(
        "prompts:\n  query: 'Represent this sentence for searching relevant passages: '\n",
        encoding="utf-8",
    )
    done = run_cli("build", folder.parent, "-o", "README.md", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    section = reproduce(tmp_path / "README.md")
    runs = [shlex.split(line) for line in commands(section) if line.startswith("cardkit run ")]
    assert runs and all(
        run[run.index("--prompt") + 1]
        == "Represent this sentence for searching relevant passages: "
        for run in runs
    )
    assert "these results used mteb's template `Instruct: {instruction}\\nQuery: `" in section


def test_a_model_of_hundreds_of_tasks_gets_benchmarks_and_one_folded_task_list(tmp_path: Path):
    from cardkit.catalog import load_catalog
    from cardkit.readers import read_results

    folder = RESULTS / "Qwen__Qwen3-Embedding-0.6B"
    card = tmp_path / "README.md"
    assert run_cli("build", folder, "-o", card, "--no-config").returncode == 0
    section = reproduce(card)
    main, *folded = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    assert all(len(line) < 200 for line in main.splitlines())
    [other] = folded
    assert (
        "<summary>The other " in section and "to run before <code>cardkit build</code>" in section
    )
    # What the commands evaluate, read as the shell reads them (a backslash-newline joins).
    named: set[str] = set()
    catalog = load_catalog()
    for line in [*main.splitlines(), other.replace("\\\n", "")]:
        words = shlex.split(line)
        if words[:2] != ["cardkit", "run"]:
            continue
        if "--benchmark" in words:
            benchmark = catalog.benchmark(words[words.index("--benchmark") + 1])
            named |= {catalog.canonical_name(t) for t in benchmark.tasks}
        if "--tasks" in words:
            named |= set(words[words.index("--tasks") + 1].split(","))
    [model] = read_results([folder], catalog, None)
    assert named == {catalog.canonical_name(t) for t in model.tasks}
