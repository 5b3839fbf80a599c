"""The front matter the Hub reads, through the commands: build updates only what the Hub reads
and refuses metadata the Hub would miss; a card pasted from the web page is refused and its
results recovered; the rule is read from huggingface_hub without loading its client. (Where
cardkit cuts a card, against huggingface_hub: tests/unit/test_frontmatter_cut.py.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from huggingface_hub import repocard

from cardkit.cardtext import frontmatter
from cardkit.cardtext.frontmatter import load_front_matter, split_card
from tests.conftest import run_cli
from tests.unit.test_frontmatter_cut import CASES, ERROR, NONE, hub_view


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
