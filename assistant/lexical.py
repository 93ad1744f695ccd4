"""BM25 over passages, kept in step with the store report by report, with an on-disk snapshot.

Written by hand on purpose: bm25s (whose stopword list and Snowball stemmer we reuse) can only build an
index from scratch, and rebuilding a million passages on every small add or remove is what this module
must avoid. Postings are appended per report; removed passages are masked and compacted in bulk. The
index holds ids and term statistics only; passage texts stay in Chroma and are fetched for the top hits.

Everything per passage lives in numpy arrays, not Python objects: a million passages are a few arrays
of ids, lengths and report numbers, and postings are flat arrays with per-word offsets. That is what
lets the snapshot (`save`/`load`, lexical_snapshot.py) be memory-mapped rather than read and rebuilt.
It can never serve stale results: it records each report's hash, and `sync` compares them with the
registry and re-reads exactly the reports that differ.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
from array import array
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from . import lexical_snapshot
from .lexical_columns import Column, Strings
from .lexical_input import (
    STOPWORDS,
    Words,
    lexical_text,
    read_ahead,
    release_free_memory,
    terms,
)
from .store import LexicalRow
from .types import Passage

log = logging.getLogger(__name__)

SNAPSHOT_VERSION = 2
"""1: an .npz read into memory; 2: a flat file of arrays, memory-mapped (lexical_snapshot.py)."""
_TF_MAX = int(np.iinfo(np.uint16).max)  # tfs are stored as uint16 (BM25 saturates long before)

Fetch = Callable[[list[str]], Iterable[Sequence[LexicalRow]]]
__all__ = ["SNAPSHOT_VERSION", "STOPWORDS", "LexicalIndex", "lexical_text", "terms"]


class LexicalIndex:
    """Incremental BM25 (Okapi, k1=1.5, b=0.75) with per-report add/remove.

    Slots (one per passage) below `_frozen_n` come from a snapshot or a compaction and have their
    postings in flat arrays; later slots have theirs in per-word growable arrays."""

    def __init__(self, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._clear()

    def _clear(self) -> None:
        self._frozen_ids = Strings.empty()
        self._frozen_n = 0
        self._new_ids: list[str] = []
        self._codes = Column(np.int32)  # report number per slot
        self._lengths = Column(np.int32)
        self._alive = Column(np.bool_)
        self._names: list[str] = []  # report number -> report id
        self._number: dict[str, int] = {}
        self._vocab: dict[str, int] = {}  # word -> row of the frozen postings
        self._offsets = np.zeros(1, np.int64)
        self._docs = np.zeros(0, np.int32)
        self._tfs = np.zeros(0, np.uint16)
        self._post_docs: dict[str, array[int]] = {}  # appended since
        self._post_tfs: dict[str, array[int]] = {}
        self._np_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._lengths_f: np.ndarray | None = None  # lengths as float32, rebuilt after a change
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None  # slots by report, see _slots_of
        self.report_hashes: dict[str, str] = {}
        self._n_alive = 0
        self._total_len = 0
        self._dead = 0
        self._source: Path | None = None  # the snapshot these arrays map, while being verified
        self._damaged: str | None = None  # set by the verifying thread

    def __len__(self) -> int:
        return self._n_alive

    @property
    def ids(self) -> _Ids:
        """Passage id per slot (dead slots included until compaction)."""
        return _Ids(self)

    @property
    def damaged(self) -> bool:
        """The snapshot this index maps failed a check: the next `sync` rebuilds it."""
        return self._damaged is not None

    @property
    def slots(self) -> int:
        return len(self._codes)

    def passage_id(self, slot: int) -> str:
        f = self._frozen_n
        return self._frozen_ids[slot] if slot < f else self._new_ids[slot - f]

    def report_of(self, slot: int) -> str:
        return self._names[int(self._codes.values[slot])]

    # changes ----------------------------------------------------------------------------------

    def sync(self, wanted: dict[str, str], fetch: Fetch) -> int:
        """Make the index hold exactly the `wanted` reports (id -> version), fetching only what
        changed; returns how many reports were added or removed. `fetch` yields pages of rows
        (passage id, report id, version, text), so a million texts are never held at once."""
        self._drop_if_damaged()
        stale = [r for r, h in self.report_hashes.items() if wanted.get(r) != h]
        for rid in stale:
            self.remove(rid)
        missing = [r for r, h in wanted.items() if self.report_hashes.get(r) != h]
        if missing:
            words, added = Words(), 0
            for page in read_ahead(fetch(missing)):
                rows = [(pid, rid, text) for pid, rid, v, text in page if wanted.get(rid) == v]
                self._add_rows(rows, words)
                added += len(rows)
            for rid in missing:
                self.report_hashes[rid] = wanted[rid]
            if added > 10_000:
                release_free_memory()
        return len(stale) + len(missing)

    def add(self, report_id: str, report_hash: str, passages: Iterable[Passage]) -> None:
        """Index a report's passages (replacing an older version of it)."""
        if report_id in self.report_hashes:
            self.remove(report_id)
        self._add_rows([(p.id, report_id, lexical_text(p)) for p in passages], Words())
        self.report_hashes[report_id] = report_hash

    def _add_rows(self, rows: list[tuple[str, str, str]], words: Words) -> None:
        """Append passages (id, report id, text): tokenised one by one, but counted and
        appended to the postings a whole page at a time with numpy."""
        if not rows:
            return
        first, n = self.slots, len(rows)
        numbers = [words.numbers(text) for _, _, text in rows]
        sizes = np.fromiter((len(x) for x in numbers), np.int64, n)
        flat = np.fromiter(itertools.chain.from_iterable(numbers), np.int64, int(sizes.sum()))
        key, tfs = np.unique(flat * n + np.repeat(np.arange(n), sizes), return_counts=True)
        term_no, docs = np.divmod(key, n)  # sorted by word, then passage
        cuts = np.flatnonzero(np.diff(term_no)) + 1
        docs = (docs + first).astype(np.int32)
        tfs = np.minimum(tfs, _TF_MAX).astype(np.uint16)
        for a, b in zip(np.r_[0, cuts].tolist(), np.r_[cuts, len(key)].tolist(), strict=True):
            t = words.stems[int(term_no[a])]
            if t not in self._post_docs:
                self._post_docs[t], self._post_tfs[t] = array("i"), array("H")
            self._post_docs[t].frombytes(docs[a:b].tobytes())
            self._post_tfs[t].frombytes(tfs[a:b].tobytes())
            if self._np_cache:
                self._np_cache.pop(t, None)
        for pid, rid, _ in rows:
            code = self._number.get(rid)
            if code is None:
                code = self._number[rid] = len(self._names)
                self._names.append(rid)
            self._codes.append(code)
            self._new_ids.append(pid)
        self._lengths.extend(sizes)
        self._alive.extend(np.ones(n, dtype=np.bool_))
        self._n_alive += n
        self._total_len += int(sizes.sum())
        self._lengths_f = None

    def remove(self, report_id: str) -> None:
        """Forget a report; its slots are masked now and compacted when a third is dead."""
        self.report_hashes.pop(report_id, None)
        code = self._number.get(report_id)
        if code is None:
            return
        slots = self._slots_of(code)
        alive = self._alive.values
        slots = slots[alive[slots]]
        if len(slots):
            alive[slots] = False
            self._n_alive -= len(slots)
            self._total_len -= int(self._lengths.values[slots].sum())
            self._dead += len(slots)
            self._np_cache.clear()
        if self._dead > 1000 and self._dead > self.slots // 3:
            self._freeze()

    def _slots_of(self, code: int) -> np.ndarray:
        """A report's slots: binary search in slots sorted by report (made once, then kept while
        only a short tail of slots has been appended since), plus a scan of that tail."""
        codes = self._codes.values
        if self._sorted is None or len(codes) - len(self._sorted[0]) > max(4096, len(codes) // 8):
            order = np.argsort(codes, kind="stable").astype(np.int32)
            self._sorted = (order, codes[order])
        order, by_code = self._sorted
        lo, hi = np.searchsorted(by_code, [code, code + 1])
        tail = len(by_code) + np.flatnonzero(codes[len(by_code) :] == code)
        return np.concatenate([order[lo:hi], tail.astype(np.int32)])

    def _freeze(self) -> None:
        """Rebuild as flat arrays of the live slots only, from the postings (no re-tokenising):
        compaction after many removals, and the form a snapshot is saved in."""
        keep = np.flatnonzero(self._alive.values)
        remap = np.full(self.slots, -1, dtype=np.int32)
        remap[keep] = np.arange(len(keep), dtype=np.int32)
        vocab, docs, tfs, offsets = self._flat_postings(remap)
        ids = Strings.concat(self._frozen_ids, Strings.of(self._new_ids)).take(keep)
        used, codes = np.unique(self._codes.values[keep], return_inverse=True)
        names = [self._names[i] for i in used.tolist()]
        lengths = self._lengths.values[keep]
        hashes = self.report_hashes
        self._clear()
        self._install(ids, codes.astype(np.int32), lengths, names, vocab, offsets, docs, tfs)
        self.report_hashes = hashes

    def _flat_postings(
        self, remap: np.ndarray
    ) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        """Every word's live postings, renumbered by `remap`, as one flat array per column."""
        vocab = list(self._vocab) + [t for t in self._post_docs if t not in self._vocab]
        identity = not self._dead
        kept, docs_parts, tf_parts, counts = [], [], [], []
        for t in vocab:
            d, f = self._live_postings(t, copy=False)
            if len(d):
                kept.append(t)
                docs_parts.append(d if identity else remap[d])
                tf_parts.append(f)
                counts.append(len(d))
        offsets = np.zeros(len(kept) + 1, np.int64)
        np.cumsum(counts, out=offsets[1:])
        docs = np.concatenate(docs_parts).astype(np.int32) if docs_parts else np.zeros(0, np.int32)
        tfs = np.concatenate(tf_parts).astype(np.uint16) if tf_parts else np.zeros(0, np.uint16)
        return kept, docs, tfs, offsets

    def _install(
        self,
        ids: Strings,
        codes: np.ndarray,
        lengths: np.ndarray,
        names: list[str],
        vocab: list[str],
        offsets: np.ndarray,
        docs: np.ndarray,
        tfs: np.ndarray,
    ) -> None:
        """Take flat arrays (freshly made, or views of a mapped snapshot) as the frozen slots."""
        self._frozen_ids, self._frozen_n = ids, len(ids)
        self._codes = Column.of(codes)
        self._lengths = Column.of(lengths)
        self._alive = Column.of(np.ones(len(ids), dtype=np.bool_))
        self._names, self._number = names, {n: i for i, n in enumerate(names)}
        self._vocab = {t: i for i, t in enumerate(vocab)}
        self._offsets, self._docs, self._tfs = offsets, docs, tfs
        self._n_alive, self._total_len = len(ids), int(lengths.sum(dtype=np.int64))

    # reading ----------------------------------------------------------------------------------

    def _float_lengths(self) -> np.ndarray:
        """Lengths as float32, rebuilt only after a change (not per query)."""
        if self._lengths_f is None:
            self._lengths_f = self._lengths.values.astype(np.float32)
        return self._lengths_f

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """A word's live postings (slots, term frequencies), cached until the next change."""
        got = self._np_cache.get(term)
        if got is None:
            got = self._np_cache[term] = self._live_postings(term, copy=True)
        return got

    def _live_postings(self, term: str, copy: bool) -> tuple[np.ndarray, np.ndarray]:
        """Straight from the mapped snapshot while nothing was removed or appended, so only the
        pages of asked words are read. `copy=False` may return views of the growable arrays,
        which must then be dropped before anything is appended."""
        row = self._vocab.get(term)
        docs_parts, tf_parts = [], []
        if row is not None:
            a, b = int(self._offsets[row]), int(self._offsets[row + 1])
            docs_parts.append(self._docs[a:b])
            tf_parts.append(self._tfs[a:b])
        if term in self._post_docs:
            d = np.frombuffer(self._post_docs[term], np.int32)
            f = np.frombuffer(self._post_tfs[term], np.uint16)
            docs_parts.append(d.copy() if copy else d)
            tf_parts.append(f.copy() if copy else f)
        if not docs_parts:
            return np.zeros(0, np.int32), np.zeros(0, np.uint16)
        if len(docs_parts) == 1:
            docs, tfs = docs_parts[0], tf_parts[0]
        else:
            docs, tfs = np.concatenate(docs_parts), np.concatenate(tf_parts)
        if len(docs) and (int(docs.max()) >= self.slots or int(docs.min()) < 0):
            self._damaged = "its postings point past the last passage"
            return np.zeros(0, np.int32), np.zeros(0, np.uint16)
        if self._dead:
            live = self._alive.values[docs]
            docs, tfs = docs[live], tfs[live]
        return docs, tfs

    def idf(self, term: str) -> float:
        """BM25's idf (the +1 keeps it positive): rare words weigh more in sentence scoring too."""
        n, df = max(self._n_alive, 1), len(self._postings(term)[0])
        return float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))

    def reports_with(self, term: str) -> set[str]:
        """Reports with a live passage holding `term` (a stem, as `terms` gives them)."""
        codes = np.unique(self._codes.values[self._postings(term)[0]])
        return {self._names[c] for c in codes.tolist()}

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
        lengths = self._float_lengths()
        avgdl = self._total_len / self._n_alive
        acc = np.zeros(self.slots, dtype=np.float32)
        for t in sorted(qterms):  # a fixed order: float sums then tie the same way every time
            docs, tfs = self._postings(t)
            if not len(docs):
                continue
            tf = tfs.astype(np.float32)
            norm = self.k1 * (1 - self.b + self.b * lengths[docs] / avgdl)
            acc[docs] += self.idf(t) * tf * (self.k1 + 1) / (tf + norm)
        cand = np.flatnonzero(acc > 0)
        out: list[tuple[str, str, float]] = []
        k = n if allowed is None else 4 * n
        while True:
            top = _best(acc, cand, k)
            out = []
            for idx in top.tolist():
                rid = self.report_of(idx)
                if allowed is not None and not allowed(rid):
                    continue
                out.append((self.passage_id(idx), rid, float(acc[idx])))
                if len(out) >= n:
                    return out
            if len(top) >= len(cand):
                return out
            k *= 8  # the filter kept too few of the best: look further down

    # snapshot ---------------------------------------------------------------------------------

    def save(self, path: Path, extra: dict[str, object]) -> None:
        """Write the index (and `extra` JSON, e.g. the registry it was synced with) atomically."""
        if self._dead or self._new_ids or self._post_docs:
            self._freeze()
            release_free_memory()  # the growable arrays it replaced
        meta = {"names": self._names, "hashes": self.report_hashes, "extra": extra}
        arrays = {
            "vocab": np.frombuffer("\n".join(self._vocab).encode(), np.uint8),
            "ids_blob": self._frozen_ids.blob,
            "ids_offsets": self._frozen_ids.offsets,
            "codes": self._codes.values,
            "lengths": self._lengths.values,
            "offsets": self._offsets,
            "docs": self._docs,
            "tfs": self._tfs,
        }
        try:
            lexical_snapshot.write(path, arrays, meta, SNAPSHOT_VERSION)
        except OSError as exc:  # a full disk costs the next start a rebuild, never this answer
            log.warning("could not save the lexical index snapshot %s: %s", path, exc)
            return
        legacy = path.with_name(f"{path.stem}.npz")  # the snapshot format before this one
        if legacy != path:
            with contextlib.suppress(OSError):
                legacy.unlink()

    @classmethod
    def load(
        cls, path: Path, background_check: bool = True
    ) -> tuple[LexicalIndex, dict[str, object]] | None:
        """The saved index and its `extra`, or None when there is none or it is unreadable (a
        truncated or corrupt file is named in a warning and deleted: the caller rebuilds from
        the store, which is the truth the snapshot only caches). Checksums are verified on a
        background thread (or before returning); a mismatch makes the next `sync` rebuild."""
        if not path.exists():
            return None
        try:
            snap = lexical_snapshot.read(path)
            if snap.version != SNAPSHOT_VERSION:
                return None
            index = cls()
            index._load(snap)
        except (lexical_snapshot.SnapshotDamaged, ValueError, KeyError, TypeError) as exc:
            _discard(path, str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__)
            return None
        index._source = path
        if background_check:
            threading.Thread(
                target=index._verify, args=(snap,), name="lexical-verify", daemon=True
            ).start()
        else:
            index._verify(snap)
        return index, dict(snap.meta.get("extra") or {})

    def _load(self, snap: lexical_snapshot.Snapshot) -> None:
        a, meta = snap.arrays, snap.meta
        ids = Strings(a["ids_blob"], a["ids_offsets"])
        vocab = a["vocab"].tobytes().decode().split("\n") if len(a["vocab"]) else []
        names = list(meta["names"])
        n = len(ids)
        if len(a["codes"]) != n or len(a["lengths"]) != n or len(a["offsets"]) != len(vocab) + 1:
            raise ValueError("its parts do not fit together")
        if int(a["offsets"][-1]) != len(a["docs"]) or len(a["docs"]) != len(a["tfs"]):
            raise ValueError("its postings are cut short")
        if n and (int(a["codes"].max()) >= len(names) or int(a["codes"].min()) < 0):
            raise ValueError("its passages name reports it does not list")
        if int(ids.offsets[-1]) != len(ids.blob) or np.any(np.diff(ids.offsets) < 0):
            raise ValueError("its passage ids are cut short")
        self._install(
            ids, a["codes"], a["lengths"], names, vocab, a["offsets"], a["docs"], a["tfs"]
        )
        self.report_hashes = {str(k): str(v) for k, v in dict(meta["hashes"]).items()}

    def _verify(self, snap: lexical_snapshot.Snapshot) -> None:
        bad = lexical_snapshot.verify(snap)
        if bad is not None:
            self._damaged = f"the checksum of its {bad} differs"

    def _drop_if_damaged(self) -> None:
        """After a damaged snapshot was found: delete it and start again from nothing."""
        if self._damaged is None:
            return
        if self._source is not None:
            _discard(self._source, self._damaged)
        self._clear()


def _discard(path: Path, reason: str) -> None:
    log.warning(
        "the lexical index snapshot %s is unreadable (%s): rebuilding it from the store",
        path,
        reason,
    )
    with contextlib.suppress(OSError):
        path.unlink()


def _best(acc: np.ndarray, cand: np.ndarray, k: int) -> np.ndarray:
    """The k best candidates by score, ties by slot: a partial sort, not a sort of all."""
    if len(cand) > k:
        scores = acc[cand]
        kth = np.partition(scores, len(cand) - k)[len(cand) - k]
        cand = cand[scores >= kth]
    return cand[np.argsort(-acc[cand], kind="stable")][:k]


class _Ids:
    """The passage ids by slot, as a read-only sequence."""

    def __init__(self, index: LexicalIndex) -> None:
        self._index = index

    def __len__(self) -> int:
        return self._index.slots

    def __getitem__(self, slot: int) -> str:
        return self._index.passage_id(slot)
