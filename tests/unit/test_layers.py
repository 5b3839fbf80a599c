"""The package's imports follow the pipeline (scripts/check_layers.py), and the check itself
catches each kind of break on a small package written for it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_layers.py"


def checker():
    spec = importlib.util.spec_from_file_location("check_layers", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_layers"] = module
    spec.loader.exec_module(module)
    return module


def write(root: Path, files: dict[str, str]) -> Path:
    package = root / "cardkit"
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return package


def test_cardkit_follows_its_layout():
    check = checker()
    modules = check.read_modules()
    assert "cardkit.modelindex" in modules and "cardkit.cli.main" in modules
    assert check.violations(modules) == []
    assert check.main([]) == 0


def test_a_clean_package_passes(tmp_path):
    check = checker()
    package = write(
        tmp_path,
        {
            "__init__.py": "",
            "io/__init__.py": "",
            "io/atomic.py": "def write(): pass\n",
            "readers/__init__.py": "",
            "readers/discover.py": "from cardkit.io.atomic import write\n",
            "cli/main.py": "from cardkit.readers import discover\n",
        },
    )
    assert check.violations(check.read_modules(package), package) == []


def test_an_import_to_the_right_is_named_with_its_line(tmp_path):
    check = checker()
    package = write(
        tmp_path,
        {
            "__init__.py": "",
            "io/__init__.py": "",
            "io/atomic.py": "\n\ndef f():\n    from cardkit.render.body import g\n",
            "render/__init__.py": "",
            "render/body.py": "def g(): pass\n",
        },
    )
    found = check.violations(check.read_modules(package), package)
    assert found == [
        "cardkit/io/atomic.py:4: cardkit.io.atomic imports cardkit.render.body, "
        "a stage to its right ('render')"
    ]


def test_siblings_of_one_rank_may_not_import_each_other(tmp_path):
    check = checker()
    package = write(
        tmp_path,
        {
            "__init__.py": "",
            "build/__init__.py": "",
            "build/card.py": "from cardkit.publish import gate\n",
            "publish/__init__.py": "",
            "publish/gate.py": "",
        },
    )
    found = check.violations(check.read_modules(package), package)
    assert len(found) == 1 and "imports cardkit.publish.gate" in found[0]


def test_a_circle_is_found_even_through_a_lazy_relative_import(tmp_path):
    check = checker()
    package = write(
        tmp_path,
        {
            "__init__.py": "",
            "run/__init__.py": "",
            "run/a.py": "from cardkit.run.b import y\n",
            "run/b.py": "def y():\n    from .c import z\n",
            "run/c.py": "from . import a\n",
        },
    )
    found = check.violations(check.read_modules(package), package)
    assert found == ["import circle between cardkit.run.a, cardkit.run.b, cardkit.run.c"]


def test_a_private_name_from_another_module_is_refused(tmp_path):
    check = checker()
    package = write(
        tmp_path,
        {
            "__init__.py": "__version__ = '1'\n",
            "io/__init__.py": "",
            "io/a.py": "_x = 1\n",
            "io/b.py": "from cardkit.io.a import _x\nfrom cardkit import __version__\n",
            "io/c.py": "from cardkit.io import a as m\n\nprint(m._x)\n",
        },
    )
    found = check.violations(check.read_modules(package), package)
    assert found == [
        "cardkit/io/b.py:1: cardkit.io.b imports the private name cardkit.io.a._x",
        "cardkit/io/c.py:3: cardkit.io.c imports the private name cardkit.io.a._x",
    ]


def test_too_many_entries_at_the_top(tmp_path):
    check = checker()
    files = {"__init__.py": "", "__main__.py": "", "data/x.json": "{}"}
    files.update({f"io/m{i}.py": "" for i in range(3)})
    files.update({f"catalog{i}.py": "" for i in range(check.MAX_TOP_ENTRIES)})
    package = write(tmp_path, files)
    found = [
        line
        for line in check.violations(check.read_modules(package), package)
        if "packages and modules" in line
    ]
    assert len(found) == 1
    assert f"holds {check.MAX_TOP_ENTRIES + 1} packages and modules" in found[0]


def test_mermaid_draws_the_stage_graph():
    check = checker()
    text = check.mermaid(check.read_modules())
    assert text.startswith("flowchart BT\n")
    assert '    modelindex["modelindex.py"]' in text
    assert "    readers --> io" in text
    assert "io -->" not in text


def test_an_import_only_for_type_checkers_closes_no_circle_but_keeps_the_flow(tmp_path):
    check = checker()
    package = write(
        tmp_path,
        {
            "__init__.py": "",
            "io/__init__.py": "",
            "io/a.py": "from cardkit.io.b import x\n",
            "io/b.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
            "    from cardkit.io.a import y\n    from cardkit.render.body import z\n",
            "render/__init__.py": "",
            "render/body.py": "",
        },
    )
    found = check.violations(check.read_modules(package), package)
    assert found == [
        "cardkit/io/b.py:5: cardkit.io.b imports cardkit.render.body, "
        "a stage to its right ('render')"
    ]
