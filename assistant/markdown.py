"""An answer with its citations as Markdown (the UI's copy button, and API users' exports).

Whatever came from a report (quotes, titles, ids, answer sentences) is escaped: pasted into a
Markdown renderer it shows its tags, links and images as text and loads nothing. Only the
answerer's own `[n]` markers and list bullets stay Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .citations import MARKER, unescape_markers
from .safe_text import markdown_literal
from .types import Answer, Citation, Turn


def answer_markdown(answer: Answer) -> str:
    """The answer text, then one line per citation: marker, title, where, and the quote."""
    lines = [_answer_text(answer.text), ""]
    for c in answer.citations:
        quote = markdown_literal(" ".join(c.quote.split()))
        title = markdown_literal(" ".join(c.title.split()))
        page = f", p. {c.page}" if c.page is not None else ""
        where = markdown_literal(f"{c.report_id}{page}, chars {c.start}-{c.end}")
        lines.append(f'[{c.marker}] {title} ({where}): "{quote}"')
    return "\n".join(lines).rstrip() + "\n"


def conversation_markdown(
    turns: Sequence[Turn], stale: Sequence[Mapping[str, str]] = (), title: str = ""
) -> str:
    """A conversation as Markdown with numbered footnotes: each question a heading, each answer
    with its markers turned into footnote references, and one footnote per citation (quote,
    report title, publisher, date, page, offsets). `stale[i]` names the reports of turn i that
    changed or went since it was answered."""
    parts = [f"# {markdown_literal(title)}\n"] if title else []
    notes: list[str] = []
    for i, turn in enumerate(turns):
        parts.append(f"## {markdown_literal(' '.join(turn.question.split()))}\n")
        if turn.answer.standalone_question != turn.question:
            searched = markdown_literal(turn.answer.standalone_question)
            parts.append(f"*searched for: {searched}*\n")
        first = len(notes) + 1
        numbers = {c.marker: first + k for k, c in enumerate(turn.answer.citations)}
        notes += [_footnote(numbers[c.marker], c) for c in turn.answer.citations]
        parts.append(_answer_text(turn.answer.text, numbers) + "\n")
        for rid, what in sorted((stale[i] if i < len(stale) else {}).items()):
            parts.append(f"> ⚠ {markdown_literal(rid)} was {what} after this answer.\n")
    return "\n".join([*parts, *([""] if notes else []), *notes]).rstrip() + "\n"


def _footnote(n: int, c: Citation) -> str:
    said = ", ".join(x for x in (c.source, c.published.isoformat() if c.published else None) if x)
    where = f"{c.report_id}" + (f", p. {c.page}" if c.page is not None else "")
    quote = markdown_literal(" ".join(c.quote.split()))
    head = markdown_literal(c.title + (f" ({said})" if said else ""))
    return f"[^{n}]: “{quote}” — {head}, {markdown_literal(where)}, chars {c.start}-{c.end}"


def _answer_text(text: str, footnotes: Mapping[int, int] | None = None) -> str:
    """Answer text as Markdown: its own markers kept (or made footnote references), list
    bullets kept, everything else literal."""
    out = []
    for line in text.split("\n"):
        bullet = "- " if line.startswith("- ") else ""
        pieces = MARKER.split(line[len(bullet) :])  # text, marker numbers, text, ...
        said = "".join(
            (_refs(piece, footnotes) if i % 2 else markdown_literal(unescape_markers(piece)))
            for i, piece in enumerate(pieces)
        )
        out.append(bullet + said)
    return "\n".join(out)


def _refs(numbers: str, footnotes: Mapping[int, int] | None) -> str:
    """The answer's marker "[1, 2]" as it is, or as footnote references "[^3][^4]"."""
    if footnotes is None:
        return f"[{numbers}]"
    refs = [footnotes.get(int(n)) for n in numbers.split(",")]
    return "".join(f"[^{r}]" for r in refs if r is not None)
