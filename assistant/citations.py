"""Numbered sources in, verified citations out: the citation contract lives here.

A citation leaves this module only if `quote == report.text[start:end]` was checked against the
stored report text; markers that resolve to nothing are removed from the answer and counted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .lexical import terms
from .types import Citation, ScoredPassage

MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def format_sources(passages: Sequence[ScoredPassage]) -> str:
    """Sources as numbered blocks for a prompt: `[n] Title (date) — text`."""
    blocks = []
    for n, sp in enumerate(passages, 1):
        meta = ", ".join(
            x for x in (sp.source, sp.published.isoformat() if sp.published else None) if x
        )
        head = f"[{n}] {sp.title}" + (f" ({meta})" if meta else "")
        section = f"\nSection: {sp.passage.section}" if sp.passage.section else ""
        blocks.append(f"{head}{section}\n{' '.join(sp.passage.text.split())}")
    return "\n\n".join(blocks)


def cite(marker: int, sp: ScoredPassage, start: int, end: int, report_text: str) -> Citation | None:
    """A citation of report_text[start:end], or None when the span is not inside the report."""
    if not (0 <= start < end <= len(report_text)):
        return None
    quote = report_text[start:end]
    if sp.passage.start <= start and end <= sp.passage.end:
        expected = sp.passage.text[start - sp.passage.start : end - sp.passage.start]
        if expected != quote:  # the stored passage and the stored report disagree: refuse
            return None
    return Citation(
        marker=marker,
        report_id=sp.passage.report_id,
        title=sp.title,
        start=start,
        end=end,
        quote=quote,
        published=sp.published,
        source=sp.source,
    )


def best_sentence(claim: str, sp: ScoredPassage) -> tuple[int, int]:
    """The sentence of a passage that shares most words with a claim (the whole passage if none)."""
    claim_terms = set(terms(claim))
    best, best_overlap = (sp.passage.start, sp.passage.end), 0
    for s, e in sp.passage.sentences:
        text = sp.passage.text[s - sp.passage.start : e - sp.passage.start]
        overlap = len(claim_terms & set(terms(text)))
        if overlap > best_overlap:
            best, best_overlap = (s, e), overlap
    return best


def resolve_markers(
    text: str, sources: Sequence[ScoredPassage], report_text: Callable[[str], str]
) -> tuple[str, list[Citation], int]:
    """Map a model's `[n]` markers to verified sentence spans and renumber them 1..m.

    Returns the cleaned text, the citations, and how many markers were dropped (unknown source
    numbers, or spans that failed verification).
    """
    citations: list[Citation] = []
    key_to_marker: dict[tuple[str, int, int], int] = {}
    dropped = 0
    claims = _claims(text)

    def replace(match: re.Match[str]) -> str:
        nonlocal dropped
        claim = _claim_at(claims, match.start())
        kept: list[int] = []
        for raw in match.group(1).split(","):
            n = int(raw)
            if not 1 <= n <= len(sources):
                dropped += 1
                continue
            sp = sources[n - 1]
            start, end = best_sentence(claim, sp)
            key = (sp.passage.report_id, start, end)
            if key not in key_to_marker:
                c = cite(len(citations) + 1, sp, start, end, report_text(sp.passage.report_id))
                if c is None:
                    dropped += 1
                    continue
                citations.append(c)
                key_to_marker[key] = c.marker
            if key_to_marker[key] not in kept:
                kept.append(key_to_marker[key])
        return "".join(f"[{m}]" for m in kept)

    cleaned = MARKER.sub(replace, text)
    cleaned = re.sub(r"[ \t]+([.,;:])", r"\1", re.sub(r"[ \t]{2,}", " ", cleaned)).strip()
    return cleaned, citations, dropped


def _claims(text: str) -> list[tuple[int, str]]:
    """Sentence-ish pieces of an answer with their start offsets, to match markers to claims."""
    out = []
    for m in re.finditer(r"[^.!?\n]+(?:[.!?]+(?:\s*\[[\d,\s]+\])*|\n|$)", text):
        out.append((m.start(), m.group(0)))
    return out or [(0, text)]


def _claim_at(claims: list[tuple[int, str]], offset: int) -> str:
    current = claims[0][1]
    for start, piece in claims:
        if start > offset:
            break
        current = piece
    return MARKER.sub("", current)
