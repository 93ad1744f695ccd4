"""The Chroma implementation of `VectorStore`: passages with embeddings, plus a registry collection
holding each report's text, hash and metadata (so span checks and incremental ingest work the same on an embedded folder and on a
shared Chroma server: no state lives in local files).

Chroma is used directly rather than through llama-index's `ChromaVectorStore`: we need exact passage
ids, deletes that keep a set of ids, numpy batches on upsert and paged reads of all documents for the
lexical index; the vector store serialises every node a second time into metadata (`_node_content`),
which doubles storage and read time. The benchmark compares against that default path.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from .chroma_records import passage, passage_meta, record, report_meta, where_clause
from .config import Settings
from .errors import (
    AssistantError,
    EmbeddingMismatch,
    StoreBusy,
    StoreError,
    StoreUnavailable,
    UnknownReport,
)
from .store import Filters, ReportRecord
from .types import Passage, Report

log = logging.getLogger(__name__)

STATE_ID = "__state__"
PAGE = 2000


def _client_factory(settings: Settings) -> tuple[Callable[[], Any], str]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        headers = (
            {"Authorization": f"Bearer {settings.chroma_token}"} if settings.chroma_token else None
        )

        def http() -> Any:
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                headers=headers,
                settings=chroma_settings,
            )

        return http, f"Chroma server at {settings.chroma_url}"
    path = settings.data_dir / "chroma"

    def local() -> Any:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)

    return local, f"Chroma store at {path}"


class ChromaStore:
    """Passages and report registry in two Chroma collections; the registry commit is the last step of
    every change, so an interrupted ingest leaves the previous state visible and nothing lost."""

    def __init__(
        self,
        connect: Callable[[], Any],
        name: str,
        embed_model: str,
        where: str,
        lock: Path | None = None,
        wait: float = 600.0,
    ) -> None:
        self._connect = connect
        self.name = name
        self.embed_model = embed_model
        self.where = where
        self._lock = lock  # embedded stores: a file beside the data that one writer holds
        self._wait = wait
        self._client: Any = None
        self._passages: Any = None
        self._registry: Any = None
        self._records: tuple[str, dict[str, ReportRecord]] | None = None

    @classmethod
    def from_settings(cls, settings: Settings, embed_model: str) -> ChromaStore:
        connect, where = _client_factory(settings)
        # Two processes writing one embedded store corrupt its HNSW index, so they take turns. A
        # server orders its own writes; concurrent writers there are the versioned-commit work.
        lock = None if settings.chroma_url else settings.data_dir / "chroma" / "write.lock"
        return cls(connect, settings.collection, embed_model, where, lock, settings.write_wait)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One writer per embedded store across processes; a second one waits (saying so), then
        gives up with `StoreBusy` after the configured wait. Readers are never blocked."""
        if self._lock is None:
            yield
            return
        from filelock import FileLock, Timeout

        self._lock.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self._lock))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            log.warning(
                "another ingest or removal is writing to %s: waiting up to %.0f s",
                self.where,
                self._wait,
            )
            try:
                lock.acquire(timeout=self._wait)
            except Timeout:
                raise StoreBusy(
                    f"{self.where} is being changed by another process (an ingest or a removal): "
                    "try again when it has finished"
                ) from None
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Connection failures become `StoreUnavailable` (and the next call reconnects); any other
        failure keeps its meaning as a one-line `StoreError` naming the store and the cause."""
        try:
            yield
        except AssistantError:
            raise
        except Exception as exc:
            reason = str(exc).splitlines()[0][:200] if str(exc).strip() else ""
            if _is_connection_failure(exc):
                self._client = self._passages = self._registry = None
                raise StoreUnavailable(
                    f"{self.where} is unavailable: {reason or exc.__class__.__name__}"
                ) from exc
            detail = f"{exc.__class__.__name__}: {reason}" if reason else exc.__class__.__name__
            raise StoreError(f"{self.where} failed: {detail}") from exc

    def _open(self) -> tuple[Any, Any]:
        if self._passages is None:
            with self._guard():
                client = self._connect()
                passages = client.get_or_create_collection(
                    self.name,
                    embedding_function=None,
                    metadata={"hnsw:space": "cosine", "embed_model": self.embed_model},
                )
                registry = client.get_or_create_collection(
                    f"{self.name}-registry", embedding_function=None
                )
            built_with = (passages.metadata or {}).get("embed_model")
            if built_with and built_with != self.embed_model:
                raise EmbeddingMismatch(
                    f"collection '{self.name}' was built with embedding model '{built_with}' but "
                    f"'{self.embed_model}' is configured; run `assistant ingest --rebuild` to rebuild "
                    f"it, or use another ASSISTANT_COLLECTION"
                )
            self._client, self._passages, self._registry = client, passages, registry
        return self._passages, self._registry

    def drop(self) -> None:
        """Delete both collections (rebuild with another embedding model)."""
        with self._guard():
            client = self._client or self._connect()
            for name in (self.name, f"{self.name}-registry"):
                if name in {c if isinstance(c, str) else c.name for c in client.list_collections()}:
                    client.delete_collection(name)
        self._client = self._passages = self._registry = None
        self._records = None

    # registry ---------------------------------------------------------------------------------

    def generation(self) -> str:
        """A token that changes on every committed change, seen by every client of the store."""
        _, registry = self._open()
        with self._guard():
            got = registry.get(ids=[STATE_ID], include=["metadatas"])
        metas = got["metadatas"] or []
        return str(metas[0].get("generation", "")) if metas else ""

    def records(self) -> dict[str, ReportRecord]:
        """Committed reports by id, cached until the generation changes."""
        gen = self.generation()
        if self._records is not None and self._records[0] == gen:
            return self._records[1]
        _, registry = self._open()
        out: dict[str, ReportRecord] = {}
        offset = 0
        with self._guard():
            while True:
                got = registry.get(include=["metadatas"], limit=PAGE, offset=offset)
                for rid, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
                    if rid != STATE_ID:
                        out[rid] = record(rid, meta)
                if len(got["ids"]) < PAGE:
                    break
                offset += PAGE
        self._records = (gen, out)
        return out

    def report(self, report_id: str) -> Report:
        """The stored report, with the exact text every citation offset indexes into."""
        _, registry = self._open()
        with self._guard():
            got = registry.get(ids=[report_id], include=["metadatas", "documents"])
        if not got["ids"]:
            raise UnknownReport(f"no report with id '{report_id}' (see `assistant reports`)")
        rec = record(report_id, (got["metadatas"] or [{}])[0])
        text = (got["documents"] or [""])[0] or ""
        return Report(
            rec.id, rec.title, text, rec.hash, rec.published, rec.source, rec.aliases, rec.names
        )

    def commit_reports(self, reports: Sequence[tuple[Report, int]]) -> None:
        """Make reports' new passages the visible ones (the last step of ingesting them)."""
        if not reports:
            return
        _, registry = self._open()
        with self._guard():
            for i in range(0, len(reports), 100):  # report texts can be large: small requests
                chunk = reports[i : i + 100]
                registry.upsert(
                    ids=[r.id for r, _ in chunk],
                    documents=[r.text for r, _ in chunk],
                    metadatas=[report_meta(r, n) for r, n in chunk],
                    embeddings=[[0.0]] * len(chunk),
                )
        self._bump()

    def remove_report(self, report_id: str) -> None:
        """Forget a report: registry entry first (so it is invisible at once), then its passages."""
        passages, registry = self._open()
        with self._guard():
            if not registry.get(ids=[report_id], include=[])["ids"]:
                raise UnknownReport(f"no report with id '{report_id}' (see `assistant reports`)")
            registry.delete(ids=[report_id])
            self._bump()
            passages.delete(where={"report_id": report_id})

    def _bump(self) -> None:
        _, registry = self._open()
        with self._guard():
            registry.upsert(
                ids=[STATE_ID],
                documents=[""],
                metadatas=[{"generation": uuid.uuid4().hex}],
                embeddings=[[0.0]],
            )

    # passages ---------------------------------------------------------------------------------

    def upsert_passages(self, items: Sequence[tuple[Report, Passage]], vectors: np.ndarray) -> None:
        """Write passages (not yet visible: retrieval checks them against the registry)."""
        if not items:
            return
        col, _ = self._open()
        with self._guard():
            step = max(1, min(PAGE, int(self._client.get_max_batch_size())))
            for i in range(0, len(items), step):
                chunk = items[i : i + step]
                col.upsert(
                    ids=[p.id for _, p in chunk],
                    documents=[p.text for _, p in chunk],
                    embeddings=vectors[i : i + step],
                    metadatas=[passage_meta(r, p) for r, p in chunk],
                )

    def prune_passages(self, report_id: str, keep: set[str]) -> int:
        """Delete a report's passages that are not in `keep` (old versions, interrupted runs)."""
        col, _ = self._open()
        with self._guard():
            ids = col.get(where={"report_id": report_id}, include=[])["ids"]
            stale = [i for i in ids if i not in keep]
            if stale:
                col.delete(ids=stale)
        return len(stale)

    def sweep(self) -> int:
        """Delete passages no committed report owns: runs killed before their commit, or after a
        commit but before the old version's passages were dropped. Returns how many went."""
        col, _ = self._open()
        current = {rid: rec.hash for rid, rec in self.records().items()}
        stale: list[str] = []
        offset = 0
        with self._guard():
            while True:
                got = col.get(include=["metadatas"], limit=PAGE, offset=offset)
                for pid, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
                    if current.get(str(meta["report_id"])) != meta["report_hash"]:
                        stale.append(pid)
                if len(got["ids"]) < PAGE:
                    break
                offset += PAGE
            for i in range(0, len(stale), PAGE):
                col.delete(ids=stale[i : i + PAGE])
        return len(stale)

    def passages_of(self, report_ids: Sequence[str]) -> list[tuple[Passage, str]]:
        """All passages of these reports, each with the report hash it was cut from."""
        col, _ = self._open()
        wanted = set(report_ids)
        out: list[tuple[Passage, str]] = []
        # Filtering by report id in Chroma costs a query per few hundred ids (10 s for 100k
        # passages); beyond a few hundred reports one paged scan of everything is 3x faster.
        if len(wanted) > 400:
            wheres: list[dict[str, Any] | None] = [None]
        else:
            ids = sorted(wanted)
            wheres = [{"report_id": {"$in": ids[i : i + 200]}} for i in range(0, len(ids), 200)]
        with self._guard():
            for where in wheres:
                offset = 0
                while True:
                    got = col.get(
                        where=where,
                        include=["documents", "metadatas"],
                        limit=PAGE * 5,
                        offset=offset,
                    )
                    for pid, doc, meta in zip(
                        got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True
                    ):
                        if meta["report_id"] in wanted:
                            out.append((passage(pid, doc, meta), str(meta["report_hash"])))
                    if len(got["ids"]) < PAGE * 5:
                        break
                    offset += PAGE * 5
        return out

    def get_passages(self, ids: Sequence[str]) -> dict[str, tuple[Passage, str]]:
        """Passages by id, each with its report hash (the lexical index keeps ids only)."""
        if not ids:
            return {}
        col, _ = self._open()
        with self._guard():
            got = col.get(ids=list(ids), include=["documents", "metadatas"])
        return {
            pid: (passage(pid, doc, meta), str(meta["report_hash"]))
            for pid, doc, meta in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True
            )
        }

    def dense_query(
        self, vector: np.ndarray, n: int, filters: Filters | None = None
    ) -> list[tuple[Passage, str, float]]:
        """Nearest passages as (passage, report hash, cosine similarity)."""
        col, _ = self._open()
        with self._guard():
            got = col.query(
                query_embeddings=[vector],
                n_results=n,
                where=where_clause(filters) if filters is not None else None,
                include=["documents", "metadatas", "distances"],
            )
        ids, docs = got["ids"][0], (got["documents"] or [[]])[0]
        metas, dists = (got["metadatas"] or [[]])[0], (got["distances"] or [[]])[0]
        return [
            (passage(pid, doc, meta), str(meta["report_hash"]), 1.0 - float(dist))
            for pid, doc, meta, dist in zip(ids, docs, metas, dists, strict=True)
        ]

    def count(self) -> int:
        col, _ = self._open()
        with self._guard():
            return int(col.count())


def _is_connection_failure(exc: Exception) -> bool:
    """The server cannot be reached (or the folder opened): worth a retry after reconnecting."""
    import httpx

    if isinstance(exc, httpx.TransportError | ConnectionError | TimeoutError | OSError):
        return True
    return isinstance(exc, ValueError) and "could not connect" in str(exc).lower()


def make(settings: Settings, embed_model: str) -> ChromaStore:
    """The registered factory: embedded folder, or a server when `chroma_url` is set."""
    return ChromaStore.from_settings(settings, embed_model)
