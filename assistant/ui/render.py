"""Pure rendering for the Gradio UI: answers, sources, reports -> HTML/Markdown strings.

Reports are untrusted text. Two rules keep them inert:
- everything that goes into a `gr.HTML` (which renders raw HTML, inline handlers included) is
  `html.escape`d here, piece by piece;
- text shown in the `gr.Chatbot` (which renders Markdown and would load remote Markdown images)
  has every ASCII punctuation character turned into a numeric character reference, so neither
  Markdown nor HTML syntax survives: the browser shows the characters, nothing is parsed or loaded.
Only the markup written in this module (marker spans, emphasis) is interpreted. A `[7]` quoted
from a report is escaped in answer text (`\\[7]`, see `citations.escape_markers`): it is shown as
text, never as a marker.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date

from ..answerers import ABSTAIN_TEXT
from ..citations import unescape_markers
from ..conversations import ConversationInfo, SavedConversation
from ..library import SORT_LABELS, LibraryPage
from ..markdown import answer_markdown
from ..types import Answer, Citation, IngestSummary, ReportInfo, ScoredPassage, Turn
from .accounts_view import accounts_html

MARKER = re.compile(r"(?<!\\)\[(\d+)\]")  # the answerer's own: escaped ones are report text
_HOLD_OPEN, _HOLD_CLOSE = "\ue000", "\ue001"  # private-use characters: never markup
_HELD = re.compile(f"{_HOLD_OPEN}(\\d+){_HOLD_CLOSE}")
CONTEXT_CHARS = 280  # shown either side of a quote when no retrieved passage holds it
SNIPPET_CHARS = 320  # of a considered passage shown for an abstention
CONSIDERED_SHOWN = 3  # closest passages shown when the answer abstains
Message = dict[str, str]


def escape(text: str) -> str:
    """Text for an HTML element or attribute (gr.HTML runs whatever markup it is given)."""
    return html.escape(text, quote=True)


def inert(text: str) -> str:
    """Text for the Chatbot's Markdown renderer, shown literally: no Markdown, HTML, links,
    images, autolinks or LaTeX. Line breaks survive; runs of spaces and blank lines collapse."""
    paragraphs = []
    for para in re.split(r"\n\s*\n", text):
        lines = [" ".join(line.split()) for line in para.split("\n")]
        if any(lines):
            paragraphs.append("\n".join(_entities(line) for line in lines if line))
    return "\n\n".join(paragraphs)


def _entities(text: str) -> str:
    return "".join(f"&#{ord(ch)};" if _is_markup(ch) else ch for ch in text)


def _is_markup(ch: str) -> bool:
    return ch.isascii() and not ch.isalnum() and ch != " "


def meta_line(published: date | None, source: str | None) -> str:
    """'2024-05-01 · Reuters', or '' when neither is known (plain text, not escaped)."""
    return " · ".join(x for x in (published.isoformat() if published else None, source) if x)


# chat -----------------------------------------------------------------------------------------


def answer_message(answer: Answer) -> str:
    """Chatbot content of a final answer: inert text with `[n]` markers as hoverable, clickable
    spans (the title shows the source), and a plain note when the reports do not answer."""
    by_marker = {c.marker: c for c in answer.citations}

    def hold(m: re.Match[str]) -> str:  # a placeholder that `inert` leaves alone
        n = int(m.group(1))
        return f"{_HOLD_OPEN}{n}{_HOLD_CLOSE}" if n in by_marker else m.group(0)

    text = answer.text.replace(_HOLD_OPEN, "").replace(_HOLD_CLOSE, "")
    shown = unescape_markers(MARKER.sub(hold, text))
    body = _HELD.sub(lambda m: _marker_span(by_marker[int(m.group(1))]), inert(shown))
    if answer.abstained:  # one message, not the answerer's sentence and a note saying it again
        said = answer.text.strip()  # beyond the refusal, why: e.g. a name no passage mentions
        why = said[len(ABSTAIN_TEXT) :].strip() if said.startswith(ABSTAIN_TEXT) else ""
        body = (
            "*No answer found in the reports. "
            "The closest passages it considered are shown under Sources.*"
        )
        if why:
            body += f"\n\n{inert(why)}"
    if answer.query and answer.query != answer.question:  # a follow-up, rewritten
        body += f'\n\n<span class="searched">searched for: {inert(answer.query)}</span>'
    return body


def _marker_span(c: Citation) -> str:
    quote = " ".join(c.quote.split())
    tip = f"[{c.marker}] {c.title}: “{quote}”"
    # Gradio's sanitiser keeps role and tabindex (a keyboard-reachable button) but drops
    # aria-label: the title carries the source's name and quote for assistive technology.
    return (
        f'<span class="cite" role="button" tabindex="0" title="{_entities(tip)}">'
        f"[{c.marker}]</span>"
    )


def messages(turns: Sequence[Turn]) -> list[Message]:
    """Chatbot messages (role/content) for a conversation: one user and one assistant each."""
    out: list[Message] = []
    for turn in turns:
        out.append({"role": "user", "content": inert(turn.question)})
        out.append({"role": "assistant", "content": answer_message(turn.answer)})
    return out


def pending(question: str, partial: str) -> list[Message]:
    """The exchange being streamed: the question and the answer text so far (markers plain)."""
    return [
        {"role": "user", "content": inert(question)},
        {
            "role": "assistant",
            "content": inert(unescape_markers(partial)) or "*Searching the reports…*",
        },
    ]


# sources panel --------------------------------------------------------------------------------

SOURCES_PLACEHOLDER = (
    '<div class="panel-empty">Ask a question: the sources of the answer appear here. '
    "Click or hover a [n] marker in an answer to see its source.</div>"
)


def sources_html(answer: Answer, report_text: Callable[[str], str]) -> str:
    """Sources of an answer: per citation its report, date/source, and the quote highlighted in
    its passage, with a button to open the whole report; for an abstention the passages it
    considered. `report_text` gives a report's stored text (for context around a quote)."""
    if answer.citations:
        same: dict[tuple[str, int, int], list[Citation]] = {}
        for c in answer.citations:  # one card per span, however many markers cite it
            same.setdefault((c.report_id, c.start, c.end), []).append(c)
        items = "".join(
            _citation_html(group[0], answer.considered, report_text, [c.marker for c in group])
            for group in same.values()
        )
        sides = accounts_html(answer)  # the parties side by side, above the sources they cite
        return f'<div class="sources">{sides}<h2>Sources</h2>{items}</div>'
    if answer.abstained:
        head = (
            "<h2>No answer in the reports</h2><p class='abstain'>The reports do not answer this "
            "question. These are the closest passages the assistant considered:</p>"
        )
        items = "".join(_considered_html(sp) for sp in answer.considered[:CONSIDERED_SHOWN])
        return f'<div class="sources">{head}{items or "<p>(none)</p>"}</div>'
    return '<div class="sources"><h2>Sources</h2><p>This answer cites no sources.</p></div>'


