"""A user's template, rendered by the library: it receives the card's values (and may include
cardkit's own sections), and an undefined variable is an error naming the file and line. (The
same errors through the command: tests/cli/test_render.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from cardkit.build.card import BuildRequest, build
from cardkit.cardtext.frontmatter import split_card
from cardkit.catalog import load_catalog
from cardkit.io.errors import CardkitError
from cardkit.readers import read_results
from cardkit.scores.summary import summarize
from tests.conftest import RESULTS, TEST_DATA

pytestmark = pytest.mark.shared


TEMPLATES = TEST_DATA / "templates"


BGE_ZH = RESULTS / "BAAI__bge-base-zh"


def test_custom_template_renders(tmp_path: Path):
    card = tmp_path / "README.md"
    [built] = build(
        BuildRequest(results=[BGE_ZH], output=card, template=TEMPLATES / "custom.md.j2")
    )
    body = split_card(card.read_text(encoding="utf-8")).body
    assert body.startswith("# BAAI/bge-base-zh results\n")
    summary = summarize(read_results([BGE_ZH], load_catalog(), None)[0], load_catalog(), "C-MTEB")
    assert f"over {summary.present}/{summary.expected} tasks" in body
    assert "<!-- cardkit:begin usage -->\n## Usage" in body  # the user's template includes ours
    assert "Model id: BAAI/bge-base-zh; tasks: 35;" in body


def test_undefined_variable_error_from_the_library(tmp_path: Path):
    with pytest.raises(CardkitError) as caught:
        build(
            BuildRequest(
                results=[BGE_ZH],
                output=tmp_path / "README.md",
                template=TEMPLATES / "undefined.md.j2",
            )
        )
    assert caught.value.where == "line 4"
    assert caught.value.path.endswith("undefined.md.j2")


def test_the_bundled_templates_never_read_results():
    """The bundled templates get an empty ``results`` (the dicts of a 6,000-entry model-index
    cost more than a small card): none of them may read it, whereas a user's template gets
    every entry (tests/security/test_security_template.py)."""
    import jinja2
    from jinja2 import meta

    from cardkit.render.body import templates_dir

    paths = sorted(templates_dir().rglob("*.j2"))
    assert len(paths) >= 7
    env = jinja2.Environment()
    env.filters.update(dict.fromkeys(["md", "code", "fence", "score", "type_label", "pystr"], str))
    read = set()
    for path in paths:
        variables = meta.find_undeclared_variables(env.parse(path.read_text(encoding="utf-8")))
        assert "results" not in variables, path
        read |= variables
    assert {"name", "model_id", "reproduce"} <= read  # the check sees the variables they read


def test_the_bundled_templates_read_only_the_benchmark_keys_they_are_given():
    """The bundled templates get only ``BUNDLED_BENCHMARK_KEYS`` of each benchmark section:
    each section they loop over is read by those attributes alone, never passed on whole."""
    import jinja2
    from jinja2 import nodes

    from cardkit.render.body import BUNDLED_BENCHMARK_KEYS, templates_dir

    env = jinja2.Environment()
    read: set[str] = set()
    loops = 0
    for path in sorted(templates_dir().rglob("*.j2")):
        tree = env.parse(path.read_text(encoding="utf-8"))
        for loop in tree.find_all(nodes.For):
            if not (isinstance(loop.iter, nodes.Name) and loop.iter.name == "benchmarks"):
                continue
            loops += 1
            assert isinstance(loop.target, nodes.Name), path
            name = loop.target.name
            uses = [n for n in loop.find_all(nodes.Name) if n.name == name and n.ctx == "load"]
            by_attribute = [
                n.attr
                for n in loop.find_all(nodes.Getattr)
                if isinstance(n.node, nodes.Name) and n.node.name == name
            ]
            assert len(by_attribute) == len(uses), f"{path}: '{name}' used other than by .key"
            read |= set(by_attribute)
        for getitem in tree.find_all(nodes.Getitem):
            assert not (isinstance(getitem.node, nodes.Name) and getitem.node.name == "benchmarks")
    assert loops >= 1  # the check sees the loop over the sections
    assert read and read <= BUNDLED_BENCHMARK_KEYS
