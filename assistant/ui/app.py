"""The layout of the chat UI and the wiring of its events to `Handlers` (`assistant ui`).

Three columns: the report library and settings, the conversation, and the reading pane (sources
of the selected answer, the full report). Each panel is built by one function that returns its
components as a small dataclass, so the wiring below reads as "this event calls that handler".

Concurrency: Gradio's queue runs several questions at once (the facade is thread-safe, so one long
answer never blocks other users); uploads and removals share one queue slot, one writer at a time.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass

import gradio as gr

from ..answerers import ANSWERERS
from ..assistant import Assistant
from ..background import BackgroundIngest
from ..config import Settings
from . import render
from .handlers import Handlers
from .library_panel import Library, library_panel, wire_library
from .styles import A11Y_JS, COPY_JS, CSS, FOCUS_SOURCE_JS, LIVE_JS, PANEL_JS, SCROLL_QUOTE_JS
from .timeline_panel import timeline_panel, wire_timeline
from .welcome import Starting, Welcome, welcome_line, wire_welcome

ASK_CONCURRENCY = 8  # questions answered at once (streaming from a server is mostly waiting)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
OPEN_WARNING = (
    "\n*** WARNING: the UI is served on {host} without a login: anyone who can reach this "
    "address can read every report. Set ASSISTANT_UI_AUTH=user:password (and list editors in "
    "ASSISTANT_UI_EDITORS), or serve on 127.0.0.1. ***\n"
)
INTRO = (
    "# Report assistant\nAsk about the reports: every answer cites the report sentences "
    "it rests on. Click a **[n]** marker to see its source in context."
)
OPENAI_HINT = "openai: set OPENAI_API_KEY or OPENAI_BASE_URL to enable"
STOP_WAIT = 30.0  # seconds a stopped UI waits for its background ingest to stop at a file's end
FIRST_INGEST = "first-ingest.pending"  # in the data folder while the first start's ingest runs


@dataclass(frozen=True)
class Options:
    """The Settings accordion: what every question is asked with."""

    backend: gr.Radio
    top_k: gr.Slider
    only: gr.Dropdown


@dataclass(frozen=True)
class Conversation:
    """The chat, its input row, the status line and the answer-as-Markdown controls."""

    chatbot: gr.Chatbot
    msg: gr.Textbox
    send: gr.Button
    status: gr.HTML
    new_btn: gr.Button
    copy_btn: gr.Button
    answer_md: gr.Textbox


@dataclass(frozen=True)
class Reading:
    """The reading pane: sources of the selected answer and the opened report."""

    sources: gr.HTML
    report_view: gr.HTML


@dataclass(frozen=True)
class Saved:
    """The Conversations accordion: saved conversations to search, reopen, rename, delete."""

    search: gr.Textbox
    pick: gr.Dropdown
    title: gr.Textbox
    rename_btn: gr.Button
    delete_btn: gr.Button
    status: gr.HTML
    export_format: gr.Radio
    export_btn: gr.Button
    export_file: gr.File


@dataclass(frozen=True)
class Panels:
    """Every component an event reads or writes, plus the session's conversation (`gr.State`):
    its turns and the id it is saved under ("" until its first answer)."""

    turns: gr.State
    conv_id: gr.State
    saved: Saved
    library: Library
    options: Options
    chat: Conversation
    reading: Reading
    welcome: Welcome


def backend_choices() -> list[str]:
    """Every registered answerer: a backend added to the registry shows up without UI changes."""
    return ANSWERERS.names()


def build_app(assistant: Assistant) -> gr.Blocks:
    """The whole UI on one Assistant; launch it with `launch()` (which passes CSS and the queue)."""
    handlers = Handlers(assistant)
    app = gr.Blocks(title="Report assistant", fill_width=True)
    with app:
        turns = gr.State([])
        conv_id = gr.State("")
        gr.Markdown(INTRO, elem_id="intro")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                saved = _saved_panel()
                library = library_panel()
                options = _options_panel(assistant.settings)
            with gr.Column(scale=3, min_width=420), gr.Tabs():
                with gr.Tab("Chat", id="chat-tab"):
                    welcome = welcome_line()
                    chat = _conversation_panel()
                with gr.Tab("Timeline", id="timeline-tab"):
                    timeline = timeline_panel()
            with gr.Column(scale=2, min_width=320):
                reading = _reading_panel()
        panels = Panels(turns, conv_id, saved, library, options, chat, reading, welcome)
        _wire_conversation(app, handlers, Starting(assistant), panels)
        _wire_saved(app, handlers, panels)
        wire_library(app, handlers, library, options.only)
        wire_timeline(
            timeline, lambda q, since, until: assistant.timeline(q, since=since, until=until)
        )
    return app


def _saved_panel() -> Saved:
    with gr.Accordion("Conversations", open=True, elem_id="saved-panel"):
        search = gr.Textbox(
            placeholder="Search saved conversations…", show_label=False, elem_id="conv-search"
        )
        pick = gr.Dropdown([], value=None, label="Reopen a saved conversation", elem_id="conv-pick")
        with gr.Row():
            title = gr.Textbox(
                placeholder="New title", show_label=False, elem_id="conv-title", scale=3
            )
            rename_btn = gr.Button("Rename", elem_id="conv-rename", size="sm", min_width=70)
            delete_btn = gr.Button(
                "Delete", variant="stop", elem_id="conv-delete", size="sm", min_width=70
            )
        status = gr.HTML("", elem_id="conv-status", js_on_load=LIVE_JS)
        with gr.Row():
            export_format = gr.Radio(
                ["md", "docx", "json"], value="md", show_label=False, elem_id="export-format"
            )
            export_btn = gr.Button("Export", elem_id="conv-export", size="sm", min_width=70)
        # Shown once there is a file: Gradio's empty file box puts an aria-label on a plain div
        # (axe: aria-prohibited-attr, serious).
        export_file = gr.File(
            label="Exported conversation (citations as footnotes)",
            interactive=False,
            visible=False,
            elem_id="export-file",
        )
    return Saved(
        search, pick, title, rename_btn, delete_btn, status, export_format, export_btn, export_file
    )


def _options_panel(settings: Settings) -> Options:
    with gr.Accordion("Settings", open=False, elem_id="settings"):
        backend = gr.Radio(
            backend_choices(),
            value=settings.chosen_backend,
            label="Backend",
            info=None if settings.openai_configured else OPENAI_HINT,
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
        only = gr.Dropdown(
            [],
            value=[],
            multiselect=True,
            label="Only these reports (none chosen = all)",
            elem_id="filter",
        )
    return Options(backend, top_k, only)


def _conversation_panel() -> Conversation:
    chatbot = gr.Chatbot(
        elem_id="chatbot",
        label="Conversation",
        height=520,
        buttons=[],
        feedback_options=None,
        placeholder="**Ask a question about the reports.** Every answer cites the report "
        "sentences it rests on.",
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
        send = gr.Button("Ask", variant="primary", elem_id="send", scale=1, min_width=80)
    status = gr.HTML("", elem_id="status", js_on_load=LIVE_JS)
    with gr.Row():
        new_btn = gr.Button("New conversation", elem_id="new-chat", size="sm")
        copy_btn = gr.Button("Copy answer as Markdown", elem_id="copy-md", size="sm")
    with gr.Accordion("Answer as Markdown", open=False, elem_id="answer-md-panel"):
        answer_md = gr.Textbox(
            show_label=False, lines=6, interactive=False, buttons=["copy"], elem_id="answer-md"
        )
    return Conversation(chatbot, msg, send, status, new_btn, copy_btn, answer_md)


def _reading_panel() -> Reading:
    sources = gr.HTML(render.SOURCES_PLACEHOLDER, elem_id="sources", js_on_load=PANEL_JS)
    report_view = gr.HTML(render.REPORT_PLACEHOLDER, elem_id="report-view", js_on_load=None)
    return Reading(sources, report_view)


def _wire_conversation(app: gr.Blocks, handlers: Handlers, starting: Starting, ui: Panels) -> None:
    """Asking (typed, or a suggested question clicked), picking an earlier answer, opening
    reports, starting over (the suggestions drawn again), copying."""
    chat, reading = ui.chat, ui.reading
    ask_inputs = [
        chat.msg, ui.turns, ui.options.backend, ui.options.top_k, ui.options.only, ui.conv_id,
        ui.saved.search,
    ]  # fmt: skip
    ask_outputs = [
        chat.msg, chat.chatbot, ui.turns, reading.sources, chat.answer_md, chat.status,
        ui.conv_id, ui.saved.pick,
    ]  # fmt: skip
    for trigger in (chat.msg.submit, chat.send.click):
        trigger(handlers.ask, ask_inputs, ask_outputs, concurrency_limit=ASK_CONCURRENCY)
    picked = wire_welcome(app, starting, ui.welcome, (chat.chatbot, chat.msg, chat.status))
    picked.then(handlers.ask, ask_inputs, ask_outputs, concurrency_limit=ASK_CONCURRENCY)
    chat.chatbot.select(handlers.pick_turn, [ui.turns], [reading.sources, chat.answer_md]).then(
        None, js=FOCUS_SOURCE_JS
    )
    for panel in (reading.sources, ui.library.reports):
        panel.click(handlers.open_report, None, [reading.report_view]).then(
            None, js=SCROLL_QUOTE_JS
        )
    cleared = [
        chat.chatbot,
        ui.turns,
        reading.sources,
        chat.answer_md,
        chat.status,
        reading.report_view,
        ui.conv_id,
    ]
    for cleared_by in (chat.new_btn.click, chat.chatbot.clear):
        cleared_by(handlers.new_conversation, None, cleared).then(
            starting.examples, None, [chat.chatbot], show_progress="hidden"
        )
    chat.copy_btn.click(None, [chat.answer_md], None, js=COPY_JS)


def _wire_saved(app: gr.Blocks, handlers: Handlers, ui: Panels) -> None:
    """Saved conversations: the list (on load, and as the search changes), reopening one into
    the chat, renaming and deleting; each person sees only their own (login name)."""
    saved, chat, reading = ui.saved, ui.chat, ui.reading
    saved.search.change(handlers.conversation_list, [saved.search], [saved.pick])
    app.load(handlers.conversation_list, [saved.search], [saved.pick])
    opened = [
        chat.chatbot, ui.turns, ui.conv_id, reading.sources, chat.answer_md, saved.status,
        saved.title,
    ]  # fmt: skip
    saved.pick.input(handlers.open_conversation, [saved.pick], opened)
    saved.rename_btn.click(
        handlers.rename_conversation,
        [ui.conv_id, saved.title, saved.search],
        [saved.pick, saved.status],
    )
    saved.export_btn.click(
        handlers.export_conversation,
        [ui.conv_id, saved.export_format],
        [saved.export_file, saved.status],
    )
    saved.delete_btn.click(
        handlers.delete_conversation,
        [ui.conv_id, saved.search],
        [saved.pick, saved.status, chat.chatbot, ui.turns, ui.conv_id, reading.sources],
    )


def launch(
    assistant: Assistant, host: str = "127.0.0.1", port: int = 7860, *, block: bool = True
) -> gr.Blocks:
    """Serve the UI. On a first start (empty store) the corpus folder is ingested in the
    background while pages are served: they show its progress, and questions asked meanwhile
    are answered from the reports stored so far. With `block=False` return at once with the
    server running (tests; `Assistant.ingest_progress()` says when the ingest is done);
    `app.close()` stops it. Stopped with Ctrl-C, a running ingest stops at the end of a file."""
    ingest = first_start_ingest(assistant)
    logins = assistant.settings.ui_logins
    if not logins and host not in LOOPBACK:
        print(OPEN_WARNING.format(host=host), file=sys.stderr)
    app = build_app(assistant)
    app.queue(default_concurrency_limit=ASK_CONCURRENCY)
    app.launch(
        server_name=host,
        server_port=port,
        auth=logins or None,
        share=False,
        prevent_thread_lock=not block,
        quiet=not block,
        css=CSS,
        js=A11Y_JS,
    )
    if block and ingest is not None and ingest.running:  # the server was stopped (Ctrl-C)
        print("stopping the ingest after the report it is on…", file=sys.stderr)
        with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C: stop now
            ingest.cancel(STOP_WAIT)
    return app


def first_start_ingest(assistant: Assistant) -> BackgroundIngest | None:
    """On an empty store, start ingesting the corpus folder in the background (its summary
    line is printed when it ends); also when the first start's ingest was cut short (the
    next start goes on where it stopped). None when there is nothing to do."""
    corpus = assistant.settings.corpus_dir
    pending = assistant.settings.data_dir / FIRST_INGEST
    if corpus is None or not corpus.is_dir() or (assistant.reports() and not pending.exists()):
        return None
    again = " (again: the last start stopped before it was done)" if pending.exists() else ""
    print(f"ingesting {corpus} in the background{again}", file=sys.stderr)
    return assistant.ingest_in_background(
        [corpus], on_done=lambda done: print(done.line(), file=sys.stderr), pending=pending
    )


__all__ = ["ASK_CONCURRENCY", "backend_choices", "build_app", "first_start_ingest", "launch"]
