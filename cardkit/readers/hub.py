"""A model's published results on the Hub (``hf://ORG/NAME[@REVISION]``) as cardkit results.

The card (``README.md``, its model-index) and the ``.eval_results/*.yaml`` files of the
revision are downloaded with huggingface_hub's public API into a temporary folder and read
by cardkit's readers; nothing else of the repository is fetched. What would be downloaded is
weighed first, from the sizes the Hub lists with the files: a file over the card limit, more
than ``MAX_FILES`` files or more than ``MAX_BYTES`` in all is refused before any download,
so a hostile repository costs one request. Every failure (no such
repository or revision, no card, no model-index, no network) is one line naming the
``hf://`` source, with huggingface_hub's error types telling which; a token is never shown.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cardkit.cardtext.frontmatter import load_front_matter, split_card
from cardkit.catalog import Catalog
from cardkit.io.errors import CardkitError
from cardkit.io.userfile import MIB, TEXT_LIMIT, read_text
from cardkit.model import ModelResults
from cardkit.modelindex import EVAL_RESULTS_FOLDER
from cardkit.readers import read_results

if TYPE_CHECKING:
    from huggingface_hub.hf_api import RepoSibling

SCHEME = "hf://"
CARD = "README.md"
# The files read: the card, and the Hub's result files directly in .eval_results/.
_WANTED = re.compile(r"README\.md|\.eval_results/[A-Za-z0-9][\w.+-]*\.ya?ml")
# At most this many files are downloaded, and this many bytes in all: one .eval_results file
# per task of every MTEB benchmark, and every card published, fit well within them.
MAX_FILES = 2_000
MAX_BYTES = 64 * MIB


@dataclass(frozen=True)
class HubModel:
    """A model repository at a revision (None: the default branch)."""

    repo_id: str
    revision: str | None = None

    @property
    def label(self) -> str:
        return SCHEME + self.repo_id + (f"@{self.revision}" if self.revision else "")


def is_hub_source(text: str) -> bool:
    return text.startswith(SCHEME)


def parse_hub_source(text: str) -> HubModel:
    """``hf://ORG/NAME[@REVISION]``: the repository id is checked by huggingface_hub's rules."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    rest = text[len(SCHEME) :] if is_hub_source(text) else text
    repo_id, _, revision = rest.partition("@")
    if "@" in rest and not revision:
        raise CardkitError("nothing after '@': write hf://ORG/NAME@REVISION", text)
    try:
        validate_repo_id(repo_id)
    except HFValidationError:
        raise CardkitError(
            "not a Hub model id: write hf://ORG/NAME or hf://ORG/NAME@REVISION", text
        ) from None
    if "/" not in repo_id:
        raise CardkitError("a Hub model id is ORG/NAME: write hf://ORG/NAME[@REVISION]", text)
    return HubModel(repo_id, revision or None)


def _redacted(message: str) -> str:
    """A message from the network side, without the user's token, on one line."""
    from huggingface_hub import get_token

    token = get_token()
    if token:
        message = message.replace(token, "***")
    return " ".join(message.split())


def _server_words(exc: Exception) -> str:
    """The Hub's own short explanation of an HTTP error, when it gave one."""
    server = getattr(exc, "server_message", None)
    text = server if isinstance(server, str) and server.strip() else str(exc).splitlines()[0]
    return _redacted(text)[:200]