def _citation_html(
    c: Citation,
    considered: Sequence[ScoredPassage],
    report_text: Callable[[str], str],
    markers: Sequence[int] = (),
) -> str:
    """A source card; `markers` are all the markers citing its span (the card answers to each:
    the first is its id, the others anchors inside it)."""
    before, after = _context(c, considered, report_text)
    markers = list(markers) or [c.marker]
    anchors = "".join(f'<span id="src-{m}"></span>' for m in markers[1:])
    shown = "".join(f"[{m}]" for m in markers)
    return (
        f'<div class="src" id="src-{markers[0]}">{anchors}'
        f'<div class="src-head"><span class="src-n">{shown}</span> '
        f'<span class="src-title">{escape(c.title)}</span>{_support_html(c)}</div>'
        f"{_meta_html(c.published, c.source, c.report_id, c.page, c.section)}"
        f'<blockquote class="src-context">{escape(before)}'
        f'<mark class="quote">{escape(c.quote)}</mark>{escape(after)}</blockquote>'
        f"{_open_button(c.report_id, c.start, c.end, 'Open the full report')}</div>"
    )


def _support_html(c: Citation) -> str:
    """A small label with the support verdict; an unsupported citation (answerers remove them)
    is never labelled as verified: it says "not supported" and why."""
    if c.support == "unsupported":
        why = escape(c.support_reason or "not supported")
        return f' <span class="src-support unsupported" title="{why}">not supported</span>'
    tip = "the answer quotes this span" if c.support == "quoted" else "checked against this span"
    return (
        f' <span class="src-support {escape(c.support)}" title="{tip}">{escape(c.support)}</span>'
    )


