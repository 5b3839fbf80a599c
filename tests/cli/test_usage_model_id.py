"""The Usage section loads the model by its Hub id: a --model-name that gives its organisation
is that id, and no warning says the name has none."""

from __future__ import annotations

import shutil

from tests.conftest import REPO, run_cli

AFQMC = REPO / "examples" / "results" / "BAAI__bge-base-zh" / "no_revision_available" / "AFQMC.json"


def test_a_model_name_with_its_organisation_is_the_usage_id(tmp_path):
    folder = tmp_path / "outputs" / "results" / "eval__m3e-base" / "master"
    folder.mkdir(parents=True)
    shutil.copy(AFQMC, folder)
    done = run_cli(
        "build", "outputs", "-o", "README.md", "--model-name", "moka-ai/m3e-base", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "has no organisation" not in done.stderr
    card = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert 'SentenceTransformer("moka-ai/m3e-base")' in card
    assert 'SentenceTransformer("m3e-base")' not in card
