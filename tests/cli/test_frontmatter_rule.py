"""The front matter the Hub reads: cardkit cuts a card where huggingface_hub (and the Hub
server, whose regular expression it keeps) cuts it, on every edge case; where the Hub sees no
metadata although the author clearly wrote some, validate and build say so instead."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from huggingface_hub import repocard

from cardkit.cardtext import frontmatter
from cardkit.cardtext.frontmatter import cut_card, load_front_matter, split_card
from cardkit.io.errors import CardkitError
from cardkit.io.userfile import read_text
from cardkit.validate import validate_bytes
from tests.conftest import TESTS, run_cli

DMETA = (TESTS / "hostile" / "crlf-valid.md").read_bytes().decode("utf-8").replace("\r\n", "\n")

NONE, ERROR = "no metadata", "metadata that is not valid YAML"

# name -> (card text, whether its author clearly meant metadata)
CASES: dict[str, tuple[str, bool]] = {
    "plain": ("---\nlicense: mit\n---\n# Card\n", True),
    "real card": (DMETA, True),
    "opening fence with a trailing space": ("--- \nlicense: mit\n---\n# Card\n", True),
    "real card, opening fence with a trailing tab": ("---\t" + DMETA[3:], True),
    "closing fence with trailing spaces": ("---\nlicense: mit\n---   \n# Card\n", True),
    "blank lines before": ("\n\n---\nlicense: mit\n---\n# Card\n", True),
    "real card after a blank line": ("\n" + DMETA, True),
    "spaces before the fence": ("   ---\nlicense: mit\n---\n# Card\n", True),
    "byte order mark": ("\ufeff---\nlicense: mit\n---\n# Card\n", True),
    "CRLF": ("---\r\nlicense: mit\r\n---\r\n# Card\r\n", True),
    "CR only": ("---\rlicense: mit\r---\r# Card\r", True),
    "CR only, fence at the end": ("---\rlicense: mit\r---", True),
    "--- inside a block scalar": (
        "---\ndescription: |\n  a\n  ---\n  b\nlicense: mit\n---\n# Card\n",
        True,
    ),
    "block scalar at the end (clip)": ("---\ndescription: |\n  a\n---\n", True),
    "block scalar at the end (keep)": ("---\ndescription: |+\n  a\n\n---\n", True),
    "--- at column 0 inside a quoted string": (
        '---\ndescription: "a\n---\nb"\nlicense: mit\n---\n',
        True,
    ),
    "no closing fence": ("---\nlicense: mit\n# Card\n", True),
    "closing fence pasted": ("---\nlicense: mit\n--- |\n# Card\n", True),
    "closing fence at the end without a line break": ("---\nlicense: mit\n---", True),
    "empty block": ("---\n\n---\n# Card\n", True),
    "fences touching": ("---\n---\n# Card\n", True),
    "heading before": ("# Card\n\n---\nlicense: mit\n---\n", True),
    "web paste": ("--- |\nlicense: mit |\ntags: |\n- mteb |\n--- |\n# Card\n", True),
    "no front matter": ("# Card\n\nSome text.\n", False),
    "horizontal rule at the top": ("----\n# Card\n", False),
}


def hub_view(text: str) -> object:
    """What the Hub server sees: its regular expression (kept by huggingface_hub) on the raw
    text, then YAML, as `RepoCard` does on a card it loads with ``newline=''``."""
    match = repocard.REGEX_YAML_BLOCK.search(text)
    if match is None:
        return NONE
    try:
        return yaml.safe_load(match.group(2)) or {}
    except yaml.YAMLError:
        return ERROR


def cardkit_view(text: str) -> object:
    card = cut_card(text)
    if not card.has_front_matter:
        return NONE
    try:
        return load_front_matter(card)
    except CardkitError:
        return ERROR


def test_the_rule_is_huggingface_hubs_character_for_character():
    assert frontmatter.REGEX_YAML_BLOCK.pattern == repocard.REGEX_YAML_BLOCK.pattern
    assert frontmatter.REGEX_YAML_BLOCK.flags == repocard.REGEX_YAML_BLOCK.flags


def test_the_rule_is_read_from_huggingface_hub_without_loading_its_client():
    script = (
        "import sys\n"
        "from cardkit.cardtext import frontmatter\n"
        "print(sorted(m for m in sys.modules if m.startswith('huggingface_hub')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert "exact same regex as in the Hub server" in repocard.__loader__.get_source(
        repocard.__name__
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_cardkit_sees_the_metadata_the_hub_sees(name, tmp_path):
    text, _ = CASES[name]
    path = tmp_path / "README.md"
    path.write_bytes(text.encode("utf-8"))
    raw = read_text(path)  # as every command reads a card (BOM dropped, as the Hub does)
    assert cardkit_view(raw) == hub_view(raw)
    # huggingface_hub's metadata_load reads in text mode, turning CR into LF first: on every
    # card whose line breaks survive that, it agrees too.
    if not re.search(r"\r(?!\n)", text):
        try:
            loaded = repocard.metadata_load(path)
        except (ValueError, yaml.YAMLError):
            loaded = ERROR
        hub = hub_view(raw)
        assert loaded == (None if hub in (NONE, {}) else hub)  # None: no (or empty) metadata


@pytest.mark.parametrize("name", sorted(CASES))
def test_validate_errs_where_the_hub_would_miss_meant_metadata(name):
    text, meant = CASES[name]
    findings = validate_bytes(text.encode("utf-8"), "README.md")
    errors = [f for f in findings if f.is_error]
    hub = hub_view(text.removeprefix("\ufeff"))
    if hub == NONE and meant:
        assert errors, findings
        assert errors[0].line is not None and errors[0].line <= 5
    elif hub == NONE:
        assert [f.severity for f in findings] == ["warning"]  # no front matter at all
    elif hub == ERROR:
        assert errors
    else:
        assert errors == [], findings


@pytest.mark.parametrize("name", sorted(CASES))
def test_build_updates_only_what_the_hub_reads(name, tmp_path):
    """build (and check, which builds the same card) keeps the author's metadata where the Hub
    sees it, and refuses to stack a second front matter on metadata the Hub misses."""
    text, meant = CASES[name]
    card = tmp_path / "README.md"
    card.write_bytes(text.encode("utf-8"))
    result = afqmc_result(tmp_path)
    done = run_cli("build", result, "-o", card, "--model-name", "m", "--no-config")
    before = hub_view(text.removeprefix("\ufeff"))
    if before == NONE and meant or before == ERROR:
        assert done.returncode == 1, done.stderr
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ")
        assert card.read_bytes() == text.encode("utf-8")
        return
    assert done.returncode == 0, done.stderr
    after = hub_view(card.read_bytes().decode("utf-8-sig"))
    assert after["model-index"][0]["name"] == "m"
    assert "mteb" in after.pop("tags")
    if before != NONE:
        for key, value in before.items():
            if isinstance(value, str):
                # A block scalar that ended the metadata gains its final line break once the
                # model-index follows it (the Hub's block ends without that break).
                assert after[key] in (value, value + "\n")
            elif key not in ("model-index", "tags"):
                assert after[key] == value
    assert card.read_text(encoding="utf-8-sig").count("\n---") <= 2 + text.count("\n---")


def afqmc_result(folder: Path) -> Path:
    result = folder / "AFQMC.json"
    result.write_text(
        '{"task_name": "AFQMC", "dataset_revision": null, "mteb_version": "1.12.0", '
        '"scores": {"validation": [{"hf_subset": "default", "languages": ["cmn-Hans"], '
        '"main_score": 0.3, "cosine_spearman": 0.3}]}}',
        encoding="utf-8",
    )
    return result


def browser_copy(text: str, style: str) -> str:
    """The card as a browser copies it from the rendered page: each front-matter line in a
    table cell, '|' around it ('wrapped') or after it ('trailing'), fences '--- |'."""
    card = split_card(text)
    head = card.head + card.yaml_text + card.tail_fence
    lines = head.splitlines()
    out = []
    for index, line in enumerate(lines):
        fence = index in (0, len(lines) - 1)
        if fence or style == "trailing":
            out.append(f"{line} |")
        else:
            out.append(f"| {line} |")
    return "\n".join(out) + "\n" + card.body


@pytest.mark.shared
@pytest.mark.parametrize("style", ["wrapped", "trailing"])
def test_a_card_pasted_from_the_web_page_is_refused_and_its_results_recovered(style, tmp_path):
    from tests.conftest import DMETA_CARD

    original = DMETA_CARD.read_text(encoding="utf-8")
    paste = tmp_path / "pasted.md"
    paste.write_text(browser_copy(original, style), encoding="utf-8")
    assert paste.read_text(encoding="utf-8").startswith("--- |\n")

    checked = run_cli("validate", paste)
    assert checked.returncode == 1
    assert f"{paste}:1:1: this card was copied from a rendered web page" in checked.stdout

    # The model-index comes back exactly, and builds the same card as the original.
    pasted = frontmatter.web_paste(paste.read_text(encoding="utf-8"))
    assert pasted is not None and pasted[0] == 1
    recovered = load_front_matter(split_card(pasted[1]))
    assert recovered == load_front_matter(split_card(original))
    for source, out in ((paste, "from-paste.md"), (DMETA_CARD, "from-original.md")):
        done = run_cli("build", source, "-o", tmp_path / out, "--no-config")
        assert done.returncode == 0, done.stderr
        assert ("copied from a rendered web page" in done.stderr) == (source == paste)
    rebuilt = [
        load_front_matter(split_card((tmp_path / out).read_text(encoding="utf-8")))["model-index"]
        for out in ("from-paste.md", "from-original.md")
    ]
    assert rebuilt[0] == rebuilt[1]
    assert len(rebuilt[0][0]["results"]) == len(recovered["model-index"][0]["results"])

    exported = run_cli("export", paste, "-o", tmp_path / "exported")
    assert exported.returncode == 0, exported.stderr
    assert "copied from a rendered web page" in exported.stderr
    assert len(list((tmp_path / "exported").glob("*.json"))) == 36  # 35 tasks + model_meta


def test_build_names_the_line_of_a_yaml_error_below_blank_lines(tmp_path):
    card = tmp_path / "README.md"
    text = "\n\n---\nlicense: mit\ntags: [a, b\n---\n# Card\n"
    card.write_text(text, encoding="utf-8")
    done = run_cli("build", afqmc_result(tmp_path), "-o", card, "--no-config")
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: {card}: line 6 column 1: front matter: not valid")
    assert card.read_text(encoding="utf-8") == text
