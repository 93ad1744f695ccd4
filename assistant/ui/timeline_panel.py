"""The Timeline tab: the dated events of the reports in order, each a cited sentence with its day
and how sure that day is, conflicting days flagged. One `Assistant.timeline` call per request;
laid out and wired here so `app` stays a page of panels."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import gradio as gr

from ..errors import AssistantError
from ..timeline import Timeline

TimelineOf = Callable[[str | None, date | None, date | None], Timeline]


@dataclass(frozen=True)
class TimelinePanel:
    query: gr.Textbox
    since: gr.Textbox
    until: gr.Textbox
    show: gr.Button
    events: gr.HTML


def timeline_panel() -> TimelinePanel:
    with gr.Row():
        query = gr.Textbox(label="Events about (optional)", placeholder="a name, a place, a topic")
        since = gr.Textbox(label="From (YYYY-MM-DD)", max_lines=1)
        until = gr.Textbox(label="To (YYYY-MM-DD)", max_lines=1)
    show = gr.Button("Show timeline")
    events = gr.HTML(
        '<div class="panel-empty">The dated events of the reports, in order.</div>',
        elem_id="timeline",
    )
    return TimelinePanel(query, since, until, show, events)


def wire_timeline(panel: TimelinePanel, timeline_of: TimelineOf) -> None:
    def run(query: str, since: str, until: str) -> str:
        try:
            bounds = [date.fromisoformat(v.strip()) if v.strip() else None for v in (since, until)]
        except ValueError:
            return _notice("Dates are written YYYY-MM-DD, e.g. 2024-12-08.")
        try:
            found = timeline_of(query.strip() or None, bounds[0], bounds[1])
        except AssistantError as exc:
            return _notice(str(exc))
        return timeline_html(found)

    inputs = [panel.query, panel.since, panel.until]
    panel.show.click(run, inputs, panel.events)
    panel.query.submit(run, inputs, panel.events)


def _notice(message: str) -> str:
    return f'<div class="upload-errors" role="alert">{html.escape(message)}</div>'


def timeline_html(timeline: Timeline) -> str:
    """Events grouped by day, in order: the day (with its certainty), then each cited sentence
    with its report; a day another report contradicts is flagged with the other day."""
    if not timeline.events:
        return '<div class="panel-empty">No dated events found.</div>'
    by_number = {e.number: e for e in timeline.events}
    rows: list[str] = []
    day = ""
    for e in timeline.events:
        label = e.date.label()
        if label != day:
            if day:
                rows.append("</ul>")
            rows.append(f"<h3>{html.escape(label)}</h3><ul class='report-list'>")
            day = label
        c = e.citation
        flag = ""
        if e.conflicts:
            others = "; ".join(
                html.escape(by_number[n].date.label()) for n in e.conflicts if n in by_number
            )
            flag = (
                f' <strong class="src-support unsupported">another report says: {others}</strong>'
            )
        rows.append(
            f"<li><blockquote class='src-context'>{html.escape(' '.join(c.quote.split()))}"
            f"</blockquote><span class='src-meta'>{html.escape(c.title)} · "
            f"<code>{html.escape(c.report_id)}</code></span>{flag}</li>"
        )
    rows.append("</ul>")
    head = f"<h2>Timeline</h2><p class='lib-count'>{len(timeline.events)} dated events</p>"
    return f'<div class="timeline">{head}{"".join(rows)}</div>'
