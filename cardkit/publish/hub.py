"""Talk to the Hub through huggingface_hub: read the head, commit once, download the card.

huggingface_hub is imported inside these functions only, so that `cardkit build` and
`cardkit validate` never load it. Only its public API is used (``HfApi``, ``constants``,
``errors``, ``get_session`` / ``configure_http_backend``), so that every version the
dependency pin allows works: the requests-based 0.x and the httpx-based 1.x and later.
Every failure it can raise becomes a `CardkitError` with one line that says what happened;
the token never appears in one, even when the Hub's answer echoes the request.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cardkit.io.errors import CardkitError
from cardkit.io.redact import add_secret, redact
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


def optional_token() -> str | None:
    """HF_TOKEN, else the token saved by `hf auth login`, else None (reading a public
    repository needs none); the value itself is never shown."""
    from huggingface_hub import get_token

    try:
        token = get_token()
    except Exception as exc:  # an OIDC exchange or token file problem
        raise CardkitError(f"cannot read the Hugging Face token: {type(exc).__name__}") from None
    if token:
        add_secret(token)
    return token or None


def resolve_token() -> str:
    """The token a write needs (see `optional_token`): none is an error."""
    token = optional_token()
    if not token:
        raise CardkitError("no Hugging Face token: set HF_TOKEN or log in with `hf auth login`")
    return token


def _use_timeout(timeout: float) -> None:
    """huggingface_hub's HTTP client waits forever by default; give every request a limit.

    httpx-based versions (1.x and later) share one client, from the public ``get_session``;
    requests-based ones (0.x) take a session factory through ``configure_http_backend``.
    """
    import huggingface_hub

    if hasattr(huggingface_hub, "set_client_factory"):
        huggingface_hub.get_session().timeout = timeout
        return
    import requests  # the HTTP library of huggingface_hub 0.x

    class TimeoutSession(requests.Session):
        def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = timeout
            return super().request(method, url, *args, **kwargs)

    huggingface_hub.configure_http_backend(backend_factory=TimeoutSession)


def _api(token: str | None, timeout: float) -> Any:
    """The Hub client: with the token, or anonymous (False: huggingface_hub sends none)."""
    from huggingface_hub import HfApi, constants

    if constants.HF_HUB_OFFLINE:
        raise CardkitError("HF_HUB_OFFLINE is set: unset it to push")
    _use_timeout(timeout)
    return HfApi(token=token or False)


def _transport_errors() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """(timeouts, connection failures) of the HTTP library under huggingface_hub.

    Found through ``errors.HTTPError``, huggingface_hub's public name for that library's
    base error: requests for 0.x, httpx for 1.x, httpx2 for 2.x.
    """
    from huggingface_hub import errors

    library = sys.modules[errors.HTTPError.__module__.split(".")[0]]
    if hasattr(library, "TimeoutException"):  # httpx, httpx2
        return (library.TimeoutException, TimeoutError), (library.TransportError, ConnectionError)
    return (library.exceptions.Timeout, TimeoutError), (
        library.exceptions.ConnectionError,
        ConnectionError,
    )


def describe_hub_error(exc: BaseException, target: HubTarget) -> str | None:
    """One line for an error raised by huggingface_hub or its HTTP client, else None.

    Anything shaped like a token is masked: the Hub's message may echo the request.
    """
    message = _describe(exc, target)
    return redact(message) if message is not None else None


def _describe(exc: BaseException, target: HubTarget) -> str | None:
    from huggingface_hub import errors

    timeouts, connection_errors = _transport_errors()
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
    if isinstance(exc, timeouts):
        return f"no answer from {host} within {target.timeout:g} s (use --timeout to wait longer)"
    if isinstance(exc, connection_errors):
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
    """(head commit, the card's text there, or None where the repository has none).

    Read with the token when there is one, else anonymously: a public repository needs none
    (a dry run then works without one), and a refusal says a private one does."""
    token = optional_token()
    try:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

        api = _api(token, target.timeout)
        head = remote_head(api, target)
        with tempfile.TemporaryDirectory(prefix="cardkit-") as cache:
            try:
                path = hf_hub_download(
                    target.repo_id,
                    filename,
                    revision=head,
                    cache_dir=cache,
                    token=token or False,
                    etag_timeout=target.timeout,
                )
            except EntryNotFoundError as exc:
                if isinstance(exc, LocalEntryNotFoundError):  # not reached: not "no card"
                    raise
                return head, None
            data = Path(path).read_bytes()
    except CardkitError:
        raise
    except Exception as exc:
        error = _fail(exc, target)
        if token is None:
            error = CardkitError(
                f"{error.message} (no Hugging Face token was given: a private repository "
                "needs HF_TOKEN or `hf auth login`)"
            )
        raise error from None
    try:
        return head, data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CardkitError(f"the remote {filename} of {target.repo_id} is not UTF-8") from None
