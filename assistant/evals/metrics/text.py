"""Matching gold text in answers and reports: forgiving on case, quote style, spacing and `[n]`
markers, strict on whole words (the fact "2" is not in "2025")."""

from __future__ import annotations

import re
from collections.abc import Sequence

# An answer's own `[n]` marker; `\[7]` is a "[7]" quoted from a report (citations.escape_markers).
MARKER = re.compile(r"\s*(?<!\\)\[\d+\]")
_ESCAPED = re.compile(r"\\(\[\d+(?:\s*,\s*\d+)*\])")
_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_WORD = re.compile(r"[^\W_]+(?:['.,][^\W_]+)*")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*(?:\s*\[\d+\])*(?=\s|$)|\n")
_BULLET = re.compile(r"^(?:[-*•]|\d+[.)])\s+")
STOPWORDS = frozenset(
    [
        "a", "an", "and", "are", "as", "at", "be", "been", "being", "but", "by", "did", "do",
        "does", "for", "from", "had", "has", "have", "he", "her", "his", "i", "if", "in", "into",
        "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "she", "so", "than",
        "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to",
        "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why",
        "will", "with", "would", "you", "your", "also", "said", "says", "according", "reports",
        "report", "reported"
    ]
)  # fmt: skip


def strip_markers(text: str) -> str:
    """Answer text without its `[n]` citation markers (a quoted "[7]" is kept, unescaped)."""
    return _ESCAPED.sub(r"\1", MARKER.sub("", text))


def _fold_char(c: str) -> str:
    low = c.lower()
    return (low if len(low) == 1 else c).translate(_FOLD)


def normalize(text: str) -> str:
    """Case-folded text with curly quotes and dashes made plain and whitespace runs collapsed."""
    return " ".join("".join(_fold_char(c) for c in text).split())


def contains_phrase(text: str, phrase: str) -> bool:
    """True when `phrase` occurs in `text` as whole words, ignoring case, quotes and spacing.

    Whole words, so the fact "2" is not found in "2025" nor "army" in "armyless".
    """
    needle = normalize(phrase)
    if not needle:
        return False
    pattern = r"(?<![^\W_])" + re.escape(needle) + r"(?![^\W_])"
    return re.search(pattern, normalize(strip_markers(text))) is not None


def fact_found(text: str, alternatives: Sequence[str]) -> bool:
    """A fact is found when the text contains any of its alternative spellings (`contains_phrase`)."""
    return any(contains_phrase(text, alt) for alt in alternatives)


def locate(needle: str, haystack: str) -> list[tuple[int, int]]:
    """Every (start, end) of `needle` in `haystack`, ignoring case, quote style and whitespace runs.

    Offsets index the original `haystack`, so gold evidence written on one line is found in a
    hard-wrapped report.
    """
    folded: list[str] = []
    index: list[int] = []
    for i, c in enumerate(haystack):
        if c.isspace():
            if folded and folded[-1] == " ":
                continue
            folded.append(" ")
        else:
            folded.append(_fold_char(c))
        index.append(i)
    text = "".join(folded)
    target = normalize(needle)
    spans: list[tuple[int, int]] = []
    if not target:
        return spans
    start = text.find(target)
    while start >= 0:
        last = start + len(target) - 1
        spans.append((index[start], index[last] + 1))
        start = text.find(target, start + 1)
    return spans


def split_sentences(text: str) -> list[str]:
    """Answer text split into sentences at . ! ? (plus any closing quote and the `[n]` markers
    that follow) and at line breaks; list bullets are dropped."""
    parts: list[str] = []
    last = 0
    for match in _SENTENCE_END.finditer(text):
        parts.append(text[last : match.end()])
        last = match.end()
    parts.append(text[last:])
    return [_BULLET.sub("", p.strip()) for p in parts if p.strip()]


def content_words(text: str) -> set[str]:
    """Lower-cased words minus stop words, with a crude plural fold (killed/kill stay distinct)."""
    words = (w.lower() for w in _WORD.findall(normalize(strip_markers(text))))
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words if w not in STOPWORDS}
