"""Updating real cards in place: every byte outside the generated regions and the managed keys
is kept, a second build changes nothing, --diff writes nothing, a killed write loses nothing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from cardkit.cardtext.frontmatter import split_card
from cardkit.cardtext.regions import APPENDED_HEADING, APPENDED_NOTE
from tests.conftest import CARDS, DMETA_CARD, RESULTS, run_cli

pytestmark = pytest.mark.shared

REAL_CARDS = sorted(p for p in CARDS.glob("*.README.md")) + [DMETA_CARD]
NEW_RESULTS = RESULTS / "BAAI__bge-base-zh"
MANAGED = ("model-index", "tags")
_REGION = re.compile(r"<!-- cardkit:begin (\S+) -->\r?\n.*?<!-- cardkit:end \1 -->\r?\n?", re.S)


def without_managed_keys(yaml_text: str) -> str:
    """The front matter's lines minus those of the managed keys."""
    root = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
    lines = yaml_text.splitlines(keepends=True)
    drop: set[int] = set()
    for key, value in root.value if root is not None else []:
        if key.value in MANAGED:
            end = value.end_mark.line + (0 if value.end_mark.column == 0 else 1)
            drop.update(range(key.start_mark.line, max(end, key.start_mark.line + 1)))
    return "".join(line for i, line in enumerate(lines) if i not in drop)


def without_generated(body: str) -> str:
    """The body minus generated regions and the heading cardkit puts above appended ones."""
    body = _REGION.sub("", body)
    for text in (APPENDED_HEADING, APPENDED_NOTE):
        body = re.sub(re.escape(text) + r"\r?\n", "", body)
    return body


def copy_card(source: Path, tmp_path: Path) -> Path:
    card = tmp_path / "README.md"
    shutil.copy(source, card)
    return card


@pytest.mark.parametrize("body_option", ["default", "--body"])
@pytest.mark.parametrize("source", REAL_CARDS, ids=lambda p: p.name)
def test_update_keeps_every_byte_outside_regions_and_managed_keys(source, body_option, tmp_path):
    card = copy_card(source, tmp_path)
    args = [] if body_option == "default" else [body_option]
    done = run_cli("build", NEW_RESULTS, "-o", card, *args)
    assert done.returncode == 0, done.stderr
    before = split_card(source.read_bytes().decode("utf-8"))
    first = card.read_bytes()
    after = split_card(first.decode("utf-8"))
    assert without_managed_keys(after.yaml_text) == without_managed_keys(before.yaml_text)
    if body_option == "default":
        assert after.body == before.body  # no markers and no --body: the body is the author's
    else:
        assert after.body.startswith(before.body)  # appended after the author's text
        assert without_generated(after.body).rstrip() == before.body.rstrip()
        assert "cardkit:begin reproduce" in after.body
        for title in ("Usage", "Evaluation"):  # the author's own is never doubled
            assert len(re.findall(rf"(?m)^#+ {title}[ \t]*$", after.body)) == 1
    assert str(tmp_path).encode() not in first  # no absolute path of the test's folder
    # A second identical build leaves the file byte for byte as it is.
    again = run_cli("build", NEW_RESULTS, "-o", card, *args)
    assert again.returncode == 0 and again.stdout.startswith("unchanged")
    assert card.read_bytes() == first


def test_dmeta_evaluation_section_is_replaced_and_then_regions_update(tmp_path: Path):
    card = copy_card(DMETA_CARD, tmp_path)
    original = DMETA_CARD.read_text(encoding="utf-8")
    args = ("build", NEW_RESULTS, "-o", card, "--replace-section", "evaluation=Evaluation")
    refused = run_cli(*args)
    assert refused.returncode == 1 and card.read_text(encoding="utf-8") == original
    assert "'## Evaluation' (lines " in refused.stderr and "--force" in refused.stderr
    done = run_cli(*args, "--force")
    assert done.returncode == 0, done.stderr
    assert "removed the author's '## Evaluation' (lines " in done.stderr
    body = split_card(card.read_text(encoding="utf-8")).body
    old_body = split_card(original).body
    head, _, rest = old_body.partition("## Evaluation\n")
    assert body.startswith(head + "<!-- cardkit:begin evaluation -->\n## Evaluation\n")
    assert "## FAQ" in body and body.index("## FAQ") > body.index("cardkit:end evaluation")
    assert old_body[old_body.index("## FAQ") :] in body  # the sections after it are kept
    # The next release: other results; only the region insides and model-index change.
    first = card.read_text(encoding="utf-8")
    done = run_cli(
        "build", RESULTS / "DMetaSoul__Dmeta-embedding-zh-small" / "external", "-o", card
    )
    assert done.returncode == 0, done.stderr
    second = card.read_text(encoding="utf-8")
    assert second != first
    assert without_generated(split_card(second).body) == without_generated(split_card(first).body)


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path: Path):
    card = copy_card(CARDS / "all-MiniLM-L6-v2.README.md", tmp_path)
    before = card.read_bytes()
    done = run_cli("build", NEW_RESULTS, "-o", card, "--diff", "--body")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"--- a/{card}\n+++ b/{card}\n@@ ")
    assert (
        "+model-index:\n" in done.stdout and "+<!-- cardkit:begin evaluation -->\n" in done.stdout
    )
    assert card.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]
    new = tmp_path / "new" / "README.md"
    done = run_cli("build", NEW_RESULTS, "-o", new, "--diff")
    assert done.stdout.startswith(f"--- /dev/null\n+++ b/{new}\n") and not new.exists()


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    # This child process dies exactly between the temporary write and the rename.
    os.replace = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
    from cardkit.cli.main import main
    sys.exit(main(sys.argv[1:]))
    """
)


def test_killed_between_write_and_rename_leaves_the_old_card_intact(tmp_path: Path):
    card = copy_card(DMETA_CARD, tmp_path)
    card.chmod(0o640)
    before = card.read_bytes()
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, "build", str(NEW_RESULTS), "-o", str(card), "--body"],
        capture_output=True,
        timeout=300,
    )
    assert proc.returncode == -9  # SIGKILL: the process really died mid-write
    assert card.read_bytes() == before
    assert oct(card.stat().st_mode & 0o777) == oct(0o640)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "README.md"]
    assert all(name.startswith(".README.md.") and name.endswith(".tmp") for name in leftovers)
    # The next build succeeds and keeps the file's mode.
    assert run_cli("build", NEW_RESULTS, "-o", card).returncode == 0
    assert card.read_bytes() != before
    assert oct(card.stat().st_mode & 0o777) == oct(0o640)
    assert os.access(card, os.R_OK)
