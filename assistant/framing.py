"""Which words of a question speak of the reports rather than of what they report.

"Does the Harbour Times article published on 3 May suggest that ..." names a source, a publication
date and a way of reporting. A report's sentences rarely repeat those words (the source and the
date are the report's metadata, if anything), so an answerer that asks every question word to be
found in the sentences it quotes would refuse such a question however well its facts are covered.
Those words are *framing*: a sentence earns them when it (or its report's source or publication
date) has them, and is not held to account when it lacks them.

Found by English forms alone, never by any corpus's names:
- a source: a capitalised or quoted name in "the X article", "an article from X",
  "reported by X", "according to 'X'" (`lexicon_en.REPORT_NOUNS`);
- a publication date: "published on 3 May 2023", "X on 2023-05-03" (a date right after a source);
- reporting words: "suggest", "portray", "consistent", "coverage" (`lexicon_en.REPORTING_WORDS`),
  only in a question about reports (one that names a source, a report or "according to"): in
  "What describes a ...?" the word is the question's topic.
"""

from __future__ import annotations

import re
from datetime import date

from . import lexicon_en as en
from .accounts import alternatives
from .lexical import terms

_NOUNS = rf"(?:{alternatives(en.REPORT_NOUNS)})"
_WORD = r"(?:[A-Z][\w.&'’]*|[A-Z]{2,}\b)"
# A capitalised run, its words joined by spaces, "|", "-", "&" or a lower-case "of"/"and"/"for"
# between capitalised words ("Valley Courier | Weekend Edition", "Arts and Leisure").
_RUN = rf"{_WORD}(?:(?:\s+[|&–-]\s+|\s+(?:of|and|for)\s+|\s+){_WORD})*"
_QUOTED = r"['‘\"“][^'’\"”\n]{2,60}['’\"”]"
_NAME = rf"(?:{_QUOTED}|{_RUN})"
_DET = r"(?:the|a|an|another|both|this|that|each|one)"
_BY = alternatives(en.REPORTING_VERBS)
# The kind of thing asked for: "Which company ...", "Who is the individual ...", "What is the
# name of the player ...". The answer names it; its sentence rarely says what kind it is.
_ASKED_KIND = re.compile(
    r"^\s*(?:(?:which|what)\s+(?!(?:is|are|was|were|did|does|do|has|have|had|can|could|will|"
    r"would|should|may|might)\b)(?P<a>\w+)|who\s+(?:is|was|are|were)\s+the\s+(?P<b>\w+)"
    r"|what\s+(?:is|was|are|were)\s+the\s+(?P<c>name)\s+of\s+the\s+(?P<d>\w+))",
    re.I,
)
_SOURCE = re.compile(
    # "the X article", "a 'X' report", "The X report" opening a line
    rf"(?:\b{_DET}\s+|^)(?P<a>{_NAME})\s+{_NOUNS}s?\b"
    # "an article from X", "the report published by X", "articles in X"
    rf"|\b{_NOUNS}s?\s+(?:published\s+)?(?:from|by|in)\s+(?:{_DET}\s+)?(?P<b>{_NAME})"
    # "reported by X", "as per X", "according to 'X'" (a quoted name: a person is not quoted)
    rf"|\b(?:{_BY})\s+by\s+(?:{_DET}\s+)?(?P<c>{_NAME})"
    rf"|\b(?:according\s+to|as\s+per)\s+(?:{_DET}\s+)?(?P<d>{_QUOTED})",
    re.MULTILINE,
)
_MONTH = rf"(?:{'|'.join(m.capitalize() for m in en.MONTHS)})"
_DAY = (
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?"
    r"|\d{4}-\d{2}-\d{2})"
)
_PUBLISHED_ON = re.compile(rf"\b(?:published|dated|posted)\s+(?:on\s+|in\s+)?(?P<day>{_DAY})")
_REPORTING = frozenset(terms(" ".join(en.REPORTING_WORDS)))
_ABOUT_REPORTS = re.compile(
    rf"\b(?:{_NOUNS}s?|reported|according\s+to|as\s+per|(?:the\s+)?same\s+source)\b", re.I
)


def framing_terms(question: str) -> frozenset[str]:
    """Stems of the question's words that name its sources and the reports' dates, or speak of
    how the reports tell things: optional for the sentences that answer it."""
    found: set[str] = set()
    for m in _SOURCE.finditer(question):
        name = next(g for g in m.groups() if g)
        found.update(terms(name))
        tail = question[m.end() :]
        on = re.match(rf"\s+(?:published\s+)?(?:on|from|of|dated)\s+(?P<day>{_DAY})", tail)
        if on:
            found.update(terms(on.group("day")))
    for m in _PUBLISHED_ON.finditer(question):
        found.update(terms(m.group("day")))
    kind = _ASKED_KIND.match(question)
    asked = {t for g in kind.groups() if g for t in terms(g)} if kind else set()
    if found or _ABOUT_REPORTS.search(question):  # "suggest" speaks of a report's telling only
        found.update(_REPORTING & set(terms(question)))  # in a question about reports
        found.update(asked)
    return frozenset(found)


def day_terms(day: date | None) -> frozenset[str]:
    """The stems a question could name a report's publication date by ("3 May 2023",
    "2023-05-03")."""
    if day is None:
        return frozenset()
    return frozenset(terms(f"{day:%B} {day.day} {day.year} {day.isoformat()}"))
