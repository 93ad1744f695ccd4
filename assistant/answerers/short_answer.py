"""The short answer inside a cited sentence: for "how many", "when", "who" and "where" questions,
the clause of the best sentence that gives the number, date or name asked for.

A reader asking "How many boats sank?" wants "37 boats sank" first, then the sentences it comes
from. The clause is a verbatim piece of the sentence, cut only at punctuation (commas,
semicolons, colons, brackets, dashes): cutting at "and" would part "two were killed and 15
injured" and answer a question about the injured with the dead.
"""

from __future__ import annotations

import re

from .. import lexicon_en as en
from ..lexical import terms
from .learned import asked_kind, gives_kind

# A comma or colon before a digit is part of a value ("37,000", "10:30", "May 3, 2024"); a dash
# cuts only between spaces ("1338–39" is one value).
_CUT = re.compile(r"\s*(?:[,:](?!\s?\d)|[;()\[\]]|\s[–—-]\s)\s*")
MIN_WORDS = 3  # a shorter piece is a fragment, not an answer
MIN_SHARE = 0.5  # of what the sentence shares with the question, the clause keeps at least this


def answer_clause(sentence: str, question: str) -> tuple[int, int] | None:
    """(start, end) within `sentence` of the clause that answers a typed question, or None when
    the question has no type, no clause gives the answer with enough of the question's words,
    or the clause is the whole sentence."""
    kind = asked_kind(question)
    if kind is None:
        return None
    asked = set(terms(question))
    shared = len(asked & set(terms(sentence)))
    best: tuple[int, int, int] | None = None  # (overlap, start, end)
    for start, end in _clauses(sentence):
        clause = sentence[start:end]
        words = clause.split()
        if len(words) < MIN_WORDS or not gives_kind(kind, clause, question):
            continue
        if words[0].lower() in en.CLAUSE_OPENERS:  # "which was built in 1887" needs its subject
            continue
        overlap = len(asked & set(terms(clause)))
        if overlap and overlap >= MIN_SHARE * shared and (best is None or overlap > best[0]):
            best = (overlap, start, end)
    if best is None:
        return None
    _, start, end = best
    if sentence[start:end].strip() == sentence.strip().rstrip(".!?").strip():
        return None
    return start, end


def lead(sentence: str, question: str) -> str | None:
    """The short answer as it opens an answer ("37 boats sank."), or None."""
    found = answer_clause(sentence, question)
    if found is None:
        return None
    clause = " ".join(sentence[found[0] : found[1]].split()).rstrip(".!?")
    return clause[:1].upper() + clause[1:] + "."


def _clauses(sentence: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in _CUT.finditer(sentence):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    end = len(sentence.rstrip().rstrip(".!?"))
    if end > pos:
        out.append((pos, end))
    return out
