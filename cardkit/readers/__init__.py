"""Readers: every supported input turned into the one results model (`cardkit.model`)."""

from cardkit.readers.discover import read_results

__all__ = ["read_results"]
