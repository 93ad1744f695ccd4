"""Timelines: the dated events of the reports in order, each a cited sentence.

Event dates are read at ingest (dating.py) and stored with each passage; a timeline only collects
them, so it reads no report text but the sentences it cites, each checked to be a verified span
of its report (`citations.cite`: `quote == report.text[start:end]`).

Order: events whose day is known (stated, year inferred, or counted from the report's date) by
day; after them the events whose year is not stated, by month and day (placing them among the
others would be guessing the year they do not state).

Conflicts ("the same event, another day") are flagged conservatively: two sentences of different
reports describe the same event when, leaving out their date words, they share at least
`SAME_EVENT_MIN_SHARED` content stems and at least `SAME_EVENT_MIN_JACCARD` of all the stems
either has, and neither names (capitalised words past the first) something the other does not
(a clash in one town and a clash in another are two events); they conflict when neither sentence
gives a day the other gives (a sentence giving both the days of a span agrees with one giving
either) and their days lie within `CONFLICT_WINDOW_DAYS` of each other (alike sentences months
apart more likely tell of an event that recurs). A year-less day agrees with any year.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from . import lexicon_en as en
from .citations import cite
from .errors import EmptyIndex, UnknownReport
from .lexical import terms
from .retrieval import Retriever
from .store import VectorStore
from .types import Citation, DateOrigin, EventDate, ScoredPassage

_QUESTION_STEMS = frozenset(terms(en.QUESTION_WORDS))
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
TEXTS_AT_ONCE = 500  # passages whose reports' texts are read and held at once (full timelines)
CONFLICT_WINDOW_DAYS = 14
SAME_EVENT_MIN_SHARED = 3
SAME_EVENT_MIN_JACCARD = 0.5
_COMMON = 200  # a stem in more sentences than this is too common to pair sentences by
_DATE_STEMS = frozenset(
    terms(
        " ".join(
            [*en.MONTHS, *en.MONTH_ABBREVIATIONS, *en.WEEKDAYS, *en.RELATIVE_DAY_OFFSETS,
             *en.NUMBER_VALUES, *en.DAYS_AGO, *en.WEEKDAY_PAST, *en.WEEKDAY_NEXT, "day days"]
        )
    )
)  # fmt: skip


@dataclass(frozen=True)
class TimelineEvent:
    """One dated event: the day, the cited sentence saying it, and the numbers of the events
    that give the same event another day (`conflicts`)."""

    number: int
    date: EventDate
    citation: Citation
    phrase: str
    published_from: DateOrigin = ""
    conflicts: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        c = self.citation
        return {
            "n": self.number,
            "date": self.date.iso(),
            "year": self.date.year,
            "month": self.date.month,
            "day": self.date.day,
            "certainty": self.date.certainty,
            "label": self.date.label(),
            "phrase": self.phrase,
            "report": c.report_id,
            "title": c.title,
            "publisher": c.source,
            "published": c.published.isoformat() if c.published else None,
            "published_from": self.published_from or None,
            "start": c.start,
            "end": c.end,
            "quote": c.quote,
            "page": c.page,
            "section": c.section or None,
            "conflicts_with": list(self.conflicts),
        }


@dataclass(frozen=True)
class Timeline:
    """The dated events of the reports (those relevant to `query`, if one was given), in order;
    `since`/`until` bound the days shown (an event whose year is not stated is left out then)."""

    query: str | None
    since: date | None
    until: date | None
    events: tuple[TimelineEvent, ...]

    @property
    def conflicts(self) -> int:
        """How many events give a day another report contradicts."""
        return sum(1 for e in self.events if e.conflicts)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of `assistant timeline --json` (README, "Timeline and dates")."""
        return {
            "query": self.query,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "events": [e.to_dict() for e in self.events],
            "conflicts": self.conflicts,
        }


