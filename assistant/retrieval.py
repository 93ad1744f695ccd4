"""Question -> ranked passages: dense (Chroma) and BM25 (lexical.py), fused by reciprocal rank.

Only passages of committed reports whose hash matches the registry are returned, so a half-finished
ingest never shows up in answers.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from .embeddings import Embedder
from .errors import BadQuestion, EmptyIndex, UnknownReport
from .fusion import Candidate, features, weights_for
from .lexical import LexicalIndex, terms
from .local_cache import versions_of
from .store import Filters, ReportRecord, VectorStore
from .types import Passage, ScoredPassage

__all__ = ["Filters", "Retriever"]


class Retriever:
    """Hybrid retrieval over one store; the lexical index is synced lazily with the store.

    Safe to share between threads (the UI answers several users at once)."""

    def __init__(
        self,
        store: VectorStore,
        embedder: Embedder | None,
        lexical: LexicalIndex | None = None,
        candidates: int = 40,
        rrf_k: int = 60,
        snapshot: Path | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.lexical = lexical or LexicalIndex()
        self.candidates = candidates
        self.rrf_k = rrf_k
        # The lexical index is mutated by sync and read by search: one question at a time in there
        # (milliseconds); the dense query and the answering run concurrently.
        self._lock = threading.Lock()
        # Where the lexical index is saved between processes (a validated cache, see `sync`);
        # it is rewritten once a twentieth of the reports changed.
        self.snapshot = snapshot
        self._loaded = False
        self._unsaved = 0
        # What the lexical index was last synced with (the index, the registry object).
        self._synced: tuple[LexicalIndex, Mapping[str, ReportRecord]] | None = None

    def sync(self) -> Mapping[str, ReportRecord]:
        """Bring the lexical index in step with the store (a no-op when nothing changed).

        A new process starts from the snapshot, if any: `sync` then re-reads only the reports
        whose hash differs from the registry's, so the snapshot can never serve stale text."""
        if not self._loaded and self.snapshot is not None:
            self._loaded = True
            got = LexicalIndex.load(self.snapshot)
            if got is not None:
                self.lexical = got[0]
        records = self.store.records()
        # By identity: comparing two registries of 293k reports by value took 6 s.
        synced = self._synced
        if (
            synced
            and synced[0] is self.lexical
            and synced[1] is records
            and not self.lexical.damaged
        ):
            return records  # the store's cached registry, unchanged: skip comparing 300k hashes
        changed = self.lexical.sync(versions_of(records), self.store.lexical_rows)
        self._synced = (self.lexical, records)
        self._unsaved += changed
        if self.snapshot is not None and self._unsaved > max(20, len(records) // 20):
            self.lexical.save(self.snapshot, {})
            self._unsaved = 0
        return records

    def idf(self, term: str) -> float:
        """The lexical index's idf, read under the lock that guards its updates (another thread's
        question may be syncing the index at the same moment)."""
        with self._lock:
            return self.lexical.idf(term)

    def reports_with(self, words: Sequence[str]) -> dict[str, set[str]]:
        """For each stemmed word, the reports whose passages hold it (the index synced first):
        how the report library searches text without reading it."""
        with self._lock:
            self.sync()
            return {w: self.lexical.reports_with(w) for w in words}

    def best_scores(self, query: str, among: Collection[str]) -> dict[str, float]:
        """The BM25 score of each report's best passage for `query`, for reports in `among`
        that have a passage scoring above zero."""
        with self._lock:
            self.sync()
            hits = self.lexical.search(query, len(self.lexical.ids), lambda rid: rid in among)
        best: dict[str, float] = {}
        for _, rid, score in hits:  # best first: the first seen of a report is its best
            best.setdefault(rid, score)
        return best

    def retrieve(
        self,
        question: str,
        top_k: int,
        filters: Filters | None = None,
        extra_terms: Sequence[str] = (),
    ) -> list[ScoredPassage]:
        """The top_k passages for a question, best first; `extra_terms` (stems of other names
        of what the question names) widen the lexical search only."""
        records, cands = self._candidates(question, filters, extra_terms)
        if not cands:
            return []
        weights = weights_for(self.embedder.model_name) if self.embedder is not None else None
        if weights is None:
            scores = [c.rrf for c in cands]
        else:
            scores = (features(question, cands, self.idf) @ weights).tolist()
        order = sorted(range(len(cands)), key=lambda i: (-scores[i], cands[i].passage.id))
        out = []
        for i in order[:top_k]:
            c = cands[i]
            rec = records[c.passage.report_id]
            out.append(
                ScoredPassage(
                    passage=c.passage,
                    score=c.rrf,
                    title=rec.title,
                    published=rec.published,
                    source=rec.source,
                    dense=c.dense,
                    lexical=c.lexical,
                    published_from=rec.published_from,
                )
            )
        return out

    def candidates_for(
        self, question: str, extra_terms: Sequence[str] = (), filters: Filters | None = None
    ) -> list[Candidate]:
        """Every passage the dense or BM25 list proposes, with what each list said of it: what
        the fusion model ranks (and what `benchmarks/fit_fusion.py` fits it on)."""
        return self._candidates(question, filters, extra_terms)[1]

    def _candidates(
        self, question: str, filters: Filters | None, extra_terms: Sequence[str]
    ) -> tuple[Mapping[str, ReportRecord], list[Candidate]]:
        if not question.strip():
            raise BadQuestion("the question is empty")
        with self._lock:
            records = self.sync()
        if not records:
            raise EmptyIndex("no reports are ingested yet: run `assistant ingest` first")
        filters = filters or Filters()
        # Looked up one by one: a set of the registry's ids cost 22 ms a question at 1M passages.
        unknown = sorted(rid for rid in filters.report_ids or () if rid not in records)
        if unknown:
            raise UnknownReport(f"no report with id '{unknown[0]}' (see `assistant reports`)")
        # Without a filter every committed report is allowed: the registry itself answers `in`
        # (building a set of 293k ids cost 34 ms a question at 1M passages).
        allowed: Collection[str] = (
            {rid for rid, rec in records.items() if filters.allows(rec)}
            if filters.active
            else records
        )
        if not allowed:
            return records, []

        with self._lock:
            lexical_hits = self.lexical.search(
                question,
                self.candidates,
                (lambda rid: rid in allowed) if filters.active else None,
                extra_terms,
            )
        dense: list[tuple[Passage, float]] = []
        if self.embedder is not None:
            vec = self.embedder.embed_query(question)
            hits = self.store.dense_query(vec, self.candidates, filters if filters.active else None)
            dense = [
                (p, sim)
                for p, h, sim in hits
                if p.report_id in allowed and records[p.report_id].version == h
            ]
        if not dense and not terms(question):
            raise BadQuestion("the question has no searchable words")
        known = {p.id: p for p, _ in dense}
        fetched = self.store.get_passages([pid for pid, _, _ in lexical_hits if pid not in known])
        lexical: list[tuple[Passage, float]] = []
        for pid, rid, score in lexical_hits:
            p = known.get(pid) or (
                fetched[pid][0]
                if pid in fetched and fetched[pid][1] == records[rid].version
                else None
            )
            if p is not None:
                lexical.append((p, score))
        return records, self._merge(dense, lexical, records)

    def _merge(
        self,
        dense: list[tuple[Passage, float]],
        lexical: list[tuple[Passage, float]],
        records: Mapping[str, ReportRecord],
    ) -> list[Candidate]:
        """One candidate per passage, with its place and score in each list and its RRF score
        (the ranking when no fusion weights fit the embedder, and the score shown)."""
        rrf: dict[str, float] = {}
        by_id: dict[str, Passage] = {}
        ranks: tuple[dict[str, tuple[int, float]], dict[str, tuple[int, float]]] = ({}, {})
        for ranked, seen in zip((dense, lexical), ranks, strict=True):
            for rank, (p, score) in enumerate(ranked):
                rrf[p.id] = rrf.get(p.id, 0.0) + 1.0 / (self.rrf_k + rank + 1)
                by_id[p.id] = p
                seen[p.id] = (rank, score)
        out = []
        for pid, p in by_id.items():
            d, lex = ranks[0].get(pid), ranks[1].get(pid)
            out.append(
                Candidate(
                    passage=p,
                    title=records[p.report_id].title,
                    dense=d[1] if d else None,
                    dense_rank=d[0] if d else None,
                    lexical=lex[1] if lex else None,
                    lexical_rank=lex[0] if lex else None,
                    rrf=rrf[pid],
                )
            )
        return out
