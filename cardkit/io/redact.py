"""Keep secrets out of every message: tokens, API keys and credentials written into URLs.

A secret known by value (the Hub token, an API key read from the environment) is replaced
wherever it appears; so is anything shaped like a Hugging Face token, the user and password of
a URL, and the value of a URL query parameter named like a key or token.
"""

from __future__ import annotations

import os
import re

MASK = "***"
# Environment variables whose values are secrets wherever they show up.
SECRET_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "OPENAI_API_KEY")
# Shorter values are not registered: masking every "abc" would garble messages for nothing.
_MIN_SECRET = 8

_HF_TOKEN = re.compile(r"\bhf_[A-Za-z0-9]{30,}")
_URL_USERINFO = re.compile(r"(?<=://)[^/\s@]+@")
_SECRET_PARAM = re.compile(
    r"(?i)([?&][^=&\s#]*(?:key|token|secret|password|passwd|auth)[^=&\s#]*=)[^&\s#]+"
)

_known: set[str] = set()


def add_secret(value: str | None) -> None:
    """Mask ``value`` in every later message of this process."""
    if value and len(value) >= _MIN_SECRET:
        _known.add(value)


def add_environment_secrets(names: tuple[str, ...] = SECRET_ENV) -> None:
    for name in names:
        add_secret(os.environ.get(name))


def redact(text: str) -> str:
    """``text`` with every secret replaced by ``***``."""
    for value in sorted(_known, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    text = _HF_TOKEN.sub(MASK, text)
    text = _URL_USERINFO.sub(MASK + "@", text)
    return _SECRET_PARAM.sub(lambda m: m.group(1) + MASK, text)
