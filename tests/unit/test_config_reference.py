"""The docs' configuration reference is the page its script writes from the schema and the CLI."""

from __future__ import annotations

import json

from scripts import config_reference
from tests.conftest import REPO


def test_the_committed_page_is_the_generated_one():
    assert config_reference.main(["--check"]) == 0, "run: python scripts/config_reference.py"


def test_every_key_of_the_schema_has_a_row():
    schema = json.loads((REPO / "schemas" / "cardkit-config.schema.json").read_text())
    page = config_reference.render()
    keys = [k for k in schema["properties"] if k != "run"]
    keys += [f"run.{k}" for k in schema["properties"]["run"]["properties"]]
    assert len(keys) > 40
    missing = [key for key in keys if f"| `{key}` |" not in page]
    assert missing == []


def test_a_key_names_the_option_that_overrides_it():
    page = config_reference.render()
    assert "| `name` | string | from the results | `--model-name` |" in page
    assert "| `revision` | string | `merge` | `--revision` |" in page
    assert "| `run.top_k` | integer >= 1 | 10 | `--top-k` |" in page
    assert "| `model_id` | string | – | – |" in page
