"""Copy the legacy exception lists of the results repository's tests into cardkit's data.

Run against a checkout of ``embeddings-benchmark/results`` (its tests are the source of
truth; `cardkit audit --against CHECKOUT` reads them there directly):

    python scripts/build_results_rules.py /path/to/results
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

from cardkit.audit.repo import RULES_DATA, exceptions_as_data, exceptions_from_tests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path, help="a checkout of embeddings-benchmark/results")
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "-C", str(args.repo), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    data = {
        "repository": "embeddings-benchmark/results",
        "commit": commit,
        **exceptions_as_data(exceptions_from_tests(args.repo)),
    }
    RULES_DATA.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {RULES_DATA}")


if __name__ == "__main__":
    main()
