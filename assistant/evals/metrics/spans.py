"""Retrieval and citation metrics, over report spans: did the assistant find and cite the gold?"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .text import fact_found

Span = tuple[str, int, int]
"""A report span: (report id, start, end) character offsets into the report's stored text."""


def overlap(a: Span, b: Span) -> int:
    """Characters two spans share (0 when they are in different reports)."""
    if a[0] != b[0]:
        return 0
    return max(0, min(a[2], b[2]) - max(a[1], b[1]))


def covers(a: Span, b: Span) -> bool:
    """Two spans cover each other when they share at least half of the shorter one.

    So a citation of one sentence covers a gold phrase inside it, and a one-sentence citation
    covers a two-sentence gold span it is half of; a neighbouring sentence does not.
    """
    shorter = min(a[2] - a[1], b[2] - b[1])
    return shorter > 0 and overlap(a, b) * 2 >= shorter


def evidence_covered(alternatives: Sequence[Span], spans: Sequence[Span]) -> bool:
    """A gold evidence item (its located spans) is covered when any of `spans` covers any of them."""
    return any(covers(gold, span) for gold in alternatives for span in spans)


def evidence_recall(evidence: Sequence[Sequence[Span]], cited: Sequence[Span]) -> float | None:
    """Evidence recall: share of gold evidence items that some citation covers (`covers`).

    Each item is the list of spans where its text (or any alternative) occurs. None without gold
    evidence; 0 when there are gold items but no citation.
    """
    if not evidence:
        return None
    return sum(evidence_covered(item, cited) for item in evidence) / len(evidence)


def relevant_flags(
    spans: Sequence[Span],
    evidence: Sequence[Sequence[Span]],
    gold_reports: Iterable[str],
) -> list[bool]:
    """Which retrieved passages (or citations) hit the gold: for ranking metrics.

    With gold evidence a span is relevant when it covers an evidence span; otherwise when it
    lies in a gold report. All False when the question has no gold at all.
    """
    reports = set(gold_reports)
    if evidence:
        return [any(evidence_covered(item, [s]) for item in evidence) for s in spans]
    return [s[0] in reports for s in spans]


def hit_at_k(relevant: Sequence[bool], k: int) -> float:
    """hit@k: 1 when any of the first k retrieved passages is relevant, else 0."""
    return 1.0 if any(relevant[:k]) else 0.0


def reciprocal_rank(relevant: Sequence[bool]) -> float:
    """Reciprocal rank: 1/rank of the first relevant passage (rank 1 = best), 0 when none is.

    Its mean over questions is MRR.
    """
    for rank, hit in enumerate(relevant, start=1):
        if hit:
            return 1.0 / rank
    return 0.0


def citation_valid(quote: str, start: int, end: int, report_text: str | None) -> bool:
    """Citation validity: the quote is exactly the report's stored text at [start, end).

    A citation of an unknown report (text None) or with out-of-range offsets is invalid.
    """
    if report_text is None or not 0 <= start < end <= len(report_text):
        return False
    return report_text[start:end] == quote


def citation_supports_gold(
    span: Span,
    quote: str,
    evidence: Sequence[Sequence[Span]],
    gold_reports: Iterable[str],
    facts: Sequence[Sequence[str]],
) -> bool | None:
    """Does one citation support something gold? (the unit of citation precision)

    With gold evidence: it covers an evidence span. Else with gold reports: it lies in one.
    Else with expected facts: its quote contains one. None when the question has no gold at all.
    """
    reports = set(gold_reports)
    if evidence:
        return any(evidence_covered(item, [span]) for item in evidence)
    if reports:
        return span[0] in reports
    if facts:
        return any(fact_found(quote, alts) for alts in facts)
    return None
