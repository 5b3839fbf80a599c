"""An mteb encoder backed by an OpenAI-compatible embeddings endpoint (``--api-base``).

mteb hands the encoder a DataLoader of text batches; the texts go to the endpoint in batches of
``batch_size`` and the vectors come back as one float32 array, scored with cosine similarity.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from mteb.models.abs_encoder import AbsEncoder
from mteb.models.model_meta import ModelMeta, ScoringFunction
from tqdm.auto import tqdm

from cardkit.run.api_client import EmbeddingsClient


class ApiEncoder(AbsEncoder):
    """Embeds through :class:`EmbeddingsClient`; prompts are prefixed to the texts."""

    def __init__(
        self,
        client: EmbeddingsClient,
        name: str,
        revision: str,
        prompts: dict[str, str] | None = None,
    ):
        self.client = client
        self.model = None
        self.model_prompts = prompts or None
        self.mteb_model_meta = ModelMeta.create_empty(
            overwrites={
                "name": name,
                "revision": revision,
                "similarity_fn_name": ScoringFunction.COSINE,
                "embed_dim": client.dimensions,
                "framework": ["API"],
                "open_weights": False,
            }
        )

    def encode(
        self,
        inputs: Any,
        *,
        task_metadata: Any,
        hf_split: str,
        hf_subset: str,
        prompt_type: Any = None,
        **kwargs: Any,
    ) -> np.ndarray:
        texts = [text for batch in inputs for text in batch["text"]]
        prompt_name = self.get_prompt_name(task_metadata, prompt_type)
        prompt = (self.model_prompts or {}).get(prompt_name) if prompt_name else None
        if prompt:
            texts = [prompt + text for text in texts]
        batch_size = int(kwargs.get("batch_size") or 32)
        with tqdm(
            total=len(texts),
            desc="Embedding via API",
            unit="text",
            disable=not kwargs.get("show_progress_bar", True),
        ) as bar:
            vectors = self.client.embed(texts, batch_size=batch_size, progress=bar.update)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
