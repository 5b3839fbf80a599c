"""A template's time budget holds however costly each of its steps is: the budget is enforced
from outside the render, no single filter or method runs long, and comparisons are steps."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.conftest import REPO, run_cli

EXAMPLE = REPO / "examples" / "results" / "BAAI__bge-base-zh" / "no_revision_available"
BUDGET = 3  # seconds, for the run below instead of the default minute

# `cardkit build` with the sandbox's time budget set to BUDGET seconds.
BUILD_WITH_BUDGET = f"""
import sys
from cardkit.render import sandbox
sandbox.MAX_SECONDS = {BUDGET}
from cardkit.cli.main import run
sys.argv = ["cardkit", "build", *sys.argv[1:]]
run()
"""


def error_line(stderr: str) -> str:
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    [line] = [x for x in stderr.splitlines() if x.startswith("error:")]
    return line


def test_a_template_of_steps_costing_a_second_each_stops_at_the_budget(tmp_path):
    """Each `wordwrap` below takes about a second and the loop has 200 of them: the render
    stops once the budget is spent, not 200 seconds later."""
    template = tmp_path / "card.md.j2"
    template.write_text(
        "{% set s = 'a ' * 450000 %}"
        "{% for i in range(200) %}{{ (s|wordwrap(10))|length }}{% endfor %}\n"
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", BUILD_WITH_BUDGET, EXAMPLE, "-o", tmp_path / "README.md"]
        + ["--template", template],
        capture_output=True,
        text=True,
        timeout=20 * BUDGET,
    )
    took = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert f"template stopped: the template ran longer than {BUDGET} s" in error_line(result.stderr)
    assert took < 10 * BUDGET, took
    assert not (tmp_path / "README.md").exists()


SLOW_OPERATIONS = {
    # 40 million characters: 157 s for eight of these before the bound.
    "wordwrap of a long text": (
        "{% set s = 'a ' * 20000000 %}{% for i in range(8) %}{{ (s|wordwrap(10))|length }}"
        "{% endfor %}",
        "wordwrap of a text of 40,000,000 characters, over the limit of 1,000,000 for one call",
    ),
    # Quadratic in markupsafe: minutes for a few million characters of tags.
    "striptags of a text full of tags": (
        "{{ ('a <b>x</b> y ' * 400000)|striptags|length }}",
        "striptags of a text of 5,200,000 characters",
    ),
    "striptags as a method": (
        "{{ (('a <b>x</b> y ' * 400000)|e).striptags()|length }}",
        "striptags of a text of",
    ),
    "urlize of a long text": (
        "{{ ('see http://x.org ' * 1000000)|urlize|length }}",
        "urlize of a text of 17,000,000 characters",
    ),
    # 20,000 items searched 20,000 times: 20 s before comparisons were steps.
    "a search through a list in a loop": (
        "{% set items = range(20000)|list %}"
        "{% for i in items %}{% if i in items %}{% endif %}{% endfor %}",
        "ran more than 10,000,000 steps",
    ),
    "a search with the `in` test in a loop": (
        "{% set items = range(20000)|list %}"
        "{% for i in items %}{% if i is in items %}{% endif %}{% endfor %}",
        "ran more than 10,000,000 steps",
    ),
    "comparing long lists in a loop": (
        "{% set a = range(100000)|list %}{% set b = range(100000)|list %}"
        "{% for i in range(1000) %}{% if a == b %}{% endif %}{% endfor %}",
        "ran more than 10,000,000 steps",
    ),
}


@pytest.mark.parametrize("case", list(SLOW_OPERATIONS))
def test_a_slow_operation_is_refused_before_it_runs(tmp_path, case):
    source, expected = SLOW_OPERATIONS[case]
    template = tmp_path / "card.md.j2"
    template.write_text("# {{ name }}\n\n" + source + "\n")
    result = run_cli(
        "build", EXAMPLE, "-o", tmp_path / "README.md", "--template", template, timeout=120
    )
    assert result.returncode == 1, result.stderr
    line = error_line(result.stderr)
    assert line.startswith(f"error: {template}: line 3: template stopped: "), line
    assert expected in line, line
    assert not (tmp_path / "README.md").exists()


def test_comparisons_still_compare_as_python_does(tmp_path):
    template = tmp_path / "card.md.j2"
    template.write_text(
        "{{ 1 < 2 < 3 }} {{ 3 < 2 < 5 }} {{ 'a' in ['a'] }} {{ 'b' not in 'abc' }}"
        " {{ 1 == 1.0 }} {{ [1, 2]|select('in', [1])|list }} {{ 2 is in [2] }}"
        " {{ 'x' is string }} {{ 'a b'|title }} {{ [3, 1, 2]|sort }}\n"
    )
    result = run_cli("build", EXAMPLE, "-o", tmp_path / "README.md", "--template", template)
    assert result.returncode == 0, result.stderr
    assert (
        "True False True False True [1] True True A B [1, 2, 3]"
        in (tmp_path / "README.md").read_text()
    )


def test_a_format_with_a_missing_index_is_one_line(tmp_path):
    template = tmp_path / "card.md.j2"
    template.write_text("{{ '{0.__class__}'.format_map({'0': ''}) }}\n")
    result = run_cli("build", EXAMPLE, "-o", tmp_path / "README.md", "--template", template)
    assert result.returncode == 1, result.stderr
    line = error_line(result.stderr)
    assert line.startswith(f"error: {template}: line 1: template error: IndexError"), line
