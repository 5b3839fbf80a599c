"""A user's template cannot hang cardkit or exhaust its memory: each runaway stops with one
line naming the template and the line, in seconds, within 1 GB of address space."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "results" / "BAAI__bge-base-zh" / "no_revision_available"
MEMORY = 1024 * 1024 * 1024  # address space each build may use

try:
    import resource
except ImportError:  # not on Windows
    resource = None

RUNAWAYS = {
    "constant folding of a huge power": ("{{ 9**(9**10) }}", "an integer of over"),
    "a huge power at run time": ("{% set n = 10 %}{{ 9**(9**n) }}", "an integer of over"),
    "nested range loops": (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "ran more than 10,000,000 steps",
    ),
    "string repetition": ("{{ 'a' * 2000000000 }}", "a repetition of 2,000,000,000"),
    "list repetition": ("{{ ([0] * 100000000)|length }}", "a repetition of 100,000,000"),
    "doubling a string in a namespace": (
        "{% set ns = namespace(x='a') %}{% for i in range(60) %}"
        "{% set ns.x = ns.x ~ ns.x %}{% endfor %}{{ ns.x|length }}",
        "a text of",
    ),
    "padding with a filter": ("{{ 'a'|center(2000000000) }}", "a number above 1,000,000"),
    "padding with str.format": ("{{ '{:>999999999}'.format(1) }}", "a format width"),
    "padding with %": ("{{ '%999999999d' % 1 }}", "a format width"),
    "a list of big strings made text": (
        "{% set big = 'x' * 10000000 %}{{ ([big] * 1000)|string }}",
        "a text of",
    ),
    "a list of big strings joined": (
        "{% set big = 'x' * 10000000 %}{{ ([big] * 1000)|map('upper')|join }}",
        "a text of",
    ),
    "a list of new big strings collected": (
        "{% set big = 'x' * 10000000 %}{{ (([big] * 1000)|map('upper')|list)|length }}",
        "a text of",
    ),
    "a list grown with new big strings": (
        "{% set big = 'x' * 10000000 %}{% set ns = namespace(items=[]) %}"
        "{% for i in range(1000) %}{% set ns.items = ns.items + [big|upper] %}{% endfor %}",
        "a text of",
    ),
    "a list of big strings printed": (
        "{% set big = 'x' * 10000000 %}{{ [big] * 1000 }}",
        "a text of",
    ),
    "replace that multiplies": (
        "{% set big = 'x' * 1000000 %}{{ big|replace('x', big) }}",
        "a text of",
    ),
    "a macro calling itself twice": (
        "{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(1) }}",
        "it calls itself too deeply",
    ),
}


def build(template: Path, output: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """`cardkit build` with the template, its address space limited to MEMORY."""

    def limit() -> None:
        if resource is not None:
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    return subprocess.run(
        [sys.executable, "-m", "cardkit", "build", EXAMPLE, "-o", output, "--template", template],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit if os.name == "posix" else None,
    )


@pytest.mark.parametrize("case", list(RUNAWAYS))
def test_a_runaway_template_stops_with_one_line(tmp_path, case):
    source, expected = RUNAWAYS[case]
    template = tmp_path / "card.md.j2"
    template.write_text("# {{ name }}\n\n" + source + "\n")
    result = build(template, tmp_path / "README.md")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    [line] = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert line.startswith(f"error: {template}: line 3: template stopped: "), line
    assert expected in line, line
    assert not (tmp_path / "README.md").exists()


def test_lipsum_is_not_offered_to_a_sandboxed_template(tmp_path):
    template = tmp_path / "card.md.j2"
    template.write_text("{{ lipsum(1000000) }}\n")
    result = build(template, tmp_path / "README.md")
    assert result.returncode == 1
    assert "undefined variable 'lipsum'" in result.stderr


def test_a_template_within_the_budget_renders_as_before(tmp_path):
    """Loops, filters, format, arithmetic and includes of cardkit's parts all still work."""
    template = tmp_path / "card.md.j2"
    template.write_text(
        "# {{ name }}\n"
        "{% for r in results %}{% for m in r.metrics %}"
        "{{ '%s|%.1f' % (m.type, m.value) }}{{ '\\n' if loop.last else ',' }}"
        "{% endfor %}{% endfor %}"
        "{{ (results|length) * 2 }} {{ 2 ** 10 }} {{ '{:>6}'.format('x') }}"
        " {{ ['a', 'b']|join('-') }} {{ 'ab'|center(6) }} {{ 'x' ~ 'y' }}\n"
        '{% include "parts/usage.md.j2" %}\n'
    )
    result = build(template, tmp_path / "README.md")
    assert result.returncode == 0, result.stderr
    body = (tmp_path / "README.md").read_text()
    assert "cos_sim_pearson|41.0," in body
    assert "76 1024      x a-b   ab   xy" in body
    assert "SentenceTransformer(" in body
