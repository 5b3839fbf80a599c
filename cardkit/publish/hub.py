"""Talk to the Hub through huggingface_hub: read the head, commit once, download the card.

huggingface_hub is imported inside these functions only, so that `cardkit build` and
`cardkit validate` never load it. Every failure it can raise becomes a `CardkitError`
with one line that says what happened; the token never appears in one.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cardkit.errors import CardkitError
from cardkit.publish.files import UploadFile

DEFAULT_TIMEOUT = 60.0


@dataclass
class HubTarget:
    repo_id: str
    revision: str | None = None  # branch; None is the repository's default branch (main)
    timeout: float = DEFAULT_TIMEOUT

    @property
    def branch(self) -> str:
        return self.revision or "main"


@dataclass
class PushResult:
    parent_commit: str
    commit_url: str
    commit_oid: str
    pr_url: str | None
    files: list[str]


def endpoint() -> str:
    from huggingface_hub import constants

    return constants.ENDPOINT


def resolve_token() -> str:
    """HF_TOKEN, else the token saved by `hf auth login`; the value itself is never shown."""
    from huggingface_hub import get_token

    try:
        token = get_token()
    except Exception as exc:  # an OIDC exchange or token file problem
        raise CardkitError(f"cannot read the Hugging Face token: {type(exc).__name__}") from None
    if not token:
        raise CardkitError("no Hugging Face token: set HF_TOKEN or log in with `hf auth login`")
    return token


def _use_timeout(timeout: float) -> None:
    """huggingface_hub's shared HTTP client waits forever by default; give it a limit."""
    from huggingface_hub.utils import _http

    def factory():
        client = _http.default_client_factory()
        client.timeout = timeout
        return client

    _http.set_client_factory(factory)


def _api(token: str, timeout: float) -> Any:
    from huggingface_hub import HfApi

    _use_timeout(timeout)
    return HfApi(token=token)


def describe_hub_error(exc: BaseException, target: HubTarget) -> str | None:
    """One line for an error raised by huggingface_hub or its HTTP client, else None."""
    import httpx2
    from huggingface_hub import errors

    repo, host = target.repo_id, endpoint()
    if isinstance(exc, errors.OfflineModeIsEnabled):
        return "HF_HUB_OFFLINE is set: unset it to push"
    if isinstance(exc, errors.GatedRepoError):
        return f"{repo} is gated and this token has not been granted access"
    if isinstance(exc, errors.RevisionNotFoundError):
        return f"{repo} has no branch '{target.branch}' on {host}"
    if isinstance(exc, errors.RepositoryNotFoundError):
        return (
            f"repository {repo} not found on {host} (or this token cannot see it): "
            "create it first or check --repo-id"
        )
    if isinstance(exc, errors.HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else None
        server = " ".join((exc.server_message or "").split())
        if status == 401:
            return (
                f"the Hub rejected the token (401 {server or 'unauthorized'}): "
                "check HF_TOKEN or log in again with `hf auth login`"
            )
        if status == 403:
            return (
                f"this token may not write to {repo} (403 {server or 'forbidden'}): "
                "use a token with write access, or --create-pr"
            )
        if status == 412:
            return (
                f"{repo} changed on the Hub while pushing (its '{target.branch}' head is no "
                "longer the commit the push started from): nothing was pushed; "
                "check the remote changes and push again"
            )
        if status is not None and status >= 500:
            return f"the Hub failed with {status} ({server or 'server error'}); try again later"
        return f"the Hub refused the request ({status}: {server or 'no message'})"
    if isinstance(exc, httpx2.TimeoutException):
        return f"no answer from {host} within {target.timeout:g} s (use --timeout to wait longer)"
    if isinstance(exc, (httpx2.NetworkError, httpx2.ProtocolError, ConnectionError)):
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return f"cannot connect to {host}: {reason}"
    if isinstance(exc, errors.LocalEntryNotFoundError):
        return f"cannot download from {host}: the Hub could not be reached"
    if isinstance(exc, ValueError) and "Invalid metadata in README.md" in str(exc):
        return "the Hub refused the card's metadata: " + " ".join(str(exc).split()[4:])
    return None


def _fail(exc: BaseException, target: HubTarget) -> CardkitError:
    message = describe_hub_error(exc, target)
    if message is None:
        return CardkitError(f"push to {target.repo_id} failed: {type(exc).__name__}")
    return CardkitError(message)


def remote_head(api: Any, target: HubTarget) -> str:
    """The commit the branch points at now: the parent of the commit we will make."""
    info = api.model_info(target.repo_id, revision=target.revision, timeout=target.timeout)
    if not info.sha:
        raise CardkitError(f"the Hub did not say which commit {target.repo_id} is at")
    return info.sha


def push_files(
    files: list[UploadFile],
    target: HubTarget,
    message: str,
    create_pr: bool = False,
) -> PushResult:
    """One commit with every file, made on top of the head read first (or it fails)."""
    token = resolve_token()
    try:
        from huggingface_hub import CommitOperationAdd

        api = _api(token, target.timeout)
        parent = remote_head(api, target)
        operations = [CommitOperationAdd(f.path_in_repo, f.data) for f in files]
        info = api.create_commit(
            repo_id=target.repo_id,
            operations=operations,
            commit_message=message,
            revision=target.revision,
            create_pr=create_pr,
            parent_commit=parent,
        )
    except CardkitError:
        raise
    except Exception as exc:
        raise _fail(exc, target) from None
    return PushResult(
        parent_commit=parent,
        commit_url=str(info.commit_url),
        commit_oid=str(info.oid),
        pr_url=str(info.pr_url) if info.pr_url else None,
        files=[f.path_in_repo for f in files],
    )


def remote_card(target: HubTarget, filename: str = "README.md") -> tuple[str, str | None]:
    """(head commit, the card's text there, or None where the repository has none)."""
    token = resolve_token()
    try:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import RemoteEntryNotFoundError

        api = _api(token, target.timeout)
        head = remote_head(api, target)
        with tempfile.TemporaryDirectory(prefix="cardkit-") as cache:
            try:
                path = hf_hub_download(
                    target.repo_id,
                    filename,
                    revision=head,
                    cache_dir=cache,
                    token=token,
                    etag_timeout=target.timeout,
                )
            except RemoteEntryNotFoundError:
                return head, None
            data = Path(path).read_bytes()
    except CardkitError:
        raise
    except Exception as exc:
        raise _fail(exc, target) from None
    try:
        return head, data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CardkitError(f"the remote {filename} of {target.repo_id} is not UTF-8") from None
