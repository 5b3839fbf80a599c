"""`cardkit preview`: the card as the Hub will show it, in one self-contained HTML file.

The body is rendered as GitHub-flavoured Markdown (tables, strikethrough, inline HTML) with
markdown-it-py, in a column about as wide as the Hub's (800 px); images from the card's folder
are embedded as data URIs; the metadata is summarised above it the way the Hub's model page
shows it (license, language, tags, and the evaluation results of the ``model-index``).

A card is untrusted input, and its preview must neither run nor fetch anything:

- the rendered HTML is cleaned by an allow-list sanitiser (nh3, the ammonia crate): only the
  elements and attributes a card is shown with on the Hub are kept (text, headings, lists,
  tables, links, images, details), so no ``<meta http-equiv="refresh">``, ``<link>``,
  ``<iframe>``, ``<object>``, ``<svg>``, ``<form>``, ``<base>``, ``style`` with ``url()``,
  ``srcset``, ``poster`` or ``ping`` is left to navigate or beacon;
- an image is embedded only from a regular image file inside the card's folder (a link leading
  out, a device or a file that is not the image its name says is left out, with a warning),
  each file read once however it is spelt, and the page's images are bounded in all;
- the body rendered is bounded (a larger one is cut, and the page and a warning say so);
- the page still carries a Content Security Policy that lets no script run and nothing load
  from outside the file, a second layer behind the sanitiser.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import nh3

from cardkit.cardtext.frontmatter import load_front_matter, split_card
from cardkit.io.errors import CardkitError
from cardkit.io.images import is_image
from cardkit.io.userfile import MIB, UnreadableFile, read_bytes, read_text

CONTENT_WIDTH_PX = 800
IMAGE_LIMIT = 10 * 1024 * 1024
# All the image data one page embeds (a card naming one big image under forty spellings made
# a 503 MB page): real cards embed a few charts of some hundred kilobytes.
IMAGES_LIMIT = 32 * 1024 * 1024
# The body rendered: the largest real card bodies are some 60 kB (a built card with every
# table and a comparison), and a Markdown table renders at some 10 s and 600 MB a megabyte
# (an 8 MB one took 83 s and 6 GB).
BODY_LIMIT = 512 * 1024
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
# What the sanitiser keeps: ammonia's default allow-list (the HTML GitHub-flavoured Markdown
# renders), with ``align`` on the blocks cards centre their logos and badges with,
# ``details open``, and a table cell's alignment (markdown-it writes it as a style, of which
# only ``text-align`` is kept: no ``url()``). Only these URL schemes stay in a link; an image's
# source is replaced by the embedded file or dropped (`_Images`), ``data:`` being allowed here
# only for that.
_ALIGNED = ("div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "center")
_URL_SCHEMES = {"http", "https", "mailto", "data"}
_ATTRIBUTES = {
    **nh3.ALLOWED_ATTRIBUTES,
    **{tag: {*nh3.ALLOWED_ATTRIBUTES.get(tag, ()), "align"} for tag in _ALIGNED},
    **{tag: {*nh3.ALLOWED_ATTRIBUTES.get(tag, ()), "style"} for tag in ("th", "td")},
    "details": {"open"},
}
_STYLES = {"text-align"}


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
    """Turns an image reference of the card into a data URI, or says why it cannot.

    A file is read once, keyed by where it resolves to (``big.png``, ``./big.png`` and
    ``big.png?1`` are one file); every reference embeds its bytes again, so all references
    together are held to ``IMAGES_LIMIT``.
    """

    def __init__(self, folder: Path, card: Path):
        self.folder = folder
        self.card = card
        self.by_src: dict[str, str | None] = {}
        self.by_file: dict[Path, str | None] = {}
        self.problems: list[str] = []
        self.embedded = 0
        self.total = 0

    def __call__(self, src: str) -> str | None:
        if src not in self.by_src:
            self.by_src[src] = self._data_uri(src)
        uri = self.by_src[src]
        if uri is None:
            return None
        if self.total + len(uri) > IMAGES_LIMIT:
            self._refuse(src, f"is left out: the page embeds at most {IMAGES_LIMIT // MIB} MB")
            return None
        self.total += len(uri)
        return uri

    def _refuse(self, src: str, why: str) -> None:
        self.problems.append(f"{self.card}: image {src!r} {why}")

    def _data_uri(self, src: str) -> str | None:
        if src.startswith("data:"):
            # Written by the author into the card; the Hub shows an image only.
            if src[5:].lower().startswith(tuple(_MEDIA_TYPES.values())):
                return src
            self._refuse(src, "is data that is not an image")
            return None
        parts = urlsplit(src)
        if parts.scheme or parts.netloc:
            self._refuse(src, "is on the web: the Hub loads it, the preview does not")
            return None
        name = unquote(parts.path)
        if "\0" in name:
            self._refuse(src, "names a file with a NUL byte, which no file has")
            return None
        relative = Path(name)
        if relative.is_absolute() or ".." in relative.parts or not parts.path:
            self._refuse(src, "is not inside the card's folder: the Hub will not show it")
            return None
        path = self.folder / relative
        try:
            real, root = path.resolve(), self.folder.resolve()
        except (OSError, RuntimeError) as exc:  # a loop of links
            self._refuse(src, f"cannot be read ({exc})")
            return None
        if root not in real.parents:
            self._refuse(src, "leads out of the card's folder: the Hub will not show it")
            return None
        if real not in self.by_file:
            self.by_file[real] = self._read(src, path)
        return self.by_file[real]

    def _read(self, src: str, path: Path) -> str | None:
        suffix = path.suffix.lower()
        try:
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
    """The body as the Hub shows it: Markdown rendered, then only the allowed HTML kept, each
    image's source replaced by its embedded file (or dropped)."""

    def attribute(element: str, name: str, value: str) -> str | None:
        if element == "img" and name == "src":
            return images(value)
        if name in ("href", "src") and value.lower().startswith("data:"):
            return None  # only an image may be data
        return value

    rendered = _markdown().render(body)
    return nh3.clean(
        rendered,
        attributes=_ATTRIBUTES,
        attribute_filter=attribute,
        url_schemes=_URL_SCHEMES,
        filter_style_properties=_STYLES,
    )


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _chips(values: Any) -> str:
    items = values if isinstance(values, list) else [values]
    return "".join(f'<span class="chip">{html.escape(str(v))}</span>' for v in items)


