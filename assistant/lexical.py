"""BM25 over passages, kept in step with the store report by report.

Written by hand on purpose: bm25s (whose stopword list and Snowball stemmer we reuse) can only build an
index from scratch, and rebuilding 100k passages on every small add or remove is what this module must
avoid. Postings are appended per report; removed passages are masked and compacted in bulk.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from .types import Passage

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_STEMMER = Stemmer.Stemmer("english")
STOPWORDS = frozenset(STOPWORDS_EN) | {
    "s",
    "t",
    "has",
    "have",
    "had",
    "been",
    "were",
    "was",
    "did",
    "do",
    "does",
}


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed content words: the unit both BM25 and sentence scoring count."""
    return [_stem(w) for w in _TOKEN.findall(text.lower()) if w not in STOPWORDS]


class LexicalIndex:
    """Incremental BM25 (Okapi, k1=1.5, b=0.75) with per-report add/remove."""

    def __init__(self, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._clear()

    def _clear(self) -> None:
        self.passages: list[Passage | None] = []
        self._lengths: list[int] = []
        self._doc_terms: list[tuple[str, ...]] = []
        self._post_docs: dict[str, list[int]] = {}
        self._post_tfs: dict[str, list[int]] = {}
        self._np_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._df: Counter[str] = Counter()
        self._by_report: dict[str, list[int]] = {}
        self.report_hashes: dict[str, str] = {}
        self._alive = 0
        self._total_len = 0
        self._dead = 0

    def __len__(self) -> int:
        return self._alive

    def sync(
        self, wanted: dict[str, str], fetch: Callable[[list[str]], Sequence[tuple[Passage, str]]]
    ) -> None:
        """Make the index hold exactly the `wanted` reports (id -> hash), fetching only what changed."""
        for rid in [r for r, h in self.report_hashes.items() if wanted.get(r) != h]:
            self.remove(rid)
        missing = [r for r, h in wanted.items() if self.report_hashes.get(r) != h]
        if missing:
            got = [(p, h) for p, h in fetch(missing) if wanted.get(p.report_id) == h]
            by_report: dict[str, list[Passage]] = {}
            for p, _ in got:
                by_report.setdefault(p.report_id, []).append(p)
            for rid in missing:
                self.add(rid, wanted[rid], sorted(by_report.get(rid, []), key=lambda p: p.start))

    def add(self, report_id: str, report_hash: str, passages: Iterable[Passage]) -> None:
        """Index a report's passages (replacing an older version of it)."""
        if report_id in self.report_hashes:
            self.remove(report_id)
        slots = self._by_report.setdefault(report_id, [])
        for p in passages:
            idx = len(self.passages)
            counts = Counter(terms(f"{p.section}\n{p.text}"))
            self.passages.append(p)
            length = sum(counts.values())
            self._lengths.append(length)
            self._doc_terms.append(tuple(counts))
            for t, tf in counts.items():
                self._post_docs.setdefault(t, []).append(idx)
                self._post_tfs.setdefault(t, []).append(tf)
                self._np_cache.pop(t, None)
                self._df[t] += 1
            self._alive += 1
            self._total_len += length
            slots.append(idx)
        self.report_hashes[report_id] = report_hash

    def remove(self, report_id: str) -> None:
        """Forget a report; postings are masked now and compacted when a third is dead."""
        for idx in self._by_report.pop(report_id, []):
            if self.passages[idx] is None:
                continue
            self.passages[idx] = None
            for t in self._doc_terms[idx]:
                self._df[t] -= 1
            self._alive -= 1
            self._total_len -= self._lengths[idx]
            self._dead += 1
        self.report_hashes.pop(report_id, None)
        if self._dead > 1000 and self._dead > len(self.passages) // 3:
            self._compact()

    def _compact(self) -> None:
        keep = [
            (rid, self.report_hashes[rid], [self.passages[i] for i in idxs])
            for rid, idxs in self._by_report.items()
        ]
        self._clear()
        for rid, h, ps in keep:
            self.add(rid, h, [p for p in ps if p is not None])

    def idf(self, term: str) -> float:
        """BM25's idf (the +1 keeps it positive): rare words weigh more in sentence scoring too."""
        n, df = max(self._alive, 1), self._df.get(term, 0)
        return float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        got = self._np_cache.get(term)
        if got is None:
            got = (
                np.asarray(self._post_docs.get(term, []), dtype=np.int64),
                np.asarray(self._post_tfs.get(term, []), dtype=np.float32),
            )
            self._np_cache[term] = got
        return got

    def search(
        self, query: str, n: int, allowed: Callable[[Passage], bool] | None = None
    ) -> list[tuple[Passage, float]]:
        """Top-n passages by BM25 score (only those with a positive score)."""
        qterms = set(terms(query))
        if not qterms or not self._alive:
            return []
        lengths = np.asarray(self._lengths, dtype=np.float32)
        avgdl = self._total_len / self._alive
        scores: dict[int, float] = {}
        acc = np.zeros(len(self.passages), dtype=np.float32)
        touched: list[np.ndarray] = []
        for t in qterms:
            docs, tfs = self._postings(t)
            if not len(docs):
                continue
            norm = self.k1 * (1 - self.b + self.b * lengths[docs] / avgdl)
            acc[docs] += self.idf(t) * tfs * (self.k1 + 1) / (tfs + norm)
            touched.append(docs)
        if not touched:
            return []
        cand = np.unique(np.concatenate(touched))
        order = cand[np.argsort(-acc[cand], kind="stable")]
        out: list[tuple[Passage, float]] = []
        for idx in order:
            p = self.passages[int(idx)]
            if p is None or (allowed is not None and not allowed(p)):
                continue
            scores[int(idx)] = float(acc[idx])
            out.append((p, float(acc[idx])))
            if len(out) >= n:
                break
        return out
