"""Everything the command prints: report text is untrusted, so it goes out as plain text with
no escape sequence or markup of its own (`echo`), or as JSON with those characters escaped."""

from __future__ import annotations

import json
import sys
from typing import Any

from ..citations import unescape_markers
from ..safe_text import UNSAFE_CHARS, terminal_safe
from ..types import Answer


def echo(text: str = "", *, err: bool = False) -> None:
    """Print text and a newline to stdout (or stderr): the one way this command prints, so report
    text reaches the terminal as text (escape sequences, control and bidi characters removed)."""
    print(terminal_safe(text), file=sys.stderr if err else sys.stdout)


def echo_json(data: object) -> None:
    """Print JSON whose strings cannot drive a terminal: json escapes C0 controls itself, and
    DEL, C1 and bidi controls are written as `\\uXXXX` too (other text stays readable UTF-8)."""
    dumped = json.dumps(data, ensure_ascii=False, indent=2)
    echo(UNSAFE_CHARS.sub(lambda m: f"\\u{ord(m.group(0)):04x}", dumped))


def ingest_progress(console: Any) -> Any:
    """The bar a long ingest shows on the terminal, with the file at hand: its name is shown as
    text, never read as rich markup (and `cmd_ingest` strips its control characters)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}", markup=False),
        transient=True,
        console=console,
    )


def stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def format_answer(answer: Answer) -> str:
    """Answer text, then each citation with its support verdict, report and verbatim quote."""
    lines = [unescape_markers(answer.text)]
    if answer.standalone_question != answer.question:
        lines.append(f"(searched for: {answer.standalone_question})")
    if answer.unsupported:
        lines.append(f"({answer.unsupported} unsupported sentence(s) removed)")
    lines += format_accounts(answer)
    sources = format_sources_of(answer)
    return "\n".join(lines) + (f"\n\n{sources}" if sources else "")


def format_accounts(answer: Answer) -> list[str]:
    """Who says what (grouped by party) and the values sources disagree on, by citation."""
    lines: list[str] = []
    labelled = all(
        f"- {a.speaker[:1].upper()}{a.speaker[1:]}" in answer.text for a in answer.accounts
    )
    if answer.accounts and not labelled:  # an answer already grouped by party says it once
        lines += ["", "Accounts:"]
        for a in answer.accounts:
            also = f" (also: {', '.join(a.names)})" if a.names else ""
            mood = f" — {a.stance}" if a.stance else ""
            cited = " ".join(f"[{m}]" for m in a.citations)
            lines.append(f"- {a.speaker}{also}{mood}: {cited}")
    for d in answer.disagreements:
        lines += ["", f"Sources disagree on {d.about}:"]
        for value, markers in d.values:
            lines.append(f"- {value}: {' '.join(f'[{m}]' for m in markers)}")
    return lines


def format_sources_of(answer: Answer) -> str:
    """The citations of an answer (or, for an abstention, the passages it considered)."""
    lines: list[str] = []
    if answer.citations:
        lines.append("Sources:")
        for c in answer.citations:
            where = ", ".join(
                x
                for x in (
                    c.source,
                    c.published.isoformat() if c.published else None,
                    f"p. {c.page}" if c.page is not None else None,
                    f"in “{c.section}”" if c.section else None,
                )
                if x
            )
            head = f"[{c.marker}] {c.support} · {c.title}" + (f" ({where})" if where else "")
            lines.append(f"{head} — {c.report_id} (chars {c.start}-{c.end})")
            lines.append(f"    “{' '.join(c.quote.split())}”")
    elif answer.abstained and answer.considered:
        lines.append("Closest passages considered:")
        for sp in answer.considered[:3]:
            lines.append(
                f"- {sp.title} — {sp.passage.report_id}: {' '.join(sp.passage.text.split())[:160]}"
            )
    return "\n".join(lines)
