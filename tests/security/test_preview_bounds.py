"""`cardkit preview` is bounded by what it reads and writes, and never destroys its input.

One image under many spellings is read once and the page's images are held to a total; a
body larger than the preview renders is cut with a warning; an image name no file can have is
a warning; the card itself is never the page written.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

from tests.conftest import run_cli

MIB = 1024 * 1024


def _png(size: int) -> bytes:
    """A valid PNG of about ``size`` bytes: a gray image whose data does not compress."""
    side = int((size / 3) ** 0.5) + 1
    raw = b"".join(b"\0" + os.urandom(side * 3) for _ in range(side))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 0))
        + chunk(b"IEND", b"")
    )


def _warnings(stderr: str) -> list[str]:
    lines = stderr.splitlines()
    assert all(line.startswith("warning: ") for line in lines), stderr
    return lines


def test_one_image_under_many_names_is_read_once_and_the_page_is_bounded(tmp_path: Path):
    (tmp_path / "big.png").write_bytes(_png(2 * MIB))
    names = [f"big.png?{n}" for n in range(1, 41)] + ["./big.png", "%62ig.png", "big.png#top"]
    card = tmp_path / "README.md"
    card.write_text("# Big\n\n" + "\n\n".join(f"![{n}]({n})" for n in names) + "\n", "utf-8")
    page = tmp_path / "page.html"
    done = run_cli("preview", card, "-o", page)
    assert done.returncode == 0, done.stderr
    assert "1 image embedded" in done.stdout  # one file, however it is spelt
    # Each reference embeds the image again (2.7 MB as base64), up to 32 MB in all.
    assert page.read_text(encoding="ascii").count("data:image/png;base64,") == 11
    assert page.stat().st_size < 33 * MIB
    warnings = _warnings(done.stderr)
    assert "left out: the page embeds at most 32 MB" in warnings[0]
    assert len(warnings) == 21 and warnings[-1].endswith("more")  # 20 shown, the rest counted


def test_an_image_name_with_a_nul_byte_is_a_warning(tmp_path: Path):
    card = tmp_path / "README.md"
    card.write_text("# NUL\n\n![a](a%00.png)\n", encoding="utf-8")
    done = run_cli("preview", card, "-o", tmp_path / "page.html")
    assert done.returncode == 0, done.stderr
    (line,) = _warnings(done.stderr)
    assert "'a%00.png'" in line and "NUL byte" in line
    assert "<h1>NUL</h1>" in (tmp_path / "page.html").read_text(encoding="utf-8")


def test_a_body_larger_than_the_preview_renders_is_cut_with_a_warning(tmp_path: Path):
    card = tmp_path / "README.md"
    rows = "".join(f"| {n} | task {n} | 0.{n} |\n" for n in range(120_000))  # about 3 MB
    card.write_text(f"# Large\n\n| a | b | c |\n|---|---|---|\n{rows}", encoding="utf-8")
    page = tmp_path / "page.html"
    done = run_cli("preview", card, "-o", page)
    assert done.returncode == 0, done.stderr
    (line,) = _warnings(done.stderr)
    assert line.startswith(f"warning: {card}: the body is 3.") and "shows its first 512 kB" in line
    html = page.read_text(encoding="utf-8")
    assert "the preview shows its first 512 kB" in html
    assert "| 119999 |" not in html and "<td>119999</td>" not in html
    assert page.stat().st_size < 2 * MIB


def test_the_preview_never_overwrites_the_card(tmp_path: Path):
    card = tmp_path / "card.html"
    text = "# A card kept as HTML-named Markdown\n"
    card.write_text(text, encoding="utf-8")
    os.link(card, tmp_path / "hard.html")
    for output in (None, tmp_path / "card.html", tmp_path / "." / "card.html", "hard.html"):
        extra = ["-o", output] if output is not None else []
        done = run_cli("preview", card, *extra, cwd=tmp_path)
        assert done.returncode == 1, (output, done.stderr)
        assert done.stderr.startswith("error: ") and len(done.stderr.splitlines()) == 1
        assert "is the card itself" in done.stderr
        assert card.read_text(encoding="utf-8") == text


def test_a_model_index_of_the_wrong_shape_is_a_warning(tmp_path: Path):
    card = tmp_path / "README.md"
    for result in ("task: 5", "dataset: [a]", "metrics: 5", "metrics: [3]"):
        card.write_text(f"---\nmodel-index:\n- name: m\n  results:\n  - {result}\n---\n# M\n")
        done = run_cli("preview", card, "-o", tmp_path / "page.html")
        assert done.returncode == 0, done.stderr
        (line,) = _warnings(done.stderr)
        assert "1 of the model-index's 1 results are not in the Hub's format" in line
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert "1 results on 1 datasets" in page
