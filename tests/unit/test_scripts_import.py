"""Every script and benchmark still imports. The tests do not run them, so a module they use
renamed or removed (``benchmarks/template_budget.py`` once imported a function the build no
longer had) would show only when someone next ran them; importing one runs nothing, as each
starts its work under ``if __name__ == "__main__"``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

MODULES = sorted((REPO / "scripts").glob("*.py")) + sorted((REPO / "benchmarks").glob("*.py"))


def test_every_script_and_benchmark_is_found():
    assert {f"{p.parent.name}/{p.name}" for p in MODULES} >= {
        "scripts/build_catalog.py",
        "scripts/check_store.py",
        "scripts/leaderboard_parity.py",
        "scripts/mine_task_history.py",
        "benchmarks/_timing.py",
        "benchmarks/diff_speed.py",
        "benchmarks/run_overhead.py",
        "benchmarks/speed.py",
        "benchmarks/template_budget.py",
        "benchmarks/validate_scaling.py",
        "benchmarks/validate_speed.py",
    }


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_script_and_benchmark_imports(path: Path, monkeypatch: pytest.MonkeyPatch):
    # As `python benchmarks/speed.py` does: the script's folder first on the path (the
    # benchmarks import _timing from there).
    monkeypatch.syspath_prepend(str(path.parent))
    name = f"{path.parent.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)  # dataclasses look their module up by name
    had_timing = "_timing" in sys.modules
    try:
        spec.loader.exec_module(module)
    finally:
        if not had_timing:
            sys.modules.pop("_timing", None)
    if not path.name.startswith("_"):  # a script, not a module the scripts share
        assert callable(module.main)
