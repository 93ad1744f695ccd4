"""Questions that ask for what is newest ("the latest", "most recent", "now", "after X") prefer
newer reports: their passages go first, and answerers weigh how new a sentence's report is.

Generic by construction: the cue words are English (`lexicon_en.RECENCY_CUES`), and newness is
the rank of a report's publication date among the reports retrieved for the question, nothing
else. When the passages retrieved all share one date (or none has one), nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from . import lexicon_en as en
from .types import ScoredPassage

_CUES = re.compile(
    r"\b(?:"
    + "|".join(re.escape(c).replace(r"\ ", r"\s+") for c in sorted(en.RECENCY_CUES, key=len)[::-1])
    + r")\b",
    re.I,
)

RECENCY_WEIGHT = 0.1
"""What being the newest report adds to a sentence's score (0-1) for such questions: a newer
sentence wins over an older one that is at most this much more relevant, never over a much
better one; it never decides whether to answer (the gate reads relevance alone)."""


def wants_recent(question: str) -> bool:
    """Does the question ask for the latest, most recent, current, or what came after?"""
    return _CUES.search(question) is not None


def freshness(passages: Sequence[ScoredPassage]) -> dict[str, float]:
    """Report id -> how new its report is among these passages' reports: 1.0 for the newest
    publication date, 0.0 for the oldest and for undated ones, evenly between by rank. Empty
    when fewer than two dates differ (newness then tells nothing)."""
    days = sorted({sp.published for sp in passages if sp.published is not None})
    if len(days) < 2:
        return {}
    rank = {d: i / (len(days) - 1) for i, d in enumerate(days)}
    return {sp.passage.report_id: _rank(rank, sp.published) for sp in passages}


def newest_first(passages: Sequence[ScoredPassage]) -> list[ScoredPassage]:
    """The passages of newer reports first, the retrieval order kept among one date's."""
    fresh = freshness(passages)
    if not fresh:
        return list(passages)
    order = {id(sp): i for i, sp in enumerate(passages)}
    return sorted(passages, key=lambda sp: (-fresh[sp.passage.report_id], order[id(sp)]))


def _rank(rank: Mapping[date, float], day: date | None) -> float:
    return rank[day] if day is not None else 0.0
