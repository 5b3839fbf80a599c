"""Is a built-in task's data reachable? Asked before the model loads, so an offline run fails fast.

mteb loads task data with ``datasets.load_dataset``, which reads the Hugging Face hub cache
(``$HF_HUB_CACHE``, ``$HF_HOME/hub``) and its own cache (``$HF_DATASETS_CACHE``). When the run is
offline (``HF_HUB_OFFLINE``/``HF_DATASETS_OFFLINE``, or the Hub cannot be reached) and the data
is in neither, the run stops with one message naming the tasks and how to fetch their data.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

from cardkit.io.errors import CardkitError

_TRUE = {"1", "on", "yes", "true"}


def offline_requested() -> bool:
    return any(
        os.environ.get(name, "").strip().lower() in _TRUE
        for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def hub_reachable(timeout: float = 3.0) -> bool:
    """One TCP connection to the Hub endpoint; no request is sent."""
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    parsed = urlparse(endpoint)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname or "huggingface.co", port), timeout):
            return True
    except OSError:
        return False


def _hf_home() -> Path:
    return Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface")).expanduser()


def _hub_cache() -> Path:
    explicit = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    return Path(explicit).expanduser() if explicit else _hf_home() / "hub"


def _datasets_cache() -> Path:
    explicit = os.environ.get("HF_DATASETS_CACHE")
    return Path(explicit).expanduser() if explicit else _hf_home() / "datasets"


def dataset_cached(path: str, revision: str | None) -> bool:
    """Whether a Hub dataset (at that revision, when given) is in one of the local caches."""
    local = Path(path).expanduser()
    if local.exists():
        return True
    repo = _hub_cache() / f"datasets--{path.replace('/', '--')}"
    snapshots = repo / "snapshots"
    if snapshots.is_dir():
        if revision is None or (snapshots / revision).is_dir():
            return True
        refs = repo / "refs"
        if refs.is_dir() and any(
            r.is_file() and r.read_text().strip() == revision for r in refs.rglob("*")
        ):
            return True
    prepared = _datasets_cache() / path.replace("/", "___")
    return prepared.is_dir() and any(prepared.iterdir())


def check_task_data(tasks: list[tuple[str, str, str | None]]) -> None:
    """Stop with one message when the data of (task, dataset path, revision) is out of reach."""
    missing = [(name, path, rev) for name, path, rev in tasks if not dataset_cached(path, rev)]
    if not missing:
        return
    if offline_requested():
        why = "the run is offline (HF_HUB_OFFLINE/HF_DATASETS_OFFLINE is set)"
    elif not hub_reachable():
        why = "the Hugging Face Hub cannot be reached"
    else:
        return
    listed = "; ".join(
        f"{name} ({path}" + (f" at revision {rev})" if rev else ")") for name, path, rev in missing
    )
    names = ",".join(name for name, _, _ in missing)
    raise CardkitError(
        f"the data of {len(missing)} task(s) is not in the local Hugging Face cache and {why}: "
        f"{listed}. Download it once on a machine with network access, e.g. "
        'python -c "import mteb; '
        f"[t.load_data() for t in mteb.get_tasks(tasks='{names}'.split(','))]\", "
        f"then copy its cache folder ({_hf_home()}) here or point HF_HOME at it"
    )
