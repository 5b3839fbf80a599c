"""A local stand-in for the Hugging Face Hub, enough for huggingface_hub's commit and download.

It answers the endpoints huggingface_hub 2.4 calls for ``model_info``, ``create_commit``
(``validate-yaml``, ``preupload``, ``commit``) and ``hf_hub_download`` (``resolve``), with
the status codes, ``X-Error-Code`` / ``X-Error-Message`` headers and JSON error bodies the Hub
sends, so that huggingface_hub's own error mapping runs. It keeps git-like state (branches
pointing at commits, each commit a full file tree), checks ``parentCommit`` as the Hub does
(412 "A commit has happened since"), records every request and commit, and can be told to
fail an endpoint with a status, to move a branch head behind the client's back, or to hang.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

INVALID_TOKEN_MESSAGE = "Invalid credentials in Authorization header"
CONFLICT_MESSAGE = "A commit has happened since. Please refresh and try again."


def git_blob_sha(data: bytes) -> str:
    """The git object id of a file, which the Hub returns as ``oid`` and ``ETag``."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Commit:
    oid: str
    parent: str | None
    summary: str
    description: str
    files: dict[str, bytes]


@dataclass
class ReceivedCommit:
    """What a client sent to the commit endpoint, as recorded for the tests."""

    repo_id: str
    revision: str
    create_pr: bool
    summary: str
    description: str
    parent_commit: str | None
    files: dict[str, bytes]
    accepted: bool
    oid: str | None = None
    pr_url: str | None = None


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass
class Repo:
    repo_id: str
    commits: dict[str, Commit] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    prs: int = 0


class HubStandIn:
    """The Hub's state and the knobs tests turn; ``start()`` it, then use ``url``."""

    def __init__(self, token: str | None = "hf_test_token") -> None:
        self.token = token  # None: any request is authorised
        self.repos: dict[str, Repo] = {}
        self.requests: list[Recorded] = []
        self.commits: list[ReceivedCommit] = []
        # endpoint name ("info", "validate", "preupload", "commit", "resolve") -> status
        self.fail: dict[str, int] = {}
        self.hang: set[str] = set()
        self.hang_seconds = 30.0
        # Added to the message of every error answer, as some servers echo the request.
        self.error_detail: Callable[[Recorded], str] | None = None
        self.move_head_after_info = False
        self._counter = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- state --------------------------------------------------------------------------
    def _new_oid(self, seed: str) -> str:
        self._counter += 1
        return hashlib.sha1(f"{seed}:{self._counter}".encode()).hexdigest()

    def create_repo(self, repo_id: str, files: dict[str, bytes] | None = None) -> str:
        """A repository with one commit on ``main`` holding ``files``; returns that commit."""
        repo = self.repos[repo_id] = Repo(repo_id)
        oid = self._new_oid(repo_id)
        repo.commits[oid] = Commit(oid, None, "initial commit", "", dict(files or {}))
        repo.refs["main"] = oid
        return oid

    def push_outside(self, repo_id: str, files: dict[str, bytes], branch: str = "main") -> str:
        """Someone else commits to the branch (the head moves)."""
        repo = self.repos[repo_id]
        parent = repo.refs[branch]
        tree = {**repo.commits[parent].files, **files}
        oid = self._new_oid(repo_id)
        repo.commits[oid] = Commit(oid, parent, "concurrent change", "", tree)
        repo.refs[branch] = oid
        return oid

    def head(self, repo_id: str, branch: str = "main") -> str:
        return self.repos[repo_id].refs[branch]

    def files(self, repo_id: str, revision: str = "main") -> dict[str, bytes]:
        repo = self.repos[repo_id]
        return dict(repo.commits[self._resolve(repo, revision)].files)

    def _resolve(self, repo: Repo, revision: str) -> str | None:
        if revision in repo.refs:
            return repo.refs[revision]
        if len(revision) >= 7:
            found = [oid for oid in repo.commits if oid.startswith(revision)]
            if len(found) == 1:
                return found[0]
        return None

    # -- server -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> HubStandIn:
        stand_in = self

        class Handler(_Handler):
            hub = stand_in

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def request_bodies(self) -> bytes:
        return b"".join(r.body for r in self.requests)