def make_timeline(
    retriever: Retriever,
    report_text: Callable[[str], str],
    query: str | None = None,
    since: date | None = None,
    until: date | None = None,
    extra_terms: Sequence[str] = (),
) -> Timeline:
    """The timeline of every stored report, or of the passages retrieved for `query` (the
    sentences sharing a word with it, or with another name of what it names: `extra_terms`)."""
    if query is None:
        dated = [sp for sp in committed_passages(retriever) if sp.passage.dates]
        found = []
        for i in range(0, len(dated), TEXTS_AT_ONCE):  # texts of a few hundred reports in memory
            chunk = dated[i : i + TEXTS_AT_ONCE]
            texts = _read_texts(retriever.store, [sp.passage.report_id for sp in chunk])
            found += collect_events(chunk, texts.__getitem__, frozenset(), since, until)
    else:
        passages = retriever.retrieve(query, retriever.candidates, None, extra_terms)
        wanted = frozenset(t for t in terms(query) if t not in _QUESTION_STEMS)
        wanted |= frozenset(extra_terms)
        found = collect_events(passages, report_text, wanted, since, until)
    return build_timeline(found, query, since, until)


def _read_texts(store: VectorStore, report_ids: Sequence[str]) -> dict[str, str]:
    """Report texts by id: in one request per hundred where the store can (`report_texts`, as
    Chroma's does), else one `report` each. A report gone meanwhile has no text: its passages
    then cite nothing (`cite` refuses a span outside the text)."""
    ids = list(dict.fromkeys(report_ids))
    bulk = getattr(store, "report_texts", None)
    texts: dict[str, str] = bulk(ids) if callable(bulk) else {}
    for rid in ids:
        if rid not in texts:
            try:
                texts[rid] = store.report(rid).text
            except UnknownReport:
                texts[rid] = ""
    return texts


def committed_passages(retriever: Retriever) -> list[ScoredPassage]:
    """Every passage of the current version of every stored report (in report order)."""
    records = retriever.store.records()
    if not records:
        raise EmptyIndex("no reports are ingested yet: run `assistant ingest` first")
    return [
        ScoredPassage(
            p, 0.0, rec.title, rec.published, rec.source, published_from=rec.published_from
        )
        for p, version in retriever.store.passages_of(sorted(records))
        if (rec := records[p.report_id]).version == version
    ]


def collect_events(
    passages: Iterable[ScoredPassage],
    report_text: Callable[[str], str],
    query_terms: frozenset[str] = frozenset(),
    since: date | None = None,
    until: date | None = None,
) -> list[tuple[EventDate, Citation, str, DateOrigin]]:
    """Every event date of the passages whose sentence shares a stem with `query_terms` (all of
    them without a query) and whose day lies in [since, until], each with its verified citation,
    the words that gave the day and where the report's date came from."""
    out = []
    texts: dict[str, str] = {}  # each report's text read once (its passages come in a row)
    for sp in passages:
        if not sp.passage.dates:
            continue
        rid = sp.passage.report_id
        text = texts[rid] if rid in texts else texts.setdefault(rid, report_text(rid))
        for d in sp.passage.dates:
            if not _within(d, since, until):
                continue
            if query_terms and not query_terms & set(terms(text[d.start : d.end])):
                continue
            c = cite(0, sp, d.start, d.end, text, support="quoted")
            if c is not None:
                out.append((d, c, text[d.phrase[0] : d.phrase[1]], sp.published_from))
    return out


def build_timeline(
    found: Sequence[tuple[EventDate, Citation, str, DateOrigin]],
    query: str | None,
    since: date | None,
    until: date | None,
) -> Timeline:
    """Order the events, number them (citation markers are the numbers) and flag conflicts."""
    ordered = sorted(found, key=_order)
    conflicts = _conflicts([(d, c) for d, c, _, _ in ordered])
    events = tuple(
        TimelineEvent(
            number=i + 1,
            date=d,
            citation=_numbered(c, i + 1),
            phrase=phrase,
            published_from=origin,
            conflicts=tuple(sorted(j + 1 for j in conflicts.get(i, ()))),
        )
        for i, (d, c, phrase, origin) in enumerate(ordered)
    )
    return Timeline(query, since, until, events)