def _hub_error(exc: Exception, model: HubModel, endpoint: str) -> CardkitError:
    """huggingface_hub's error, as one line naming the source."""
    from huggingface_hub import errors

    where = model.label
    if isinstance(exc, errors.GatedRepoError):
        message = "the repository is gated: accept its conditions on the Hub and log in"
    elif isinstance(exc, errors.RepositoryNotFoundError):
        message = (
            f"no model repository {model.repo_id} on {endpoint} (or it is private and no "
            "valid token was given: log in or set HF_TOKEN)"
        )
    elif isinstance(exc, errors.RevisionNotFoundError):
        message = f"the repository has no revision '{model.revision}' (branch, tag or commit)"
    elif isinstance(exc, errors.EntryNotFoundError):
        message = "a file listed by the Hub could not be downloaded"
    elif isinstance(exc, errors.OfflineModeIsEnabled):
        message = "huggingface_hub is in offline mode (HF_HUB_OFFLINE is set)"
    elif isinstance(exc, errors.HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else "?"
        if status == 401:
            message = "the Hub refused the token (401): log in again or set a valid HF_TOKEN"
        else:
            message = f"the Hub answered {status}: {_server_words(exc)}"
    else:
        words = _redacted(str(exc)) or type(exc).__name__
        message = f"cannot reach the Hub at {endpoint}: {words}"
    return CardkitError(message, where)


@dataclass(frozen=True)
class Download:
    commit: str  # the commit the files were read at
    names: list[str]  # the files downloaded, relative to the folder
    endpoint: str  # the Hub they came from


def download_card(model: HubModel, folder: Path) -> Download:
    """Download the card and ``.eval_results`` files of ``model`` into ``folder``."""
    from huggingface_hub import HfApi, hf_hub_download

    api = HfApi()
    endpoint = api.endpoint
    try:
        info = api.model_info(model.repo_id, revision=model.revision, files_metadata=True)
    except Exception as exc:  # network and Hub errors only: the call does nothing else
        raise _hub_error(exc, model, endpoint) from None
    commit = info.sha or model.revision or "main"
    wanted = [s for s in info.siblings or [] if _WANTED.fullmatch(s.rfilename or "")]
    _check_sizes(wanted, model)
    names = sorted(s.rfilename for s in wanted)
    try:
        for name in names:
            hf_hub_download(model.repo_id, name, revision=commit, local_dir=folder)
    except Exception as exc:  # network and Hub errors only: the block does nothing else
        raise _hub_error(exc, model, endpoint) from None
    return Download(commit, names, endpoint.rstrip("/"))


def _check_sizes(files: list[RepoSibling], model: HubModel) -> None:
    """Refuse, before downloading anything, files the Hub lists as too many or too large."""
    if len(files) > MAX_FILES:
        raise CardkitError(
            f"the repository lists {len(files):,} files to read (README.md and "
            f".eval_results/*.yaml), over the limit of {MAX_FILES:,}: nothing downloaded",
            model.label,
        )
    total = 0
    for sibling in files:
        size = max(sibling.size or 0, sibling.lfs.size if sibling.lfs else 0)
        if sibling.size is None and sibling.lfs is None:
            raise CardkitError(
                f"the Hub gave no size for {sibling.rfilename}: nothing downloaded", model.label
            )
        if size > TEXT_LIMIT:
            raise CardkitError(
                f"{sibling.rfilename} is {size / MIB:.1f} MB on the Hub, over the "
                f"{TEXT_LIMIT // MIB} MB limit of a file cardkit reads: nothing downloaded",
                model.label,
            )
        total += size
    if total > MAX_BYTES:
        raise CardkitError(
            f"the files to read total {total / MIB:.1f} MB on the Hub, over the "
            f"{MAX_BYTES // MIB} MB limit: nothing downloaded",
            model.label,
        )


def _has_model_index(card: Path) -> bool:
    parsed = split_card(read_text(card, "card"), card)
    if not parsed.has_front_matter:
        return False
    data = load_front_matter(parsed, card)
    return isinstance(data, dict) and bool(data.get("model-index"))


def _relabel(exc: CardkitError, folder: Path, model: HubModel) -> CardkitError:
    """A reader's error about a downloaded file, naming the file on the Hub instead."""
    path = exc.path or ""
    root = str(folder)
    if path.startswith(root):
        path = model.label + path[len(root) :].replace("\\", "/")
    return CardkitError(exc.message, path or model.label, exc.where)


def read_hub_model(text: str, catalog: Catalog) -> ModelResults:
    """The results a model repository publishes at a revision: its card's model-index, and
    ``.eval_results`` files for what the card lacks (or alone, without a model-index)."""
    model = parse_hub_source(text)
    with tempfile.TemporaryDirectory(prefix="cardkit-hub-") as tmp:
        folder = Path(tmp)
        download = download_card(model, folder)
        names = download.names
        card, results = folder / CARD, folder / EVAL_RESULTS_FOLDER
        try:
            if CARD in names and _has_model_index(card):
                found = read_results([card], catalog)
            elif any(name.startswith(EVAL_RESULTS_FOLDER) for name in names):
                found = read_results([results], catalog)
            elif CARD in names:
                raise CardkitError("the card has no model-index and there is no .eval_results/")
            else:
                raise CardkitError("the repository has no README.md and no .eval_results/")
        except CardkitError as exc:
            raise _relabel(exc, folder, model) from None
    if len(found) != 1:
        raise CardkitError("the card's model-index holds several models", model.label)
    [results_model] = found
    results_model.model_name = model.repo_id
    results_model.revision = download.commit
    results_model.source = None
    reference = f"{download.endpoint}/{model.repo_id}"
    results_model.meta = {**results_model.meta, "reference": reference}
    for task in results_model.tasks.values():
        task.source = None
        task.model_revision = download.commit
    return results_model