def _context(
    c: Citation, considered: Sequence[ScoredPassage], report_text: Callable[[str], str]
) -> tuple[str, str]:
    """Text before and after the quote: its retrieved passage, else a window of the report."""
    for sp in considered:
        p = sp.passage
        if p.report_id == c.report_id and p.start <= c.start and c.end <= p.end:
            return p.text[: c.start - p.start], p.text[c.end - p.start :]
    try:
        text = report_text(c.report_id)
    except Exception:  # the report may be gone since: show the quote alone
        return "", ""
    if text[c.start : c.end] != c.quote:
        return "", ""
    lo = max(0, c.start - CONTEXT_CHARS)
    hi = min(len(text), c.end + CONTEXT_CHARS)
    before = text[lo : c.start]
    after = text[c.end : hi]
    if lo > 0:
        before = "…" + before.split(None, 1)[-1] if " " in before else "…" + before
    if hi < len(text):
        after = after.rsplit(None, 1)[0] + "…" if " " in after else after + "…"
    return before, after


def _considered_html(sp: ScoredPassage) -> str:
    text = " ".join(sp.passage.text.split())
    if len(text) > SNIPPET_CHARS:
        text = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "…"
    p = sp.passage
    return (
        f'<div class="src considered"><div class="src-head">'
        f'<span class="src-title">{escape(sp.title)}</span></div>'
        f"{_meta_html(sp.published, sp.source, p.report_id)}"
        f'<blockquote class="src-context">{escape(text)}</blockquote>'
        f"{_open_button(p.report_id, p.start, p.end, 'Open the full report')}</div>"
    )


def _meta_html(
    published: date | None,
    source: str | None,
    report_id: str,
    page: int | None = None,
    section: str = "",
) -> str:
    meta = meta_line(published, source)
    parts = [escape(meta)] if meta else []
    parts.append(f"<code>{escape(report_id)}</code>")
    if page is not None:
        parts.append(f'<span class="src-page">page {page}</span>')
    if section:
        parts.append(f'<span class="src-section">in “{escape(section)}”</span>')
    return f'<div class="src-meta">{" · ".join(parts)}</div>'


def _open_button(report_id: str, start: int, end: int, label: str) -> str:
    return (
        f'<button class="open-report" data-report="{escape(report_id)}" '
        f'data-start="{start}" data-end="{end}">{escape(label)}</button>'
    )


# full report view -----------------------------------------------------------------------------

REPORT_PLACEHOLDER = (
    '<div class="panel-empty">Open a source or a report to read it here; '
    "the quoted passage is highlighted.</div>"
)


def report_html(
    title: str,
    text: str,
    published: date | None = None,
    source: str | None = None,
    span: tuple[int, int] | None = None,
) -> str:
    """A whole report as text, the span (if any) wrapped in `<mark id="quote-mark">`."""
    meta = meta_line(published, source)
    head = f"<h2>{escape(title)}</h2>" + (
        f'<div class="src-meta">{escape(meta)}</div>' if meta else ""
    )
    if span is not None and 0 <= span[0] < span[1] <= len(text):
        s, e = span
        body = (
            f'{escape(text[:s])}<mark id="quote-mark" class="quote">{escape(text[s:e])}</mark>'
            f"{escape(text[e:])}"
        )
    else:
        body = escape(text)
    # a scrolled region the keyboard can reach (focus it, then arrow keys scroll it)
    scroller = '<div class="report-text" tabindex="0" role="region" aria-label="Report text">'
    return f'<div class="report">{head}{scroller}{body}</div></div>'


def notice_html(message: str) -> str:
    return f'<div class="panel-empty">{escape(message)}</div>'


# report library -------------------------------------------------------------------------------


