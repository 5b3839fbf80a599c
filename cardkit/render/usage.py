"""What the Usage section and a new card's library keys may say about the model: its Hub id,
whether its weights are published (an API model gets no SentenceTransformer snippet and no
sentence-transformers tag), and the language of its example sentences."""

from __future__ import annotations

import re
from pathlib import Path

from cardkit.io.log import log
from cardkit.io.userfile import read_text
from cardkit.model import ModelResults
from cardkit.readers.discover import model_meta

# ISO 639 codes of Chinese, as cards (zh, zh-CN) and mteb (zho-Hans, cmn-Hans) write them.
_CHINESE = ("zh", "zho", "cmn", "yue")


def open_weights(model: ModelResults) -> bool:
    """False only where model_meta.json says the weights are not published (an API model)."""
    return model_meta(model).get("open_weights") is not False


def reference(model: ModelResults) -> str | None:
    """The model's page, as model_meta.json gives it (None where it gives none)."""
    page = model_meta(model).get("reference")
    return page if isinstance(page, str) and page.startswith("https://") else None


def example_language(language: str | list[str] | None, model: ModelResults) -> str:
    """``zh`` for a Chinese model (the card's first language, else every language of its
    model_meta.json), else ``en``: the language of the Usage section's example sentences."""
    first = language[0] if isinstance(language, list) and language else language
    if isinstance(first, str) and first:
        return "zh" if _is_chinese(first) else "en"
    meta = model_meta(model).get("languages")
    codes = [code for code in meta if isinstance(code, str)] if isinstance(meta, list) else []
    return "zh" if codes and all(_is_chinese(code) for code in codes) else "en"


def _is_chinese(code: str) -> bool:
    return re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0] in _CHINESE


def hub_id(model: ModelResults, name: str, warn: bool = True) -> str:
    """The model's Hub id (ORG/NAME) for the Usage section.

    A name without an organisation (a card's ``gte-large-en-v1.5``) is looked up in
    model_meta.json (its ``name``, its ``reference`` on huggingface.co) and, for results read
    from a card, in that card's own links to huggingface.co/ORG/NAME; where none gives it, one
    line says so (unless ``warn`` is False) and the name is used as it is."""
    if "/" in name:
        return name
    found = _from_meta(model, name) or _from_card_links(model.source, name)
    if found or not warn:
        return found or name
    log.warning(
        "the model name '%s' has no organisation and neither model_meta.json nor the card's "
        "links give its Hub id: the Usage section loads '%s'; give model_id: ORG/NAME in "
        "cardkit.yaml (or --model-name ORG/NAME)",
        name,
        name,
    )
    return name


def _hub_link(name: str) -> re.Pattern[str]:
    return re.compile(
        r"huggingface\.co/([A-Za-z0-9][\w.-]*)/" + re.escape(name) + r"(?![\w.-])", re.IGNORECASE
    )


def _from_meta(model: ModelResults, name: str) -> str | None:
    meta = model_meta(model)
    meta_name = meta.get("name")
    if isinstance(meta_name, str) and meta_name.rpartition("/")[2] == name and "/" in meta_name:
        return meta_name
    reference = meta.get("reference")
    match = _hub_link(name).search(reference) if isinstance(reference, str) else None
    return f"{match.group(1)}/{name}" if match else None


def _from_card_links(source: Path | None, name: str) -> str | None:
    """The organisation the card's links to huggingface.co give the model's name, when they
    agree on one (a card also links to other models of other organisations)."""
    if source is None or not source.is_file() or source.suffix.lower() != ".md":
        return None
    text = read_text(source, "card")
    orgs = {m.group(1) for m in _hub_link(name).finditer(text)} - {"datasets", "spaces"}
    return f"{orgs.pop()}/{name}" if len(orgs) == 1 else None
