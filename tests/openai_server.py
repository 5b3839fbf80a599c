"""A local stand-in for an OpenAI-compatible ``POST /v1/embeddings`` server, on 127.0.0.1.

Embeddings are deterministic and meaningful enough to evaluate: a hashed bag of words, so
texts sharing words are close. The server checks the bearer key, can answer one 429 before
serving, and counts what it did so tests can assert on it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIMENSIONS = 64


def embed(text: str, dimensions: int = DIMENSIONS) -> list[float]:
    vector = [0.0] * dimensions
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        digest = hashlib.sha256(word.encode()).digest()
        vector[int.from_bytes(digest[:4], "big") % dimensions] += 1.0
        vector[int.from_bytes(digest[4:8], "big") % dimensions] += 0.5
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


class EmbeddingsServer:
    """``with EmbeddingsServer(key="k", fail_first=1) as server: server.url``"""

    def __init__(self, key: str, fail_first: int = 0):
        self.key = key
        self.fail_first = fail_first
        # path -> (status, Location): answer a request for that path with a redirect
        self.redirects: dict[str, tuple[int, str]] = {}
        self.stats = {"requests": 0, "429": 0, "401": 0, "texts": 0, "largest_batch": 0}
        self.dimensions_asked: set[int | None] = set()
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> EmbeddingsServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                with server.lock:
                    server.stats["requests"] += 1
                    if self.path in server.redirects:
                        status, location = server.redirects[self.path]
                        self._send(status, {}, {"Location": location})
                        return
                    if self.path.rstrip("/") != "/v1/embeddings":
                        self._send(404, {"error": {"message": "not found"}})
                        return
                    if self.headers.get("Authorization") != f"Bearer {server.key}":
                        server.stats["401"] += 1
                        self._send(401, {"error": {"message": "Incorrect API key provided."}})
                        return
                    if server.fail_first > 0:
                        server.fail_first -= 1
                        server.stats["429"] += 1
                        self._send(
                            429, {"error": {"message": "rate limited"}}, {"Retry-After": "0"}
                        )
                        return
                    texts = payload["input"]
                    server.stats["texts"] += len(texts)
                    server.stats["largest_batch"] = max(server.stats["largest_batch"], len(texts))
                    server.dimensions_asked.add(payload.get("dimensions"))
                dims = int(payload.get("dimensions") or DIMENSIONS)
                data = [
                    {"object": "embedding", "index": i, "embedding": embed(t, dims)}
                    for i, t in enumerate(texts)
                ]
                # answer out of order: clients must sort by index
                self._send(
                    200, {"object": "list", "data": data[::-1], "model": payload.get("model")}
                )

        return Handler
