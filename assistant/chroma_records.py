"""How reports, passages and filters are written as Chroma metadata, and read back.

Chroma metadata holds scalars only, so tuples (sentence offsets, learned aliases) travel as JSON and
dates as yyyymmdd integers (0 = none), which `where` clauses can range-filter.
"""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Any

from .store import INGEST_VERSION, Filters, ReportRecord, date_ord, version_of_id
from .types import DateOrigin, EventDate, Passage, Report


def report_meta(report: Report, passages: int, version: str, origin: str = "") -> dict[str, Any]:
    return {
        "title": report.title,
        "hash": report.hash,
        "version": version,
        "origin": origin,
        "passages": passages,
        "published": report.published.isoformat() if report.published else "",
        "source": report.source or "",
        "aliases": json.dumps(report.aliases, ensure_ascii=False),
        "names": json.dumps(report.names, ensure_ascii=False),
        "published_from": report.published_from,
        "ingest": INGEST_VERSION,
    }


def passage_meta(report: Report, p: Passage) -> dict[str, Any]:
    return {
        "report_id": report.id,
        "report_hash": report.hash,
        "version": version_of_id(p.id) or report.hash,
        "written": int(time.time()),
        "start": p.start,
        "end": p.end,
        "section": p.section,
        "sentences": json.dumps(p.sentences),
        "pages": json.dumps(p.pages) if p.pages else "",
        "published": date_ord(report.published),
        "dates": json.dumps([_date_row(d) for d in p.dates]) if p.dates else "",
    }


def _date_row(d: EventDate) -> list[Any]:
    return [d.start, d.end, d.iso(), d.certainty, d.phrase[0], d.phrase[1]]


def _event_dates(raw: str) -> tuple[EventDate, ...]:
    """Event dates back from `passage_meta` ("" for none, and for stores written before them)."""
    out = []
    for start, end, iso, certainty, a, b in json.loads(raw) if raw else ():
        if certainty not in ("stated", "inferred_year", "relative", "no_year"):
            continue  # written by a newer version: not shown rather than misread
        year = int(iso[:4]) if not iso.startswith("--") else None
        month, day = int(iso[-5:-3]), int(iso[-2:])
        out.append(EventDate(int(start), int(end), month, day, year, certainty, (int(a), int(b))))
    return tuple(out)


def passage_version(meta: Any) -> str:
    """The version a stored passage belongs to (the report hash for stores older than versions)."""
    return str(meta.get("version") or meta["report_hash"])


def passage(pid: str, doc: str | None, meta: Any) -> Passage:
    sents = tuple((int(a), int(b)) for a, b in json.loads(str(meta.get("sentences") or "[]")))
    return Passage(
        id=pid,
        report_id=str(meta["report_id"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=doc or "",
        section=str(meta.get("section") or ""),
        sentences=sents,
        pages=tuple((int(a), int(b)) for a, b in json.loads(str(meta.get("pages") or "[]"))),
        dates=_event_dates(str(meta.get("dates") or "")),
    )


def record(rid: str, meta: Any) -> ReportRecord:
    published = str(meta.get("published") or "")
    return ReportRecord(
        id=rid,
        title=str(meta.get("title") or rid),
        hash=str(meta.get("hash") or ""),
        passages=int(meta.get("passages") or 0),
        published=date.fromisoformat(published) if published else None,
        source=str(meta.get("source") or "") or None,
        aliases=tuple((str(a), str(b)) for a, b in json.loads(str(meta.get("aliases") or "[]"))),
        names=tuple(str(n) for n in json.loads(str(meta.get("names") or "[]"))),
        version=str(meta.get("version") or ""),
        origin=str(meta.get("origin") or ""),
        published_from=_origin(str(meta.get("published_from") or "")),
        ingest_version=int(meta.get("ingest") or 1),  # stores written before it: 1
    )


def _origin(value: str) -> DateOrigin:
    known: tuple[DateOrigin, ...] = ("metadata", "html", "pdf", "dateline", "file", "document")
    return next((o for o in known if o == value), "")


def where_clause(filters: Filters) -> dict[str, Any] | None:
    """Filters as a Chroma `where` clause (dates are stored as yyyymmdd integers, 0 = none)."""
    clauses: list[dict[str, Any]] = []
    if filters.report_ids is not None:
        clauses.append({"report_id": {"$in": sorted(filters.report_ids)}})
    if filters.published_from:
        clauses.append({"published": {"$gte": date_ord(filters.published_from)}})
    if filters.published_to:
        clauses.append({"published": {"$lte": date_ord(filters.published_to)}})
    if filters.published_from or filters.published_to:
        clauses.append({"published": {"$gt": 0}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
