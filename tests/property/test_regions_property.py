"""Property: whatever an author's card holds (text of every kind around the regions, keys of
their own, CRLF or LF), a build keeps the author's text and key order and changes only what it
manages. (The regions' own rules: tests/unit/test_regions.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardkit.build.card import BuildRequest, build
from cardkit.cardtext.frontmatter import split_card
from cardkit.cardtext.regions import APPENDED_HEADING
from tests.conftest import RESULTS

pytestmark = pytest.mark.shared

_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=40
).map(lambda s: s.replace("<!--", "<!").replace("---", "- -"))


_block = st.one_of(
    _line,
    _line.map(lambda s: "## " + s),
    _line.map(lambda s: "- " + s),
    _line.map(lambda s: "| a | b |\n|---|---|\n| " + s.replace("|", "/") + " | x |"),
    _line.map(lambda s: "```\n" + s + "\n```"),
)


_bodies = st.lists(_block, max_size=8).map(lambda blocks: "\n\n".join(blocks))


_keys = st.dictionaries(
    st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(
        lambda k: k not in ("tags", "model-index")
    ),
    st.one_of(
        st.integers(),
        st.text(max_size=12),
        st.lists(st.text(max_size=8), max_size=3),
        st.booleans(),
    ),
    max_size=5,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=_bodies, extra=_keys, crlf=st.booleans(), with_body=st.booleans())
def test_author_text_and_key_order_survive_a_build(body, extra, crlf, with_body, tmp_path: Path):
    newline = "\r\n" if crlf else "\n"
    front = yaml.safe_dump({"license": "mit", **extra}, sort_keys=False, allow_unicode=True)
    text = ("---\n" + front + "---\n" + body + "\n").replace("\r\n", "\n")
    text = text.replace("\n", newline)
    card = tmp_path / "README.md"
    card.write_bytes(text.encode("utf-8"))
    build(
        BuildRequest(
            results=[RESULTS / "BAAI__bge-base-zh"], output=card, body=True if with_body else None
        )
    )
    after = card.read_bytes().decode("utf-8")
    before_card, after_card = split_card(text), split_card(after)
    if with_body:
        assert after_card.body.startswith(before_card.body)
        assert APPENDED_HEADING in after_card.body
    else:
        assert after_card.body == before_card.body
    assert "\n" not in after.replace("\r\n", "") if crlf else "\r\n" not in after
    old_keys = list(yaml.safe_load(before_card.yaml_text))
    new_data = yaml.safe_load(after_card.yaml_text)
    assert [k for k in new_data if k in old_keys] == old_keys
    for key, value in yaml.safe_load(before_card.yaml_text).items():
        assert new_data[key] == value
    for line in before_card.yaml_text.splitlines(keepends=True):
        assert line in after_card.yaml_text
    card.unlink()
