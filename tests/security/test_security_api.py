"""`cardkit run --api-base` sends the API key only to the origin it was given: a redirect to
another scheme, host or port is refused and named, and a key written in the URL is never
printed. Real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import TESTS, run_cli
from tests.openai_server import EmbeddingsServer

STS = TESTS / "data" / "tasks" / "sentence-similarity-sts"
KEY = "sk-test-key-9f8e7d6c5b4a"


class Server:
    """A server on 127.0.0.1 that records every request and answers with ``respond``."""

    def __init__(self, respond):
        self.seen: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.seen.append({**dict(self.headers), "path": self.path, "body": body})
                status, headers = respond(self.path)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_HEAD = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def thief():
    server = Server(lambda path: (200, {}))
    yield server
    server.close()


def run_api(base: str, tmp_path, **env: str):
    return run_cli(
        "run",
        "--api-base",
        base,
        "--api-model",
        "hash-embed",
        "--custom-task",
        STS,
        "-o",
        tmp_path / "results",
        env={"OPENAI_API_KEY": KEY, "HF_HUB_OFFLINE": "1", **env},
        timeout=300,
    )


def one_error(result) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_origin_is_refused_and_the_key_stays_home(tmp_path, thief, status):
    target = f"{thief.origin}/v1/embeddings"
    redirector = Server(lambda path: (status, {"Location": target}))
    try:
        line = one_error(run_api(f"{redirector.origin}/v1", tmp_path))
    finally:
        redirector.close()
    assert f"redirected (HTTP {status}) to {target}: not followed (another origin)" in line
    assert thief.seen == []  # never asked, so the key never went there
    assert KEY not in line
    assert not list((tmp_path / "results").rglob("*.json"))


def test_a_redirect_to_another_port_of_the_same_host_is_another_origin(tmp_path, thief):
    redirector = Server(lambda path: (307, {"Location": f"{thief.origin}{path}"}))
    try:
        line = one_error(run_api(f"{redirector.origin}/v1", tmp_path))
    finally:
        redirector.close()
    assert "not followed (another origin)" in line and thief.seen == []


def test_a_redirect_within_the_origin_keeps_working_with_307_and_308(tmp_path):
    """/v1 moved to /v2 on the same server: 307 and 308 keep the POST, so they are followed."""
    with EmbeddingsServer(key=KEY) as real:
        real.redirects["/old/embeddings"] = (307, "/v2/embeddings")
        real.redirects["/v2/embeddings"] = (308, f"{real.url}/embeddings")
        result = run_api(real.url.replace("/v1", "/old"), tmp_path)
    assert result.returncode == 0, result.stderr
    assert real.stats["401"] == 0 and real.stats["texts"] > 0


def test_a_redirect_within_the_origin_that_would_drop_the_post_is_refused(tmp_path):
    with EmbeddingsServer(key=KEY) as real:
        real.redirects["/old/embeddings"] = (302, f"{real.url}/embeddings")
        line = one_error(run_api(real.url.replace("/v1", "/old"), tmp_path))
    assert "redirected (HTTP 302)" in line and "turns the POST into a GET" in line
    assert real.stats["texts"] == 0


def test_credentials_in_the_url_are_never_printed(tmp_path):
    secret = "sk-in-the-url-1234567890"
    result = run_api(f"http://user:{secret}@127.0.0.1:9/v1", tmp_path)
    line = one_error(result)
    assert "holds a user name or password" in line and "OPENAI_API_KEY" in line
    assert secret not in result.stdout + result.stderr


def test_a_key_in_a_query_parameter_is_not_printed(tmp_path):
    secret = "sk-query-secret-0987654321"
    with EmbeddingsServer(key=KEY) as real:
        result = run_api(f"{real.url}/nowhere?api_key={secret}", tmp_path)
    line = one_error(result)
    assert "HTTP 404" in line
    assert secret not in result.stdout + result.stderr
