"""`cardkit preview`: the card as the Hub will show it, in one self-contained HTML file.

The body is rendered as GitHub-flavoured Markdown (tables, strikethrough, inline HTML) with
markdown-it-py, in a column about as wide as the Hub's (800 px); images from the card's folder
are embedded as data URIs; the metadata is summarised above it the way the Hub's model page
shows it (license, language, tags, and the evaluation results of the ``model-index``).

A card is untrusted input: only regular image files inside the card's folder are embedded
(a link leading out, a device or a file that is not the image its name says is left out, with
a warning), and the page carries a Content Security Policy that lets no script run and
nothing load from outside the file.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from cardkit.cardtext.frontmatter import load_front_matter, split_card
from cardkit.io.errors import CardkitError
from cardkit.io.images import is_image
from cardkit.io.userfile import UnreadableFile, read_bytes, read_text

CONTENT_WIDTH_PX = 800
IMAGE_LIMIT = 10 * 1024 * 1024
# The evaluation results listed in the metadata summary; the rest are counted.
RESULTS_SHOWN = 50
_MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
# No script at all, nothing from outside the file; images only as embedded data.
_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)
_HTML_IMG_SRC = re.compile(r"""(<img\b[^>]*?\bsrc\s*=\s*)(["'])(.*?)\2""", re.I | re.S)


@dataclass
class Preview:
    """The page, and what the author should know about it."""

    html: str
    images: int = 0  # embedded
    problems: list[str] = field(default_factory=list)  # images the Hub would not show


def _markdown() -> Any:
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        raise CardkitError(
            "cardkit preview needs markdown-it-py, which is not installed: "
            "pip install markdown-it-py"
        ) from None
    # CommonMark with raw HTML, plus the GitHub extensions the Hub renders.
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


class _Images:
    """Turns an image reference of the card into a data URI, or says why it cannot."""

    def __init__(self, folder: Path, card: Path):
        self.folder = folder
        self.card = card
        self.cache: dict[str, str | None] = {}
        self.problems: list[str] = []
        self.embedded = 0

    def __call__(self, src: str) -> str | None:
        if src not in self.cache:
            self.cache[src] = self._data_uri(src)
        return self.cache[src]

    def _refuse(self, src: str, why: str) -> None:
        self.problems.append(f"{self.card}: image {src!r} {why}")

    def _data_uri(self, src: str) -> str | None:
        if src.startswith("data:"):
            return src
        parts = urlsplit(src)
        if parts.scheme or parts.netloc:
            self._refuse(src, "is on the web: the Hub loads it, the preview does not")
            return None
        relative = Path(unquote(parts.path))
        if relative.is_absolute() or ".." in relative.parts or not parts.path:
            self._refuse(src, "is not inside the card's folder: the Hub will not show it")
            return None
        path = self.folder / relative
        suffix = path.suffix.lower()
        try:
            real, root = path.resolve(), self.folder.resolve()
            if root not in real.parents:
                self._refuse(src, "leads out of the card's folder: the Hub will not show it")
                return None
            data = read_bytes(path, "image", IMAGE_LIMIT)
        except (UnreadableFile, OSError) as exc:
            self._refuse(src, f"cannot be read ({exc})")
            return None
        if suffix not in _MEDIA_TYPES or not is_image(path.name, data):
            self._refuse(src, "is not a PNG, JPEG, GIF, WebP or SVG image its name says")
            return None
        self.embedded += 1
        encoded = base64.b64encode(data).decode("ascii")
        return f"data:{_MEDIA_TYPES[suffix]};base64,{encoded}"


def _render_body(body: str, images: _Images) -> str:
    md = _markdown()
    tokens = md.parse(body)
    for token in tokens:
        if token.type == "html_block":
            token.content = _embed_html_images(token.content, images)
        for child in token.children or ():
            if child.type == "image":
                uri = images(str(child.attrGet("src") or ""))
                child.attrSet("src", uri or "")
                if uri is None:
                    child.attrSet("class", "missing")
            elif child.type == "html_inline":
                child.content = _embed_html_images(child.content, images)
    return md.renderer.render(tokens, md.options, {})


def _embed_html_images(text: str, images: Callable[[str], str | None]) -> str:
    def replace(match: re.Match[str]) -> str:
        uri = images(html.unescape(match[3]))
        return f"{match[1]}{match[2]}{html.escape(uri or '', quote=True)}{match[2]}"

    return _HTML_IMG_SRC.sub(replace, text)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _chips(values: Any) -> str:
    items = values if isinstance(values, list) else [values]
    return "".join(f'<span class="chip">{html.escape(str(v))}</span>' for v in items)


def _results_rows(index: Any) -> tuple[list[list[str]], int, int]:
    """(rows shown, results in all, datasets) of the model-index, as the Hub's widget lists
    them: per result its task, dataset, split and first metrics."""
    rows: list[list[str]] = []
    total = 0
    datasets: set[str] = set()
    models = [m for m in index if isinstance(m, dict)] if isinstance(index, list) else []
    for model in models:
        results = model.get("results")
        for result in results if isinstance(results, list) else []:
            if not isinstance(result, dict):
                continue
            total += 1
            task = result.get("task") or {}
            data = result.get("dataset") or {}
            metrics = [m for m in result.get("metrics") or [] if isinstance(m, dict)]
            datasets.add(str(data.get("name") or data.get("type")))
            if len(rows) >= RESULTS_SHOWN:
                continue
            shown = ", ".join(f"{m.get('type')} {_number(m.get('value'))}" for m in metrics[:2])
            if len(metrics) > 2:
                shown += f" (+{len(metrics) - 2} more)"
            rows.append(
                [
                    str(task.get("type", "")),
                    str(data.get("name") or data.get("type") or ""),
                    str(data.get("split", "")),
                    shown,
                ]
            )
    return rows, total, len(datasets)


def _number(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, (int, float)) else html.escape(str(value))


def _metadata_html(data: dict[str, Any]) -> str:
    """The summary of the front matter the Hub shows beside the card."""
    facts = []
    for key, label in (
        ("license", "License"),
        ("language", "Language"),
        ("library_name", "Library"),
        ("pipeline_tag", "Task"),
        ("base_model", "Base model"),
    ):
        if data.get(key) is not None:
            facts.append(f"<dt>{label}</dt><dd>{html.escape(_text(data[key]))}</dd>")
    if data.get("tags"):
        facts.append(f"<dt>Tags</dt><dd>{_chips(data['tags'])}</dd>")
    parts = [f"<dl>{''.join(facts)}</dl>"] if facts else []
    rows, total, datasets = _results_rows(data.get("model-index"))
    if total:
        cells = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
        )
        more = (
            f'<p class="more">… and {total - len(rows)} more results.</p>'
            if total > len(rows)
            else ""
        )
        parts.append(
            "<details><summary>Evaluation results (model-index): "
            f"{total} results on {datasets} datasets, self-reported</summary>"
            "<table><thead><tr><th>Task</th><th>Dataset</th><th>Split</th><th>Metrics</th>"
            f"</tr></thead><tbody>{cells}</tbody></table>{more}</details>"
        )
    elif "model-index" not in data:
        parts.append('<p class="warn">No model-index: the Hub shows no evaluation results.</p>')
    return '<aside class="metadata">' + "".join(parts) + "</aside>"


