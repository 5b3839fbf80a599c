"""A small client for OpenAI-compatible ``POST /embeddings`` endpoints (standard library only).

Batches the texts, retries 429 and 5xx answers (and dropped connections) with exponential
backoff that honours ``Retry-After``, and never puts the API key in a message or a log line.
The key goes only to the origin (scheme, host, port) of the base URL: a redirect elsewhere is
an error that says where it pointed, never followed with the key.
"""

from __future__ import annotations

import contextlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cardkit.io.errors import CardkitError
from cardkit.io.log import log
from cardkit.io.redact import add_secret

RETRY_STATUS = {429, 500, 502, 503, 504}
# Redirects that keep the method and body (RFC 9110); 301/302/303 would turn the POST into a GET.
_KEEP_METHOD = {307, 308}
MAX_REDIRECTS = 5


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand every 3xx answer back as an HTTPError: the client decides, not urllib (which
    would follow to any host and copy the Authorization header)."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in."""
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port or default


def shown_url(url: str) -> str:
    """The URL for a message: no user name or password, no query (keys hide there too)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port else host
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


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

    def __post_init__(self) -> None:
        add_secret(self.api_key)
        parts = urllib.parse.urlsplit(self.base_url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise CardkitError(
                f"the API base URL must start with http:// or https:// and name a host, got "
                f"{shown_url(self.base_url)!r}"
            )
        if parts.username is not None or parts.password is not None:
            raise CardkitError(
                "the API base URL holds a user name or password: give the URL without it and "
                f"put the key in the environment variable {self.key_env}"
            )

    @property
    def url(self) -> str:
        base = self.base_url.rstrip("/")
        return base if base.endswith("/embeddings") else f"{base}/embeddings"

    @property
    def shown(self) -> str:
        return shown_url(self.url)

    def _scrub(self, text: str) -> str:
        return text.replace(self.api_key, "***") if self.api_key else text

    def _request(self, texts: Sequence[str]) -> bytes:
        payload: dict[str, object] = {"model": self.model, "input": list(texts)}
        if self.dimensions:
            payload["dimensions"] = self.dimensions
        body = json.dumps(payload).encode("utf-8")
        url = self.url
        for _ in range(MAX_REDIRECTS + 1):
            try:
                return self._post(url, body)
            except urllib.error.HTTPError as exc:
                if not 300 <= exc.code < 400:
                    raise
                url = self._redirect_target(url, exc)
        raise CardkitError(f"more than {MAX_REDIRECTS} redirects", self.shown)

    def _post(self, url: str, body: bytes) -> bytes:
        headers = {"Content-Type": "application/json"}
        if self.api_key and origin(url) == origin(self.url):
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with _OPENER.open(request, timeout=self.timeout) as response:
            return response.read()

    def _redirect_target(self, url: str, exc: urllib.error.HTTPError) -> str:
        """Where a 307/308 within the base URL's origin points; any other redirect is an
        error naming where it pointed (the key is never sent there)."""
        location = exc.headers.get("Location") if exc.headers else None
        if not location:
            raise CardkitError(f"HTTP {exc.code} redirect without a Location", self.shown)
        target = urllib.parse.urljoin(url, location)
        if exc.code in _KEEP_METHOD and origin(target) == origin(self.url):
            return target
        reason = (
            "another origin"
            if origin(target) != origin(self.url)
            else f"an HTTP {exc.code} turns the POST into a GET"
        )
        raise CardkitError(
            f"the embeddings endpoint redirected (HTTP {exc.code}) to {shown_url(target)}: "
            f"not followed ({reason}); the API key is sent only to "
            f"{shown_url(self.base_url)}, so give the address you trust as --api-base",
            self.shown,
        )

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
                        self.shown,
                    ) from None
                if exc.code in RETRY_STATUS and attempt < self.max_retries:
                    delay = self._wait(attempt, exc.headers.get("Retry-After"))
                    log.info("HTTP %s from %s, retrying in %.1fs", exc.code, self.shown, delay)
                    self.sleep(delay)
                    continue
                raise CardkitError(
                    f"the embeddings endpoint answered HTTP {exc.code}: {detail}", self.shown
                ) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                if attempt < self.max_retries:
                    delay = self._wait(attempt, None)
                    log.info("%s from %s, retrying in %.1fs", reason, self.shown, delay)
                    self.sleep(delay)
                    continue
                raise CardkitError(
                    f"cannot reach the embeddings endpoint: {self._scrub(str(reason))}", self.shown
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
                self.shown,
            ) from None
        if len(vectors) != expected:
            raise CardkitError(
                f"the embeddings endpoint returned {len(vectors)} embeddings for {expected} texts",
                self.shown,
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
