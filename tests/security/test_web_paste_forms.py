"""A card pasted from a web page in every form a copy of table cells takes (lines holding only
'|' between the lines, a '|' before and/or after each line, spaces around it, CRLF): `validate`
refuses it with the recovery hint, and `export` and `build` recover its model-index."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from cardkit.cardtext.frontmatter import load_front_matter, split_card
from tests.browser import chromium, dump_dom
from tests.conftest import DMETA_CARD, run_cli

pytestmark = pytest.mark.shared


def _front_matter_lines(text: str) -> tuple[list[str], str]:
    card = split_card(text)
    return (card.head + card.yaml_text + card.tail_fence).splitlines(), card.body


def pasted(text: str, form: str) -> str:
    """The card as a copy of its rendered front-matter lines gives it back."""
    lines, body = _front_matter_lines(text)
    out: list[str] = []
    for line in lines:
        if form == "lone pipes, pipe after":  # as a browser copies it: |, --- |, |, tags: |
            out += ["|", f"{line} |"]
        elif form == "lone pipes, pipes around":
            out += ["|", f"| {line} |"]
        elif form == "pipe before":
            out.append(f"| {line}")
        elif form == "pipe after, spaces":
            out.append(f"{line}   |  ")
        elif form == "pipes around, no spaces":
            out.append(f"|{line}|")
    if form.startswith("lone pipes"):
        out.append("|")
    return "\n".join(out) + "\n" + body


FORMS = [
    "lone pipes, pipe after",
    "lone pipes, pipes around",
    "pipe before",
    "pipe after, spaces",
    "pipes around, no spaces",
]


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
@pytest.mark.parametrize("form", FORMS)
def test_every_form_of_a_web_paste_is_refused_and_recovered(tmp_path: Path, form: str, crlf: bool):
    original = DMETA_CARD.read_text(encoding="utf-8")
    text = pasted(original, form)
    if crlf:
        text = text.replace("\n", "\r\n")
    paste = tmp_path / "pasted.md"
    paste.write_bytes(text.encode("utf-8"))

    checked = run_cli("validate", paste)
    assert checked.returncode == 1, checked.stdout
    first = 2 if form.startswith("lone pipes") else 1  # the line of the opening fence
    assert f"{paste}:{first}:1: this card was copied from a rendered web page" in checked.stdout
    assert "`cardkit build THIS_CARD -o README.md` recovers its model-index" in checked.stdout

    built = run_cli("build", paste, "-o", tmp_path / "README.md", "--no-config")
    assert built.returncode == 0, built.stderr
    assert "copied from a rendered web page" in built.stderr
    rebuilt = load_front_matter(split_card((tmp_path / "README.md").read_text(encoding="utf-8")))
    reference = run_cli("build", DMETA_CARD, "-o", tmp_path / "ref.md", "--no-config")
    assert reference.returncode == 0, reference.stderr
    expected = load_front_matter(split_card((tmp_path / "ref.md").read_text(encoding="utf-8")))
    assert rebuilt["model-index"] == expected["model-index"]

    exported = run_cli("export", paste, "-o", tmp_path / "exported")
    assert exported.returncode == 0, exported.stderr
    assert len(list((tmp_path / "exported").glob("*.json"))) == 36  # 35 tasks + model_meta


# A page showing the card's lines as a code view shows them: one table row per line, a
# line-number cell and the line itself (spaces kept); a script selects the table as a reader
# would and writes what the selection copies into the page.
_CODE_VIEW = """<!doctype html><html><body><table id="card">{rows}</table><pre id="copied"></pre>
<script>
const range = document.createRange();
range.selectNodeContents(document.getElementById("card"));
const selection = getSelection();
selection.removeAllRanges();
selection.addRange(range);
document.getElementById("copied").textContent = JSON.stringify(selection.toString());
</script></body></html>"""


def test_a_copy_of_a_code_view_table_made_by_chromium_is_the_card_itself(tmp_path: Path):
    """What headless Chromium copies from the rendered table is the card, line for line: no
    '|' and nothing to recover, so it validates and exports as the raw card does."""
    if chromium() is None:
        pytest.fail("Chromium is not installed: apt-get install chromium (.ci/run installs it)")
    original = DMETA_CARD.read_text(encoding="utf-8")
    lines, body = _front_matter_lines(original)
    rows = "".join(
        f'<tr><td data-line-number="{n}"></td><td style="white-space: pre">{html.escape(line)}'
        "</td></tr>"
        for n, line in enumerate(lines, 1)
    )
    page = tmp_path / "card.html"
    page.write_text(_CODE_VIEW.format(rows=rows), encoding="utf-8")
    done = dump_dom(page, tmp_path)
    match = re.search(r'<pre id="copied">(.*?)</pre>', done.stdout, flags=re.S)
    assert match, done.stderr[-2000:]
    copied = json.loads(html.unescape(match.group(1)))
    paste = tmp_path / "pasted.md"
    paste.write_text(copied + body, encoding="utf-8")
    assert load_front_matter(split_card(paste.read_text(encoding="utf-8"))) == load_front_matter(
        split_card(original)
    )
    exported = run_cli("export", paste, "-o", tmp_path / "exported")
    assert exported.returncode == 0, exported.stderr
    assert "copied from a rendered web page" not in exported.stderr
    assert len(list((tmp_path / "exported").glob("*.json"))) == 36