@dataclass
class _Results:
    """The model-index as the Hub's widget lists it: per result its task, dataset, split and
    first metrics."""

    rows: list[list[str]]
    total: int  # results in all
    datasets: int
    malformed: int  # results with a part of the wrong kind, which the Hub would refuse


def _results_rows(index: Any) -> _Results:
    rows: list[list[str]] = []
    total = malformed = 0
    datasets: set[str] = set()
    models = [m for m in index if isinstance(m, dict)] if isinstance(index, list) else []
    for model in models:
        results = model.get("results")
        for result in results if isinstance(results, list) else []:
            if not isinstance(result, dict):
                continue
            total += 1
            # A model-index the Hub would refuse (cardkit validate says where) is shown as far
            # as it goes: a part of the wrong kind counts as empty.
            task, data = _mapping(result.get("task")), _mapping(result.get("dataset"))
            listed = result.get("metrics")
            metrics = [m for m in listed if isinstance(m, dict)] if isinstance(listed, list) else []
            if not (
                isinstance(result.get("task"), dict)
                and isinstance(result.get("dataset"), dict)
                and isinstance(listed, list)
                and len(metrics) == len(listed)
            ):
                malformed += 1
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
    return _Results(rows, total, len(datasets), malformed)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _number(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, (int, float)) else str(value)


def _metadata_html(data: dict[str, Any], results: _Results) -> str:
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
    rows, total, datasets = results.rows, results.total, results.datasets
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
img:not([src]) {{ display: inline-block; min-width: 8em; min-height: 2em;
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
    body, cut = _bounded(card.body)
    rendered = _render_body(body, images)
    if cut is not None:
        rendered += f'<p class="warn">{html.escape(cut)}</p>'
    data = data if isinstance(data, dict) else {}
    index = data.get("model-index")
    results = _results_rows(index)
    title = card_path.parent.resolve().name
    if isinstance(index, list) and index and isinstance(index[0], dict) and index[0].get("name"):
        title = str(index[0]["name"])
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} (cardkit preview)</title><style>{_STYLE}</style>"
        f"</head><body><main>{_metadata_html(data, results)}"
        f'<article class="card">{rendered}</article></main></body></html>\n'
    )
    problems = [f"{card_path}: {cut}"] if cut is not None else []
    if results.malformed:
        problems.append(
            f"{card_path}: {results.malformed} of the model-index's {results.total} results "
            "are not in the Hub's format, which refuses the card's metadata: run cardkit "
            "validate to see where"
        )
    return Preview(page, images.embedded, problems + images.problems)


def _bounded(body: str) -> tuple[str, str | None]:
    """The body up to ``BODY_LIMIT`` bytes (whole lines), and what was cut, if anything."""
    raw = body.encode("utf-8")
    if len(raw) <= BODY_LIMIT:
        return body, None
    kept = raw[:BODY_LIMIT].decode("utf-8", errors="ignore")
    kept = kept[: kept.rfind("\n") + 1] or kept
    lines = kept.count("\n")
    why = (
        f"the body is {len(raw) / MIB:.1f} MB: the preview shows its first "
        f"{BODY_LIMIT // 1024} kB ({lines} lines) and leaves the rest out"
    )
    return kept, why
