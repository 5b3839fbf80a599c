"""Generated regions: only their insides change; the author's text around them never does."""

from __future__ import annotations

import pytest

from cardkit.cardtext.regions import APPENDED_HEADING, find_regions, find_section, update_body
from cardkit.io.errors import CardkitError

BODY = """# Title

Intro by the author.

<!-- cardkit:begin evaluation -->
old table
<!-- cardkit:end evaluation -->

## Between

Author text between.

```markdown
<!-- cardkit:begin usage -->
not a region: inside a code block
<!-- cardkit:end usage -->
```

<!-- cardkit:begin usage -->
old usage
<!-- cardkit:end usage -->
Trailing author text without a blank line.
"""


def test_only_region_insides_change():
    new = update_body(BODY, {"evaluation": "NEW TABLE\n", "usage": "NEW USAGE\n"})
    assert new == BODY.replace("old table", "NEW TABLE").replace("old usage", "NEW USAGE")
    assert update_body(new, {"evaluation": "NEW TABLE\n", "usage": "NEW USAGE\n"}) == new


def test_markers_in_code_blocks_are_not_regions():
    assert [r.name for r in find_regions(BODY)] == ["evaluation", "usage"]


@pytest.mark.parametrize(
    ("body", "message", "where"),
    [
        ("a\n<!-- cardkit:begin x -->\nb\n", "region 'x' is never closed", "line 12"),
        ("<!-- cardkit:end x -->\n", "without a matching begin", "line 11"),
        ("<!-- cardkit:begin x -->\n<!-- cardkit:end y -->\n", "closes region 'x'", "line 12"),
        ("<!-- cardkit:begin x -->\n<!-- cardkit:begin y -->\n", "cannot nest", "line 12"),
    ],
)
def test_broken_markers_name_the_card_line(body, message, where):
    with pytest.raises(CardkitError) as caught:
        update_body(body, {"x": "new\n"}, path="README.md", line_offset=10)
    assert message in caught.value.message and caught.value.where == where
    assert caught.value.path == "README.md"


def test_card_without_regions_is_unchanged_unless_asked():
    body = "# Old card\n\nProse.\n"
    assert update_body(body, {"evaluation": "T\n"}) == body
    added = update_body(body, {"evaluation": "T\n", "usage": "U\n"}, add_missing=True)
    assert added.startswith(body)
    tail = added[len(body) :]
    assert tail.startswith(f"\n{APPENDED_HEADING}\n")
    assert "<!-- cardkit:begin evaluation -->\nT\n<!-- cardkit:end evaluation -->\n" in tail
    assert update_body(added, {"evaluation": "T\n", "usage": "U\n"}, add_missing=True) == added


def test_replace_section_swaps_only_that_section():
    body = (
        "# M\n\n## Evaluation Results\n\nOld numbers.\n\n```\n# not a heading\n```\n\n"
        "### Sub of evaluation\n\nMore.\n\n## Training\n\nKept.\n"
    )
    assert find_section(body, "evaluation results") is not None
    new = update_body(
        body,
        {"evaluation": "## Evaluation\nT\n"},
        add_missing=True,
        replace_sections={"evaluation": "Evaluation Results"},
    )
    assert new == (
        "# M\n\n<!-- cardkit:begin evaluation -->\n## Evaluation\nT\n"
        "<!-- cardkit:end evaluation -->\n\n### Sub of evaluation\n\nMore.\n\n"
        "## Training\n\nKept.\n"
    )
    forced = update_body(
        body,
        {"evaluation": "## Evaluation\nT\n"},
        add_missing=True,
        replace_sections={"evaluation": "Evaluation Results"},
        force=True,
    )
    assert forced == (
        "# M\n\n<!-- cardkit:begin evaluation -->\n## Evaluation\nT\n"
        "<!-- cardkit:end evaluation -->\n\n## Training\n\nKept.\n"
    )
    again = update_body(
        new,
        {"evaluation": "## Evaluation\nT2\n"},
        add_missing=True,
        replace_sections={"evaluation": "Evaluation Results"},
    )
    assert again == new.replace("\nT\n", "\nT2\n")


def test_replace_section_errors():
    with pytest.raises(CardkitError, match="no section titled 'Results'"):
        update_body(
            "# M\n",
            {"evaluation": "T\n"},
            add_missing=True,
            replace_sections={"evaluation": "Results"},
        )
    with pytest.raises(CardkitError, match="names no generated section: evalution"):
        update_body(
            "# M\n", {"evaluation": "T\n"}, add_missing=True, replace_sections={"evalution": "M"}
        )


def test_crlf_body_keeps_crlf():
    body = BODY.replace("\n", "\r\n")
    new = update_body(body, {"evaluation": "A\nB\n", "usage": "C\n"}, newline="\r\n")
    assert "\n" not in new.replace("\r\n", "")
    assert new == body.replace("old table", "A\r\nB").replace("old usage", "C")
