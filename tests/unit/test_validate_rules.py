"""The validator called as a library: its schemas are valid, it reads the YAML the build cuts,
findings name the line from the top of the file, a repository folder's card and `.eval_results`
are both checked, and files huggingface_hub writes pass. (The command:
tests/cli/test_validate.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cardkit.cardtext.frontmatter import split_card
from cardkit.validate import validate_bytes, validate_paths
from cardkit.validate.parse import parse_document
from cardkit.validate.schema import load_schema
from tests.conftest import CARDS, DMETA_CARD

REAL_CARDS = sorted(CARDS.glob("*.README.md")) + [DMETA_CARD]


def test_schemas_are_valid_draft_2020_12():
    from jsonschema.validators import Draft202012Validator

    for kind in ("card", "eval-results"):
        Draft202012Validator.check_schema(load_schema(kind))


@pytest.mark.shared
@pytest.mark.parametrize("card", REAL_CARDS, ids=lambda p: p.name)
def test_front_matter_is_cut_where_the_build_cuts_it(card):
    """On a well-formed card the validator reads exactly the YAML that `split_card` returns."""
    raw = card.read_bytes()
    doc = parse_document(raw, str(card), "card")
    expected = yaml.safe_load(split_card(raw.decode("utf-8")).yaml_text)
    assert doc.data == expected
    assert doc.line_offset == 1


def test_line_numbers_count_from_the_top_of_the_file_with_crlf():
    text = "---\r\nlicense: mit\r\nmodel-index:\r\n- name: m\r\n  results: 5\r\n---\r\nbody\r\n"
    (finding,) = validate_bytes(text.encode(), "README.md")
    assert (finding.line, finding.col, finding.path) == (5, 12, "model-index[0].results")
    assert "not of type array" in finding.message


def test_repository_folder_checks_card_and_eval_results(tmp_path):
    (tmp_path / "README.md").write_text("---\nlicense: mit\n---\n# m\n", encoding="utf-8")
    results = tmp_path / ".eval_results"
    results.mkdir()
    (results / "AFQMC.yaml").write_text(
        "- dataset:\n    id: C-MTEB/AFQMC\n    task_id: AFQMC\n  value: nope\n", encoding="utf-8"
    )
    report = validate_paths([tmp_path])
    assert report.files == 2
    assert [(Path(f.file).name, f.line, f.path) for f in report.findings] == [
        ("AFQMC.yaml", 4, "[0].value")
    ]
    assert report.exit_code == 1


def test_eval_results_written_by_huggingface_hub_validate(tmp_path):
    from huggingface_hub import EvalResultEntry, eval_result_entries_to_yaml

    entries = [
        EvalResultEntry(
            dataset_id="cais/hle",
            task_id="default",
            value=20.90,
            dataset_revision="5503434ddd753f426f4b38109466949a1217c2bb",
            verify_token="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            date="2025-01-15T10:30:00Z",
            source_url="https://huggingface.co/datasets/cais/hle",
            source_name="CAIS HLE",
            source_user="someone",
            source_org="cais",
            notes="no-tools",
        ),
        EvalResultEntry(dataset_id="Idavidrein/gpqa", task_id="gpqa_diamond", value=0.412),
    ]
    text = yaml.dump(eval_result_entries_to_yaml(entries))
    assert validate_bytes(text.encode(), "hle.yaml", "eval-results") == []
    # and an unquoted YAML date, which pyyaml reads as a date object
    dated = "- dataset: {id: a/b, task_id: t}\n  value: 1\n  date: 2025-01-15\n"
    assert validate_bytes(dated.encode(), "d.yaml", "eval-results") == []


def test_eval_results_without_task_id_is_a_warning():
    (finding,) = validate_bytes(b"- dataset: {id: a/b}\n  value: 1\n", "x.yaml", "eval-results")
    assert finding.severity == "warning" and finding.line == 1 and "task_id" in finding.message


def test_negative_correlations_are_valid_but_beyond_100_is_not():
    card = (
        "---\nmodel-index:\n- name: m\n  results:\n  - task: {type: STS}\n"
        "    dataset: {type: mteb/sts17-crosslingual-sts, name: MTEB STS17 (en-ar)}\n"
        "    metrics:\n    - {type: cos_sim_pearson, value: -4.87}\n"
        "    - {type: cos_sim_spearman, value: -100.5}\n---\n"
    )
    (finding,) = validate_bytes(card.encode())
    assert finding.line == 9 and "outside -100 to 100" in finding.message
