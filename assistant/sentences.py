"""Split report text into titles, headings and sentences, with exact character offsets.

Real reports are hard-wrapped mid-sentence, have headings without full stops and sentences that
lost theirs, so a line break alone says little. Each line break is classified as *soft* (the
sentence goes on: the line ends with a comma or a function word, or the next line starts in
lowercase) or *hard* (a heading, a blank line, a list item, or a line without a full stop followed
by a capitalised line). Runs of softly joined lines are then split on terminal punctuation.
Everything is one pass over the text with simple regexes, so a 5 MB single line stays linear.
The header lines at the top (title, "Published:", "Source:", "By", a dateline) are read here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

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
_DATE_LINE = re.compile(
    r"(?:[A-Za-z]+,?\s+)?(?:\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]+\.?,?|[A-Za-z]+\.?\s+\d{1,2}"
    r"(?:st|nd|rd|th)?,?)\s+\d{4}|\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?"
)
_DATE_FORMATS = (
    "%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y",
    "%d %B, %Y", "%A, %d %B %Y", "%A, %B %d, %Y", "%A %d %B %Y", "%Y/%m/%d",
)  # fmt: skip
_LABEL = re.compile(r"(source|published|date|dated|updated|posted|author)\s*:\s*(\S.*)", re.I)
_BYLINE = re.compile(r"By\s+([A-Z][^.!?]{0,58})")
_DATELINE = re.compile(r"(.{2,60}?)\s+[-–—]\s+\S")
_INITIALISM = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")

FUNCTION_WORDS = frozenset((
    "a", "an", "the", "of", "by", "and", "or", "but", "nor", "in", "into", "onto", "to", "that",
    "which", "who", "whom", "whose", "with", "within", "without", "for", "from", "at", "on", "as",
    "its", "their", "his", "her", "our", "your", "my", "this", "these", "those", "is", "are",
    "was", "were", "be", "been", "being", "has", "have", "had", "than", "between", "among",
    "amid", "over", "under", "after", "before", "during", "against", "about", "via", "while",
    "where", "when", "if", "upon", "toward", "towards", "across", "through", "per", "including",
    "such",
))  # fmt: skip
ABBREVIATIONS = frozenset((
    "Mr", "Mrs", "Ms", "Mme", "Mlle", "Dr", "Prof", "Gen", "Col", "Lt", "Sgt", "Capt", "Maj",
    "Adm", "Brig", "Cmdr", "Gov", "Sen", "Rep", "Pres", "Amb", "St", "Mt", "Ft", "Jr", "Sr", "Rev",
    "Hon", "Inc", "Ltd", "Co", "Corp", "Bros", "No", "no", "Nos", "vs", "etc", "al", "approx",
    "Fig", "fig", "cf", "Dept", "Ave", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep",
    "Sept", "Oct", "Nov", "Dec",
))  # fmt: skip
_HEADING_WORDS, _HEADING_CHARS = 8, 70
_TITLE_WORDS, _TITLE_CHARS = 16, 150
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


def _is_meta(text: str, ln: _Line) -> bool:
    """A header line such as "Source: OCHA", "By Jane Doe" or "Published: 1 December 2024"."""
    if ln.end - ln.start > 150:
        return False
    return any(p.fullmatch(text, ln.start, ln.end) for p in (_LABEL, _DATE_LINE, _BYLINE))


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
        if ln.marker == "#" or (setext and ln.marker == "" and not _ends_terminal(text, ln)):
            kind = "heading"  # markdown `# heading` or a setext heading underlined by ===/---
        elif ln.marker == "" and fresh and next_class != "lower":
            if (content_lines == 2 and title_key == _collapse(text, ln)) or (
                content_lines == 1 and _shape(text, ln, _TITLE_WORDS, _TITLE_CHARS)
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
        if ln.marker == "-" or not unit:
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


def _is_abbreviation(text: str, dot: int, floor: int) -> bool:
    """True when the "." at `dot` ends an abbreviation (Gen. U.S. e.g. J.), not a sentence."""
    k = dot
    while k > floor and dot - k < 12 and (text[k - 1].isalpha() or text[k - 1] == "."):
        k -= 1
    word = text[k:dot].lstrip(".")
    if not word:
        return False
    if word in ABBREVIATIONS or (len(word) == 1 and word.isupper()):
        return True
    return word.lower() not in ("a.m", "p.m") and bool(_INITIALISM.fullmatch(word))


def _split_run(text: str, start: int, end: int, out: list[Segment]) -> None:
    """Split one run of joined lines on terminal punctuation followed by a sentence start."""
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
        if m.group() == "." and _is_abbreviation(text, m.start(), pos):
            continue
        out.append(Segment(pos, j, "sentence"))
        pos = k
    if pos < end:
        out.append(Segment(pos, end, "sentence"))


# Header lines: the title, publication date and source stated at the top of a report. They live
# here, next to the splitter, because both must agree on what a title or header line looks like.


def _head(text: str, lines: int = 12) -> str:
    """The first lines of `text`: titles and header lines live there, never in the body."""
    cut = -1
    for _ in range(lines):
        cut = text.find("\n", cut + 1)
        if cut < 0:
            return text[:4000]
    return text[: min(cut, 4000)]


def leading_title(text: str) -> str | None:
    """The title line the sentence splitter found at the top, if any."""
    head = _head(text)
    for seg in split_sentences(head):
        if seg.kind == "title":
            return " ".join(head[seg.start : seg.end].strip("*_ ").split()) or None
    return None


def parse_date(value: str) -> date | None:
    """A strict parse of a whole date string (ISO date/time or a written-out date)."""
    value = " ".join(value.strip().split())
    value = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", value)
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        pass
    for candidate in dict.fromkeys((value, value.split(" at ")[0], value.rsplit(",", 1)[0])):
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(candidate.strip(), fmt).date()
            except ValueError:
                continue
    return None


def header_metadata(text: str) -> tuple[date | None, str | None]:
    """Publication date and source from the first five lines (a dateline, Source:, By, a date)."""
    published: date | None = None
    labelled: str | None = None
    byline: str | None = None
    dateline: str | None = None
    lines = [line.strip() for line in _head(text, 8).split("\n") if line.strip()][:5]
    for line in lines:
        if m := _LABEL.fullmatch(line):
            label, value = m.group(1).lower(), m.group(2).strip()
            if label == "source":
                labelled = labelled or value
            elif label == "author":
                byline = byline or value
            else:
                published = published or parse_date(value)
        elif (m := _BYLINE.fullmatch(line)) and len(line) <= 60:
            byline = byline or m.group(1).strip()
        elif (day := parse_date(line)) is not None:
            published = published or day
        elif len(line) > 150 or line.rstrip("\"'”’»)")[-1:] in TERMINALS:
            # The first body sentence: it may open with a dateline; dates below it are not
            # publication dates. (Shorter lines without a full stop above it are titles.)
            if (m := _DATELINE.match(line)) and _looks_like_place(m.group(1)):
                dateline = m.group(1).strip(" ,")
            break
    return published, labelled or byline or dateline


def _looks_like_place(prefix: str) -> bool:
    """A place such as `Damascus, Syria` or `ALEPPO`: one to six capitalised words."""
    words = prefix.replace(",", " ").split()
    return 0 < len(words) <= 6 and all(w.lstrip("(")[:1].isupper() or w.isdigit() for w in words)
