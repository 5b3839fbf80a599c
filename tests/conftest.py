"""Shared fixtures: where the real data lives, and a way to run the CLI as a user would."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CARDKIT_SHARED", REPO.parent / "shared"))
RESULTS = SHARED / "data" / "mteb-results" / "results"
CARDS = SHARED / "data" / "cards"
DMETA_CARD = SHARED / "seeds" / "Dmeta-embedding.README.md"
TESTS = Path(__file__).resolve().parent
TEST_DATA = TESTS / "data"


def revision_folders() -> list[Path]:
    """Every ``results/<model>/<revision>/`` folder of the real data."""
    return sorted(p for p in RESULTS.glob("*/*") if p.is_dir())


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(
    *args: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> CliResult:
    """Run `python -m cardkit` in a subprocess, exactly as a user's shell would."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "cardkit", *map(str, args)],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session", autouse=True)
def _template_cache_of_the_session(tmp_path_factory: pytest.TempPathFactory):
    """Compiled templates go to a folder of this test session, not the user's own cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CARDKIT_CACHE_DIR", str(tmp_path_factory.mktemp("cardkit-cache")))
        yield


def pytest_collection_modifyitems(config, items):
    if not SHARED.is_dir():
        skip = pytest.mark.skip(reason=f"shared data not found at {SHARED}")
        for item in items:
            if "shared" in item.keywords:
                item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Run each test with the cycle collector paused, as the short commands run: tests build
    and parse cards of a million objects, and the collector walking them again and again
    costs more than the work. What a test leaves is collected after it."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
