"""The Gradio chat UI: a thin shell over the `Assistant` facade (`assistant ui`).

Each handler is one facade call plus rendering (`ui_render`, pure functions). A conversation
lives in a per-session `gr.State` (the list of `Turn`s), never in a module global, so two browser
sessions never see each other's history. Reports are untrusted: `ui_render` escapes everything
shown in `gr.HTML` and makes text shown in the Chatbot inert.

Concurrency: Gradio's queue runs several questions at once; the facade is thread-safe, so one long
answer (or upload) never blocks other users.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from . import ui_render as render
from .assistant import Assistant
from .errors import AssistantError
from .types import Turn

HISTORY_WINDOW = 6  # turns a follow-up question is condensed with
ASK_CONCURRENCY = 8  # questions answered at once (streaming from a server is mostly waiting)

CSS = """
#chatbot .cite { color: var(--color-accent); cursor: pointer; font-weight: 600;
  font-size: .85em; vertical-align: super; padding: 0 1px; }
#chatbot .cite:hover { text-decoration: underline; }
.sources h3, .report h3 { margin: .2em 0 .5em; }
.src { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
  margin-bottom: 8px; transition: box-shadow .3s; }
.src.flash { box-shadow: 0 0 0 3px var(--color-accent); }
.src-n { font-weight: 700; color: var(--color-accent); }
.src-title { font-weight: 600; }
.src-meta { font-size: .85em; opacity: .75; margin: 2px 0 4px; }
.src-context { margin: 4px 0; padding-left: 8px; border-left: 3px solid var(--border-color-primary);
  white-space: pre-wrap; }
