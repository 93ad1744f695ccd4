"""Event dates: the days a report's sentences say things happened on, read against its own date.

Each sentence is searched for day expressions with patterns built from the word lists of
`lexicon_en` (capitalised month names next to a day number, ISO dates, weekdays, "yesterday",
"three days ago"); a written date is read by `dateparser` ("the 8th of December", "Dec. 8,
2024"). What is found is resolved so:

- `stated`: day, month and year are written ("8 December 2024", "2024-12-08").
- `inferred_year`: day and month are written, the year is not; it is placed by the report's
  date: the latest such day no more than `FUTURE_GRACE_DAYS` after the report's date (a report
  of 3 January saying "30 December" means the last one; one of 2 December saying "8 December"
  means the coming one).
- `relative`: a weekday or a relative word, counted from the report's date: a weekday is the
  latest such day on or before it ("last Tuesday": before it), or the next one after it when the
  sentence speaks of what is to come ("next Friday", "talks will resume on Friday"); "yesterday"
  is the day before, "three days ago" three days before.
- `no_year`: day and month written, no year, and the report states no date: the date stays
  year-less ("1 April (year not stated)"), never placed silently. A weekday or "yesterday" in
  such a report gives no date at all.

Only a date the report states anchors these (its metadata, HTML or PDF properties, a date line
or dateline): a file's modification date says when the file was copied, not when the report was
written, so it places nothing. Vague spans ("last week", "in March", "two days earlier": from
another event, not the report) give no day. A date in the report's dateline ("PORT ELDEN, 8
December 2024 - ...") is when it was filed, not an event, and is skipped.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from . import lexicon_en as en
from .types import MONTH_NAMES, DateOrigin, EventDate, Passage

FUTURE_GRACE_DAYS = 7
"""How far after the report's date a year-less day may lie and still be read in the coming year
(reports announce what happens within days); further on, it is read as last year's."""
ANCHORS: frozenset[DateOrigin] = frozenset({"metadata", "html", "pdf", "dateline", "document"})
"""Publication-date origins that may place years and count relative days (not "file")."""

_FULL = sorted([*MONTH_NAMES, *(m.upper() for m in MONTH_NAMES)], key=len, reverse=True)
_SHORT = sorted(
    [w for a in en.MONTH_ABBREVIATIONS for w in (a.capitalize(), a.upper())], key=len, reverse=True
)
_MONTH = rf"(?:(?:{'|'.join(_FULL)})(?!\w)|(?:{'|'.join(_SHORT)})(?:\.|(?!\w)))"
_YEAR = r"(?:,?\s+(?P<{0}>(?:19|20)\d\d)(?!\d))?"
_EXPLICIT = re.compile(
    rf"(?<![\w-])(?:the\s+)?[0-3]?\d(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH}{_YEAR.format('y1')}"
    rf"|(?<![\w-]){_MONTH}\s+(?:the\s+)?[0-3]?\d(?:st|nd|rd|th)?(?![\w:]){_YEAR.format('y2')}"
    r"|(?<![\w-])(?P<y3>(?:19|20)\d\d)-[01]\d-[0-3]\d(?!\d)"
)
_WEEKDAY_NAMES = [w.capitalize() for w in en.WEEKDAYS]
_WEEKDAY = re.compile(
    rf"(?:\b(?P<lead>(?i:{'|'.join(en.WEEKDAY_PAST + en.WEEKDAY_NEXT)}))\s+)?"
    rf"\b(?P<day>{'|'.join(_WEEKDAY_NAMES)})\b"
)
_RELATIVE = re.compile(
    r"(?i:\b(?P<word>"
    + "|".join(
        re.escape(w).replace(r"\ ", r"\s+")
        for w in sorted(en.RELATIVE_DAY_OFFSETS, key=len, reverse=True)
    )
    + r")\b)"
)
_AGO = re.compile(
    rf"(?i:\b(?P<n>\d{{1,2}}|{'|'.join(w for w, v in en.NUMBER_VALUES.items() if v <= 31)})"
    rf"\s+days?\s+(?:{'|'.join(en.DAYS_AGO)})\b)"
)
_FUTURE = re.compile(rf"(?i:\b(?:{'|'.join(re.escape(w) for w in en.FUTURE_MARKERS)})\b)")
_DATELINE = re.compile(r"[^\n–—]{2,80}?\s(?:–|—|--?)\s")
"""The opening of a report's first sentence up to a dash: its dateline, if it names a place."""
_CUE = re.compile(
    r"\b(?:"
    + "|".join([*en.MONTHS, *en.MONTH_ABBREVIATIONS, *en.WEEKDAYS, *en.RELATIVE_DAY_OFFSETS])
    + r"|\d{4}-\d|days?\s+ago)\b",
    re.I,
)
"""A cheap test run first: sentences without any of these words hold no date (most of them)."""

_local = threading.local()


def _parser() -> Any:
    """One `dateparser` parser per thread (ingest reads files in a thread of its own). Year-less
    expressions are read in 2000 (a leap year, so "29 February" is a day) and the year dropped."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        from dateparser import DateDataParser

        parser = DateDataParser(
            languages=["en"],
            settings={
                "RELATIVE_BASE": datetime(2000, 6, 15),
                "PREFER_DATES_FROM": "current_period",
                "REQUIRE_PARTS": ["day", "month"],
                "RETURN_AS_TIMEZONE_AWARE": False,
            },
        )
        _local.parser = parser
    return parser


@lru_cache(maxsize=4096)  # reports repeat their dates; dateparser takes ~0.5 ms for each
def read_day(expression: str) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) of one written date ("December 8th", "8 Dec. 2024",
    "2024-12-08"), or None when it is no day ("31 February")."""
    m = _EXPLICIT.fullmatch(expression.strip())
    if m is None:
        return None
    year = m.group("y1") or m.group("y2") or m.group("y3")
    found = _parser().get_date_data(m.group(0))
    day: datetime | None = found.date_obj
    if day is None:
        return None
    return (int(year) if year else None), day.month, day.day