def reports_html(infos: Iterable[ReportInfo]) -> str:
    """The stored reports: title (a button that opens the report), date, source, passages, id."""
    items = []
    for r in infos:
        day = r.published.isoformat() if r.published else ""
        if day and r.published_from == "file":  # no date stated: when the file last changed
            day += " (file date)"
        facts = [
            *([day] if day else []),
            *([r.source] if r.source else []),
            f"{r.passages} passage{'s' if r.passages != 1 else ''}",
        ]
        items.append(
            f'<li><button class="open-report link" data-report="{escape(r.id)}">'
            f'{escape(r.title)}</button><div class="src-meta">{escape(" · ".join(facts))} · '
            f"<code>{escape(r.id)}</code></div></li>"
        )
    if not items:
        return '<div class="panel-empty">No reports stored. Upload some above.</div>'
    return f'<ul class="report-list">{"".join(items)}</ul>'


def library_html(page: LibraryPage) -> str:
    """A page of the library: its reports, or why there are none."""
    if page.reports:
        return reports_html(page.reports)
    if page.stored:
        return '<div class="panel-empty">No report matches the search and filters.</div>'
    return reports_html(())


def library_count_html(page: LibraryPage) -> str:
    """Which reports a page shows: "21–40 of 1,000 reports · page 2 of 50"."""
    if not page.stored:
        return ""
    if not page.total:
        text = f"No report matches ({page.stored:,} stored)."
    else:
        whole = page.total == page.stored
        what = "reports" if whole else f"matching reports ({page.stored:,} stored)"
        text = (
            f"{page.first:,}–{page.last:,} of {page.total:,} {what} · "
            f"page {page.page} of {page.pages}"
        )
    return f'<p class="lib-count">{escape(text)}</p>'


ALL_PUBLISHERS = "All publishers"


def publisher_choices(publishers: Iterable[str]) -> list[tuple[str, str]]:
    """(label, value) pairs for the publisher filter; "" is every publisher."""
    return [(ALL_PUBLISHERS, ""), *((p, p) for p in publishers)]


def sort_choices() -> list[tuple[str, str]]:
    """(label, value) pairs for the library's order."""
    return [(label, name) for name, label in SORT_LABELS.items()]


def report_choices(infos: Iterable[ReportInfo]) -> list[tuple[str, str]]:
    """(label, id) pairs for dropdowns and checkboxes (Gradio shows labels as plain text)."""
    return [(f"{r.title} ({r.id})" if r.title != r.id else r.id, r.id) for r in infos]


def ingest_html(summary: IngestSummary) -> str:
    """What an upload did, including each file that could not be read and why."""
    lines = [f"<p>{escape(_ingest_line(summary))}</p>"]
    if summary.failed:
        items = "".join(
            f"<li><code>{escape(name)}</code>: {escape(reason)}</li>"
            for name, reason in summary.failed
        )
        lines.append(f'<div class="upload-errors"><b>Not ingested:</b><ul>{items}</ul></div>')
    return "".join(lines)


def _ingest_line(s: IngestSummary) -> str:
    parts = [
        f"{len(s.added)} added" if s.added else "",
        f"{len(s.updated)} updated" if s.updated else "",
        f"{len(s.unchanged)} unchanged" if s.unchanged else "",
        f"{len(s.failed)} failed" if s.failed else "",
    ]
    return "Upload: " + (", ".join(p for p in parts if p) or "nothing to ingest") + "."


def markdown_copy(answer: Answer | None) -> str:
    """What the copy button puts on the clipboard (see `answer_markdown`)."""
    return answer_markdown(answer) if answer is not None else ""


# saved conversations --------------------------------------------------------------------------


def conversation_choices(found: Iterable[ConversationInfo]) -> list[tuple[str, str]]:
    """(label, id) pairs for the conversation picker: title, answers, last change."""
    from datetime import datetime

    return [
        (
            f"{c.title} · {c.turns} answer{'s' if c.turns != 1 else ''} · "
            f"{datetime.fromtimestamp(c.updated).strftime('%Y-%m-%d %H:%M')}",
            c.id,
        )
        for c in found
    ]


def stale_html(saved: SavedConversation) -> str:
    """A note naming the answers whose cited reports changed or were removed since."""
    lines = [
        f"answer {i} cites {escape(rid)}, which was {what} since"
        for i, t in enumerate(saved.turns, 1)
        for rid, what in sorted(t.stale.items())
    ]
    if not lines:
        return ""
    return notice_html("⚠ " + "; ".join(lines) + ": its quotes may no longer be in the report.")
