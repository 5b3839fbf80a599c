"""The fixed choices of `cardkit run` options, in a module of their own so that listing the
options (``cardkit run --help``) imports nothing else."""

from __future__ import annotations

EXECUTORS = ("local", "ray")
RERANKER_TYPES = ("cross-encoder", "bi-encoder")
