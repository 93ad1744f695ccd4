"""The Chroma implementation of `VectorStore`: passages with embeddings, plus a registry collection
holding each report's text, hash and metadata (so span checks and incremental ingest work the same on an embedded folder and on a
shared Chroma server: no state lives in local files).

Chroma is used directly rather than through llama-index's `ChromaVectorStore`: we need exact passage
ids, deletes that keep a set of ids, numpy batches on upsert and paged reads of all documents for the
lexical index; the vector store serialises every node a second time into metadata (`_node_content`),
which doubles storage and read time. The benchmark compares against that default path.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .chroma_connect import client_factory, is_connection_failure, is_not_found
from .chroma_records import (
    passage,
    passage_meta,
    passage_version,
    record,
    report_meta,
    where_clause,
)
from .config import Settings
from .errors import (
    AssistantError,
    EmbeddingMismatch,
    StoreBusy,
    StoreError,
    StoreUnavailable,
    UnknownReport,
)
from .local_cache import (
    load_records,
    registry_cache_path,
    save_records,
    versions_of,
    with_changes,
)
from .store import (
    IN_FLIGHT_GRACE,
    Census,
    CommitOutcome,
    Filters,
    LexicalRow,
    ReportRecord,
    Staged,
    passage_id,
)
from .types import Passage, Report

log = logging.getLogger(__name__)

STATE_ID = "/generation"
"""The registry record holding the generation token: report ids are paths relative to a root and
never begin with '/', so no report can take this id (stores written before versioned commits used '__state__')."""


def _is_state(rid: str, meta: Any) -> bool:
    return rid == STATE_ID or ("generation" in (meta or {}) and "hash" not in (meta or {}))


PAGE = 2000
SCAN_PAGE = 5000  # passages per read when all are read (a read of 20k held ~0.5 GB at once)
RETIRE_AFTER = 60.0  # seconds a replaced embedded client stays open for questions in flight


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
        records_cache: Path | None = None,
    ) -> None:
        self._connect = connect
        self.name = name
        self.embed_model = embed_model
        self.where = where
        self._lock = lock  # embedded stores: a file beside the data that one writer holds
        # With the lock held no other writer can be between writing and committing a version, so
        # every uncommitted passage is garbage; on a shared server it may be someone's in flight.
        self._exclusive = lock is not None
        self._records_changed = False  # by this process's own writes, since the cache was saved
        self._seen: str | None = None  # the last generation this client has caught up with
        self._retired: list[tuple[float, Any]] = []  # replaced embedded clients, when replaced
        self._wait = wait
        self._client: Any = None
        self._passages: Any = None
        self._registry: Any = None
        self._cache: Any = None
        self._records: tuple[str, Mapping[str, ReportRecord]] | None = None
        self.records_cache = records_cache  # this machine's copy of the registry, by generation

    @classmethod
    def from_settings(cls, settings: Settings, embed_model: str) -> ChromaStore:
        connect, where = client_factory(settings)
        # Two processes writing one embedded store corrupt its HNSW index, so they take turns. A
        # server orders its own writes; concurrent writers there are the versioned-commit work.
        lock = None if settings.chroma_url else settings.data_dir / "chroma" / "write.lock"
        return cls(
            connect, settings.collection, embed_model, where, lock, settings.write_wait,
            registry_cache_path(settings),
        )  # fmt: skip

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
            self._keep_records()
        finally:
            lock.release()

    def _keep_records(self) -> None:
        """After this process's own commits and removals, made under the write lock (no one else
        changed the store), save the registry it holds as the cache of the new generation: the
        next process starts from it instead of listing every report again (50-70 s at 1M)."""
        if self.records_cache is None or self._records is None or not self._records_changed:
            return
        self._records_changed = False
        gen, records = self._records
        if gen and gen == self._read_generation():
            save_records(self.records_cache, gen, records)

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
            if is_connection_failure(exc):
                self._client = self._passages = self._registry = self._cache = None
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
        self._client = self._passages = self._registry = self._cache = None
        self._records = None
        self._seen = None

    # registry ---------------------------------------------------------------------------------

    def generation(self) -> str:
        """A token that changes on every committed change, seen by every client of the store.

        A change made by another process (an `assistant ingest` beside a running UI) is noticed
        here: an embedded client keeps its vector index in memory and would go on answering from
        deleted records, and a rebuilt collection has a new identity, so the connection is
        reopened before anything else is read."""
        gen = self._read_generation()
        if gen is None or (self._seen is not None and gen != self._seen):
            self._reopen()
            gen = self._read_generation() or ""
        self._seen = gen
        return gen

    def _read_generation(self) -> str | None:
        """The token, or None when the collection went away under this client (rebuilt)."""
        try:
            _, registry = self._open()
            with self._guard():
                got = registry.get(ids=[STATE_ID], include=["metadatas"])
        except StoreError as exc:
            if isinstance(exc.__cause__, Exception) and is_not_found(exc.__cause__):
                return None
            raise
        metas = got["metadatas"] or []
        return str(metas[0].get("generation", "")) if metas else ""

    def _reopen(self) -> None:
        """Forget every handle and connect afresh. An embedded client's old in-memory index is
        closed a minute later, when no question can still be using it."""
        client, self._client, self._passages, self._registry = self._client, None, None, None
        self._cache = None
        self._records = None
        now = time.monotonic()
        if client is not None and self._exclusive:
            self._retired.append((now, client))
        while self._retired and now - self._retired[0][0] > RETIRE_AFTER:
            with contextlib.suppress(Exception):  # closing a client that is half gone
                self._retired.pop(0)[1].close()

    def records(self) -> Mapping[str, ReportRecord]:
        """Committed reports by id, cached until the generation changes."""
        gen = self.generation()
        if self._records is not None and self._records[0] == gen:
            return self._records[1]
        cached = load_records(self.records_cache, gen) if self.records_cache and gen else None
        if cached is not None:
            self._records = (gen, cached)
            return cached
        _, registry = self._open()
        out: dict[str, ReportRecord] = {}
        offset = 0
        with self._guard():
            while True:
                got = registry.get(include=["metadatas"], limit=PAGE, offset=offset)
                for rid, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
                    if not _is_state(rid, meta):
                        out[rid] = record(rid, meta)
                if len(got["ids"]) < PAGE:
                    break
                offset += PAGE
        self._records = (gen, out)
        if self.records_cache is not None:
            save_records(self.records_cache, gen, out)
        return out

    def report(self, report_id: str) -> Report:
        """The stored report, with the exact text every citation offset indexes into."""
        _, registry = self._open()
        with self._guard():
            got = registry.get(ids=[report_id], include=["metadatas", "documents"])
        if not got["ids"] or _is_state(report_id, (got["metadatas"] or [{}])[0]):
            raise UnknownReport(f"no report with id '{report_id}' (see `assistant reports`)")
        rec = record(report_id, (got["metadatas"] or [{}])[0])
        text = (got["documents"] or [""])[0] or ""
        return Report(
            rec.id, rec.title, text, rec.hash, rec.published, rec.source, rec.aliases, rec.names,
            published_from=rec.published_from,
        )  # fmt: skip

    def report_texts(self, report_ids: Sequence[str]) -> dict[str, str]:
        """The stored texts of these reports (those that exist), a hundred per request: what a
        timeline of many reports reads, instead of a request per report."""
        _, registry = self._open()
        wanted = [r for r in dict.fromkeys(report_ids) if r != STATE_ID]
        out: dict[str, str] = {}
        with self._guard():
            for i in range(0, len(wanted), 100):
                got = registry.get(ids=wanted[i : i + 100], include=["metadatas", "documents"])
                for rid, meta, doc in zip(
                    got["ids"], got["metadatas"] or [], got["documents"] or [], strict=True
                ):
                    if not _is_state(rid, meta):
                        out[rid] = doc or ""
        return out

    def _current_versions(self, report_ids: Sequence[str]) -> dict[str, str]:
        """The committed version of each of these reports that exists (one read per 500 ids)."""
        _, registry = self._open()
        out: dict[str, str] = {}
        wanted = [r for r in dict.fromkeys(report_ids) if r != STATE_ID]
        with self._guard():
            for i in range(0, len(wanted), 500):
                got = registry.get(ids=wanted[i : i + 500], include=["metadatas"])
                for rid, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
                    if not _is_state(rid, meta):
                        out[rid] = record(rid, meta).version
        return out

    def commit_reports(self, staged: Sequence[Staged]) -> CommitOutcome:
        """Flip registry entries to the staged versions, compare-and-set, then clean up.

        Chroma has no conditional write, so the compare-and-set is read, write, read again: a
        writer that finds the version it replaced gone before writing, or another version current
        after writing, has lost and deletes only its own passages; a winner deletes only the
        version it replaced. Versions are unique per write, so a version seen superseded never
        becomes current again, and no one deletes the passages of the current one."""
        outcome = CommitOutcome()
        if not staged:
            return outcome
        _, registry = self._open()
        before = self._current_versions([s.report.id for s in staged])
        eligible = [s for s in staged if before.get(s.report.id) == s.replaces]
        lost = [s for s in staged if before.get(s.report.id) != s.replaces]
        known = self._records_if_current()
        if eligible:
            self._bump()  # before the flip too: no registry cache outlives a half-done commit
        with self._guard():
            for i in range(0, len(eligible), 100):  # report texts can be large: small requests
                chunk = eligible[i : i + 100]
                registry.upsert(
                    ids=[s.report.id for s in chunk],
                    documents=[s.report.text for s in chunk],
                    metadatas=[
                        report_meta(s.report, s.passages, s.version, s.origin) for s in chunk
                    ],
                    embeddings=[[0.0]] * len(chunk),
                )
        if eligible:
            self._bump()
        after = self._current_versions([s.report.id for s in eligible])
        for s in eligible:
            if after.get(s.report.id) == s.version:
                outcome.committed.append(s.report.id)
                if self._exclusive:  # no one else is writing: every other version is garbage
                    self._delete_passages(s.report.id, s.version.__ne__)
                elif s.replaces is not None and s.replaces != s.version:
                    self.delete_version(s.report.id, s.replaces)
            else:
                lost.append(s)
        for s in lost:
            outcome.superseded.append(s.report.id)
            self.delete_version(s.report.id, s.version)
        if known is not None and outcome.committed:
            stored = {
                s.report.id: record(
                    s.report.id, report_meta(s.report, s.passages, s.version, s.origin)
                )
                for s in eligible
                if s.report.id in outcome.committed
            }
            self._records = (self._seen or "", with_changes(known, stored))
            self._records_changed = True
        return outcome

    def _records_if_current(self) -> Mapping[str, ReportRecord] | None:
        """The registry as this client last read it, if no one can have changed it since: only
        while holding an embedded store's write lock (a writer then updates it itself instead of
        listing 300k reports again after every commit; on a server others may commit meanwhile)."""
        if not self._exclusive or self._records is None:
            return None
        return self._records[1] if self._read_generation() == self._records[0] else None

    def remove_reports(self, report_ids: Sequence[str]) -> list[str]:
        """Registry entries first (invisible at once, one generation bump for the whole batch),
        then the passages of the removed versions, a few hundred reports per request."""
        passages, registry = self._open()
        current = self._current_versions(report_ids)
        present = [r for r in dict.fromkeys(report_ids) if r in current]
        if not present:
            return []
        known = self._records_if_current()
        self._bump()  # before the deletes too: no registry cache outlives a half-done removal
        with self._guard():
            for i in range(0, len(present), 500):
                registry.delete(ids=present[i : i + 500])
        self._bump()
        with self._guard():
            for i in range(0, len(present), 200):
                chunk = present[i : i + 200]
                got = passages.get(where={"report_id": {"$in": chunk}}, include=["metadatas"])
                doomed = [
                    pid
                    for pid, meta in zip(got["ids"], got["metadatas"] or [], strict=True)
                    if self._exclusive or passage_version(meta) == current[str(meta["report_id"])]
                ]
                for j in range(0, len(doomed), PAGE):
                    passages.delete(ids=doomed[j : j + PAGE])
        if known is not None:
            self._records = (self._seen or "", with_changes(known, {}, set(present)))
            self._records_changed = True
        return present

    def _bump(self) -> None:
        _, registry = self._open()
        gen = uuid.uuid4().hex
        with self._guard():
            registry.upsert(
                ids=[STATE_ID], documents=[""], metadatas=[{"generation": gen}], embeddings=[[0.0]]
            )
        self._seen = gen  # our own change: nothing to reload

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

    def delete_version(self, report_id: str, version: str) -> int:
        """Delete one version's passages."""
        return self._delete_passages(report_id, lambda v: v == version)

    def _delete_passages(self, report_id: str, doomed_version: Callable[[str], bool]) -> int:
        """Delete a report's passages whose version matches (filtered here: stores older than
        versions keep the version only as the report hash, which a `where` cannot tell apart)."""
        col, _ = self._open()
        with self._guard():
            got = col.get(where={"report_id": report_id}, include=["metadatas"])
            doomed = [
                pid
                for pid, meta in zip(got["ids"], got["metadatas"] or [], strict=True)
                if doomed_version(passage_version(meta))
            ]
            if doomed:
                col.delete(ids=doomed)
        return len(doomed)

    def _scan(self) -> Iterator[tuple[str, Any]]:
        """Every passage's id and metadata, a page at a time."""
        col, _ = self._open()
        offset = 0
        with self._guard():
            while True:
                got = col.get(include=["metadatas"], limit=PAGE, offset=offset)
                yield from zip(got["ids"], got["metadatas"] or [], strict=True)
                if len(got["ids"]) < PAGE:
                    break
                offset += PAGE

    def census(self) -> Census:
        counts: dict[tuple[str, str], int] = {}
        written: dict[tuple[str, str], float] = {}
        for _, meta in self._scan():
            key = (str(meta["report_id"]), passage_version(meta))
            counts[key] = counts.get(key, 0) + 1
            written[key] = max(written.get(key, 0.0), float(meta.get("written") or 0))
        return Census(counts, written)

    def sweep(self) -> int:
        """Delete passages no committed version owns: runs killed before their commit, writers
        that lost a race and died before cleaning up. On a shared server a passage younger than
        `IN_FLIGHT_GRACE` may belong to another machine's ingest about to commit: left alone."""
        col, _ = self._open()
        current = versions_of(self.records())
        cutoff = float("inf") if self._exclusive else time.time() - IN_FLIGHT_GRACE
        stale = [
            pid
            for pid, meta in self._scan()
            if current.get(str(meta["report_id"])) != passage_version(meta)
            and float(meta.get("written") or 0) < cutoff
        ]
        with self._guard():
            for i in range(0, len(stale), PAGE):
                col.delete(ids=stale[i : i + PAGE])
        return len(stale)

    def passages_of(self, report_ids: Sequence[str]) -> list[tuple[Passage, str]]:
        """All passages of these reports, each with the report hash it was cut from."""
        return [
            (passage(pid, doc, meta), passage_version(meta))
            for ids, docs, metas in self._pages_of(report_ids)
            for pid, doc, meta in zip(ids, docs, metas, strict=True)
        ]

    def lexical_rows(self, report_ids: Sequence[str]) -> Iterator[list[LexicalRow]]:
        """Id, report id, version and section + text of every passage of these reports, a page
        at a time (no `Passage` is made: a million of them cost a minute of JSON parsing)."""
        for ids, docs, metas in self._pages_of(report_ids):
            yield [
                (pid, str(meta["report_id"]), passage_version(meta),
                 f"{meta.get('section') or ''}\n{doc or ''}")
                for pid, doc, meta in zip(ids, docs, metas, strict=True)
            ]  # fmt: skip

    def _pages_of(
        self, report_ids: Sequence[str]
    ) -> Iterator[tuple[list[str], list[Any], list[Any]]]:
        """Ids, documents and metadata of these reports' passages, in pages."""
        col, _ = self._open()
        wanted = set(report_ids)
        # Filtering by report id in Chroma costs a query per few hundred ids (10 s for 100k
        # passages); beyond a few hundred reports one paged scan of everything is 3x faster.
        # Its pages are large: each read skips the rows before its offset again.
        if len(wanted) > 400:
            wheres: list[dict[str, Any] | None] = [None]
        else:
            # A few reports (one just added): their committed passages by id first, as the
            # registry names them (a `where` on the report id scanned the metadata of every
            # passage: 25 s at 1M); whatever that does not account for is read by `where`.
            found, complete = self._committed_passages(col, wanted)
            if found[0]:
                yield found
            ids = sorted(wanted - complete)
            wheres = [{"report_id": {"$in": ids[i : i + 200]}} for i in range(0, len(ids), 200)]
        with self._guard():
            for where in wheres:
                for got in _pages(col, where, ["documents", "metadatas"], SCAN_PAGE):
                    keep = [
                        i
                        for i, meta in enumerate(got["metadatas"] or [])
                        if meta is not None and meta["report_id"] in wanted
                    ]
                    docs, metas = got["documents"] or [], got["metadatas"] or []
                    yield (
                        [got["ids"][i] for i in keep],
                        [docs[i] for i in keep],
                        [metas[i] for i in keep],
                    )

    def _committed_passages(
        self, col: Any, report_ids: set[str]
    ) -> tuple[tuple[list[str], list[Any], list[Any]], set[str]]:
        """The current version's passages of these reports, read by the ids the registry implies,
        and the reports whose passages were all there."""
        records = self.records()
        expected = {rid: records[rid] for rid in sorted(report_ids) if rid in records}
        ids = [
            passage_id(rid, r.version, i) for rid, r in expected.items() for i in range(r.passages)
        ]
        out: tuple[list[str], list[Any], list[Any]] = ([], [], [])
        seen: dict[str, int] = {}
        with self._guard():
            for i in range(0, len(ids), PAGE):
                got = col.get(ids=ids[i : i + PAGE], include=["documents", "metadatas"])
                docs = got["documents"] or [None] * len(got["ids"])
                for pid, doc, meta in zip(got["ids"], docs, got["metadatas"] or [], strict=True):
                    if meta is not None:
                        out[0].append(pid)
                        out[1].append(doc)
                        out[2].append(meta)
                        seen[str(meta["report_id"])] = seen.get(str(meta["report_id"]), 0) + 1
        complete = {rid for rid, r in expected.items() if seen.get(rid, 0) == r.passages}
        if complete != set(expected):  # some passages are not where their ids say: read by `where`
            keep = [j for j, meta in enumerate(out[2]) if str(meta["report_id"]) in complete]
            out = ([out[0][j] for j in keep], [out[1][j] for j in keep], [out[2][j] for j in keep])
        return out, complete

    def get_passages(self, ids: Sequence[str]) -> dict[str, tuple[Passage, str]]:
        """Passages by id, each with its report hash (the lexical index keeps ids only)."""
        if not ids:
            return {}
        col, _ = self._open()
        with self._guard():
            got = col.get(ids=list(ids), include=["documents", "metadatas"])
        return {
            pid: (passage(pid, doc, meta), passage_version(meta))
            for pid, doc, meta in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True
            )
            if meta is not None
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
            (passage(pid, doc, meta), passage_version(meta), 1.0 - float(dist))
            for pid, doc, meta, dist in zip(ids, docs, metas, dists, strict=True)
            if meta is not None  # a record deleted by another client, still in a stale index
        ]

    # embedding cache --------------------------------------------------------------------------

    def _vectors(self) -> Any:
        """The cache collection of this embedding model (its own: vector sizes differ by model;
        not dropped by a rebuild, which is when it saves the most)."""
        if self._cache is None:
            self._open()
            tag = hashlib.sha256(self.embed_model.encode()).hexdigest()[:10]
            with self._guard():
                self._cache = self._client.get_or_create_collection(
                    f"{self.name}-vectors-{tag}",
                    embedding_function=None,
                    metadata={"embed_model": self.embed_model},
                )
        return self._cache

    def cached_vectors(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        col = self._vectors()
        out: dict[str, np.ndarray] = {}
        wanted = list(dict.fromkeys(keys))
        with self._guard():
            for i in range(0, len(wanted), PAGE):
                got = col.get(ids=wanted[i : i + PAGE], include=["embeddings"])
                embeddings = got["embeddings"] if got["embeddings"] is not None else []
                for key, vector in zip(got["ids"], embeddings, strict=True):
                    out[key] = np.asarray(vector, dtype=np.float32)
        return out

    def cache_vectors(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        if not len(keys):
            return
        col = self._vectors()
        with self._guard():
            step = max(1, min(PAGE, int(self._client.get_max_batch_size())))
            for i in range(0, len(keys), step):
                col.upsert(ids=list(keys[i : i + step]), embeddings=vectors[i : i + step])

    def forget_vectors(self, keep: set[str]) -> int:
        """Drop cached vectors no stored passage uses (at worst another machine embeds again)."""
        col = self._vectors()
        doomed: list[str] = []
        offset = 0
        with self._guard():
            while True:
                got = col.get(include=[], limit=PAGE, offset=offset)
                doomed += [key for key in got["ids"] if key not in keep]
                if len(got["ids"]) < PAGE:
                    break
                offset += PAGE
            for i in range(0, len(doomed), PAGE):
                col.delete(ids=doomed[i : i + PAGE])
        return len(doomed)

    def count(self) -> int:
        col, _ = self._open()
        with self._guard():
            return int(col.count())


def _pages(col: Any, where: dict[str, Any] | None, include: list[str], page: int) -> Iterator[Any]:
    """Every record (matching `where`) a page at a time, in order. A scan of a whole collection
    keeps two reads in flight: Chroma's engine answers them in parallel (100k passages took 7-8 s
    instead of 11-16 s on two cores); reads past the count taken at the start go on one at a time
    until a short page."""
    planned = range(0, int(col.count()), page) if where is None else range(0)
    offset = 0
    with ThreadPoolExecutor(2, thread_name_prefix="chroma-scan") as pool:
        ahead: deque[Future[Any]] = deque()
        for offset in planned:
            ahead.append(
                pool.submit(col.get, where=where, include=include, limit=page, offset=offset)
            )
            if len(ahead) == 2:
                yield ahead.popleft().result()
        last: Any = None
        while ahead:
            last = ahead.popleft().result()
            yield last
    offset = offset + page if last is not None else 0
    if last is not None and len(last["ids"]) < page:
        return
    while True:
        got = col.get(where=where, include=include, limit=page, offset=offset)
        yield got
        if len(got["ids"]) < page:
            return
        offset += page


def make(settings: Settings, embed_model: str) -> ChromaStore:
    """The registered factory: embedded folder, or a server when `chroma_url` is set."""
    return ChromaStore.from_settings(settings, embed_model)
