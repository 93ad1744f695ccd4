"""An answer with its citations as Markdown (the UI's copy button, and API users' exports).

Whatever came from a report (quotes, titles, ids, answer sentences) is escaped: pasted into a
Markdown renderer it shows its tags, links and images as text and loads nothing. Only the
answerer's own `[n]` markers and list bullets stay Markdown.
"""

from __future__ import annotations

from collections.abc import Sequence

from .citations import MARKER, unescape_markers
from .safe_text import markdown_literal
from .types import Answer, Turn


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


def conversation_markdown(turns: Sequence[Turn]) -> str:
    """A conversation as Markdown: each question as a heading, its answer and citations below."""
    parts = []
    for turn in turns:
        parts.append(f"## {markdown_literal(' '.join(turn.question.split()))}\n")
        if turn.answer.standalone_question != turn.question:
            searched = markdown_literal(turn.answer.standalone_question)
            parts.append(f"*searched for: {searched}*\n")
        parts.append(answer_markdown(turn.answer))
    return "\n".join(parts)


def _answer_text(text: str) -> str:
    out = []
    for line in text.split("\n"):
        bullet = "- " if line.startswith("- ") else ""
        pieces = MARKER.split(line[len(bullet) :])  # text, marker number, text, ...
        said = "".join(
            f"[{piece}]" if i % 2 else markdown_literal(unescape_markers(piece))
            for i, piece in enumerate(pieces)
        )
        out.append(bullet + said)
    return "\n".join(out)
