"""BM25 over passages, kept in step with the store report by report, with an on-disk snapshot.

Written by hand on purpose: bm25s (whose stopword list and Snowball stemmer we reuse) can only build an
index from scratch, and rebuilding 100k passages on every small add or remove is what this module must
avoid. Postings are appended per report; removed passages are masked and compacted in bulk. The index
holds ids and term statistics only; passage texts stay in Chroma and are fetched for the top hits.

The snapshot (`save`/`load`) lets a new process skip re-reading and re-tokenising every passage. It
can never serve stale results: it records each report's hash, and `sync` compares them with the
registry and re-reads exactly the reports that differ.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from .lexicon_en import EXTRA_STOPWORDS
from .types import Passage

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_STEMMER = Stemmer.Stemmer("english")
STOPWORDS = frozenset(STOPWORDS_EN) | frozenset(EXTRA_STOPWORDS)
SNAPSHOT_VERSION = 1


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
        self.ids: list[str] = []  # passage id per slot
        self.reports: list[str] = []  # report id per slot
        self._lengths: list[int] = []
        self._alive: list[bool] = []
        self._frozen: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # loaded from a snapshot
        self._post_docs: dict[str, list[int]] = {}  # appended since
        self._post_tfs: dict[str, list[int]] = {}
        self._np_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._arrays: tuple[np.ndarray, np.ndarray] | None = None  # lengths, alive as numpy
        self._by_report: dict[str, list[int]] = {}
        self.report_hashes: dict[str, str] = {}
        self._n_alive = 0
        self._total_len = 0
        self._dead = 0

    def __len__(self) -> int:
        return self._n_alive

    def sync(
        self, wanted: dict[str, str], fetch: Callable[[list[str]], Sequence[tuple[Passage, str]]]
    ) -> int:
        """Make the index hold exactly the `wanted` reports (id -> hash), fetching only what
        changed; returns how many reports were added or removed."""
        stale = [r for r, h in self.report_hashes.items() if wanted.get(r) != h]
        for rid in stale:
            self.remove(rid)
        missing = [r for r, h in wanted.items() if self.report_hashes.get(r) != h]
        if missing:
            by_report: dict[str, list[Passage]] = {}
            for p, h in fetch(missing):
                if wanted.get(p.report_id) == h:
                    by_report.setdefault(p.report_id, []).append(p)
            for rid in missing:
                self.add(rid, wanted[rid], sorted(by_report.get(rid, []), key=lambda p: p.start))
        return len(stale) + len(missing)

    def add(self, report_id: str, report_hash: str, passages: Iterable[Passage]) -> None:
        """Index a report's passages (replacing an older version of it)."""
        if report_id in self.report_hashes:
            self.remove(report_id)
        slots = self._by_report.setdefault(report_id, [])
        for p in passages:
            counts = Counter(terms(f"{p.section}\n{p.text}"))
            self._append(p.id, report_id, counts)
            slots.append(len(self.ids) - 1)
        self.report_hashes[report_id] = report_hash

    def _append(self, pid: str, report_id: str, counts: Counter[str]) -> None:
        idx = len(self.ids)
        length = sum(counts.values())
        self.ids.append(pid)
        self.reports.append(report_id)
        self._lengths.append(length)
        self._alive.append(True)
        for t, tf in counts.items():
            self._post_docs.setdefault(t, []).append(idx)
            self._post_tfs.setdefault(t, []).append(tf)
            self._np_cache.pop(t, None)
        self._n_alive += 1
        self._total_len += length
        self._arrays = None

    def remove(self, report_id: str) -> None:
        """Forget a report; its slots are masked now and compacted when a third is dead."""
        for idx in self._by_report.pop(report_id, []):
            if self._alive[idx]:
                self._alive[idx] = False
                self._n_alive -= 1
                self._total_len -= self._lengths[idx]
                self._dead += 1
        self.report_hashes.pop(report_id, None)
        self._np_cache.clear()
        self._arrays = None
        if self._dead > 1000 and self._dead > len(self.ids) // 3:
            self._compact()

    def _compact(self) -> None:
        """Rebuild without dead slots, from the postings (no re-tokenising)."""
        keep = np.flatnonzero(np.asarray(self._alive, dtype=bool))
        remap = np.full(len(self.ids), -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        postings = {t: self._postings(t) for t in self._all_terms()}
        ids, reports, lengths = self.ids, self.reports, self._lengths
        hashes = self.report_hashes
        self._clear()
        self.ids = [ids[i] for i in keep]
        self.reports = [reports[i] for i in keep]
        self._lengths = [lengths[i] for i in keep]
        self._alive = [True] * len(keep)
        for new, rid in enumerate(self.reports):
            self._by_report.setdefault(rid, []).append(new)
        for t, (docs, tfs) in postings.items():
            live = remap[docs] >= 0
            if live.any():
                self._frozen[t] = (remap[docs[live]], tfs[live])
        self.report_hashes = hashes
        self._n_alive, self._total_len = len(keep), int(sum(self._lengths))

    def _numpy(self) -> tuple[np.ndarray, np.ndarray]:
        """Lengths and alive flags as arrays, rebuilt only after a change (not per query)."""
        if self._arrays is None:
            self._arrays = (
                np.asarray(self._lengths, dtype=np.float32),
                np.asarray(self._alive, dtype=bool),
            )
        return self._arrays

    def _all_terms(self) -> set[str]:
        return set(self._frozen) | set(self._post_docs)

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        got = self._np_cache.get(term)
        if got is None:
            frozen = self._frozen.get(term)
            docs = np.asarray(self._post_docs.get(term, []), dtype=np.int64)
            tfs = np.asarray(self._post_tfs.get(term, []), dtype=np.float32)
            if frozen is not None:
                docs, tfs = np.concatenate([frozen[0], docs]), np.concatenate([frozen[1], tfs])
            alive = self._numpy()[1]
            live = alive[docs] if len(docs) else np.zeros(0, dtype=bool)
            got = (docs[live], tfs[live])
            self._np_cache[term] = got
        return got

    def idf(self, term: str) -> float:
        """BM25's idf (the +1 keeps it positive): rare words weigh more in sentence scoring too."""
        n, df = max(self._n_alive, 1), len(self._postings(term)[0])
        return float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))

    def reports_with(self, term: str) -> set[str]:
        """Reports with a live passage holding `term` (a stem, as `terms` gives them)."""
        reports = self.reports
        return {reports[i] for i in self._postings(term)[0].tolist()}

    def search(
        self,
        query: str,
        n: int,
        allowed: Callable[[str], bool] | None = None,
        extra_terms: Iterable[str] = (),
    ) -> list[tuple[str, str, float]]:
        """Top-n (passage id, report id, BM25 score), only positive scores; `allowed` gets a
        report id; `extra_terms` (already stemmed: aliases of names in the query) widen it."""
        qterms = set(terms(query)) | set(extra_terms)
        if not qterms or not self._n_alive:
            return []
        lengths = self._numpy()[0]
        avgdl = self._total_len / self._n_alive
        acc = np.zeros(len(self.ids), dtype=np.float32)
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
        out: list[tuple[str, str, float]] = []
        for idx in order:
            i = int(idx)
            if allowed is not None and not allowed(self.reports[i]):
                continue
            out.append((self.ids[i], self.reports[i], float(acc[i])))
            if len(out) >= n:
                break
        return out

    # snapshot ---------------------------------------------------------------------------------

    def save(self, path: Path, extra: dict[str, object]) -> None:
        """Write the index (and `extra` JSON, e.g. the registry it was synced with) atomically."""
        if self._dead:
            self._compact()
        vocab = sorted(self._all_terms())
        parts = [self._postings(t) for t in vocab]
        offsets = np.cumsum([0] + [len(d) for d, _ in parts])
        meta = {
            "version": SNAPSHOT_VERSION,
            "vocab": vocab,
            "ids": self.ids,
            "reports": self.reports,
            "hashes": self.report_hashes,
            "extra": extra,
        }
        tmp = path.with_suffix(".tmp.npz")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(
                tmp,
                meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                lengths=np.asarray(self._lengths, dtype=np.int32),
                offsets=offsets,
                docs=np.concatenate([d for d, _ in parts]) if parts else np.zeros(0, np.int64),
                tfs=np.concatenate([t for _, t in parts]) if parts else np.zeros(0, np.float32),
            )
            os.replace(tmp, path)
        except OSError as exc:  # a full disk costs the next start a rebuild, never this answer
            log.warning("could not save the lexical index snapshot %s: %s", path, exc)
            with contextlib.suppress(OSError):
                tmp.unlink()

    @classmethod
    def load(cls, path: Path) -> tuple[LexicalIndex, dict[str, object]] | None:
        """The saved index and its `extra`, or None when there is none or it is unreadable (a
        truncated or corrupt file is named in a warning and deleted: the caller rebuilds from
        the store, which is the truth the snapshot only caches)."""
        if not path.exists():
            return None
        try:
            with np.load(path) as data:
                meta = json.loads(data["meta"].tobytes())
                lengths, offsets = data["lengths"], data["offsets"]
                docs, tfs = data["docs"], data["tfs"]
            if meta.get("version") != SNAPSHOT_VERSION:
                return None
            if len(offsets) != len(meta["vocab"]) + 1 or len(lengths) != len(meta["ids"]):
                raise ValueError("its parts do not fit together")
            if int(offsets[-1]) != len(docs) or len(docs) != len(tfs):
                raise ValueError("its postings are cut short")
        # np.load raises whatever its zip, zlib or pickle layers do on a damaged file
        except Exception as exc:
            log.warning(
                "the lexical index snapshot %s is unreadable (%s): rebuilding it from the store",
                path,
                str(exc).splitlines()[0][:120] if str(exc) else exc.__class__.__name__,
            )
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        index = cls()
        index.ids, index.reports = meta["ids"], meta["reports"]
        index._lengths = [int(x) for x in lengths]
        index._alive = [True] * len(index.ids)
        for i, t in enumerate(meta["vocab"]):
            index._frozen[t] = (docs[offsets[i] : offsets[i + 1]], tfs[offsets[i] : offsets[i + 1]])
        for i, rid in enumerate(index.reports):
            index._by_report.setdefault(rid, []).append(i)
        index.report_hashes = meta["hashes"]
        index._n_alive, index._total_len = len(index.ids), int(lengths.sum())
        return index, meta["extra"]
