"""An author's section cut into its own text and its sub-sections, each named with its lines
and tables: what --replace-section says it removes or keeps. Code blocks hold no headings and
no tables."""

from __future__ import annotations

from cardkit.cardtext.regions import find_section, section_parts

BODY = (
    "# Model\n"  # line 1
    "\n"
    "## Evaluation\n"  # line 3
    "Intro.\n"
    "```\n"
    "### not a heading\n"
    "| a | b |\n"
    "|---|---|\n"
    "```\n"
    "### MTEB\n"  # line 10
    "| Model | Avg |\n"
    "|:----:|:---:|\n"
    "| x | 1 |\n"
    "#### Settings\n"  # deeper: part of ### MTEB
    "\n"
    "### LoCo\n"  # line 16
    "text\n"
    "\n"
    "## Training\n"
)


def test_the_section_is_its_own_text_and_its_sub_sections():
    span = find_section(BODY, "Evaluation")
    assert span is not None
    own, subs = section_parts(BODY, span, line_offset=20)
    assert own.described() == "'## Evaluation' (lines 23-29: 7 lines)"  # the code holds none
    assert [part.described() for part in subs] == [
        "'### MTEB' (lines 30-35: 6 lines, 1 table)",
        "'### LoCo' (lines 36-38: 3 lines)",
    ]
    assert BODY[own.start : own.end].startswith("## Evaluation\n")
    assert BODY[subs[0].start : subs[-1].end] == BODY[BODY.index("### MTEB") : span[1]]