def stated_day(text: str) -> date | None:
    """The first written date with a year in `text` (a dated dateline), or None."""
    for m in _EXPLICIT.finditer(text):
        got = read_day(m.group(0))
        if got is not None and got[0] is not None:
            return _safe_date(got[0], got[1], got[2])
    return None


def dateline_end(text: str, start: int, end: int) -> int:
    """Where the dateline opening the sentence text[start:end] ends ("PORT ELDEN, 8 December
    2024 (Agency) – ..."): after the dash, when the part before it is short, starts with a
    capital and names no more than a place and a day; else `start` (no dateline)."""
    m = _DATELINE.match(text, start, min(end, start + 90))
    if m is None or not text[start : start + 1].isupper() or len(m.group(0).split()) > 12:
        return start
    head = m.group(0)
    if not _EXPLICIT.search(head) or re.search(r"\b(?:the|was|were|is|are|said)\b", head):
        return start
    return m.end()


def anchor(published: date | None, published_from: DateOrigin) -> date | None:
    """The date event dates are counted from: the publication date, when the report states it."""
    return published if published is not None and published_from in ANCHORS else None


def sentence_dates(
    text: str, start: int, end: int, anchor_day: date | None, skip_to: int = 0
) -> list[EventDate]:
    """Event dates of the sentence text[start:end] (its offsets are report offsets); words
    before `skip_to` (a dateline) are not read."""
    sentence = text[start:end]
    if not _CUE.search(sentence):
        return []
    future = bool(_FUTURE.search(sentence))
    out: list[EventDate] = []
    taken: list[tuple[int, int]] = []
    for m in _EXPLICIT.finditer(text, max(start, skip_to), end):
        got = read_day(m.group(0))
        if got is None:
            continue
        taken.append(m.span())
        year, month, day = got
        if year is not None:
            if _safe_date(year, month, day) is not None:
                out.append(EventDate(start, end, month, day, year, "stated", m.span()))
        elif anchor_day is None:
            out.append(EventDate(start, end, month, day, None, "no_year", m.span()))
        elif (placed := _place_year(month, day, anchor_day)) is not None:
            out.append(EventDate(start, end, month, day, placed, "inferred_year", m.span()))
    if anchor_day is not None:
        for span, day_ in _relative_days(text, max(start, skip_to), end, anchor_day, future):
            # a weekday next to a written date names the same day ("Monday, 9 December")
            if not any(a - 3 <= span[1] and span[0] <= b + 12 for a, b in taken):
                out.append(EventDate(start, end, day_.month, day_.day, day_.year, "relative", span))
                taken.append(span)
    return sorted(out, key=lambda d: d.phrase)


def _relative_days(
    text: str, start: int, end: int, anchor_day: date, future: bool
) -> Iterable[tuple[tuple[int, int], date]]:
    for m in _WEEKDAY.finditer(text, start, end):
        lead = (m.group("lead") or "").lower()
        weekday = _WEEKDAY_NAMES.index(m.group("day"))
        back = (anchor_day.weekday() - weekday) % 7
        if lead in en.WEEKDAY_NEXT or (future and lead not in ("last", "past")):
            yield m.span(), anchor_day + timedelta(days=(weekday - anchor_day.weekday()) % 7 or 7)
        else:
            yield m.span(), anchor_day - timedelta(days=back or (7 if lead == "last" else 0))
    for m in _RELATIVE.finditer(text, start, end):
        word = " ".join(m.group("word").lower().split())
        yield m.span(), anchor_day + timedelta(days=en.RELATIVE_DAY_OFFSETS[word])
    for m in _AGO.finditer(text, start, end):
        n = m.group("n").lower()
        count = int(n) if n.isdigit() else en.NUMBER_VALUES[n]
        yield m.span(), anchor_day - timedelta(days=count)


def _place_year(month: int, day: int, anchor_day: date) -> int | None:
    """The latest year whose (month, day) is no more than FUTURE_GRACE_DAYS after the anchor."""
    latest = anchor_day + timedelta(days=FUTURE_GRACE_DAYS)
    for year in (anchor_day.year + 1, anchor_day.year, anchor_day.year - 1, anchor_day.year - 4):
        found = _safe_date(year, month, day)
        if found is not None and found <= latest:
            return year
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def date_passages(
    text: str,
    passages: Sequence[Passage],
    published: date | None,
    published_from: DateOrigin,
) -> list[Passage]:
    """The passages with the event dates of their sentences (the report's first sentence read
    after its dateline)."""
    anchor_day = anchor(published, published_from)
    first = min((s for p in passages for s, _ in p.sentences), default=-1)
    out = []
    for p in passages:
        found: list[EventDate] = []
        for s, e in p.sentences or ((p.start, p.end),):
            skip = dateline_end(text, s, e) if s == first else 0
            found += sentence_dates(text, s, e, anchor_day, skip)
        out.append(replace(p, dates=tuple(found)) if found else p)
    return out
