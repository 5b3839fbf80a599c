"""The gate before a push: every file that would be uploaded must be valid, or nothing is.

It runs the same validator as `cardkit validate` on the bytes that would be uploaded, so a
push refuses exactly what validation reports as an error, and more: a card without front
matter or without a `model-index` (a push would replace the metadata on the Hub with none),
and an image whose bytes are not the image its name says. Findings are one line each,
``FILE:LINE:COL: PATH: message``.
"""

from __future__ import annotations

from cardkit.io.images import is_image
from cardkit.modelindex import EVAL_RESULTS_FOLDER
from cardkit.publish.files import ASSETS, CARD, UploadFile
from cardkit.validate import validated_document
from cardkit.validate.parse import Document
from cardkit.validate.reporter import format_finding


def _metadata_findings(item: UploadFile, doc: Document) -> list[str]:
    """A valid card may still carry no metadata; pushing it would erase the Hub's."""
    if not doc.parsed:
        missing = "front matter"
    elif not isinstance(doc.data, dict) or not doc.data.get("model-index"):
        missing = "model-index"
    else:
        return []
    return [
        f"{item.local}:1:1: the card has no {missing}: a push would replace the metadata on "
        "the Hub with none; build the card first (cardkit build)"
    ]


def push_findings(files: list[UploadFile]) -> list[str]:
    """Every error that must stop the push (empty when it may go ahead); warnings do not."""
    found: list[str] = []
    for item in files:
        if item.path_in_repo.startswith(f"{ASSETS}/"):
            if not is_image(item.path_in_repo, item.data):
                found.append(
                    f"{item.local}: is not the image its name says (its first bytes are not "
                    "those of that format)"
                )
            continue
        kind = "card" if item.path_in_repo == CARD else "eval-results"
        if kind == "eval-results" and not item.path_in_repo.startswith(f"{EVAL_RESULTS_FOLDER}/"):
            continue
        doc = validated_document(item.data, str(item.local), kind)
        errors = [format_finding(f) for f in doc.findings if f.is_error]
        found.extend(errors)
        if kind == "card" and not errors:
            found.extend(_metadata_findings(item, doc))
            found.extend(_integrity_findings(item))
    return found


def _integrity_findings(card: UploadFile) -> list[str]:
    """`cardkit audit`'s integrity rules for a card: its tables agree with its model-index."""
    from cardkit.audit import card_findings

    return [format_finding(f.as_finding()) for f in card_findings(card.local, card.data)]
