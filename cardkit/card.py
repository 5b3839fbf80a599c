"""Assemble card text: a new card from scratch, or an existing card with managed keys updated.

Managed front-matter keys are ``model-index`` (replaced) and ``tags`` (``mteb`` added);
the body changes only inside its generated regions (`cardkit.regions`); every other byte of an
existing card is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from cardkit.frontmatter import (
    CardText,
    dump_yaml,
    load_front_matter,
    split_card,
    update_keys,
)

NEW_CARD_TAGS = ["mteb", "sentence-transformers", "sentence-similarity", "feature-extraction"]


def new_front_matter(
    model_index: list[dict[str, Any]],
    extra: dict[str, Any] | None = None,
    tags: list[str] | None = None,
) -> dict:
    """The reference front matter: tags, model-index, library_name, pipeline_tag, then extras
    (license, language, base_model and the config's own keys)."""
    data: dict[str, Any] = {
        "tags": list(dict.fromkeys([*NEW_CARD_TAGS, *(tags or [])])),
        "model-index": model_index,
        "library_name": "sentence-transformers",
        "pipeline_tag": "sentence-similarity",
    }
    for key, value in (extra or {}).items():
        data.setdefault(key, value)
    return data


def default_body(model_name: str) -> str:
    return (
        f"\n# {model_name}\n\n"
        f"Evaluation results of `{model_name}` on MTEB tasks are in this card's metadata "
        "(`model-index`).\n"
    )


def new_card_text(
    model_index: list[dict[str, Any]],
    body: str,
    extra: dict[str, Any] | None = None,
    tags: list[str] | None = None,
) -> str:
    return "---\n" + dump_yaml(new_front_matter(model_index, extra, tags)) + "---\n" + body


def update_card_text(
    text: str,
    model_index: list[dict[str, Any]],
    path: Path | str | None = None,
    *,
    tags: list[str] | None = None,
    missing_keys: dict[str, Any] | None = None,
    body: Callable[[CardText], str] | None = None,
) -> str:
    """Replace model-index and make sure ``mteb`` is a tag; keep every other byte.

    ``tags`` are added to the card's tags too; ``missing_keys`` are added only where the card
    lacks them (a key the author wrote is never overwritten); ``body`` turns the split card into
    its new body (the generated regions), else the body is kept as it is.
    """
    card = split_card(text, path)
    new_body = body(card) if body is not None else card.body
    wanted_tags = ["mteb", *[t for t in tags or [] if t != "mteb"]]
    if not card.has_front_matter:
        data: dict[str, Any] = {"tags": wanted_tags, "model-index": model_index}
        for key, value in (missing_keys or {}).items():
            data.setdefault(key, value)
        yaml_text = dump_yaml(data).replace("\n", card.newline)
        return "---" + card.newline + yaml_text + "---" + card.newline + new_body
    existing = load_front_matter(card, path)  # refuse to edit what does not parse
    added = {k: v for k, v in (missing_keys or {}).items() if k not in existing}
    card.yaml_text = update_keys(
        card.yaml_text,
        set_values={"model-index": model_index, **added},
        add_items={"tags": wanted_tags},
        newline=card.newline,
        path=path,
    )
    card.body = new_body
    return card.render()
