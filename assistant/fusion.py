"""How the dense and BM25 lists are merged into one ranking: a linear model over features of each
candidate, fitted on public dev splits (`benchmarks/fit_fusion.py`), instead of fixed
reciprocal-rank-fusion constants.

RRF only sees ranks: it cannot tell a dense hit far ahead of the rest from a near tie, nor that a
passage holds every rare word of the question. The features here say that, and stay meaningful
on any corpus: similarities relative to the best one, log ranks, BM25 relative to the best score,
how much of the question's idf mass a passage (and its heading) holds. The weights are fitted per
embedding model (similarity scales differ); a model without fitted weights falls back to RRF.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import numpy as np

from .lexical import terms
from .types import Passage

WEIGHTS_FILE = Path(__file__).with_name("fusion.json")

FEATURES = (
    "dense",
    "dense_gap",
    "dense_log_rank",
    "in_dense",
    "bm25_ratio",
    "bm25_log_rank",
    "in_bm25",
    "bm25_log",
    "coverage",
    "sentence_coverage",
    "bigram_coverage",
    "heading_coverage",
    "log_length",
)


@dataclass(frozen=True)
class Candidate:
    """A passage either list proposed, with what each list said of it (None: not in that list)."""

    passage: Passage
    title: str
    dense: float | None
    dense_rank: int | None
    lexical: float | None
    lexical_rank: int | None
    rrf: float


def _covered(question: Sequence[str], text: set[str], idf: Callable[[str], float]) -> float:
    total = sum(idf(t) for t in question)
    return sum(idf(t) for t in question if t in text) / total if total else 0.0


def sentences_of(p: Passage) -> list[str]:
    """The passage's sentences (itself when it was stored without sentence offsets)."""
    if not p.sentences:
        return [p.text]
    return [p.text[s - p.start : e - p.start] for s, e in p.sentences]


def _bigrams(words: Sequence[str]) -> set[tuple[str, str]]:
    return set(pairwise(words))


def features(question: str, cands: Sequence[Candidate], idf: Callable[[str], float]) -> np.ndarray:
    """One row per candidate, in `FEATURES` order.

    A passage missing from one list gets that list's last value (the best it could have had) and
    a flag, so the model learns how much being absent costs."""
    dense = [c.dense for c in cands if c.dense is not None]
    top_d, last_d = (max(dense), min(dense)) if dense else (0.0, 0.0)
    lexical = [c.lexical for c in cands if c.lexical is not None]
    top_l, last_l = (max(lexical), min(lexical)) if lexical else (1.0, 0.0)
    n_d, n_l = len(dense), len(lexical)
    qwords = terms(question)
    qterms = sorted(set(qwords))
    qpairs = _bigrams(qwords)
    rows = []
    for c in cands:
        d = c.dense if c.dense is not None else last_d
        lex = c.lexical if c.lexical is not None else last_l
        words = terms(c.passage.text)
        best_sentence = max(
            (_covered(qterms, set(terms(s)), idf) for s in sentences_of(c.passage)), default=0.0
        )
        rows.append(
            (
                d,
                d - top_d,
                math.log1p(c.dense_rank if c.dense_rank is not None else n_d),
                float(c.dense is not None),
                lex / top_l if top_l > 0 else 0.0,
                math.log1p(c.lexical_rank if c.lexical_rank is not None else n_l),
                float(c.lexical is not None),
                math.log1p(lex),
                _covered(qterms, set(words), idf),
                best_sentence,
                len(qpairs & _bigrams(words)) / len(qpairs) if qpairs else 0.0,
                _covered(qterms, set(terms(f"{c.title}\n{c.passage.section}")), idf),
                math.log1p(len(words)),
            )
        )
    return np.asarray(rows, dtype=np.float64).reshape(len(cands), len(FEATURES))


@lru_cache(maxsize=8)
def weights_for(model: str) -> np.ndarray | None:
    """The fitted weights for an embedding model, or None (then RRF ranks): weights fitted on
    another model's similarity scale would rank worse than RRF."""
    try:
        fitted = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8")).get(model)
    except (OSError, ValueError):
        return None
    if not fitted or tuple(fitted.get("features", ())) != FEATURES:
        return None
    return np.asarray(fitted["weights"], dtype=np.float64)
