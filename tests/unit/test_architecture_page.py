"""The architecture page shows the import graph its script draws, and names every top entry."""

from __future__ import annotations

import importlib.util
import re
import sys

from tests.conftest import REPO

PAGE = REPO / "docs" / "architecture.md"
SCRIPT = REPO / "scripts" / "check_layers.py"
BEGIN = "<!-- begin: python scripts/check_layers.py --mermaid -->"
END = "<!-- end: python scripts/check_layers.py --mermaid -->"


def check_layers():
    spec = importlib.util.spec_from_file_location("check_layers", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_layers"] = module
    spec.loader.exec_module(module)
    return module


def test_the_page_graph_is_the_one_the_script_draws():
    text = PAGE.read_text(encoding="utf-8")
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    shown = text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip()
    script = check_layers()
    drawn = script.mermaid(script.read_modules())
    assert drawn.startswith("flowchart")
    assert shown == f"```mermaid\n{drawn}\n```", (
        "paste the output of `python scripts/check_layers.py --mermaid` between the markers"
    )


def test_the_page_names_every_entry_of_the_package():
    text = PAGE.read_text(encoding="utf-8")
    # The entries each bullet of the layout opens with: - **`readers/`**: ...
    heads = re.findall(r"^- (\*\*`.*?`\*\*(?:, \*\*`.*?`\*\*)*):", text, re.MULTILINE)
    named = {name for head in heads for name in re.findall(r"`([a-z_]+)(?:/|\.py)`", head)}
    entries = {
        path.stem
        for path in (REPO / "cardkit").iterdir()
        if (path.suffix == ".py" or (path / "__init__.py").is_file())
        and not path.name.startswith("__")
    }
    assert len(entries) > 10
    assert entries - named == set()