def _json(status: int, payload: Any, headers: dict[str, str] | None = None):
    return (
        status,
        {"Content-Type": "application/json", **(headers or {})},
        json.dumps(payload).encode(),
    )


def _error(status: int, message: str, code: str | None = None):
    headers = {"X-Error-Message": message}
    if code:
        headers["X-Error-Code"] = code
    return _json(status, {"error": message}, headers)


_FAILURES = {
    401: lambda: _error(401, INVALID_TOKEN_MESSAGE),
    403: lambda: _error(403, "You don't have the rights to create a commit on this repository"),
    404: lambda: _error(404, "Repository not found", "RepoNotFound"),
    412: lambda: _error(412, CONFLICT_MESSAGE),
}


def _failure(status: int):
    if status in _FAILURES:
        return _FAILURES[status]()
    return _error(status, "Internal Error - We're working hard to fix this as soon as possible!")


class _Handler(BaseHTTPRequestHandler):
    hub: HubStandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        recorded = Recorded(method, unquote(parts.path), parse_qs(parts.query), headers, body)
        hub = self.hub
        with hub._lock:
            hub.requests.append(recorded)
        name, handler = self._route(method, parts.path)
        if name in hub.hang:
            hub._stop.wait(hub.hang_seconds)
            self.close_connection = True
            return
        if name in hub.fail:
            status, headers, payload = _failure(hub.fail[name])
        elif not self._authorised():
            status, headers, payload = _failure(401)
        else:
            with hub._lock:
                status, headers, payload = handler(recorded)
        if status >= 400 and hub.error_detail is not None:
            message = f"{headers.get('X-Error-Message', 'error')} ({hub.error_detail(recorded)})"
            status, headers, payload = _error(status, message, headers.get("X-Error-Code"))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(payload)

    def _authorised(self) -> bool:
        if self.hub.token is None:
            return True
        return self.headers.get("Authorization") == f"Bearer {self.hub.token}"

    def _route(self, method: str, raw_path: str):
        segments = [unquote(s) for s in raw_path.strip("/").split("/")]
        if segments[:2] == ["api", "whoami-v2"]:
            return "whoami", self._whoami
        if segments[:2] == ["api", "validate-yaml"] and method == "POST":
            return "validate", self._validate_yaml
        if segments[:2] == ["api", "models"] and len(segments) >= 4:
            repo_id = "/".join(segments[2:4])
            rest = segments[4:]
            if not rest and method == "GET":
                return "info", lambda r: self._info(repo_id, "main", r)
            if rest[:1] == ["revision"] and len(rest) >= 2 and method == "GET":
                return "info", lambda r: self._info(repo_id, "/".join(rest[1:]), r)
            if rest[:1] == ["preupload"] and method == "POST":
                return "preupload", lambda r: self._preupload(repo_id, "/".join(rest[1:]), r)
            if rest[:1] == ["commit"] and method == "POST":
                return "commit", lambda r: self._commit(repo_id, "/".join(rest[1:]), r)
        if len(segments) >= 5 and segments[2] == "resolve" and method in ("GET", "HEAD"):
            repo_id = "/".join(segments[:2])
            return "resolve", lambda r: self._resolve_file(repo_id, segments[3], segments[4:])
        return "unknown", lambda r: _error(404, f"no route for {method} {raw_path}")

    # -- endpoints ------------------------------------------------------------------------
    def _whoami(self, request: Recorded):
        return _json(200, {"type": "user", "name": "cardkit-tester", "orgs": []})

    def _validate_yaml(self, request: Recorded):
        return _json(200, {"errors": [], "warnings": []})

    def _repo(self, repo_id: str) -> Repo | None:
        return self.hub.repos.get(repo_id)

    def _info(self, repo_id: str, revision: str, request: Recorded):
        repo = self._repo(repo_id)
        if repo is None:
            return _failure(404)
        oid = self.hub._resolve(repo, revision)
        if oid is None:
            return _error(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        files = repo.commits[oid].files
        payload = {
            "_id": hashlib.md5(repo_id.encode()).hexdigest()[:24],
            "id": repo_id,
            "modelId": repo_id,
            "sha": oid,
            "private": False,
            "disabled": False,
            "gated": False,
            "downloads": 0,
            "likes": 0,
            "tags": [],
            "siblings": [
                # With ?blobs=true the Hub adds each file's size and git blob id.
                {"rfilename": path, "size": len(data), "blobId": git_blob_sha(data)}
                if "blobs" in request.query
                else {"rfilename": path}
                for path, data in sorted(files.items())
            ],
            "lastModified": "2025-01-01T00:00:00.000Z",
            "createdAt": "2025-01-01T00:00:00.000Z",
        }
        if self.hub.move_head_after_info:
            self.hub.move_head_after_info = False
            self.hub.push_outside(repo_id, {"NOTES.md": b"changed meanwhile\n"})
        return _json(200, payload)

    def _preupload(self, repo_id: str, revision: str, request: Recorded):
        repo = self._repo(repo_id)
        if repo is None:
            return _failure(404)
        oid = self.hub._resolve(repo, revision)
        existing = repo.commits[oid].files if oid else {}
        files = []
        for item in json.loads(request.body)["files"]:
            remote = existing.get(item["path"])
            files.append(
                {
                    "path": item["path"],
                    "uploadMode": "regular",
                    "shouldIgnore": False,
                    "oid": git_blob_sha(remote) if remote is not None else None,
                }
            )
        return _json(200, {"files": files, "commitOid": oid})

    def _commit(self, repo_id: str, revision: str, request: Recorded):
        hub = self.hub
        repo = self._repo(repo_id)
        if repo is None:
            return _failure(404)
        lines = [json.loads(line) for line in request.body.splitlines() if line.strip()]
        header = next((line["value"] for line in lines if line["key"] == "header"), {})
        added: dict[str, bytes] = {}
        deleted: list[str] = []
        for line in lines:
            if line["key"] == "file":
                value = line["value"]
                added[value["path"]] = base64.b64decode(value["content"])
            elif line["key"] == "deletedFile":
                deleted.append(line["value"]["path"])
            elif line["key"] != "header":
                return _error(400, f"unsupported commit operation {line['key']}")
        create_pr = request.query.get("create_pr") == ["1"]
        received = ReceivedCommit(
            repo_id=repo_id,
            revision=revision,
            create_pr=create_pr,
            summary=header.get("summary", ""),
            description=header.get("description", ""),
            parent_commit=header.get("parentCommit"),
            files=added,
            accepted=False,
        )
        hub.commits.append(received)
        if revision not in repo.refs:
            return _error(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        head = repo.refs[revision]
        parent = head
        if received.parent_commit is not None:
            wanted = hub._resolve(repo, received.parent_commit)
            if wanted is None:
                return _error(400, f"Invalid parent commit: {received.parent_commit}")
            if wanted != head and not create_pr:
                return _failure(412)
            parent = wanted
        tree = {**repo.commits[parent].files, **added}
        for path in deleted:
            tree.pop(path, None)
        oid = hub._new_oid(repo_id)
        repo.commits[oid] = Commit(oid, parent, received.summary, received.description, tree)
        received.accepted = True
        received.oid = oid
        pr_url = None
        if create_pr:
            repo.prs += 1
            repo.refs[f"refs/pr/{repo.prs}"] = oid
            pr_url = f"{hub.url}/{repo_id}/discussions/{repo.prs}"
            received.pr_url = pr_url
        else:
            repo.refs[revision] = oid
        return _json(
            200,
            {
                "success": True,
                "commitOid": oid,
                "commitUrl": f"{hub.url}/{repo_id}/commit/{oid}",
                "pullRequestUrl": pr_url,
            },
        )

    def _resolve_file(self, repo_id: str, revision: str, path_parts: list[str]):
        repo = self._repo(repo_id)
        if repo is None:
            return _failure(404)
        oid = self.hub._resolve(repo, revision)
        if oid is None:
            return _error(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        path = "/".join(path_parts)
        data = repo.commits[oid].files.get(path)
        if data is None:
            return _error(404, "Entry not found", "EntryNotFound")
        headers = {
            "Content-Type": "text/plain; charset=utf-8",
            "ETag": f'"{git_blob_sha(data)}"',
            "X-Repo-Commit": oid,
            "Accept-Ranges": "bytes",
        }
        return 200, headers, data


def wait_until(predicate, timeout: float = 5.0) -> bool:
    """Poll ``predicate`` until it holds (for assertions on the server's threads)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
