"""Numbered sources in, verified citations out: the citation contract lives here.

A citation leaves this module only if `quote == report.text[start:end]` was checked against the
stored report text; markers that resolve to nothing are removed from the answer and counted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .lexical import terms
from .lexicon_en import ABBREVIATIONS, CONTINUATION_OPENERS
from .types import Citation, ScoredPassage, Verdict, page_at

# A marker is `[n]` or `[n, m]`; one a backslash escapes (`\[7]`) is text quoted from a report.
MARKER = re.compile(r"(?<!\\)\[(\d+(?:\s*,\s*\d+)*)\]")
_MARKER_LIKE = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
_ESCAPED_MARKER = re.compile(r"\\(" + _MARKER_LIKE.pattern + ")")
# A claim ends at terminal punctuation (closing quotes and the markers after it go with it) that a
# space or the end follows ("1.5" goes on), or at a line break (list items are claims).
_CLAIM_END = re.compile(r"[.!?]+[\"”’')]*(?:[ \t]*\[\d+(?:\s*,\s*\d+)*\])*(?=\s|$)|\n")
MAX_SPAN_SENTENCES = 3  # most sentences one citation of a model's claim quotes
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def escape_markers(text: str) -> str:
    """Report text as it goes into an answer: a `[7]` the report itself writes becomes `\\[7]`
    (the Markdown escape), so only the answerer's own markers are markers."""
    return _MARKER_LIKE.sub(lambda m: "\\" + m.group(0), text)


def unescape_markers(text: str) -> str:
    """Answer text to show people: `\\[7]` quoted from a report reads `[7]` again (the exact
    inverse of `escape_markers`; the answerer's markers are left as they are)."""
    return _ESCAPED_MARKER.sub(r"\1", text)


def format_sources(passages: Sequence[ScoredPassage]) -> str:
    """Sources for a prompt, each between `<source id="n">` and `</source>`: a head line
    `[n] Title (publisher, date)`, the section, the text.

    Report text is data, not instructions (the system prompt says so); the delimiters tell the
    model where it starts and ends, and `as_data` keeps a report from closing one early and
    posing as the prompt."""
    blocks = []
    for n, sp in enumerate(passages, 1):
        meta = ", ".join(
            x for x in (sp.source, sp.published.isoformat() if sp.published else None) if x
        )
        lines = [f"[{n}] {sp.title}" + (f" ({meta})" if meta else "")]
        if sp.passage.section:
            lines.append(f"Section: {sp.passage.section}")
        lines.append(escape_markers(sp.passage.text))  # a report's own "[7]" is not a source id
        body = "\n".join(as_data(line) for line in lines)
        blocks.append(f'<source id="{n}">\n{body}\n</source>')
    return "\n\n".join(blocks)


_DELIMITER = re.compile(r"</?\s*(?:sources?|statement|passages?|question)\b[^>]*>?", re.IGNORECASE)


def as_data(text: str) -> str:
    """Text to put between prompt delimiters: on one line, with any tag of our prompts in it
    (`source(s)`, `statement`, `passage(s)`, `question`) made inert (`‹/source›`), so the text
    can neither end its block nor open one."""
    return _DELIMITER.sub(
        lambda m: m.group(0).replace("<", "‹").replace(">", "›"), " ".join(text.split())
    )


def cite(
    marker: int,
    sp: ScoredPassage,
    start: int,
    end: int,
    report_text: str,
    *,
    support: Verdict = "unsupported",
    support_reason: str = "not checked",
) -> Citation | None:
    """A citation of report_text[start:end], or None when the span is not inside the report.

    `support` is the verdict of the sentence citing it: an answerer whose sentence is the span
    says `quoted`; otherwise it stays `unsupported` ("not checked") until `claims.check` runs."""
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
        page=page_at(sp.passage.pages, start),
        section=sp.passage.section,
        support=support,
        support_reason="" if support != "unsupported" else support_reason,
    )


def best_span(claim: str, sp: ScoredPassage) -> tuple[int, int]:
    """The sentence of a passage that shares most words with a claim (the whole passage if none),
    joined by a sentence next to it that continues it ("This caused ...", "He said ...") while that
    adds words of the claim (up to MAX_SPAN_SENTENCES): a claim that sums up a statement made over
    two sentences cites both, so the support check reads all it draws on."""
    claim_terms = set(terms(claim))
    p = sp.passage
    texts = [p.text[s - p.start : e - p.start] for s, e in p.sentences]
    found = [claim_terms & set(terms(t)) for t in texts]
    if not found or not max(map(len, found)):
        return p.start, p.end
    lo = hi = max(range(len(found)), key=lambda i: len(found[i]))
    covered = set(found[lo])
    while hi - lo + 1 < MAX_SPAN_SENTENCES:
        joins = [i for i in (lo - 1, hi + 1) if 0 <= i < len(found) and found[i] - covered]
        joins = [i for i in joins if _continues(texts[max(i, lo)])]
        if not joins:
            break
        j = joins[0]
        lo, hi = min(lo, j), max(hi, j)
        covered |= found[j]
    return p.sentences[lo][0], p.sentences[hi][1]


def _continues(sentence: str) -> bool:
    """Does a sentence lean on the one before it ("This caused ...", "They said ...")?"""
    words = re.findall(r"\w+", sentence.lower())
    return any(words[: len(o.split())] == o.split() for o in CONTINUATION_OPENERS)


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
            start, end = best_span(claim, sp)
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


def split_claims(text: str) -> list[tuple[int, int]]:
    """The sentences of an answer as (start, end) offsets that tile the text: each holds its
    markers (also those written after its full stop) and the white space after it. A full stop
    after an abbreviation or an initial ("Dr.", "U.S.") does not end a claim."""
    pieces: list[tuple[int, int]] = []
    start = 0
    for m in _CLAIM_END.finditer(text):
        if m.group(0).startswith(".") and _abbreviation_at(text, m.start()):
            continue
        end = len(text) - len(text[m.end() :].lstrip())
        if text[start : m.end()].strip():
            pieces.append((start, end))
            start = end
    if start < len(text) and text[start:].strip():
        pieces.append((start, len(text)))
    elif pieces:
        pieces[-1] = (pieces[-1][0], len(text))
    return pieces


def _abbreviation_at(text: str, dot: int) -> bool:
    word = _WORD_BEFORE.search(text, 0, dot)
    if word is None:
        return False
    w = word.group(1)
    return w in ABBREVIATIONS or len(w.replace(".", "")) == 1 or "." in w


def _claims(text: str) -> list[tuple[int, str]]:
    """Sentence-ish pieces of an answer with their start offsets, to match markers to claims."""
    return [(s, text[s:e]) for s, e in split_claims(text)] or [(0, text)]


def _claim_at(claims: list[tuple[int, str]], offset: int) -> str:
    current = claims[0][1]
    for start, piece in claims:
        if start > offset:
            break
        current = piece
    return MARKER.sub("", current)
