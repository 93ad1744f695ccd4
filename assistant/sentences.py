"""Split report text into titles, headings and sentences, with exact character offsets.

Real reports are hard-wrapped mid-sentence, have headings without full stops and sentences that
lost theirs, so a line break alone says little. Each line break is classified as *soft* (the
sentence goes on: the line ends with a comma or a function word, or the next line starts in
lowercase) or *hard* (a heading, a blank line, a list item, or a line without a full stop followed
by a capitalised line). Runs of softly joined lines are then split on terminal punctuation, but
not inside parentheses opened mid-sentence, nor after an abbreviation unless the next word is one
that is capitalised only at a sentence start ("in the U.S. The next day" ends; "U.S. Army" not).
Everything is one pass over the text with simple regexes, so a 5 MB single line stays linear.
Header lines at the top (title, "Published:", "Source:", "By", a date) are recognised as such here;
what they say is read in headers.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .lexicon_en import (
    FUNCTION_WORDS,
    NUMBER_ABBREVIATIONS,
    PREFIX_ABBREVIATIONS,
    SENTENCE_OPENERS,
    SUFFIX_ABBREVIATIONS,
)

SegmentKind = Literal["title", "heading", "sentence"]


@dataclass(frozen=True, slots=True)
class Segment:
    """A span of text: `text[start:end]` is the sentence or heading, without outer whitespace."""

    start: int
    end: int
    kind: SegmentKind


TERMINALS = frozenset(".!?؟۔…。！？")
_CLOSERS = frozenset("\"'”’»)]")
_OPENERS = frozenset("\"'“‘«([¿¡")
_JOINER_CHARS = frozenset(",;:-–—")
_TERMINAL_RUN = re.compile(r"[.!?؟۔…。！？]+")
_MD_HEADING = re.compile(r"(#{1,6})[ \t]+(?=\S)")
_BULLET = re.compile(r"(?:[-*•]|\d{1,3}[.)])[ \t]+(?=\S)")
_RULE = re.compile(r"=+|-+|\*+|_+|\|[|:\- \t]+")  # rules, setext underlines, |---|
_TABLE_ROW = re.compile(r"\||.* \| ")
DATE_LINE = re.compile(
    r"(?:[A-Za-z]+,?\s+)?(?:\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]+\.?,?|[A-Za-z]+\.?\s+\d{1,2}"
    r"(?:st|nd|rd|th)?,?)\s+\d{4}|\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?"
)
LABEL_LINE = re.compile(r"(source|published|date|dated|updated|posted|author)\s*:\s*(\S.*)", re.I)
BYLINE = re.compile(r"By\s+([A-Z][^.!?]{0,58})")
_INITIALISM = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")

_PAREN_REACH = 400  # longer sentences are not held together by an unclosed "("
_HEADING_WORDS, _HEADING_CHARS = 8, 70
_TITLE_WORDS, _TITLE_CHARS = 16, 150
_MARKED_HEADING_CHARS = 300
"""Longest `# heading` or underlined heading; a longer line is text. Every passage below a heading
carries it (stored with each, embedded with each), so an unbounded one is copied thousands of times."""
_META_LINES = 5  # header lines (Source:, By, Published:) are looked for this far down only


@dataclass(slots=True)
class _Line:
    """One line's content span (after indentation and list/heading markers) and its shape."""

    start: int
    end: int
    marker: str  # "", "#" (markdown heading), "-" (list item, table row), "=" (rule, underline)


def _lines(text: str) -> list[_Line | None]:
    """Content spans of each line; None for blank lines."""
    out: list[_Line | None] = []
    pos, n = 0, len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        s, e = pos, end
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s == e:
            out.append(None)
        elif m := _MD_HEADING.match(text, s, e):
            e2 = e  # drop an optional closing run of #s ("## Title ##"), not the # of "C#"
            while e2 > m.end() and text[e2 - 1] == "#":
                e2 -= 1
            if e2 < e and e2 > m.end() and text[e2 - 1] in " \t":
                e = e2 - 1
                while text[e - 1] in " \t":
                    e -= 1
            out.append(_Line(m.end(), e, "#"))
        elif _RULE.fullmatch(text, s, e) and e - s >= 3:
            out.append(_Line(s, e, "="))
        elif m := _BULLET.match(text, s, e):
            out.append(_Line(m.end(), e, "-"))
        elif _TABLE_ROW.match(text, s, e):
            out.append(_Line(s, e, "-"))  # a table row is an item of its own, never a heading
        else:
            out.append(_Line(s, e, ""))
        if nl < 0:
            break
        pos = nl + 1
    return out


