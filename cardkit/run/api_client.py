"""A small client for OpenAI-compatible ``POST /embeddings`` endpoints (standard library only).

Batches the texts, retries 429 and 5xx answers (and dropped connections) with exponential
backoff that honours ``Retry-After``, and never puts the API key in a message or a log line.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cardkit.errors import CardkitError

log = logging.getLogger("cardkit")

RETRY_STATUS = {429, 500, 502, 503, 504}


@dataclass
class EmbeddingsClient:
    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    dimensions: int | None = None
    key_env: str = "OPENAI_API_KEY"
    max_retries: int = 5
    backoff: float = 0.5
    max_backoff: float = 20.0
    timeout: float = 60.0
    sleep: Callable[[float], None] = time.sleep

    @property
    def url(self) -> str:
        base = self.base_url.rstrip("/")
        return base if base.endswith("/embeddings") else f"{base}/embeddings"

    def _scrub(self, text: str) -> str:
        return text.replace(self.api_key, "***") if self.api_key else text

    def _request(self, texts: Sequence[str]) -> bytes:
        payload: dict[str, object] = {"model": self.model, "input": list(texts)}
        if self.dimensions:
            payload["dimensions"] = self.dimensions
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(
            self.url, data=json.dumps(payload).encode("utf-8"), headers=headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return response.read()

    def _wait(self, attempt: int, retry_after: str | None) -> float:
        delay = self.backoff * (2**attempt)
        if retry_after:
            with contextlib.suppress(ValueError):
                delay = max(delay, float(retry_after))
        return min(delay, self.max_backoff)

    def embed_batch(self, texts: Sequence[str]) -> list[list[float]]:
        """The embeddings of one batch, in input order."""
        for attempt in range(self.max_retries + 1):
            try:
                body = self._request(texts)
                break
            except urllib.error.HTTPError as exc:
                detail = self._scrub(exc.read().decode("utf-8", "replace")[:300].strip())
                if exc.code in (401, 403):
                    raise CardkitError(
                        f"the embeddings endpoint refused the API key (HTTP {exc.code}): check "
                        f"the key in the environment variable {self.key_env}",
                        self.url,
                    ) from None
                if exc.code in RETRY_STATUS and attempt < self.max_retries:
                    delay = self._wait(attempt, exc.headers.get("Retry-After"))
                    log.info("HTTP %s from %s, retrying in %.1fs", exc.code, self.url, delay)
                    self.sleep(delay)
                    continue
                raise CardkitError(
                    f"the embeddings endpoint answered HTTP {exc.code}: {detail}", self.url
                ) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                if attempt < self.max_retries:
                    delay = self._wait(attempt, None)
                    log.info("%s from %s, retrying in %.1fs", reason, self.url, delay)
                    self.sleep(delay)
                    continue
                raise CardkitError(
                    f"cannot reach the embeddings endpoint: {self._scrub(str(reason))}", self.url
                ) from None
        return self._parse(body, len(texts))

    def _parse(self, body: bytes, expected: int) -> list[list[float]]:
        try:
            data = json.loads(body)
            items = sorted(data["data"], key=lambda item: item.get("index", 0))
            vectors = [[float(x) for x in item["embedding"]] for item in items]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise CardkitError(
                "the embeddings endpoint answered something that is not an embeddings response "
                "({'data': [{'index': i, 'embedding': [...]}]})",
                self.url,
            ) from None
        if len(vectors) != expected:
            raise CardkitError(
                f"the embeddings endpoint returned {len(vectors)} embeddings for {expected} texts",
                self.url,
            )
        return vectors

    def embed(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        progress: Callable[[int], None] | None = None,
    ) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), batch_size):
            batch = texts[start : start + batch_size]
            vectors.extend(self.embed_batch(batch))
            if progress:
                progress(len(batch))
        return vectors
