"""Quantities written in English, read as values: "two", "1,200", "1.5 million", "twenty-five",
"two hundred and fifty" (for comparing what a sentence and its source say, support.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from . import lexicon_en as en

# Numbers, words, and punctuation marks one by one (not hyphens: "twenty-five" reads as a number).
TOKEN = re.compile(
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[^\W\d_]+(?:['’][^\W\d_]+)?|[^\w\s\-‐]"
)


def numbers(text: str) -> set[str]:
    """Quantities in a text as digit strings ("two" -> "2", "1,200" -> "1200", "1.5 million" ->
    "1500000", "twenty-five" -> "25")."""
    return {show(v) for v, _, _ in quantities(text)}


def quantities(text: str) -> list[tuple[float, int, str]]:
    """(value, token index, as written) of every quantity in a text, in order."""
    return read_quantities(TOKEN.findall(text))


def read_quantities(words: Sequence[str]) -> list[tuple[float, int, str]]:
    """`quantities` of a text already split by TOKEN."""
    out: list[tuple[float, int, str]] = []
    i = 0
    while i < len(words):
        value, j = _read_number(words, i)
        if j > i:
            out.append((value, i, " ".join(words[i:j])))
            i = j
        else:
            i += 1
    return out


def _read_number(words: Sequence[str], i: int) -> tuple[float, int]:
    """The number starting at words[i] and the index after it (i itself when there is none)."""
    first = words[i].lower()
    if first[0].isdigit():
        value = float(first.replace(",", ""))
    elif first in en.NUMBER_VALUES and not _pronoun_one(words, i):
        value = float(en.NUMBER_VALUES[first])
    else:
        return 0.0, i
    total, j = 0.0, i + 1
    while j < len(words):
        w = words[j].lower()
        after_and = words[j + 1].lower() if w == "and" and j + 1 < len(words) else ""
        if w in en.NUMBER_MULTIPLIERS and value:  # "two hundred", "1.5 million"
            value *= en.NUMBER_MULTIPLIERS[w]
            if w != "hundred":
                total, value = total + value, 0.0
        elif after_and in en.NUMBER_VALUES and _adds(total, value, after_and):
            pass  # "two hundred and fifty"
        elif w in en.NUMBER_VALUES and _adds(total, value, w):
            value += en.NUMBER_VALUES[w]  # "twenty five", "two thousand five hundred"
        else:
            break
        j += 1
    return round(total + value, 6), j


def _adds(total: float, value: float, word: str) -> bool:
    """May `word` be added to the number read so far: units after tens ("twenty five"), tens or
    units after hundreds ("two hundred fifty"), anything below a thousand after thousands ("two
    thousand five hundred"); not "two two"."""
    n = en.NUMBER_VALUES[word]
    if word in en.NUMBER_MULTIPLIERS or n >= 100:
        return False
    if value == 0:
        return total > 0
    if value % 100 == 0:
        return True
    return 20 <= value < 100 and value % 10 == 0 and n < 10


def _pronoun_one(words: Sequence[str], i: int) -> bool:
    return words[i].lower() == "one" and i > 0 and words[i - 1].lower() in en.ONE_PRONOUN_LEADS


def show(value: float) -> str:
    """A value as digits ("1500000", "2.5")."""
    return str(int(value)) if value == int(value) else f"{value:g}"