def _within(d: EventDate, since: date | None, until: date | None) -> bool:
    if since is None and until is None:
        return True
    day = d.when
    if day is None:
        return False
    return (since is None or day >= since) and (until is None or day <= until)


def _order(item: tuple[EventDate, Citation, str, DateOrigin]) -> tuple[Any, ...]:
    d, c = item[0], item[1]
    known = d.year is not None
    return (not known, d.year or 0, d.month, d.day, c.report_id, c.start, d.phrase)


def _numbered(c: Citation, marker: int) -> Citation:
    return replace(c, marker=marker)


def _content(c: Citation) -> frozenset[str]:
    return frozenset(t for t in terms(c.quote) if t not in _DATE_STEMS and not t.isdigit())


def _names(c: Citation) -> frozenset[str]:
    """Stems of the capitalised words after a sentence's first word (names of people, places,
    bodies), date words left out."""
    capitalised = " ".join(w for w in _WORD.findall(c.quote)[1:] if w[:1].isupper())
    return frozenset(t for t in terms(capitalised) if t not in _DATE_STEMS)


def _conflicts(events: Sequence[tuple[EventDate, Citation]]) -> dict[int, set[int]]:
    """Event index -> indexes of events giving the same event another day (see the module's
    docstring); sentences are compared once each, through an index of their stems."""
    sentences: dict[tuple[str, int], list[int]] = {}
    for i, (_, c) in enumerate(events):
        sentences.setdefault((c.report_id, c.start), []).append(i)
    keys = list(sentences)
    content = [_content(events[sentences[k][0]][1]) for k in keys]
    names = [_names(events[sentences[k][0]][1]) for k in keys]
    days = [{_day(events[i][0]) for i in sentences[k]} for k in keys]
    holding: dict[str, list[int]] = {}
    for s, stems in enumerate(content):
        for t in stems:
            holding.setdefault(t, []).append(s)
    out: dict[int, set[int]] = {}
    for s, stems in enumerate(content):
        shared: Counter[int] = Counter()
        for t in stems:
            if len(holding[t]) <= _COMMON:
                shared.update(o for o in holding[t] if o > s)
        for o, n in shared.items():
            if n < SAME_EVENT_MIN_SHARED or keys[o][0] == keys[s][0]:
                continue
            if n / len(content[s] | content[o]) < SAME_EVENT_MIN_JACCARD:
                continue
            if not (names[s] <= names[o] or names[o] <= names[s]):
                continue  # each names something the other does not: other places, other people
            if _agree(days[s], days[o]) or not _near(days[s], days[o]):
                continue
            for i in sentences[keys[s]]:
                out.setdefault(i, set()).update(sentences[keys[o]])
            for j in sentences[keys[o]]:
                out.setdefault(j, set()).update(sentences[keys[s]])
    return out


def _day(d: EventDate) -> tuple[int | None, int, int]:
    return (d.year, d.month, d.day)


def _near(a: set[tuple[int | None, int, int]], b: set[tuple[int | None, int, int]]) -> bool:
    """Are some two of the days within `CONFLICT_WINDOW_DAYS`? Further apart, alike sentences
    more likely tell of an event that recurs."""
    return any(_gap(x, y) <= CONFLICT_WINDOW_DAYS for x in a for y in b)


def _gap(x: tuple[int | None, int, int], y: tuple[int | None, int, int]) -> int:
    """Days between two days; with a year-less one, as days of one (leap) year."""
    if x[0] is None or y[0] is None:
        return abs((date(2000, x[1], x[2]) - date(2000, y[1], y[2])).days)
    return abs((date(x[0], x[1], x[2]) - date(y[0], y[1], y[2])).days)


def _agree(a: set[tuple[int | None, int, int]], b: set[tuple[int | None, int, int]]) -> bool:
    """Do two sentences give a common day (a year-less day matches its month and day in any
    year)?"""
    return any(
        (ya is None or yb is None or ya == yb) and (ma, da) == (mb, db)
        for ya, ma, da in a
        for yb, mb, db in b
    )
