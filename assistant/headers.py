"""A report's header: its title, publication date and source, as stated at the top of the text.

Kept beside the sentence splitter (whose line shapes it shares: a title line, a `Source:` label, a
byline, a date line) but apart from it, since splitting sentences needs none of this.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from .sentences import BYLINE, LABEL_LINE, TERMINALS, split_sentences

_DATE_FORMATS = (
    "%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y",
    "%d %B, %Y", "%A, %d %B %Y", "%A, %B %d, %Y", "%A %d %B %Y", "%Y/%m/%d",
)  # fmt: skip


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
    """Publication date and source from the first five lines (Source:, By, a date). A dateline
    ("Port Elden, Norland – ...") names where the report was filed, not who published it."""
    published: date | None = None
    labelled: str | None = None
    byline: str | None = None
    lines = [line.strip() for line in _head(text, 8).split("\n") if line.strip()][:5]
    for line in lines:
        if m := LABEL_LINE.fullmatch(line):
            label, value = m.group(1).lower(), m.group(2).strip()
            if label == "source":
                labelled = labelled or value
            elif label == "author":
                byline = byline or value
            else:
                published = published or parse_date(value)
        elif (m := BYLINE.fullmatch(line)) and len(line) <= 60:
            byline = byline or m.group(1).strip()
        elif (day := parse_date(line)) is not None:
            published = published or day
        elif len(line) > 150 or line.rstrip("\"'”’»)")[-1:] in TERMINALS:
            break  # the first body sentence: dates below it are not publication dates
    return published, labelled or byline
