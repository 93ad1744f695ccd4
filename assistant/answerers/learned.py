"""The fitted part of the offline answerer: a sentence model that reorders the hand-scored
candidates, and an abstention gate, both small logistic models.

Their weights are package data per embedder (`calibration.json`), fitted by
`benchmarks/fit_answer_model.py` on tuning questions and the public dev splits, never on a gate
suite. Every feature is defined by the language and the retrieval, never by a corpus: the hand
score itself (so the model starts from what the rules know), the sentence's share of the question,
its passage's similarity and rank, whether it holds the kind of thing asked for, and whether the
question leans on a word no candidate sentence earns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .. import lexicon_en as en
from ..accounts import alternatives
from ..support import names_in

SENTENCE_FEATURES = (
    "score",  # the hand-set score (coverage blended with dense similarity)
    "cover",  # idf-weighted share of the question the sentence earns (with synonyms, aliases)
    "dense",  # its passage's question similarity, spread onto 0-1 by the embedder's calibration
    "rank",  # 1 / (1 + its passage's retrieval rank)
    "lexical",  # its passage's BM25 score relative to the best retrieved passage's
    "kind",  # the question asks for a number / date / name / place and the sentence gives a new one
    "first",  # the first sentence of its passage
    "novel",  # share of the sentence's stems the question does not have
)
GATE_FEATURES = (
    "best",  # the sentence model's log-odds for the best sentence
    "score",  # the best sentence's hand score
    "dense_top",  # the top passage's calibrated similarity
    "missing",  # heaviest question word no candidate earns (synonyms, aliases count), relative
    "kind",  # the best sentence's `kind`
)
SCORED = 12  # candidates the sentence model reorders: the hand score's top ones

_NUMBER = re.compile(rf"\b(\d[\d,.]*|{alternatives(tuple(en.NUMBER_VALUES))})\b", re.I)
_DATE = re.compile(
    rf"\b(1\d{{3}}|20\d{{2}}|{alternatives((*en.MONTHS, *en.WEEKDAYS, *en.RELATIVE_DAYS))})\b",
    re.I,
)
_KINDS = tuple((kind, re.compile(pattern, re.I)) for kind, pattern in en.ANSWER_KINDS)


def asked_kind(question: str) -> str | None:
    """The kind of thing a question asks for ("number", "date", "name", "place"), if any."""
    return next((kind for kind, pattern in _KINDS if pattern.match(question)), None)


def gives_kind(kind: str | None, sentence: str, question: str) -> bool:
    """Whether a sentence holds a thing of that kind that the question itself does not say."""
    if kind is None:
        return False
    if kind == "number":
        return bool(_new(_NUMBER, sentence, question))
    if kind == "date":
        return bool(_new(_DATE, sentence, question))
    asked = {n.lower() for n in names_in(question)}
    return any(n.lower() not in asked for n in names_in(sentence))


def _new(pattern: re.Pattern[str], sentence: str, question: str) -> set[str]:
    asked = {m.group(0).lower() for m in pattern.finditer(question)}
    return {m.group(0).lower() for m in pattern.finditer(sentence)} - asked


def novelty(sentence_terms: frozenset[str], question_terms: Sequence[str]) -> float:
    """The share of a sentence's stems the question does not have: what it adds."""
    if not sentence_terms:
        return 0.0
    return len(sentence_terms - set(question_terms)) / len(sentence_terms)
