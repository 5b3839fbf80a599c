"""YAML through libyaml when it is there: real model-indexes run to 250,000 lines."""

from __future__ import annotations

from typing import Any

import yaml

SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SafeDumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def compose_and_load(text: str) -> tuple[yaml.Node | None, Any]:
    """Parse once, keeping both the node tree (line numbers) and the plain data."""
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data


def load(text: str) -> Any:
    return yaml.load(text, Loader=SafeLoader)


def dump(data: Any) -> str:
    """The serializer of the reference cards: insertion order kept, unicode unescaped."""
    return yaml.dump(data, Dumper=SafeDumper, sort_keys=False, allow_unicode=True)
