"""Who says what, side by side: one card per party of an answer (its name, stance and the quotes
that carry its version, each with its marker), and the values sources disagree on. Everything
shown is report text, escaped."""

from __future__ import annotations

import html

from ..types import Answer, Citation

escape = html.escape  # as render.escape (which imports this module, so it cannot be imported here)


def accounts_html(answer: Answer) -> str:
    """The parties' cards and the disagreements of an answer ("" when it has neither)."""
    by_marker = {c.marker: c for c in answer.citations}
    parts: list[str] = []
    if answer.accounts:
        cards = "".join(
            _card(
                a.speaker, a.stance, a.names, [by_marker[m] for m in a.citations if m in by_marker]
            )
            for a in answer.accounts
        )
        parts.append(
            '<section class="accounts" aria-label="Accounts"><h2>Accounts</h2>'
            f'<div class="account-cards">{cards}</div></section>'
        )
    for d in answer.disagreements:
        values = "".join(
            f"<li><strong>{escape(value)}</strong> "
            + " ".join(f'<span class="src-n">[{m}]</span>' for m in markers)
            + "</li>"
            for value, markers in d.values
        )
        parts.append(
            '<section class="disagreement" role="note"><h2>Sources disagree</h2>'
            f"<p>on {escape(d.about)}:</p><ul>{values}</ul></section>"
        )
    return "".join(parts)


def _card(speaker: str, stance: str, names: tuple[str, ...], cited: list[Citation]) -> str:
    also = f'<div class="src-meta">also: {escape(", ".join(names))}</div>' if names else ""
    mood = f' <span class="src-support">{escape(stance)}</span>' if stance else ""
    quotes = "".join(
        f'<blockquote class="src-context"><span class="src-n">[{c.marker}]</span> '
        f"{escape(' '.join(c.quote.split()))}</blockquote>"
        for c in cited
    )
    return (
        f'<article class="account"><h3 class="src-title">{escape(speaker)}{mood}</h3>'
        f"{also}{quotes}</article>"
    )
