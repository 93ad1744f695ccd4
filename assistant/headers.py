"""A report's header: its title, publication date and source, as stated at the top of the text.

Kept beside the sentence splitter (whose line shapes it shares: a title line, a `Source:` label, a
byline, a date line) but apart from it, since splitting sentences needs none of this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from .dating import dateline_end, stated_day
from .sentences import BYLINE, LABEL_LINE, TERMINALS, split_sentences
from .types import DateOrigin

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


@dataclass(frozen=True)
class Header:
    """What a report's first lines state: a labelled date ("Published: ..."), an unlabelled
    date line or a dated dateline ("PORT ELDEN, 8 December 2024 – ..."), and its source."""

    labelled: date | None = None
    dateline: date | None = None
    source: str | None = None


def header_metadata(text: str) -> Header:
    """Dates and source from the first five lines (Source:, By, a date, a dateline). A dateline
    ("Port Elden, Norland – ...") names where the report was filed, not who published it; a day
    written in it (with its year) is when."""
    labelled_date: date | None = None
    line_date: date | None = None
    labelled: str | None = None
    byline: str | None = None
    lines = [line.strip() for line in _head(text, 8).split("\n") if line.strip()][:5]
    title = leading_title(text)
    for line in lines:
        if title is not None and " ".join(line.strip("*_ ").split()) == title:
            continue  # the headline, even one ending in "?" or ".", is not the first body sentence
        if m := LABEL_LINE.fullmatch(line):
            label, value = m.group(1).lower(), m.group(2).strip()
            if label == "source":
                labelled = labelled or value
            elif label == "author":
                byline = byline or value
            else:
                labelled_date = labelled_date or parse_date(value)
        elif (m := BYLINE.fullmatch(line)) and len(line) <= 60:
            byline = byline or m.group(1).strip()
        elif (day := parse_date(line)) is not None:
            line_date = line_date or day
        else:
            end = dateline_end(line, 0, len(line))  # a dated dateline opening the body
            line_date = line_date or (stated_day(line[:end]) if end else None)
            if len(line) > 150 or line.rstrip("\"'”’»)")[-1:] in TERMINALS:
                break  # the first body sentence: dates below it are not publication dates
    return Header(labelled_date, line_date, labelled or byline)


def publication_date(
    header: Header, stated: date | None, stated_from: DateOrigin, modified: float | None
) -> tuple[date | None, DateOrigin]:
    """A report's publication date and where it came from, the first of: a labelled line at its
    top ("Published: 2024-12-08": "metadata"), the date the file's own properties state (HTML
    meta or <time>: "html"; the PDF creation date: "pdf"), a date line or dated dateline at its
    top ("dateline"), the file's modification date (its UTC day: "file"); none without any."""
    if header.labelled is not None:
        return header.labelled, "metadata"
    if stated is not None:
        return stated, stated_from
    if header.dateline is not None:
        return header.dateline, "dateline"
    if modified is not None:
        return datetime.fromtimestamp(modified, UTC).date(), "file"
    return None, ""
