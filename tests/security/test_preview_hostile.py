"""`cardkit preview` of a hostile card: the page never navigates, fetches or beacons.

A corpus of the elements and attributes that make a browser contact a host (refresh, link
hints, frames, embedded objects, SVG references, CSS ``url()``, form images, media posters,
``srcset``, ``ping``, ``<base>``) is laid out in headless Chromium against a server on
127.0.0.1 that records every connection. The raw corpus reaches the server (so the test can
see a leak); the preview of a card holding it reaches nothing, with its Content Security
Policy and without it (the sanitiser alone).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.browser import chromium, dump_dom
from tests.conftest import REPO, run_cli

# (name, HTML); {u} is the listener's URL, {h} its host and port. The name is the path each
# one asks for, so a leak says which element leaked.
CORPUS = [
    ("link-preconnect", '<link rel="preconnect" href="{u}/link-preconnect">'),
    ("link-prefetch", '<link rel="prefetch" href="{u}/link-prefetch">'),
    ("link-dns-prefetch", '<link rel="dns-prefetch" href="{u}/link-dns-prefetch">'),
    ("link-stylesheet", '<link rel="stylesheet" href="{u}/link-stylesheet">'),
    ("link-preload", '<link rel="preload" as="image" href="{u}/link-preload">'),
    ("link-icon", '<link rel="icon" href="{u}/link-icon">'),
    ("iframe", '<iframe src="{u}/iframe"></iframe>'),
    ("iframe-srcdoc", '<iframe srcdoc="<img src={u}/iframe-srcdoc>"></iframe>'),
    ("img", '<img src="{u}/img">'),
    ("img-entity", '<img src="&#104;ttp://{h}/img-entity">'),
    ("img-protocol-relative", '<img src="//{h}/img-protocol-relative">'),
    ("img-srcset", '<img src="assets/chart.png" srcset="{u}/img-srcset 1x, {u}/img-srcset 2x">'),
    ("picture", '<picture><source srcset="{u}/picture-source"><img src="x.png"></picture>'),
    ("object", '<object data="{u}/object"></object>'),
    ("embed", '<embed src="{u}/embed">'),
    ("svg-image", '<svg><image href="{u}/svg-image" width="10" height="10"/></svg>'),
    ("svg-use", '<svg><use href="{u}/svg-use#a"/></svg>'),
    ("style-attribute", '<div style="background:url({u}/style-attribute)">s</div>'),
    ("style-element", "<style>body {{ background: url({u}/style-element) }}</style>"),
    ("style-import", "<style>@import url({u}/style-import);</style>"),
    (
        "cell-style",
        '<table><tr><td style="text-align:right; background:url({u}/cell-style)">c</td></tr>'
        "</table>",
    ),
    ("form", '<form action="{u}/form-action"><input type="image" src="{u}/input-image"></form>'),
    ("a-ping", '<a href="{u}/a-href" ping="{u}/a-ping">a link with ping</a>'),
    ("video-poster", '<video poster="{u}/video-poster"></video>'),
    ("video-src", '<video src="{u}/video-src" preload="auto"></video>'),
    ("audio-src", '<audio src="{u}/audio-src" preload="auto"></audio>'),
    ("table-background", '<table background="{u}/table-background"><tr><td>t</td></tr></table>'),
    ("script", '<script src="{u}/script"></script>'),
    ("onerror", '<img src="y" onerror="fetch(\'{u}/onerror\')">'),
    ("base", '<base href="{u}/base/"><img src="relative.png">'),
    ("meta-refresh", '<meta http-equiv="refresh" content="1;url={u}/meta-refresh">'),
]
# Those that reach the server from the raw corpus in this Chromium; the control below checks
# the harness sees them (the rest need a click, or only open a connection).
SEEN_RAW = {
    "/link-stylesheet",
    "/iframe",
    "/img",
    "/object",
    "/embed",
    "/svg-image",
    "/style-attribute",
    "/style-element",
    "/cell-style",
    "/video-poster",
    "/table-background",
    "/meta-refresh",
}
MARKDOWN = """
![markdown image]({u}/markdown-image) ![reference image][ref]

[a plain link]({u}/markdown-link)

| task | score |
|:--|--:|
| STS | 1.00 |

[ref]: {u}/markdown-reference
"""


class _Listener(ThreadingHTTPServer):
    """Records every connection and every request line it receives."""

    daemon_threads = True

    def __init__(self) -> None:
        self.connections: list[str] = []
        self.requests: list[str] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                listener.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(b"<p>fetched</p>")

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    def verify_request(self, request: object, client_address: object) -> bool:
        self.connections.append(str(client_address))
        return True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def listener() -> Iterator[_Listener]:
    server = _Listener()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _corpus(url: str) -> str:
    host = url.removeprefix("http://")
    return "\n\n".join(html.format(u=url, h=host) for _, html in CORPUS)


def _load(page: Path, work: Path, listener: _Listener) -> None:
    """Lay ``page`` out as a reader's browser would, then give late requests a moment."""
    done = dump_dom(page, work, budget_ms=4000)
    assert done.returncode == 0, done.stderr[-2000:]
    time.sleep(1)


def test_the_raw_corpus_reaches_the_listener(tmp_path: Path, listener: _Listener):
    """The control: without cardkit, the corpus does contact the host, and the test sees it."""
    if chromium() is None:
        pytest.fail("Chromium is not installed: apt-get install chromium")
    page = tmp_path / "raw.html"
    page.write_text(f"<!DOCTYPE html><body>{_corpus(listener.url)}</body>", encoding="utf-8")
    _load(page, tmp_path, listener)
    assert set(listener.requests) >= SEEN_RAW


def test_the_preview_of_a_hostile_card_contacts_no_host(tmp_path: Path, listener: _Listener):
    if chromium() is None:
        pytest.fail("Chromium is not installed: apt-get install chromium")
    repo = tmp_path / "repo"
    (repo / "assets").mkdir(parents=True)
    chart = REPO / "examples" / "card" / "assets" / "mteb-c-mteb.png"
    (repo / "assets" / "chart.png").write_bytes(chart.read_bytes())
    card = repo / "README.md"
    body = _corpus(listener.url) + "\n" + MARKDOWN.format(u=listener.url)
    card.write_text(f"---\nlicense: mit\n---\n# Hostile\n\n{body}", encoding="utf-8")
    page = tmp_path / "preview.html"
    done = run_cli("preview", card, "-o", page)
    assert done.returncode == 0, done.stderr
    html = page.read_text(encoding="utf-8")
    assert 'http-equiv="Content-Security-Policy"' in html  # the second layer is still there
    assert "<h1>Hostile</h1>" in html and "a link with ping" in html  # the text is kept
    assert html.count("data:image/png;base64,") == 1  # the card's own image is still embedded
    assert '<td style="text-align:right">1.00</td>' in html  # a column's alignment is kept
    assert '<td style="text-align:right">c</td>' in html  # and only that of a style

    _load(page, tmp_path, listener)
    assert listener.requests == [] and listener.connections == []

    # The sanitiser alone, without the policy, lets nothing out either.
    bare = tmp_path / "no-policy.html"
    bare.write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html), "utf-8")
    assert "Content-Security-Policy" not in bare.read_text(encoding="utf-8")
    _load(bare, tmp_path, listener)
    assert listener.requests == [] and listener.connections == []
