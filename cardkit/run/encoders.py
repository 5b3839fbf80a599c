"""The models of a run: the embedding model (a SentenceTransformer or an API) and the reranker.

Only these loaders import mteb, sentence-transformers or torch, and only when called, so the
runner and the Ray executor share them without either importing the other.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cardkit.io.errors import CardkitError, first_line
from cardkit.run.rerank import RerankerSettings
from cardkit.run.settings import RunSettings


@contextlib.contextmanager
def quiet_libraries() -> Iterator[None]:
    """Keep the terminal to progress bars and cardkit's lines: library chatter is not news."""
    with warnings.catch_warnings():
        for category in (FutureWarning, DeprecationWarning, UserWarning):
            warnings.simplefilter("ignore", category)
        for name in ("mteb", "sentence_transformers", "transformers", "datasets"):
            logging.getLogger(name).setLevel(logging.ERROR)
        yield


def quiet_loading_bars() -> None:
    """No bar for loading a model's weights (transformers) or reshaping a task's rows
    (datasets): they come and go in a fraction of a second and, nested in mteb's and
    sentence-transformers' bars of the evaluation, break a terminal's lines. Downloads keep
    huggingface_hub's bars (they may take minutes)."""
    import datasets
    from huggingface_hub.utils import are_progress_bars_disabled, enable_progress_bars
    from transformers.utils import logging as transformers_logging

    hub_bars_off = are_progress_bars_disabled()
    transformers_logging.disable_progress_bar()  # turns huggingface_hub's off as well
    if not hub_bars_off:
        enable_progress_bars()
    datasets.disable_progress_bars()


def api_key(settings: RunSettings) -> str | None:
    """The key given literally (an evalscope config), else the one in the environment."""
    return settings.api_key or os.environ.get(settings.api_key_env)


def device(settings: RunSettings) -> str | None:
    return None if settings.device == "auto" else settings.device


def load_encoder(settings: RunSettings, name: str, revision: str) -> Any:
    """The mteb encoder: a wrapped SentenceTransformer, or the API encoder."""
    from mteb.models.model_meta import ModelMeta

    if settings.api_base:
        from cardkit.run.api_client import EmbeddingsClient
        from cardkit.run.api_model import ApiEncoder

        client = EmbeddingsClient(
            base_url=settings.api_base,
            model=str(settings.api_model),
            api_key=api_key(settings),
            dimensions=settings.dimensions,
            key_env=settings.api_key_env,
        )
        return _keeping_builtin_prompts(ApiEncoder(client, name, revision))

    from mteb.models import SentenceTransformerEncoderWrapper
    from sentence_transformers import SentenceTransformer

    quiet_loading_bars()
    model_path = str(Path(str(settings.model)).expanduser())
    kwargs = dict(settings.model_kwargs)
    hub_revision = settings.revision if not Path(model_path).exists() else None
    try:
        if settings.pooling:
            from sentence_transformers.sentence_transformer.modules import Pooling, Transformer

            transformer = Transformer(
                model_path,
                max_seq_length=settings.max_seq_length,
                model_kwargs=kwargs.pop("model_kwargs", None),
                config_kwargs=kwargs.pop("config_kwargs", None),
            )
            pooling = Pooling(transformer.get_embedding_dimension(), settings.pooling)
            st = SentenceTransformer(
                modules=[transformer, pooling], device=device(settings), **kwargs
            )
        else:
            st = SentenceTransformer(
                model_path, device=device(settings), revision=hub_revision, **kwargs
            )
    except CardkitError:
        raise
    except Exception as exc:  # the library's many ways to say "cannot load this"
        raise CardkitError(f"cannot load the model: {first_line(exc)}", model_path) from None
    if settings.max_seq_length:
        st.max_seq_length = settings.max_seq_length
    if settings.precision != "fp32":
        import torch

        st.to(torch.float16 if settings.precision == "fp16" else torch.bfloat16)
    encoder = SentenceTransformerEncoderWrapper(st)
    meta: ModelMeta = encoder.mteb_model_meta
    encoder.mteb_model_meta = meta.model_copy(update={"name": name, "revision": revision})
    return _keeping_builtin_prompts(encoder)


def _keeping_builtin_prompts(encoder: Any) -> Any:
    """The model's own prompts, kept apart: each task adds the project's to them (job.py)."""
    encoder._cardkit_builtin_prompts = dict(encoder.model_prompts or {})
    return encoder


def load_reranker(reranker: RerankerSettings, device: str | None, name: str, revision: str) -> Any:
    """The mteb model for stage two (imports sentence-transformers and mteb)."""
    if reranker.type == "bi-encoder":
        settings = RunSettings(
            model=reranker.model,
            device=device or "auto",
            max_seq_length=reranker.max_seq_length,
            model_kwargs=dict(reranker.model_kwargs),
        )
        encoder = load_encoder(settings, name, revision)
        if reranker.prompt:
            encoder.model_prompts = {"query": reranker.prompt}
        return encoder
    from mteb.models import CrossEncoderWrapper
    from sentence_transformers import CrossEncoder

    quiet_loading_bars()
    model_path = str(Path(reranker.model).expanduser())
    hub_revision = reranker.revision if not Path(model_path).exists() else None
    try:
        cross = CrossEncoder(
            model_path,
            device=device,
            revision=hub_revision,
            max_length=reranker.max_seq_length,
            **reranker.model_kwargs,
        )
    except Exception as exc:  # the library's many ways to say "cannot load this"
        raise CardkitError(f"cannot load the reranker: {first_line(exc)}", model_path) from None
    wrapper = CrossEncoderWrapper(cross, query_prefix=reranker.prompt or "")
    wrapper.mteb_model_meta = wrapper.mteb_model_meta.model_copy(
        update={"name": name, "revision": revision}
    )
    return wrapper
