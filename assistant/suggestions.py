"""Questions to start with, drawn from what is stored: the reports' headlines and the names most
reports mention (learned at ingest, kept on each `ReportRecord`), set in plain English templates
(`lexicon_en`). Nothing here knows a corpus; an empty store suggests nothing.

Deterministic: the same reports give the same questions in the same order, whatever order the
store lists them in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import zip_longest
from pathlib import PurePosixPath

from .lexicon_en import HEADLINE_QUESTIONS, NAME_JOINERS, NAME_QUESTIONS
from .store import ReportRecord

DEFAULT_COUNT = 4
MAX_COUNT = 10
HEADLINE_WORDS = (3, 16)  # a headline shorter or longer than this (in words) is not offered
MAX_NAME_WORDS = 6
_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[\W_]+")
_WORDS = re.compile(r"[^\W\d_][\w'’-]*")


@dataclass(frozen=True)
class _Name:
    """A name across the stored reports: how many reports name it, and its best rank in any
    one report's names (most frequent first)."""

    text: str
    reports: int
    rank: int


def suggest_questions(records: Iterable[ReportRecord], n: int = DEFAULT_COUNT) -> list[str]:
    """Up to `n` questions about the stored reports: headlines (newest first) and the names most
    reports mention, taken in turn; fewer when the reports offer fewer, none for no reports."""
    n = count(n)
    recs = sorted(records, key=lambda r: r.id)
    by_headline = [
        HEADLINE_QUESTIONS[i % len(HEADLINE_QUESTIONS)].format(h)
        for i, h in enumerate(headlines(recs)[:n])
    ]
    by_name = [
        NAME_QUESTIONS[i % len(NAME_QUESTIONS)].format(name)
        for i, name in enumerate(top_names(recs, n))
    ]
    taken: list[str] = []
    for pair in zip_longest(by_headline, by_name):
        taken += [q for q in pair if q is not None and q not in taken]
    return taken[:n]


def count(n: object) -> int:
    """How many questions were asked for: an int, 0..MAX_COUNT."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, not {type(n).__name__}")
    if not 0 <= n <= MAX_COUNT:
        raise ValueError(f"n must be between 0 and {MAX_COUNT}, not {n}")
    return n


def headlines(records: Iterable[ReportRecord]) -> list[str]:
    """Titles that are headlines (not a file name made readable), newest report first."""
    seen: set[str] = set()
    found: list[tuple[date, str, str]] = []
    for rec in records:
        title = _SPACES.sub(" ", rec.title).strip()
        words = len(title.split())
        if not HEADLINE_WORDS[0] <= words <= HEADLINE_WORDS[1] or _from_file_name(title, rec.id):
            continue
        if title.lower() not in seen:
            seen.add(title.lower())
            found.append((rec.published or date.min, title, rec.id))
    found.sort(key=lambda f: (-f[0].toordinal(), f[1], f[2]))
    return [title for _, title, _ in found]


def top_names(records: Iterable[ReportRecord], limit: int = MAX_COUNT) -> list[str]:
    """The `limit` names most reports mention (then those their report mentions most), one of
    each family: "Ridgeway Water Board" keeps "Ridgeway Water" and "Water Board" out."""
    counts: dict[str, list[int]] = {}  # lower-cased name -> [reports, best rank]
    spelled: dict[str, str] = {}
    rejected: set[str] = set()
    for rec in records:
        headline = rec.title.lower() if _title_case(rec.title) else ""
        seen: set[str] = set()
        for rank, name in enumerate([*(name for name, _ in rec.aliases), *rec.names]):
            key = name.lower()
            if key in seen or key in rejected or (headline and _has_words(headline, key)):
                continue  # (a run of a title-case headline is style, not a name)
            seen.add(key)
            entry = counts.get(key)
            if entry is None:
                if not _plausible(name):
                    rejected.add(key)
                    continue
                counts[key] = entry = [0, rank]
                spelled[key] = name
            entry[0] += 1
            entry[1] = min(entry[1], rank)
    ranked = sorted(
        (_Name(spelled[k], reports, rank) for k, (reports, rank) in counts.items()),
        key=lambda m: (-m.reports, m.rank, m.text.lower()),
    )
    kept: list[str] = []
    for found in ranked:
        if len(kept) == limit:
            break
        if not any(_overlap(found.text, k) for k in kept):
            kept.append(found.text)
    return kept


def _plausible(name: str) -> bool:
    """Two to MAX_NAME_WORDS words, not two names joined ("Orlan and Tavrik")."""
    words = name.lower().split()
    return 2 <= len(words) <= MAX_NAME_WORDS and not any(w in NAME_JOINERS for w in words)


def _title_case(title: str) -> bool:
    """Its longer words (nearly) all capitalised ("Storm Season Batters Northern Coast")."""
    words = [w for w in _WORDS.findall(title) if len(w) > 3]
    return len(words) >= 2 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def _has_words(text: str, words: str) -> bool:
    return words in text and re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text) is not None


def _overlap(a: str, b: str) -> bool:
    """One name is the other, or a run of words inside it."""
    x, y = f" {a.lower()} ", f" {b.lower()} "
    return x in y or y in x


def _from_file_name(title: str, report_id: str) -> bool:
    """A title made from the file name ("flood-update_2.txt" -> "Flood update 2")."""
    stem = PurePosixPath(report_id).stem
    return _NON_WORD.sub(" ", title).strip().lower() == _NON_WORD.sub(" ", stem).strip().lower()


__all__ = ["DEFAULT_COUNT", "MAX_COUNT", "count", "headlines", "suggest_questions", "top_names"]