def _first_char_class(text: str, ln: _Line) -> str:
    """'lower', 'digit' or 'upper' (capitals, caseless scripts like Arabic, other symbols)."""
    i = ln.start
    while i < ln.end and (text[i] in _OPENERS or text[i] in "*_`"):
        i += 1
    ch = text[i] if i < ln.end else ""
    if ch.islower():
        return "lower"
    return "digit" if ch.isdigit() else "upper"


def _ends_terminal(text: str, ln: _Line) -> bool:
    e = ln.end
    while e > ln.start and text[e - 1] in _CLOSERS:
        e -= 1
    return e > ln.start and text[e - 1] in TERMINALS


def _ends_joiner(text: str, ln: _Line) -> bool:
    """A line ending in a comma, colon, dash or function word cannot end a sentence."""
    if text[ln.end - 1] in _JOINER_CHARS:
        return True
    k = ln.end
    while k > ln.start and not text[k - 1].isspace() and ln.end - k < 20:
        k -= 1
    return text[k : ln.end].strip("\"'“”‘’()*_").lower() in FUNCTION_WORDS


def _shape(text: str, ln: _Line, max_words: int, max_chars: int) -> bool:
    """Short, no final punctuation, not ending mid-phrase: could be a heading or title."""
    if ln.end - ln.start > max_chars or _ends_terminal(text, ln) or _ends_joiner(text, ln):
        return False
    content = text[ln.start : ln.end]
    return len(content.split()) <= max_words and any(c.isalpha() for c in content)


def _headline(text: str, ln: _Line, lines: list[_Line | None], i: int) -> bool:
    """Line `i`, the first, ends in "?", "!" or "." and is a headline all the same ("Will the
    truce hold?"): one short sentence standing alone, with a blank line or a header line (a date,
    "Source:", "By ...") below it and text further on. A lede is longer, or goes on in the next
    line; a text of one line heads nothing."""
    nxt = lines[i + 1] if i + 1 < len(lines) else None
    if nxt is not None and not (nxt.marker == "" and _is_meta(text, nxt)):
        return False
    content = text[ln.start : ln.end]
    if not _ends_terminal(text, ln) or len(content) > _TITLE_CHARS:
        return False
    if len(content.split()) > _TITLE_WORDS or not any(c.isalpha() for c in content):
        return False
    if not any(rest is not None for rest in lines[i + 1 :]):
        return False
    if content.rstrip("\"'”’»)").endswith(".") and not _heads(text, content, lines[i + 1 :]):
        return False  # "Intro." or "Line 1 ends here." among lines like it heads nothing
    pieces: list[Segment] = []
    _split_run(text, ln.start, ln.end, pieces)
    return len(pieces) == 1


def _heads(text: str, content: str, below: list[_Line | None]) -> bool:
    """A first line ending in "." heads the text when it has three words or more and the text
    below it opens with a longer paragraph (a list of one-line paragraphs heads nothing)."""
    words = len(content.split())
    rest = [ln for ln in below if ln is None or not _is_meta(text, ln)]
    while rest and rest[0] is None:
        rest.pop(0)
    paragraph = 0
    for ln in rest:
        if ln is None:
            break
        paragraph += len(text[ln.start : ln.end].split())
    return words >= 3 and paragraph > words


def _is_meta(text: str, ln: _Line) -> bool:
    """A header line such as "Source: OCHA", "By Jane Doe" or "Published: 1 December 2024"."""
    if ln.end - ln.start > 150:
        return False
    return any(p.fullmatch(text, ln.start, ln.end) for p in (LABEL_LINE, DATE_LINE, BYLINE))


def _collapse(text: str, ln: _Line) -> str:
    return " ".join(text[ln.start : ln.end].split()).casefold()


