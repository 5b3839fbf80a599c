"""`cardkit validate`: real cards pass, every built card passes, findings name the line. (The
validator's rules called as a library: tests/unit/test_validate_rules.py.)"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cardkit.build.card import BuildRequest, plan_build
from cardkit.validate import validate_bytes
from tests.conftest import DMETA_CARD, revision_folders, run_cli
from tests.unit.test_validate_rules import REAL_CARDS


@pytest.mark.shared
@pytest.mark.parametrize("card", REAL_CARDS, ids=lambda p: p.name)
def test_real_cards_validate(card):
    result = run_cli("validate", card)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("1 file checked: 0 errors, 0 warnings")


@pytest.mark.shared
@pytest.mark.parametrize("folder", revision_folders(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_built_card_validates(folder, tmp_path):
    [card] = plan_build(BuildRequest(results=[folder], output=tmp_path / "README.md"))
    findings = validate_bytes(card.text.encode("utf-8"), str(card.path))
    assert findings == [], findings[:5]


def test_text_output_format_and_exit_status(tmp_path):
    card = tmp_path / "README.md"
    card.write_text(
        "---\nlicense: mit\nlicense: apache-2.0\nmodel-index:\n- name: m\n  results:\n"
        "  - task: {type: STS}\n    dataset: {type: d, name: MTEB d}\n"
        "    metrics:\n    - {type: cos_sim_spearman, value: 0.8}\n    metric: []\n---\n",
        encoding="utf-8",
    )
    result = run_cli("validate", card)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"{card}:3:1: duplicate key 'license' (first on line 2): YAML keeps only the last one"
    )
    assert lines[1].startswith(f"{card}:10:39: model-index[0].results[0].metrics[0].value: ")
    assert "multiply every value by 100" in lines[1]
    assert lines[2].startswith(f"{card}:11:5: model-index[0].results[0].metric: unknown key")
    assert lines[-1] == "1 file checked: 3 errors, 0 warnings"


def test_json_output(tmp_path):
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: [mit]\n---\n", encoding="utf-8")
    result = run_cli("validate", "--format", "json", card)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["files"] == 1 and report["errors"] == 1 and report["warnings"] == 0
    finding = report["findings"][0]
    assert finding["file"] == str(card)
    assert (finding["line"], finding["col"], finding["path"]) == (2, 10, "license")
    assert finding["severity"] == "error"


def test_unreadable_path_exits_2(tmp_path):
    result = run_cli("validate", tmp_path / "missing.md")
    assert result.returncode == 2
    assert "cannot read: No such file or directory" in result.stdout
    assert "Traceback" not in result.stderr


def test_validate_imports_no_heavy_package(tmp_path):
    script = (
        "import sys\nfrom cardkit.cli.main import main\n"
        f"rc = main(['validate', {str(DMETA_CARD)!r}])\n"
        "heavy = ('torch', 'mteb', 'sentence_transformers', 'transformers', 'huggingface_hub',"
        " 'jinja2')\n"
        "print(rc, sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.stdout.splitlines()[-1] in ("0 []", "2 []"), out.stdout + out.stderr