_STYLE = f"""
body {{ margin: 0; background: #fff; color: #1f2937;
  font: 16px/1.6 ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }}
main {{ box-sizing: border-box; width: {CONTENT_WIDTH_PX}px; max-width: 100%;
  margin: 0 auto; padding: 24px 0; }}
h1, h2, h3, h4 {{ line-height: 1.3; margin: 1.4em 0 .6em; }}
h1 {{ font-size: 2em; }} h2 {{ font-size: 1.5em; border-bottom: 1px solid #e5e7eb; }}
h3 {{ font-size: 1.25em; }}
p, ul, ol, details {{ margin: .8em 0; }}
a {{ color: #2563eb; text-decoration: none; }}
code {{ font: .875em/1.5 ui-monospace, SFMono-Regular, Menlo, monospace;
  background: #f3f4f6; padding: .1em .3em; border-radius: 4px; }}
pre {{ background: #f9fafb; border: 1px solid #e5e7eb; border-radius: 8px; padding: 12px;
  overflow-x: auto; }}
pre code {{ background: none; padding: 0; }}
table {{ display: block; max-width: 100%; width: max-content; overflow-x: auto;
  border-collapse: collapse; font-size: .875em; margin: 1em 0; }}
th, td {{ border: 1px solid #e5e7eb; padding: 4px 8px; }}
th {{ background: #f9fafb; font-weight: 600; }}
img {{ max-width: 100%; }}
img.missing {{ display: inline-block; min-width: 8em; min-height: 2em;
  border: 1px dashed #dc2626; }}
.metadata {{ border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px 16px; font-size: .9em; }}
.metadata dl {{ display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }}
.metadata dt {{ color: #6b7280; }} .metadata dd {{ margin: 0; }}
.chip {{ display: inline-block; background: #f3f4f6; border-radius: 6px; padding: 0 6px;
  margin: 0 4px 2px 0; font-size: .9em; }}
.warn {{ color: #b45309; }} .more {{ color: #6b7280; }}
"""


def preview(card_path: Path) -> Preview:
    """The preview page of the card at ``card_path``."""
    text = read_text(card_path, "card")
    card = split_card(text, card_path)
    data = load_front_matter(card, card_path) if card.has_front_matter else {}
    images = _Images(card_path.parent, card_path)
    body = _render_body(card.body, images)
    index = data.get("model-index") if isinstance(data, dict) else None
    title = card_path.parent.resolve().name
    if isinstance(index, list) and index and isinstance(index[0], dict) and index[0].get("name"):
        title = str(index[0]["name"])
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} (cardkit preview)</title><style>{_STYLE}</style>"
        f"</head><body><main>{_metadata_html(data if isinstance(data, dict) else {})}"
        f'<article class="card">{body}</article></main></body></html>\n'
    )
    return Preview(page, images.embedded, images.problems)