mark.quote { background: #fde68a; color: #111; padding: 0 1px; }
button.open-report { font-family: inherit; font-size: .85em; color: var(--color-accent);
  background: none; border: none; padding: 0; cursor: pointer; text-decoration: underline; }
button.open-report.link { text-align: left; font-size: 1em; font-weight: 600; }
.report-text { white-space: pre-wrap; max-height: 420px; overflow-y: auto; line-height: 1.5; }
.report-list { list-style: none; padding: 0; margin: 4px 0; }
.report-list li { padding: 4px 2px; border-bottom: 1px solid var(--border-color-primary);
  overflow-wrap: anywhere; }
.panel-empty { opacity: .7; font-size: .9em; padding: 4px; }
.upload-errors { color: var(--error-text-color, #b91c1c); }
.abstain { font-weight: 600; }
"""

# Clicks on buttons inside the sources/report panels are sent to Python with their data.
# The document listener remembers which [n] marker was clicked in the chat, so that after the
# message's select event has rendered its sources, FOCUS_SOURCE_JS can bring that source into view.
PANEL_JS = """
element.addEventListener('click', (e) => {
  const b = e.target.closest('button.open-report');
  if (b) trigger('click', {report: b.dataset.report, start: b.dataset.start || '',
                           end: b.dataset.end || ''});
});
if (!window.__citeListener) {
  window.__citeListener = true;
  document.addEventListener('click', (e) => {
    const c = e.target.closest ? e.target.closest('#chatbot .cite') : null;
    window.__citeMarker = c ? c.textContent.replace(/[^0-9]/g, '') : null;
  }, true);
}
"""
FOCUS_SOURCE_JS = """() => {
  const n = window.__citeMarker; window.__citeMarker = null;
  const el = n ? document.getElementById('src-' + n) : null;
  if (!el) return;
  el.scrollIntoView({block: 'nearest'});
  el.classList.add('flash'); setTimeout(() => el.classList.remove('flash'), 1500);
}"""
SCROLL_QUOTE_JS = """() => {
  const m = document.getElementById('quote-mark');
  if (m) m.scrollIntoView({block: 'center'});
}"""
COPY_JS = """(md) => {
  if (!md) return;
  if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(md); return; }
  const t = document.querySelector('#answer-md textarea');
  if (t) { t.select(); document.execCommand('copy'); }
}"""


def build_app(assistant: Assistant) -> gr.Blocks:
    """The whole UI on one Assistant; launch it with `launch()` (which passes CSS and the queue)."""
    settings = assistant.settings
    backends = ["extractive", *(["openai"] if settings.openai_configured else [])]

    def library(selected: Sequence[str] | None = None) -> tuple[str, Any, Any]:
        """Report list HTML, the remove dropdown and the filter checkboxes, freshly listed."""
        infos = assistant.reports()
        choices = render.report_choices(infos)
        ids = {r.id for r in infos}
        kept = [r for r in selected or [] if r in ids]
        return (
            render.reports_html(infos),
            gr.update(choices=choices, value=None),
            gr.update(choices=choices, value=kept),
        )

    def ask(
        message: str,
        turns: list[Turn],
        backend: str,
        top_k: float,
        selected: list[str] | None,
    ) -> Iterator[tuple[Any, ...]]:
        question = message.strip()
        if not question:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), ""
            return
        shown = render.messages(turns)
        yield "", [*shown, *render.pending(question, "")], turns, gr.skip(), gr.skip(), ""
        try:
            stream = assistant.stream(
                question,
                history=turns[-HISTORY_WINDOW:],
                backend=backend,
                top_k=int(top_k),
                report_ids=selected or None,
            )
            text = ""
            for delta in stream:
                text += delta
                yield gr.skip(), [*shown, *render.pending(question, text)], *([gr.skip()] * 4)
            answer = stream.result()
        except AssistantError as exc:
            yield message, shown, turns, gr.skip(), gr.skip(), render.notice_html(f"⚠ {exc}")
            return
        turns = [*turns, Turn(question, answer)]
        yield (
            "",
            render.messages(turns),
            turns,
            render.sources_html(answer, assistant.report_text),
            render.markdown_copy(answer),
            "",
        )

    def pick_turn(turns: list[Turn], evt: gr.SelectData) -> tuple[Any, Any]:
        index = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        if not isinstance(index, int) or not 0 <= index // 2 < len(turns):
            return gr.skip(), gr.skip()
        answer = turns[index // 2].answer
        return render.sources_html(answer, assistant.report_text), render.markdown_copy(answer)

    def open_report(evt: gr.EventData) -> str:
        report_id = str(getattr(evt, "report", "") or "")
        start, end = _int(getattr(evt, "start", None)), _int(getattr(evt, "end", None))
        try:
            report = assistant.report(report_id)
        except AssistantError as exc:
            return render.notice_html(str(exc))
        span = (start, end) if start is not None and end is not None else None
        return render.report_html(report.title, report.text, report.published, report.source, span)

    def upload(
        files: Sequence[str] | None,
        selected: list[str] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[Any, ...]:
        paths = [Path(f) for f in files or []]
        if not paths:
            return None, gr.skip(), *library(selected)

        def step(done: int, total: int, name: str) -> None:
            progress(done / total if total else 1.0, desc=f"ingesting {name}" if name else "done")

        summary = assistant.ingest(paths, progress=step)
        if summary.failed:
            gr.Warning(
                f"{len(summary.failed)} file(s) could not be ingested: see the Reports panel."
            )
        return None, render.ingest_html(summary), *library(selected)

    def remove(report_id: str | None, selected: list[str] | None) -> tuple[Any, ...]:
        if not report_id:
            return render.notice_html("Choose a report to remove."), *library(selected)
        try:
            assistant.remove(report_id)
            status = render.notice_html(f"Removed {report_id}.")
        except AssistantError as exc:
            status = render.notice_html(f"⚠ {exc}")
        return status, *library(selected)

    def new_conversation() -> tuple[Any, ...]:
        return [], [], render.SOURCES_PLACEHOLDER, "", "", render.REPORT_PLACEHOLDER

    app = gr.Blocks(title="Report assistant", fill_width=True)
    with app:
        turns_state = gr.State([])
        gr.Markdown(
            "## Report assistant\nAsk about the reports: every answer cites the report sentences "
            "it rests on. Click a **[n]** marker to see its source in context.",
            elem_id="intro",
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                with gr.Accordion("Reports", open=True, elem_id="reports-panel"):
                    uploader = gr.File(
                        label="Upload reports (.txt .md .html .pdf .docx)",
                        file_count="multiple",
                        elem_id="upload",
                    )
                    upload_status = gr.HTML("", elem_id="upload-status", js_on_load=None)
                    report_list = gr.HTML(
                        render.reports_html([]), elem_id="report-list", js_on_load=PANEL_JS
                    )
                    with gr.Row():
                        remove_pick = gr.Dropdown(
                            [], label="Remove a report", elem_id="remove-pick", scale=3
                        )
                        remove_btn = gr.Button(
                            "Remove", variant="stop", elem_id="remove", scale=1, min_width=80
                        )
                with gr.Accordion("Settings", open=False, elem_id="settings"):
                    backend = gr.Radio(
                        backends,
                        value=settings.chosen_backend,
                        label="Backend",
                        info=None
                        if settings.openai_configured
                        else "openai: set OPENAI_API_KEY or OPENAI_BASE_URL to enable",
                        elem_id="backend",
                    )
                    top_k = gr.Slider(
                        1,
                        max(20, settings.top_k),
                        value=settings.top_k,
                        step=1,
                        label="Passages per answer",
                        elem_id="top-k",
                    )
                    only = gr.CheckboxGroup(
                        [],
                        label="Only these reports (none ticked = all)",
                        elem_id="filter",
                    )
            with gr.Column(scale=3, min_width=420):
                chatbot = gr.Chatbot(
                    elem_id="chatbot",
                    label="Conversation",
                    height=520,
                    buttons=[],
                    feedback_options=None,
                    placeholder="Ask a question about the reports, e.g. "
                    "*How many people were killed in the shelling?*",
                )
                with gr.Row():
                    msg = gr.Textbox(
                        placeholder="Ask about the reports…",
                        show_label=False,
                        elem_id="msg",
                        scale=5,
                        autofocus=True,
                        max_lines=6,
                    )
                    send = gr.Button(
                        "Ask", variant="primary", elem_id="send", scale=1, min_width=80
                    )
                status = gr.HTML("", elem_id="status", js_on_load=None)
                with gr.Row():
                    new_btn = gr.Button("New conversation", elem_id="new-chat", size="sm")
                    copy_btn = gr.Button("Copy answer as Markdown", elem_id="copy-md", size="sm")
                with gr.Accordion("Answer as Markdown", open=False, elem_id="answer-md-panel"):
                    answer_md = gr.Textbox(
                        show_label=False,
                        lines=6,
                        interactive=False,
                        buttons=["copy"],
                        elem_id="answer-md",
                    )
            with gr.Column(scale=2, min_width=320):
                sources = gr.HTML(
                    render.SOURCES_PLACEHOLDER, elem_id="sources", js_on_load=PANEL_JS
                )
                report_view = gr.HTML(
                    render.REPORT_PLACEHOLDER, elem_id="report-view", js_on_load=None
                )

        ask_inputs = [msg, turns_state, backend, top_k, only]
        ask_outputs = [msg, chatbot, turns_state, sources, answer_md, status]
        for trigger in (msg.submit, send.click):
            trigger(ask, ask_inputs, ask_outputs, concurrency_limit=ASK_CONCURRENCY)
        chatbot.select(pick_turn, [turns_state], [sources, answer_md]).then(
            None, js=FOCUS_SOURCE_JS
        )
        for panel in (sources, report_list):
            panel.click(open_report, None, [report_view]).then(None, js=SCROLL_QUOTE_JS)
        cleared = [chatbot, turns_state, sources, answer_md, status, report_view]
        new_btn.click(new_conversation, None, cleared)
        chatbot.clear(new_conversation, None, cleared)
        copy_btn.click(None, [answer_md], None, js=COPY_JS)
        uploader.upload(
            upload,
            [uploader, only],
            [uploader, upload_status, report_list, remove_pick, only],
            concurrency_limit=1,
            concurrency_id="store-writes",
        )
        remove_btn.click(
            remove,
            [remove_pick, only],
            [upload_status, report_list, remove_pick, only],
            concurrency_limit=1,
            concurrency_id="store-writes",
        )
        app.load(library, [only], [report_list, remove_pick, only])
    return app


def launch(
    assistant: Assistant, host: str = "127.0.0.1", port: int = 7860, *, block: bool = True
) -> gr.Blocks:
    """Serve the UI; on first start (empty store) ingest the sample corpus. With `block=False`
    return at once with the server running (tests); `app.close()` stops it."""
    if not assistant.reports() and assistant.settings.corpus_dir.is_dir():
        print(f"the store is empty: ingesting {assistant.settings.corpus_dir}", file=sys.stderr)
        print(assistant.ingest([assistant.settings.corpus_dir]).line(), file=sys.stderr)
    app = build_app(assistant)
    app.queue(default_concurrency_limit=ASK_CONCURRENCY)
    app.launch(
        server_name=host,
        server_port=port,
        share=False,
        prevent_thread_lock=not block,
        quiet=not block,
        css=CSS,
    )
    return app


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


__all__ = ["CSS", "build_app", "launch"]
