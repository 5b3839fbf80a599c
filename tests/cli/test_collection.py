"""Collecting the test suite imports no heavy library: mteb (4-7 s), torch, Ray and
sentence-transformers are imported by the tests that use them, when they run, so a run of
`pytest tests/unit` or of one file does not pay for them in every process."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import REPO

HEAVY = {"mteb", "torch", "ray", "sentence_transformers"}
# "import time:  self |  cumulative | <indent>name": one line per module Python imported.
_IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$")


def test_collecting_the_suite_imports_no_heavy_library():
    done = subprocess.run(
        [
            *(sys.executable, "-X", "importtime", "-m", "pytest", "--collect-only", "-q"),
            # -s: pytest would otherwise capture the import lines that collection prints
            *("-s", "-p", "no:xdist", "-p", "no:cacheprovider", "-o", "addopts="),
            "tests",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    collected = re.search(r"^(\d+) tests? collected", done.stdout, re.MULTILINE)
    assert collected and int(collected.group(1)) > 1000, done.stdout[-2000:]
    imported = {
        match.group(1) for line in done.stderr.splitlines() if (match := _IMPORT_LINE.match(line))
    }
    assert {"cardkit", "pytest"} <= imported  # the import lines were read
    heavy = sorted({name.split(".")[0] for name in imported} & HEAVY)
    assert heavy == [], f"collecting the tests imported {heavy}"
