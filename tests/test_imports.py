"""The conversion path stays light: no torch, mteb, transformers or Hub client is imported."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import RESULTS

HEAVY = ("torch", "mteb", "sentence_transformers", "transformers", "huggingface_hub")


@pytest.mark.shared
def test_build_imports_no_heavy_package(tmp_path):
    folder, card = str(RESULTS / "BAAI__bge-base-zh"), str(tmp_path / "R.md")
    script = (
        "import sys\n"
        "from cardkit.cli import main\n"
        f"rc = main(['build', {folder!r}, '-o', {card!r}])\n"
        f"print(rc, sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "0 []", out.stdout + out.stderr


@pytest.mark.shared
@pytest.mark.parametrize(
    "args",
    [
        [
            "diff",
            str(RESULTS / "DMetaSoul__Dmeta-embedding-zh-small"),
            "--old-revision",
            "external",
            "--new-revision",
            "latest",
        ],
        [
            "compare",
            str(RESULTS / "BAAI__bge-base-zh"),
            str(RESULTS / "sensenova__piccolo-base-zh"),
            "--format",
            "csv",
        ],
    ],
    ids=["diff", "compare"],
)
def test_diff_and_compare_of_local_results_import_no_heavy_package(args):
    script = (
        "import sys\n"
        "from cardkit.cli import main\n"
        f"rc = main({['-q', *args]!r})\n"
        f"print(rc, sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "0 []", out.stdout + out.stderr