def split_sentences(text: str) -> list[Segment]:
    """Titles, headings and sentences of `text`, in order, never overlapping."""
    lines = _lines(text)
    out: list[Segment] = []
    unit: list[int] = []  # [start, end] of the run of softly joined lines being built
    prev_terminal = True  # the previous line ended a sentence: this one may be a heading
    seen = 0  # non-blank lines so far
    content_lines = 0  # the same, header lines (Source:, By ..., a date) excluded
    title_key: str | None = None  # a title repeated on the next line is a title too

    def flush() -> None:
        if unit:
            _split_run(text, unit[0], unit[1], out)
            unit.clear()

    for i, ln in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if ln is None or ln.marker == "=":
            flush()
            prev_terminal = True
            continue
        fresh = not unit or prev_terminal
        seen += 1
        if seen <= _META_LINES and fresh and ln.marker == "" and _is_meta(text, ln):
            flush()
            out.append(Segment(ln.start, ln.end, "sentence"))
            prev_terminal = True
            continue
        content_lines += 1
        next_class = _first_char_class(text, nxt) if nxt is not None and nxt.marker == "" else ""
        kind: SegmentKind | None = None
        setext = nxt is not None and nxt.marker == "=" and text[nxt.start] in "=-"
        marked = ln.marker == "#" or (setext and ln.marker == "" and not _ends_terminal(text, ln))
        if marked and ln.end - ln.start <= _MARKED_HEADING_CHARS:
            kind = "heading"  # markdown `# heading` or a setext heading underlined by ===/---
        elif ln.marker == "" and fresh and next_class != "lower":
            if (content_lines == 2 and title_key == _collapse(text, ln)) or (
                content_lines == 1
                and (_shape(text, ln, _TITLE_WORDS, _TITLE_CHARS) or _headline(text, ln, lines, i))
            ):
                kind = "title"
            elif _shape(text, ln, _HEADING_WORDS, _HEADING_CHARS):
                kind = "heading"
        if kind is not None:
            flush()
            if content_lines == 1:
                kind = "title"
                title_key = _collapse(text, ln)
            out.append(Segment(ln.start, ln.end, kind))
            prev_terminal = True
            continue
        if ln.marker in ("-", "#") or not unit:  # a list item, or a heading too long to be one
            flush()
            unit[:] = [ln.start, ln.end]
        else:
            unit[1] = ln.end
        prev_terminal = _ends_terminal(text, ln)
        # A line without a full stop goes on into the next one when it ends mid-phrase or the
        # next line starts in lowercase; otherwise the next (capitalised) line starts afresh.
        # Lines ending in terminal punctuation stay joined: the run splitter decides there.
        hard = next_class not in ("", "lower", "digit") and not prev_terminal
        if hard and not _ends_joiner(text, ln):
            flush()
            prev_terminal = True
    flush()
    return out


def _starts_sentence(ch: str) -> bool:
    return ch.isupper() or ch.isdigit() or ch in _OPENERS or (ch.isalpha() and not ch.islower())


def _abbreviation_holds(text: str, dot: int, floor: int, nxt: int, end: int) -> bool:
    """True when the "." at `dot` ends an abbreviation and the sentence goes on at `nxt`.

    Titles, "v." and "e.g." always hold; "No." holds before a number; other listed
    abbreviations, initialisms ("U.S.") and initials ("J.") hold unless the next word is a
    capitalised closed-class word ("...in the U.S. The next day" is two sentences).
    """
    k = dot
    while k > floor and dot - k < 12 and (text[k - 1].isalpha() or text[k - 1] == "."):
        k -= 1
    word = text[k:dot].lstrip(".")
    if not word or word.lower() in ("a.m", "p.m"):
        return False
    if word in PREFIX_ABBREVIATIONS:
        return True
    if word in NUMBER_ABBREVIATIONS:
        return text[nxt].isdigit()
    if word in SUFFIX_ABBREVIATIONS or (len(word) == 1 and word.isupper()):
        return not _opens_sentence(text, nxt, end)
    return bool(_INITIALISM.fullmatch(word)) and not _opens_sentence(text, nxt, end)


def _opens_sentence(text: str, nxt: int, end: int) -> bool:
    """The word at `nxt` is a capitalised closed-class word ("The", "He", "However")."""
    while nxt < end and text[nxt] in _OPENERS:
        nxt += 1
    k = nxt
    while k < end and k - nxt < 12 and text[k].isalpha():
        k += 1
    word = text[nxt:k]
    if not word or not word[0].isupper() or (len(word) > 1 and not word[1:].islower()):
        return False
    if len(word) == 1 and k < end and text[k] in ".-":
        return False  # an initial ("J. A. Hobson") or a code ("I-95"), not "A" or "I"
    return word.lower() in SENTENCE_OPENERS


def _inside_parentheses(text: str, start: int, end: int) -> bool:
    """A "(" opened mid-sentence in `text[start:end]` is still open ("(Pharm. D.) degree").

    One that opens the sentence wraps whole sentences, which split. A stray "(" holds a sentence
    together for `_PAREN_REACH` characters at most.
    """
    if end - start > _PAREN_REACH:
        return False
    span = text[start + (text[start] == "(") : end]
    return span.count("(") > span.count(")")


def _split_run(text: str, start: int, end: int, out: list[Segment]) -> None:
    """Split a run of joined lines on terminal punctuation followed by a sentence start."""
    pos = start
    for m in _TERMINAL_RUN.finditer(text, start, end):
        j = m.end()
        while j < end and text[j] in _CLOSERS:
            j += 1
        if j >= end or not text[j].isspace():
            continue
        k = j
        while k < end and text[k].isspace():
            k += 1
        if k >= end or not _starts_sentence(text[k]):
            continue
        if m.group() == "." and _abbreviation_holds(text, m.start(), pos, k, end):
            continue
        if _inside_parentheses(text, pos, j):
            continue
        out.append(Segment(pos, j, "sentence"))
        pos = k
    if pos < end:
        out.append(Segment(pos, end, "sentence"))
