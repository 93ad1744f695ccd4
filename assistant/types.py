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

DateOrigin = Literal["metadata", "html", "pdf", "dateline", "file", "document", ""]
"""Where a report's publication date came from (see ingestion.read_report): a labelled line at
its top ("Published: ..."), the HTML page's or the PDF file's properties, a date line or dated
dateline at its top, the file's modification date, another reader's own metadata; "" for none
(or a store written before this was recorded)."""

Certainty = Literal["stated", "inferred_year", "relative", "no_year"]
"""How sure an event date is (see dating.py): day, month and year written (`stated`); day and
month written, the year placed by the report's date (`inferred_year`); a weekday or a word like
"yesterday" counted from the report's date (`relative`); day and month written with no year and
nothing to place it by (`no_year`: shown year-less, never silently placed)."""


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
    published_from: DateOrigin = ""  # where `published` came from


MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class EventDate:
    """A day one sentence says something happened (or will happen) on.

    `start`/`end` are the sentence's report offsets, `phrase` the offsets of the words that give
    the day ("December 8th", "on Tuesday"); `year` is None only when `certainty` is `no_year`.
    """

    start: int
    end: int
    month: int
    day: int
    year: int | None
    certainty: Certainty
    phrase: tuple[int, int]

    @property
    def when(self) -> date | None:
        """The day, or None when its year is not known."""
        return date(self.year, self.month, self.day) if self.year is not None else None

    def iso(self) -> str:
        """ISO 8601: "2024-12-08", or "--04-01" for a month and day of no known year."""
        if self.year is None:
            return f"--{self.month:02d}-{self.day:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def label(self) -> str:
        """The day for people, with its certainty: "1 April (year not stated)"."""
        day = f"{self.day} {MONTH_NAMES[self.month - 1]}"
        if self.year is None:
            return f"{day} (year not stated)"
        suffix = {
            "stated": "",
            "inferred_year": " (year inferred from the report's date)",
            "relative": " (counted from the report's date)",
            "no_year": "",
        }[self.certainty]
        return f"{day} {self.year}{suffix}"


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
    dates: tuple[EventDate, ...] = ()
    """Event dates of its sentences, resolved at ingest against the report's date (none for
    passages stored before dates were read)."""


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
    published_from: DateOrigin = ""


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


Stance = Literal["denies", "accuses", ""]
"""How a party's claim bears on another's: it denies one, or it blames someone (see accounts.py)."""


@dataclass(frozen=True)
class Account:
    """One party's version of events: who says it, how, and the citations that carry it.

    `voice` is how the party was found: named in the sentence (`said`: "X said ...",
    "according to X"), named in an earlier sentence the cited one refers back to (`earlier`:
    "The agency added ..."), or the report speaking in its own voice (`report`: then `speaker`
    is its publisher, or its title when no publisher is known). `names` are the other names
    the party goes by in these sentences (learned aliases join "the SDF" and "its media centre").
    """

    speaker: str
    citations: tuple[int, ...]
    voice: Literal["said", "earlier", "report"] = "said"
    stance: Stance = ""
    names: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "speaker": self.speaker,
            "voice": self.voice,
            "stance": self.stance or None,
            "citations": list(self.citations),
            "names": list(self.names),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Account:
        return cls(
            speaker=str(data["speaker"]),
            citations=tuple(int(m) for m in data.get("citations", ())),
            voice=data.get("voice") or "said",
            stance=data.get("stance") or "",
            names=tuple(str(n) for n in data.get("names", ())),
        )


@dataclass(frozen=True)
class Disagreement:
    """Cited sentences that give different values for the same thing (a toll, a date, a name):
    `values` pairs each value, as written, with the citations giving it."""

    about: str
    values: tuple[tuple[str, tuple[int, ...]], ...]

    def to_json(self) -> dict[str, object]:
        return {
            "about": self.about,
            "values": [{"value": v, "citations": list(m)} for v, m in self.values],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Disagreement:
        return cls(
            str(data["about"]),
            tuple((str(v["value"]), tuple(int(m) for m in v["citations"])) for v in data["values"]),
        )


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
    accounts: tuple[Account, ...] = ()
    """Parties' versions when the cited sentences hold claims by two or more (accounts.py)."""
    disagreements: tuple[Disagreement, ...] = ()
    """Values the cited sentences disagree on (disagreements.py)."""

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
            "accounts": [a.to_json() for a in self.accounts],
            "disagreements": [d.to_json() for d in self.disagreements],
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
            accounts=tuple(Account.from_json(a) for a in data.get("accounts") or ()),
            disagreements=tuple(Disagreement.from_json(d) for d in data.get("disagreements") or ()),
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
    published_from: DateOrigin = ""  # where the date came from (see `DateOrigin`)


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
