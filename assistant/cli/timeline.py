"""`assistant timeline` and the date options of `ask`/`chat` (`--since`, `--until`)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from ..config import Settings
from ..errors import ConfigError, EmptyIndex
from ..headers import parse_date
from ..timeline import Timeline, TimelineEvent
from .output import echo, echo_json
from .runtime import ingest_default_corpus, open_assistant

ORIGINS = {
    "metadata": "stated in the report",
    "html": "HTML properties",
    "pdf": "PDF properties",
    "dateline": "its dateline",
    "file": "the file's date",
    "document": "document properties",
}
"""Where a report's publication date came from, as the text output says it."""


def add_window(parser: argparse.ArgumentParser, what: str) -> None:
    """The --since/--until options (`what` says what they bound)."""
    parser.add_argument("--since", metavar="DATE", default=None, help=f"{what} on or after DATE")
    parser.add_argument("--until", metavar="DATE", default=None, help=f"{what} on or before DATE")


def window(args: argparse.Namespace) -> tuple[date | None, date | None]:
    """--since/--until as dates (2024-12-08, "8 December 2024"); a bad one is a one-line error."""
    days = []
    for flag, value in (("--since", args.since), ("--until", args.until)):
        day = None if value is None else parse_date(value)
        if value is not None and day is None:
            raise ConfigError(f"{flag}: not a date: {value!r} (write it as 2024-12-08)")
        days.append(day)
    since, until = days
    if since is not None and until is not None and since > until:
        raise ConfigError(f"--since {since} is after --until {until}")
    return since, until


def cmd_timeline(args: argparse.Namespace, settings: Settings) -> int:
    since, until = window(args)
    assistant = open_assistant(settings)
    try:
        found: Timeline = assistant.timeline(args.query, since=since, until=until)
    except EmptyIndex:
        ingest_default_corpus(assistant, settings)
        found = assistant.timeline(args.query, since=since, until=until)
    if args.json:
        echo_json(found.to_dict())
    else:
        echo(format_timeline(found))
    return 0


def format_timeline(timeline: Timeline) -> str:
    """Events grouped by day, in order; each its quote, report and any conflicting dates."""
    if not timeline.events:
        about = f" about '{timeline.query}'" if timeline.query else ""
        bounded = timeline.since is not None or timeline.until is not None
        note = " (within --since/--until only days of a known year count)" if bounded else ""
        return f"no dated events found{about}{note}"
    lines: list[str] = []
    heading = ""
    undated_said = False
    by_number = {e.number: e for e in timeline.events}
    for e in timeline.events:
        if e.date.year is None and not undated_said:
            lines += ["", "Dates whose year the reports do not state:"]
            undated_said = True
        label = e.date.label()
        if label != heading:
            lines += ["", label]
            heading = label
        lines += _event_lines(e, by_number)
    if timeline.conflicts:
        lines += ["", f"{timeline.conflicts} event(s) have dates another report contradicts (!)"]
    return "\n".join(lines).strip("\n")


def _event_lines(e: TimelineEvent, by_number: dict[int, Any]) -> list[str]:
    c = e.citation
    published = c.published.isoformat() if c.published else None
    origin = ORIGINS.get(e.published_from, "origin unknown")
    dated = f", published {published}: {origin}" if published else ""
    where = f"p. {c.page}, " if c.page is not None else ""
    out = [
        f"  [{e.number}] “{' '.join(c.quote.split())}”",
        f"      {c.title} — {c.report_id} ({where}chars {c.start}-{c.end}{dated})",
    ]
    if e.conflicts:
        others = "; ".join(f"[{n}] {by_number[n].date.label()}" for n in e.conflicts)
        out.append(f"      ! another report dates this differently: {others}")
    return out
