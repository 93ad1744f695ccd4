"""The nouns that flow between parts: reports, passages, citations, answers, chat turns.

All offsets are character offsets into `Report.text`, the normalised text every quote indexes into.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Verdict = Literal["quoted", "supported", "unsupported"]
"""How a cited span bears on the answer sentence citing it (see support.py)."""


@dataclass(frozen=True)
class Report:
    """One report. `id` is its path relative to the corpus root, stable across machines."""

    id: str
    title: str
    text: str
    hash: str
    published: date | None = None
    source: str | None = None
    aliases: tuple[tuple[str, str], ...] = ()  # (name, alias) pairs the report defines
    names: tuple[str, ...] = ()  # its multi-word names (to read unknown acronyms as initials)
    pages: tuple[tuple[int, int], ...] = ()  # (offset where it starts, page number) for PDFs


def page_at(pages: tuple[tuple[int, int], ...], offset: int) -> int | None:
    """The page number the text offset lies on, from (start offset, page) pairs in order."""
    found = None
    for start, number in pages:
        if start > offset:
            break
        found = number
    return found


@dataclass(frozen=True)
class Passage:
    """A sentence-aligned chunk of one report: `text == report.text[start:end]`.

    `sentences` holds the (start, end) report offsets of the sentences inside it, so answerers can
    quote a single sentence without re-splitting; `section` is the heading above the passage.
    """

    id: str
    report_id: str
    start: int
    end: int
    text: str
    section: str = ""
    sentences: tuple[tuple[int, int], ...] = ()
    pages: tuple[tuple[int, int], ...] = ()
    """Page starts (offset, number) that bear on it: the page it starts on and any that start
    inside it (PDFs; empty otherwise), so a quote's page is known without the whole report."""


@dataclass(frozen=True)
class ScoredPassage:
    """A retrieved passage with its fused rank score and the report metadata needed to cite it."""

    passage: Passage
    score: float
    title: str
    published: date | None = None
    source: str | None = None
    dense: float | None = None
    lexical: float | None = None


@dataclass(frozen=True)
class Citation:
    """A verified span of a report: `quote == report.text[start:end]`, checked before it is shown.

    `marker` is the number n of the `[n]` marker in the answer text. `support` says whether the
    sentences citing it are the span itself (`quoted`), agree with it (`supported`), or not
    (`unsupported`, with `support_reason`): answerers drop unsupported sentences, so a shown
    citation is quoted or supported. A citation nobody checked is `unsupported` ("not checked").
    """

    marker: int
    report_id: str
    title: str
    start: int
    end: int
    quote: str
    published: date | None = None
    source: str | None = None
    support: Verdict = "unsupported"
    support_reason: str = "not checked"
    page: int | None = None  # the PDF page the quote starts on
    section: str = ""  # the heading of the section the quote sits in


@dataclass(frozen=True)
class Answer:
    """What the assistant says.

    `text` carries `[n]` markers that refer to `citations`; `abstained` is true when the reports
    do not answer the question (then `text` says so and `citations` is empty); `considered` are
    the passages the answer was drawn from (shown when the answer abstains); `dropped_markers`
    counts markers that resolved to nothing and were removed; `timings` are seconds per stage;
    `query` is the standalone question retrieval used (a follow-up rewritten with the history);
    `unsupported` counts answer sentences removed because no cited span supported them;
    `incomplete` says why the answer stops short (the server's stream was cut, or the model hit its
    token limit): what `text` shows is verified, but it may not be the whole answer.
    """

    question: str
    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    backend: str
    considered: tuple[ScoredPassage, ...] = ()
    dropped_markers: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    query: str = ""
    unsupported: int = 0
    incomplete: str | None = None

    def to_json(self) -> dict[str, object]:
        """The JSON contract of `assistant ask --json` (DESIGN.md)."""
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "backend": self.backend,
            "citations": [
                {
                    "marker": c.marker,
                    "report": c.report_id,
                    "title": c.title,
                    "start": c.start,
                    "end": c.end,
                    "quote": c.quote,
                    "support": c.support,
                    "publisher": c.source,
                    "published": c.published.isoformat() if c.published else None,
                    "page": c.page,
                    "section": c.section or None,
                }
                for c in self.citations
            ],
            "unsupported": self.unsupported,
            "incomplete": self.incomplete,
            "standalone_question": self.standalone_question,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Answer:
        """An answer back from `to_json` (saved conversations): what was shown, with its
        citations and verdicts; the passages considered and timings are not kept."""
        citations = tuple(
            Citation(
                marker=int(c["marker"]),
                report_id=str(c["report"]),
                title=str(c["title"]),
                start=int(c["start"]),
                end=int(c["end"]),
                quote=str(c["quote"]),
                published=date.fromisoformat(c["published"]) if c.get("published") else None,
                source=c.get("publisher"),
                support=c.get("support", "unsupported"),
                support_reason="" if c.get("support") != "unsupported" else "not checked",
                page=c.get("page"),
                section=c.get("section") or "",
            )
            for c in data.get("citations", [])
        )
        question = str(data["question"])
        return cls(
            question=question,
            text=str(data["answer"]),
            citations=citations,
            abstained=bool(data["abstained"]),
            backend=str(data.get("backend", "")),
            query=str(data.get("standalone_question") or question),
            unsupported=int(data.get("unsupported") or 0),
            incomplete=data.get("incomplete"),
        )

    @property
    def standalone_question(self) -> str:
        """What was searched: the question itself, or a follow-up rewritten with the history."""
        return self.query or self.question


@dataclass(frozen=True)
class Turn:
    """One exchange of a chat: the user's question and the answer given."""

    question: str
    answer: Answer


@dataclass(frozen=True)
class ReportInfo:
    """A stored report as listed to users: what `assistant reports` and the UI's list show."""

    id: str
    title: str
    passages: int
    hash: str
    published: date | None = None
    source: str | None = None


@dataclass
class IngestSummary:
    """What one ingest run did, by report id; `failed` pairs a file name with the reason."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    """Reports another writer committed a different version of while this run was writing:
    theirs is kept (ingest again to store this one)."""
    passages_embedded: int = 0

    @property
    def ok(self) -> bool:
        """False when any file failed or lost a race: the CLI exits non-zero then."""
        return not self.failed and not self.superseded

    def line(self) -> str:
        """One-line summary for terminals and the UI."""
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"removed {len(self.removed)}, failed {len(self.failed)}"
            + (f", superseded {len(self.superseded)}" if self.superseded else "")
        )
